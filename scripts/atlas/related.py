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

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from . import background
from .yamlsafe import read_bytes

if TYPE_CHECKING:  # not imported: the second process starts faster without networkx
    from .model import Atlas

TOP_N = 5
# Pairs scoring below this are not listed or drawn. Chosen from the atlas's own data: among the
# real atlas's top-5 pairs, those scoring under 0.10 share a top-level topic no more often than
# two papers drawn at random (0.37 to 0.56 against 0.51), while those from 0.10 up share one 82 %
# of the time or more (tests/test_related.py checks this on the real data on every run).
MIN_SCORE = 0.10
DECIMALS = 4
CHUNK = 512  # rows of the similarity matrix held at once
# From this many papers the second process reads their texts itself (early_texts) while the build reads
# and checks the data: it takes under half as long, so from here it is done first, even after the imports.
READS_ITSELF_FROM = 2000


def tfidf_matrix(texts: list[str]):
    """One L2-normalised TF-IDF row per text (a scipy CSR matrix)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(stop_words="english", sublinear_tf=True, strip_accents="unicode").fit_transform(texts)


def texts(atlas: Atlas) -> dict[str, str]:
    """What is compared: each paper's title and abstract."""
    return {pid: f"{p.title}\n{p.abstract}" for pid, p in atlas.papers.items()}


def related_papers(atlas: Atlas, n: int = TOP_N, min_score: float = MIN_SCORE) -> dict[str, list[tuple[str, float]]]:
    """`{paper id: [(other id, score), ...]}`, best first, at most `n` each scoring at least
    `min_score` (and above 0), ties by id."""
    return similar(texts(atlas), n, min_score)


def related_papers_started(atlas: Atlas, send: Callable | None = None, result: Callable | None = None) -> Callable[[], dict]:
    """Start `related_papers(atlas)`; return the function that waits for its result. Given the
    ends of a `python -m atlas.related [DATA_DIR]` started early (background.py: a large atlas, not
    under `mkdocs serve`), the texts go to it as JSON, to confirm its `early_texts` or be used
    instead; otherwise it is computed here, and the last result is remembered by its texts."""
    if send is None or result is None:
        return functools.partial(_remembered, tuple(sorted(texts(atlas).items())))
    send(json.dumps(texts(atlas)).encode())
    return lambda: {pid: [tuple(pair) for pair in pairs] for pid, pairs in json.loads(result()).items()}


@functools.lru_cache(maxsize=1)
def _remembered(items: tuple[tuple[str, str], ...]) -> dict[str, list[tuple[str, float]]]:
    return similar(dict(items))


def similar(texts: dict[str, str], n: int = TOP_N, min_score: float = MIN_SCORE) -> dict[str, list[tuple[str, float]]]:
    """`related_papers` of `{id: text}`."""
    import numpy as np

    ids = sorted(texts)
    out: dict[str, list[tuple[str, float]]] = {pid: [] for pid in ids}
    if len(ids) < 2:
        return out
    matrix = tfidf_matrix([texts[i] for i in ids])
    k = min(n, len(ids) - 1)
    transposed = matrix.T.tocsr()  # once, not for every chunk
    for lo in range(0, len(ids), CHUNK):
        block = (matrix[lo:lo + CHUNK] @ transposed).toarray()
        np.round(block, DECIMALS, out=block)
        block[np.arange(len(block)), np.arange(lo, lo + len(block))] = 0.0  # not its own neighbour
        # Each row's k-th best score; every column scoring at least that is a candidate (ties
        # included), and the candidates sorted best first, ties by id (the column order), give
        # exactly the first k of a full stable sort of the row.
        best = -block
        best.partition(k - 1, axis=1)  # in place: np.partition would copy it once more
        kth = -best[:, k - 1]
        for r, scores in enumerate(block):
            cand = np.flatnonzero(scores >= max(kth[r], min_score, np.nextafter(0, 1)))
            for c in cand[np.argsort(-scores[cand], kind="stable")][:n]:
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


def early_texts(data_dir: str) -> dict[str, str]:
    """`texts` as the data folder's files give them: read as the build reads them (regular files
    within the size limit), then by YAML's plain loader without the build's checks, so only text
    is taken (empty if that fails). A guess, which the build's checked texts confirm or replace."""
    try:
        docs = [yaml.load(raw, Loader=yaml.CSafeLoader) for p in sorted(Path(data_dir).glob("papers/*.yml"))
                if (raw := read_bytes(p, p.name)[0]) is not None]
        return {d["id"]: f"{d['title']}\n{d['abstract'].strip()}" for d in docs if isinstance(d["title"], str) and isinstance(d["abstract"], str)}
    except Exception:
        return {}


if __name__ == "__main__":  # background.py: started before the build reads the data, on the other core
    import sklearn.feature_extraction.text  # noqa: F401  (1 s: imported while the build reads the data)
    guess = early_texts(sys.argv[1]) if len(sys.argv) > 1 else {}
    early = similar(guess) if guess else None
    given = json.loads(background.received())
    json.dump(early if given == guess else similar(given), sys.stdout)
