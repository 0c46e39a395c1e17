"""Related papers computed from text similarity, never from citations.

In: an `Atlas`. Out: for every paper, its `TOP_N` most similar other papers with the score,
where the score is the cosine similarity of TF-IDF vectors of title + abstract. The vectors are
scikit-learn's `TfidfVectorizer(stop_words="english", sublinear_tf=True, strip_accents="unicode")`,
computed here with numpy and scipy in the same order of operations, so they are identical to the
last bit (a test compares them) without the second it takes to import scikit-learn.

Up to `EXACT_UP_TO` papers every pair of papers is scored, in blocks of `CHUNK` rows. Above it the
number of pairs grows too fast, so candidates come from each paper's `STRONG_TERMS` most heavily
weighted terms (its rarest, so they are shared by few papers): for every other paper containing
one of them, the part of the cosine those terms make up (a lower bound: no weight is negative) is
computed with a sparse product; each paper keeps its `CANDIDATES` best by that bound (and any tied
with the last), and every pair kept by either paper is scored with the exact cosine of the full
vectors. So every score shown is an exact cosine, but a paper can miss a similar paper that
contains none of its strongest terms (unless that paper chose it), or that `CANDIDATES` others
outrank on the bound. On the bench's synthetic text it finds 57 % of the exact top 5 at 2,000
papers, 45 % at 5,000 and 38 % at 10,000 (more papers, more near-equal rivals); the papers it
lists instead are nearly as similar (their scores add up to 93 % of the exact lists' at 10,000).
Real abstracts, where a shared rare term usually means a shared subject, should do better.

The result is deterministic: no randomness, papers are taken in id order, scores are rounded to
`DECIMALS` places before ranking (so the last bits of floating point cannot reorder two papers),
and equal scores are ranked by paper id. Pairs that share no term (score 0) are never listed.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict

from .model import Atlas

TOP_N = 5
# Pairs scoring below this are not listed or drawn. Chosen from the atlas's own data: among the
# real atlas's top-5 pairs, those scoring under 0.10 share a top-level topic no more often than
# two papers drawn at random (0.37 to 0.56 against 0.51), while those from 0.10 up share one 82 %
# of the time or more (tests/test_related.py checks this on the real data on every run).
MIN_SCORE = 0.10
DECIMALS = 4
CHUNK = 512  # rows of the similarity matrix held at once: memory stays O(CHUNK x papers)
EXACT_UP_TO = 4000  # papers; above this many, pairs are found from strong terms (below it, scoring
# every pair takes no longer on this machine)
STRONG_TERMS = 10  # per paper, the terms that find its candidate pairs
CANDIDATES = 20  # per paper, pairs scored exactly (at least)
# scikit-learn's token pattern is (?u)\b\w\w+\b: maximal runs of two or more word characters.
# findall of \w\w+ finds the same runs; in ASCII text (nearly all of it) splitting at every
# character that is not a letter, digit or underscore finds them faster (and the one-character
# runs, dropped with the stop words).
_TOKEN = re.compile(r"\w\w+")
_ASCII_NON_WORD = str.maketrans({c: " " for c in map(chr, range(128)) if not (c.isalnum() or c == "_")})


def related_papers(atlas: Atlas, n: int = TOP_N, exact_up_to: int = EXACT_UP_TO,
                   min_score: float = MIN_SCORE) -> dict[str, list[tuple[str, float]]]:
    """`{paper id: [(other id, score), ...]}`, best first, at most `n` each scoring at least
    `min_score`, ties by id."""
    ids = sorted(atlas.papers)
    if len(ids) < 2:
        return {pid: [] for pid in ids}
    matrix = tfidf_matrix([f"{atlas.papers[i].title}\n{atlas.papers[i].abstract}" for i in ids])
    rows = _all_pairs(matrix, n) if len(ids) <= exact_up_to else _strong_term_pairs(matrix, n)
    return {pid: [(ids[c], score) for c, score in rows[r] if score >= min_score] for r, pid in enumerate(ids)}


def tfidf_matrix(texts: list[str]):
    """The TF-IDF matrix of `texts` (CSR, one L2-normalised row per text, a column per term in
    alphabetical order),
    equal to `TfidfVectorizer(stop_words="english", sublinear_tf=True, strip_accents="unicode")
    .fit_transform(texts)`, including the order of the entries within a row (scikit-learn keeps
    them in the order the terms first appear in the corpus, and that order is the order of the
    additions in a dot product)."""
    import numpy as np
    import scipy.sparse as sp

    vocab: defaultdict[str, int] = defaultdict()
    vocab.default_factory = vocab.__len__  # a term's number: its first appearance in the corpus
    cols: list[int] = []
    counts: list[int] = []
    lens: list[int] = []
    for text in texts:
        text = _fold(text)
        tokens = Counter(text.translate(_ASCII_NON_WORD).split() if text.isascii() else _TOKEN.findall(text))
        cols.extend(map(vocab.__getitem__, tokens))
        counts.extend(tokens.values())
        lens.append(len(tokens))
    words = list(vocab)
    stop = _stop_words()
    kept = [t for t, w in enumerate(words) if len(w) > 1 and w not in stop]
    column = np.full(len(words), -1, dtype=np.int64)
    column[sorted(kept, key=words.__getitem__)] = np.arange(len(kept))
    rows = np.repeat(np.arange(len(texts)), lens)
    cols_a = np.asarray(cols, dtype=np.int64)
    data = np.asarray(counts, dtype=np.float64)
    keep = column[cols_a] >= 0
    rows, cols_a, data = rows[keep], cols_a[keep], data[keep]
    order = np.argsort(rows * len(words) + cols_a)  # by row, then first appearance (keys are unique)
    rows, data, indices = rows[order], data[order], column[cols_a[order]].astype(np.int32)
    indptr = np.zeros(len(texts) + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=len(texts)), out=indptr[1:])
    # Smoothed idf, sublinear tf, as scikit-learn computes them.
    df = np.bincount(indices, minlength=len(kept)).astype(np.float64)
    df += 1.0
    idf = np.full_like(df, len(texts) + 1)
    idf /= df
    np.log(idf, out=idf)
    idf += 1.0
    np.log(data, out=data)
    data += 1.0
    data *= idf[indices]
    # L2 norms summed in each row's order, one position of every row at a time, like
    # scikit-learn's loop (numpy's own sum adds pairwise, which can differ in the last bit).
    squares = data * data
    position = np.arange(len(data)) - indptr[rows]
    by_position = np.argsort(position, kind="stable")  # any order within one position would do
    bounds = np.searchsorted(position[by_position], np.arange(position.max(initial=-1) + 2))
    total = np.zeros(len(texts))
    for k in range(len(bounds) - 1):
        at = by_position[bounds[k]:bounds[k + 1]]
        total[rows[at]] += squares[at]
    norms = np.sqrt(total)
    data /= norms[rows]
    return sp.csr_matrix((data, indices, indptr), shape=(len(texts), len(kept)))


def _fold(text: str) -> str:
    """Lower case without accents, as scikit-learn's `strip_accents="unicode"`."""
    text = text.lower()
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _stop_words() -> frozenset[str]:
    """scikit-learn's English stop words, read from its module file: importing them through the
    package would import all of scikit-learn."""
    import importlib.util
    from pathlib import Path

    origin = importlib.util.find_spec("sklearn").origin
    spec = importlib.util.spec_from_file_location(
        "_atlas_sklearn_stop_words", Path(origin).parent / "feature_extraction" / "_stop_words.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ENGLISH_STOP_WORDS


def _ranked(rows, cols, vals, n: int) -> dict[int, list[tuple[int, float]]]:
    """Per row, the first `n` of (col, val) by val descending then col; rows as given."""
    import numpy as np

    order = np.lexsort((cols, -vals, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    first = np.searchsorted(rows, rows)  # start of each row's run
    take = (np.arange(len(rows)) - first) < n
    out: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for r, c, v in zip(rows[take].tolist(), cols[take].tolist(), vals[take].tolist()):
        out[r].append((c, v))
    return out


def _all_pairs(matrix, n: int) -> list[list[tuple[int, float]]]:
    """Every pair scored (rows are L2-normalised: a dot product is the cosine)."""
    import numpy as np

    count = matrix.shape[0]
    k = min(n, count - 1)
    out: list[list[tuple[int, float]]] = [[] for _ in range(count)]
    for start in range(0, count, CHUNK):
        block = np.round((matrix[start:start + CHUNK] @ matrix.T).toarray(), DECIMALS)
        block[np.arange(block.shape[0]), np.arange(start, start + block.shape[0])] = 0.0  # not itself
        # Everything scoring at least a row's k-th best is a candidate, so ties at the cut are all
        # seen; then best first, equal scores in id order (ids are sorted, so in index order).
        cut = np.partition(block, block.shape[1] - k, axis=1)[:, block.shape[1] - k][:, None]
        rows, cols = np.nonzero((block >= cut) & (block > 0))
        for r, items in _ranked(rows + start, cols, block[rows, cols], n).items():
            out[r] = items
    return out


def _strong_term_pairs(matrix, n: int) -> list[list[tuple[int, float]]]:
    """Candidate pairs from strong terms, each scored with the exact cosine (module docstring)."""
    import numpy as np
    import scipy.sparse as sp

    count = matrix.shape[0]
    # Each row's STRONG_TERMS largest weights (and any equal to the last of them).
    rows = np.repeat(np.arange(count), np.diff(matrix.indptr))
    keep = matrix.data >= _kth_largest(matrix.indptr, matrix.data, STRONG_TERMS)[rows]
    strong = sp.csr_matrix((matrix.data[keep], matrix.indices[keep], _indptr(rows[keep], count)), shape=matrix.shape)
    full_t = matrix.T.tocsr()
    pairs = []
    for start in range(0, count, CHUNK):
        # The part of the cosine that comes from the first paper's strong terms: never more than
        # the cosine, as no weight is negative. Not the paper itself.
        bound = (strong[start:start + CHUNK] @ full_t).tocsr()
        r = np.repeat(np.arange(bound.shape[0]), np.diff(bound.indptr)) + start
        bound.data[bound.indices == r] = 0.0
        take = (bound.data >= _kth_largest(bound.indptr, bound.data, CANDIDATES)[r - start]) & (bound.data > 0)
        a, b = r[take], bound.indices[take]
        pairs.append(np.minimum(a, b) * count + np.maximum(a, b))
    pairs = np.unique(np.concatenate(pairs))  # each unordered pair once, whoever chose it
    a, b = pairs // count, pairs % count
    scores = np.round(_pair_cosines(matrix, a, b), DECIMALS)
    shared = scores > 0
    a, b, scores = a[shared], b[shared], scores[shared]
    out: list[list[tuple[int, float]]] = [[] for _ in range(count)]
    ranked = _ranked(np.concatenate((a, b)), np.concatenate((b, a)), np.concatenate((scores, scores)), n)
    for r, items in ranked.items():
        out[r] = items
    return out


def _kth_largest(indptr, values, k: int):
    """Per CSR row, its k-th largest value (-1 where the row has fewer than k). Long rows are first
    cut down: the k-th largest of every 8th entry is never more than the k-th largest of all."""
    import numpy as np

    lens = np.diff(indptr)
    if lens.max(initial=0) <= 32 * k:
        return _padded_kth(indptr, values, k)
    rows = np.repeat(np.arange(len(lens)), lens)
    every = (np.arange(len(values)) - indptr[rows]) & 7 == 0
    floor = _padded_kth(_indptr(rows[every], len(lens)), values[every], k)
    keep = values >= floor[rows]
    return _padded_kth(_indptr(rows[keep], len(lens)), values[keep], k)


def _indptr(rows, count: int):
    import numpy as np

    return np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=count))))


