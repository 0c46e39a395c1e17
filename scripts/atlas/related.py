"""Related papers computed from text similarity, never from citations.

In: an `Atlas`. Out: for every paper, its `TOP_N` most similar other papers with the score, where
the score is the cosine similarity of scikit-learn's TF-IDF vectors of title + abstract
(`TfidfVectorizer(stop_words="english", sublinear_tf=True, strip_accents="unicode")`).

Every pair is scored, `CHUNK` rows of the similarity matrix at a time, so memory stays
O(CHUNK x papers) and the time grows with the number of pairs (seconds at 10,000 papers).

The result is deterministic: papers are taken in id order, scores are rounded to `DECIMALS`
places before ranking (so the last bits of floating point cannot reorder two papers), equal
scores are ranked by paper id, and pairs below `MIN_SCORE` are not listed.
"""

from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path

from .model import Atlas

TOP_N = 5
# Pairs scoring below this are not listed or drawn. Chosen from the atlas's own data: among the
# real atlas's top-5 pairs, those scoring under 0.10 share a top-level topic no more often than
# two papers drawn at random (0.37 to 0.56 against 0.51), while those from 0.10 up share one 82 %
# of the time or more (tests/test_related.py checks this on the real data on every run).
MIN_SCORE = 0.10
DECIMALS = 4
CHUNK = 512  # rows of the similarity matrix held at once


def tfidf_matrix(texts: list[str] | None = None):
    """One L2-normalised TF-IDF row per text (a scipy CSR matrix); with no texts, only the import."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if texts is None:
        return None
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, strip_accents="unicode")
    return vectorizer.fit_transform(texts)


def related_papers(atlas: Atlas, n: int = TOP_N, min_score: float = MIN_SCORE) -> dict[str, list[tuple[str, float]]]:
    """`{paper id: [(other id, score), ...]}`, best first, at most `n` each scoring at least
    `min_score` (and above 0), ties by id."""
    return similar_texts(_texts(atlas), n, min_score)


def _texts(atlas: Atlas) -> tuple[tuple[str, str], ...]:
    return tuple((pid, f"{atlas.papers[pid].title}\n{atlas.papers[pid].abstract}") for pid in sorted(atlas.papers))


_POOL: ProcessPoolExecutor | None = None
_SCRIPTS = Path(__file__).resolve().parents[1]


def start_worker() -> None:
    """Start the process that computes related papers on the other core, and have it import
    scikit-learn while the build reads the data. Started once: `mkdocs serve` keeps it."""
    global _POOL
    if _POOL is None:
        # The worker imports this module by name, so it needs the folder that holds the package
        # on its path (MkDocs takes the hook's folder off sys.path again after loading it).
        if str(_SCRIPTS) not in sys.path:
            sys.path.append(str(_SCRIPTS))
        _POOL = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=tfidf_matrix)


def related_in_background(atlas: Atlas) -> Future:
    """`related_papers(atlas)`, computed by the worker while the build renders other pages."""
    start_worker()
    return _POOL.submit(similar_texts, _texts(atlas))


@lru_cache(maxsize=4)  # an edit that changes no title or abstract scores nothing again
def similar_texts(texts: tuple[tuple[str, str], ...], n: int = TOP_N,
                  min_score: float = MIN_SCORE) -> dict[str, list[tuple[str, float]]]:
    """`related_papers` of `(id, title and abstract)` pairs sorted by id."""
    import numpy as np

    ids = [pid for pid, _ in texts]
    out: dict[str, list[tuple[str, float]]] = {pid: [] for pid in ids}
    if len(ids) < 2:
        return out
    matrix = tfidf_matrix([text for _, text in texts])
    for lo in range(0, len(ids), CHUNK):
        block = np.round((matrix[lo:lo + CHUNK] @ matrix.T).toarray(), DECIMALS)
        for r, scores in enumerate(block):
            scores[lo + r] = 0.0  # not its own neighbour
            # Best first, ties by id (the column order): a stable sort of the negated scores.
            for c in np.argsort(-scores, kind="stable")[:n]:
                if scores[c] > 0 and scores[c] >= min_score:
                    out[ids[lo + r]].append((ids[c], float(scores[c])))
    return out


def related_edges(atlas: Atlas, n: int = TOP_N, similar: dict[str, list[tuple[str, float]]] | None = None) -> list[dict]:
    """Graph edges `paper:a -> paper:b` of type `related`: b is among a's `n` most similar.

    Cosine similarity is symmetric, but "top n" is not, so each edge says whose list it is
    from (`source`) and at which `rank`.
    """
    return [
        {"source": f"paper:{pid}", "target": f"paper:{other}", "type": "related", "score": score, "rank": rank}
        for pid, items in sorted((similar if similar is not None else related_papers(atlas, n)).items())
        for rank, (other, score) in enumerate(items, start=1)
    ]
