"""Related papers: the TF-IDF vectors, and the strong-term path used above `EXACT_UP_TO` papers.

The exact all-pairs path on the real data is tested in test_graph.py; here its vectors are
compared with scikit-learn's, and the scalable path is run on a synthetic corpus (the bench's
text generator) with the threshold lowered, against the exact path on the same corpus.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest

from atlas import related
from atlas.related import related_papers, tfidf_matrix
from conftest import DATA

N_SYNTHETIC = 700
EXACT_UP_TO = 100  # below the corpus size, so the strong-term path runs
MIN_RECALL = 0.5  # of the exact top 5; measured 0.66 on this corpus (and 0.52 on 3,000 bench papers)


@dataclass(frozen=True)
class Text:
    title: str
    abstract: str


def synthetic(n: int = N_SYNTHETIC, seed: int = 7):
    """An atlas-like object with `n` papers of the bench's text: Zipf-distributed words, the
    jargon of one or two of eight topics."""
    import bench

    rng = random.Random(seed)
    topics = [f"topic-{k}" for k in range(8)]
    papers = {}
    for i in range(n):
        mine = rng.sample(topics, rng.choice((1, 2)))
        papers[f"p{i:04d}"] = Text(bench._title(rng), bench._abstract(rng, mine))
    return SimpleNamespace(papers=papers)


@pytest.fixture(scope="module")
def corpus():
    return synthetic()


@pytest.fixture(scope="module")
def exact(corpus):
    return related_papers(corpus, exact_up_to=10 ** 9, min_score=0.0)  # the search, before the cut


@pytest.fixture(scope="module")
def scalable(corpus):
    return related_papers(corpus, exact_up_to=EXACT_UP_TO, min_score=0.0)


def texts_of(atlas) -> list[str]:
    return [f"{atlas.papers[i].title}\n{atlas.papers[i].abstract}" for i in sorted(atlas.papers)]


def assert_same_matrix(texts: list[str]) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    theirs = TfidfVectorizer(stop_words="english", sublinear_tf=True, strip_accents="unicode").fit_transform(texts)
    mine = tfidf_matrix(texts)
    assert mine.shape == theirs.shape
    assert np.array_equal(mine.indptr, theirs.indptr)
    assert np.array_equal(mine.indices, theirs.indices)  # the same columns, in the same order in each row
    assert np.array_equal(mine.data, theirs.data)  # to the last bit


def test_the_vectors_are_scikit_learns_to_the_last_bit_on_the_real_data():
    from atlas.build import load_atlas

    assert_same_matrix(texts_of(load_atlas(DATA)[0]))


def test_the_vectors_are_scikit_learns_on_accents_stop_words_digits_separators_and_one_letter_words():
    assert_same_matrix([
        "Café naïve RÉSUMÉ: the über-fast façade of Ångström units",
        "x y z a I of the and: only stop words and single letters",
        "",
        "GPT-4 vs. LLaMA_2 at 8x A100 80GB; fp8/bf16 kernels, 3.5x faster, 10,000 tokens",
        "Ｆｕｌｌｗｉｄｔｈ letters, ligature ﬁne, Greek ἄλφα, Cyrillic ёж, CJK 注意力 机制",
        "the the the café cafe CAFE",
        "tab\tvertical\x0bsep\x1cunit\x1fnull\x00snake_case __init__ a_b x-ray e.g. O(n^2) #42 _",
    ])


def test_the_stop_words_are_scikit_learns():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    assert related._stop_words() == ENGLISH_STOP_WORDS


def test_the_strong_term_path_is_deterministic_and_independent_of_input_order(corpus, scalable):
    assert related_papers(corpus, exact_up_to=EXACT_UP_TO, min_score=0.0) == scalable
    shuffled = SimpleNamespace(papers=dict(reversed(list(corpus.papers.items()))))
    assert related_papers(shuffled, exact_up_to=EXACT_UP_TO, min_score=0.0) == scalable


def test_every_score_on_the_strong_term_path_is_the_exact_cosine(corpus, scalable):
    ids = sorted(corpus.papers)
    index = {pid: k for k, pid in enumerate(ids)}
    matrix = tfidf_matrix(texts_of(corpus))
    cosine = np.round((matrix @ matrix.T).toarray(), related.DECIMALS)
    listed = 0
    for pid, items in scalable.items():
        assert len(items) <= related.TOP_N
        assert pid not in [other for other, _ in items]
        assert items == sorted(items, key=lambda item: (-item[1], item[0])), pid  # best first, ties by id
        for other, score in items:
            assert score > 0
            assert score == cosine[index[pid], index[other]], (pid, other)
            listed += 1
    assert listed == related.TOP_N * len(ids)  # on this corpus every paper shares terms with 5 others


def test_the_strong_term_path_finds_most_of_the_exact_top_5(exact, scalable):
    found = sum(len({o for o, _ in scalable[pid]} & {o for o, _ in exact[pid]}) for pid in exact)
    recall = found / sum(len(items) for items in exact.values())
    assert recall >= MIN_RECALL, recall
    # Where it differs, it lists papers nearly as similar: the scores it shows are exact cosines,
    # so each one is at most the exact list's score at the same rank.
    for pid in exact:
        for (_, mine), (_, best) in zip(scalable[pid], exact[pid]):
            assert mine <= best
    total = sum(s for items in scalable.values() for _, s in items)
    assert total >= 0.9 * sum(s for items in exact.values() for _, s in items)


def test_below_the_threshold_every_pair_is_scored(corpus, exact):
    """The default threshold keeps a corpus of this size on the exact path."""
    assert len(corpus.papers) <= related.EXACT_UP_TO
    assert related_papers(corpus, min_score=0.0) == exact


def test_the_strong_term_path_lists_identical_texts_first_by_id_and_leaves_out_papers_without_terms():
    text = "Pipeline parallelism schedules micro-batches across GPU stages to hide bubbles."
    papers = {
        "zeta": Text("Stage scheduling", text),
        "alpha": Text("Stage scheduling", text),
        "mid": Text("Stage scheduling", text),
        "query": Text("Stage scheduling for GPU pipelines", text),
        "unrelated": Text("Hippocampal episodic recall", "Sleep consolidates episodic memories in rodents."),
        "empty": Text("The", "Of the and a it is."),  # nothing but stop words: no vector at all
    }
    result = related_papers(SimpleNamespace(papers=papers), exact_up_to=0)
    assert result == related_papers(SimpleNamespace(papers=papers), exact_up_to=10 ** 9)
    assert [pid for pid, _ in result["query"]] == ["alpha", "mid", "zeta"]
    assert result["alpha"][:2] == [("mid", 1.0), ("zeta", 1.0)]
    assert result["unrelated"] == [] and result["empty"] == []


def test_a_large_atlas_says_on_its_pages_that_related_papers_were_searched(monkeypatch):
    """Above EXACT_UP_TO papers the twins' explanation says pairs were searched, not all compared."""
    from atlas import graphviews, related, render
    from atlas.build import load_atlas
    from atlas.graphdata import graph_data
    from conftest import DATA

    atlas, _ = load_atlas(DATA)
    index = graphviews.GraphIndex(graph_data(atlas))
    exact = render.render_paper(atlas, atlas.papers["qlora"], index)
    assert "Each paper links to its 5 most similar papers" in exact and "can be missed" not in exact
    monkeypatch.setattr(related, "EXACT_UP_TO", len(atlas.papers) - 1)
    atlas.__dict__.pop("_sibling_parts", None)
    searched = render.render_paper(atlas, atlas.papers["qlora"], index)
    assert "each paper is compared with the papers that share one of its 10 strongest terms" in searched
    assert "a similar paper sharing none of them can be missed" in searched


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
