"""Related papers: every pair scored from scikit-learn's TF-IDF vectors, ranked, and cut."""

from __future__ import annotations

import random
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest

from atlas import related
from atlas.related import related_papers, tfidf_matrix
from conftest import DATA


@dataclass(frozen=True)
class Text:
    title: str
    abstract: str


def synthetic(n: int = 700, seed: int = 7):
    """An atlas-like object with `n` papers of the bench's text: Zipf-distributed words, the
    jargon of one or two of eight topics."""
    import bench

    rng = random.Random(seed)
    topics = [f"topic-{k}" for k in range(8)]
    papers = {}
    for i in range(n):
        mine = rng.sample(topics, rng.choice((1, 2)))
        papers[f"p{i:04d}"] = Text(bench.made_up_title(rng), bench.made_up_abstract(rng, mine))
    return SimpleNamespace(papers=papers)


@pytest.fixture(scope="module")
def corpus():
    return synthetic()


def test_every_pair_is_scored_and_the_best_are_listed_best_first_ties_by_id(corpus, monkeypatch):
    monkeypatch.setattr(related, "CHUNK", 97)  # several blocks, one of them partial
    listed = related_papers(corpus, min_score=0.0)
    ids = sorted(corpus.papers)
    matrix = tfidf_matrix([f"{corpus.papers[i].title}\n{corpus.papers[i].abstract}" for i in ids])
    cosine = np.round((matrix @ matrix.T).toarray(), related.DECIMALS)
    np.fill_diagonal(cosine, 0.0)
    for r, pid in enumerate(ids):
        best = sorted(((-cosine[r, c], ids[c]) for c in range(len(ids)) if cosine[r, c] > 0))[:related.TOP_N]
        assert listed[pid] == [(other, -neg) for neg, other in best], pid


def test_the_result_does_not_depend_on_input_order(corpus):
    shuffled = SimpleNamespace(papers=dict(reversed(list(corpus.papers.items()))))
    assert related_papers(shuffled) == related_papers(corpus)


def test_identical_texts_rank_first_by_id_and_a_paper_without_terms_has_none():
    papers = {pid: Text("Sharded optimizer states", "Offloading optimizer states to host memory.")
              for pid in ("c", "a", "b")}
    papers["z"] = Text("The", "and of the")  # only stop words
    atlas = SimpleNamespace(papers=papers)
    got = related_papers(atlas)
    assert got["a"] == [("b", 1.0), ("c", 1.0)] and got["c"] == [("a", 1.0), ("b", 1.0)]
    assert got["z"] == []


def test_the_similarity_cut_separates_topical_pairs_from_noise_on_the_real_data():
    """MIN_SCORE is where listed pairs start to share a top-level topic clearly more often than
    random pairs do: below it they share one at about the random rate."""
    import itertools

    from atlas.build import load_atlas
    from atlas.related import MIN_SCORE

    atlas, _ = load_atlas(DATA)
    uncut = related_papers(atlas, min_score=0.0)

    def share(a: str, b: str) -> bool:
        return bool(set(atlas.roots_of(atlas.papers[a])) & set(atlas.roots_of(atlas.papers[b])))

    pairs = list(itertools.combinations(sorted(atlas.papers), 2))
    base = sum(share(a, b) for a, b in pairs) / len(pairs)
    above = [share(a, b) for a, items in uncut.items() for b, s in items if s >= MIN_SCORE]
    below = [share(a, b) for a, items in uncut.items() for b, s in items if s < MIN_SCORE]
    assert len(above) > 300 and len(below) > 50
    assert sum(above) / len(above) >= 1.5 * base
    assert sum(below) / len(below) <= 1.2 * base
    cut = related_papers(atlas)
    assert all(s >= MIN_SCORE for items in cut.values() for _, s in items)
