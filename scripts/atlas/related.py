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
CHUNK = 512  # rows of the similarity matrix held at once: memory stays O(CHUNK x papers)


def related_papers(atlas: Atlas, n: int = TOP_N) -> dict[str, list[tuple[str, float]]]:
    """`{paper id: [(other id, score), ...]}`, best first, at most `n` each, ties by id."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    ids = sorted(atlas.papers)
    if len(ids) < 2:
        return {pid: [] for pid in ids}
    texts = [f"{atlas.papers[i].title}\n{atlas.papers[i].abstract}" for i in ids]
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, strip_accents="unicode")
    matrix = vectorizer.fit_transform(texts)  # rows are L2-normalised: a dot product is the cosine
    k = min(n, len(ids) - 1)
    out: dict[str, list[tuple[str, float]]] = {pid: [] for pid in ids}
    for start in range(0, len(ids), CHUNK):
        block = np.round((matrix[start:start + CHUNK] @ matrix.T).toarray(), DECIMALS)
        block[np.arange(block.shape[0]), np.arange(start, start + block.shape[0])] = 0.0  # not itself
        # Everything scoring at least a row's k-th best is a candidate, so ties at the cut are all
        # seen; then best first, equal scores in id order (ids are sorted, so in index order).
        cut = np.partition(block, block.shape[1] - k, axis=1)[:, block.shape[1] - k][:, None]
        rows, cols = np.nonzero((block >= cut) & (block > 0))
        vals = block[rows, cols]
        for r, c, v in zip(*(a[np.lexsort((cols, -vals, rows))] for a in (rows, cols, vals))):
            items = out[ids[start + r]]
            if len(items) < n:
                items.append((ids[c], float(v)))
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