def _padded_kth(indptr, values, k: int):
    """`_kth_largest` by laying the rows out in a padded array, 128 rows at a time, and
    partitioning it (linear time, no sort)."""
    import numpy as np

    count = len(indptr) - 1
    out = np.full(count, -1.0)
    lens = np.diff(indptr)
    step = 128
    for s in range(0, count, step):
        width = int(lens[s:s + step].max(initial=0))
        if width < k:
            continue
        block = np.full((min(step, count - s), width), -1.0)
        at = np.arange(indptr[s], indptr[min(s + step, count)])
        r = np.repeat(np.arange(block.shape[0]), lens[s:s + step])
        block.ravel()[at - indptr[s + r] + r * width] = values[at]
        out[s:s + block.shape[0]] = np.partition(block, width - k, axis=1)[:, width - k]
    return out


def _pair_cosines(matrix, a, b):
    """The dot products of rows a[k] and b[k] (a sorted): rows of a few a at a time are made dense,
    and each b row's entries are looked up in them."""
    import numpy as np

    out = np.zeros(len(a))
    per_block = max(1, min(CHUNK, (1 << 22) // max(1, matrix.shape[1])))  # dense block <= 32 MB
    for s in range(0, matrix.shape[0], per_block):
        lo, hi = np.searchsorted(a, [s, s + per_block])
        if lo == hi:
            continue
        dense = matrix[s:s + per_block].toarray()
        pa, others = a[lo:hi] - s, matrix[b[lo:hi]]  # the b rows, gathered
        lens = np.diff(others.indptr)
        products = dense.ravel().take(np.repeat(pa * dense.shape[1], lens) + others.indices) * others.data
        sums = np.add.reduceat(products, others.indptr[:-1]) if len(products) else np.zeros(len(pa))
        out[lo:hi] = np.where(lens > 0, sums, 0.0)
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
