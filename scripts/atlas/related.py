"""Related papers computed from text similarity, never from citations.

In: an `Atlas`. Out: for every paper, its `TOP_N` most similar other papers with the score,
where the score is the cosine similarity of TF-IDF vectors (scikit-learn) of title + abstract.
The result is deterministic: the vectorizer has no randomness, papers are fed in id order,
scores are rounded to `DECIMALS` places before ranking (so the last bits of floating point
cannot reorder two papers), and equal scores are ranked by paper id. Pairs that share no
term (score 0) are never listed.
"""

from __future__ import annotations

from .model import Atlas

TOP_N = 5
DECIMALS = 4


def similarity(atlas: Atlas) -> tuple[list[str], list[list[float]]]:
    """Paper ids (sorted) and the matrix of pairwise cosine similarities, rounded."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import linear_kernel

    ids = sorted(atlas.papers)
    texts = [f"{atlas.papers[i].title}\n{atlas.papers[i].abstract}" for i in ids]
    if not ids:
        return [], []
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, strip_accents="unicode")
    matrix = vectorizer.fit_transform(texts)
    # Rows are L2-normalised by TfidfVectorizer, so the dot product is the cosine.
    sims = linear_kernel(matrix)
    return ids, [[round(float(v), DECIMALS) for v in row] for row in sims]


def related_papers(atlas: Atlas, n: int = TOP_N) -> dict[str, list[tuple[str, float]]]:
    """`{paper id: [(other id, score), ...]}`, best first, at most `n` each, ties by id."""
    ids, sims = similarity(atlas)
    out: dict[str, list[tuple[str, float]]] = {}
    for i, pid in enumerate(ids):
        scored = [(-sims[i][j], other) for j, other in enumerate(ids) if j != i and sims[i][j] > 0]
        scored.sort()
        out[pid] = [(other, -neg) for neg, other in scored[:n]]
    return out


def related_edges(atlas: Atlas, n: int = TOP_N) -> list[dict]:
    """Graph edges `paper:a -> paper:b` of type `related`: b is among a's `n` most similar.

    Cosine similarity is symmetric, but "top n" is not, so each edge says whose list it is
    from (`source`) and at which `rank`.
    """
    return [
        {"source": f"paper:{pid}", "target": f"paper:{other}", "type": "related", "score": score, "rank": rank}
        for pid, items in sorted(related_papers(atlas, n).items())
        for rank, (other, score) in enumerate(items, start=1)
    ]
