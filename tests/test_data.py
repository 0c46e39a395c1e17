"""The real data: valid, and faithful to the seed listing and the verified reference."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from atlas.data import load
from conftest import DATA
from seed_listing import parse_listing, parse_reference


@pytest.fixture(scope="module")
def loaded():
    return load(DATA, root=DATA.parent)


@pytest.fixture(scope="module")
def papers():
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((DATA / "papers").glob("*.yml"))}


def test_real_data_has_no_errors(loaded):
    _, problems = loaded
    errors = [str(p) for p in problems if p.severity == "error"]
    assert errors == []


def test_every_seed_paper_is_present_exactly_once(papers):
    seeds = parse_listing()
    assert len(seeds) == 58
    by_title = {}
    for pid, p in papers.items():
        by_title.setdefault(p["title"], []).append(pid)
    for s in seeds:
        assert len(by_title.get(s.title, [])) == 1, s.title
    assert len(papers) >= len(seeds)


def test_listing_facts_are_kept_verbatim(papers):
    by_title = {p["title"]: p for p in papers.values()}
    for s in parse_listing():
        p = by_title[s.title]
        assert p["abstract"] == s.abstract, p["id"]
        n = len(p["authors"]) if "authors" in p else p.get("author_count")
        if s.author_count is not None:
            assert n == s.author_count, p["id"]
        if s.published is not None:
            assert p["published"] == s.published, p["id"]
            assert p.get("published_source", "listing") == "listing"
        else:
            # No date in the listing: either absent, or taken from arXiv and labelled so.
            assert "published" not in p or p["published_source"] == "arxiv", p["id"]
        assert p.get("upvotes") == s.upvotes, p["id"]


def test_arxiv_ids_and_authors_come_from_the_verified_reference(papers):
    ref = parse_reference()
    by_title = {p["title"]: p for p in papers.values()}
    unverified = 0
    for title, row in ref.items():
        p = by_title[title]
        if row["verified"] == "yes":
            assert p["arxiv"] == row["arxiv_id"], p["id"]
        else:
            unverified += 1
            assert "arxiv" not in p, p["id"]
        names = [a for a in row["authors"].split("; ") if a]
        if names:
            assert p["authors"] == names, p["id"]
    assert unverified == 1


def test_undated_listing_entries_stay_undated_or_cite_arxiv(papers):
    undated = [s.title for s in parse_listing() if s.published is None]
    assert len(undated) == 3
    by_title = {p["title"]: p for p in papers.values()}
    for t in undated:
        p = by_title[t]
        assert "author_count" not in p
        if "published" in p:
            assert isinstance(p["published"], dt.date) and p["published_source"] == "arxiv"


def test_every_file_starts_with_the_schema_line():
    for path in sorted((DATA / "papers").glob("*.yml")):
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        assert first == "# yaml-language-server: $schema=../schema/paper.schema.json", path.name
    assert (DATA / "schema" / "paper.schema.json").exists()


def test_topics_cover_the_three_areas_and_other(loaded):
    data, _ = loaded
    assert list(data.topics) == ["memory", "distributed-training", "hardware", "other"]
    for tid in ("memory", "distributed-training", "hardware"):
        assert len(data.topics[tid]["subtopics"]) >= 3
    # Memory covers machines and agents alike.
    assert {"kv-cache-serving", "agent-memory"} <= set(data.topics["memory"]["subtopics"])


# --- a map of the field: the canonical works and citations with their evidence -------------------

CANONICAL = DATA.parent.parent / "shared" / "reference" / "canonical_works.tsv"


def test_the_atlas_holds_the_works_the_seed_papers_build_on(papers):
    assert len(papers) >= 150
    import csv

    if CANONICAL.is_file():  # the brief's verified list, beside the checkout
        rows = list(csv.DictReader(CANONICAL.open(encoding="utf-8"), delimiter="\t"))
        listed = {r["arxiv_id"] for r in rows if r["arxiv_id"][:1].isdigit()}
        assert len({p["arxiv"] for p in papers.values() if p.get("arxiv") in listed}) >= 35
    # New entries are on the atlas's subject: only seed papers (the ten off-mission ones) are in Other.
    assert len([pid for pid, p in papers.items() if "other" in p["topics"]]) == 10
    for pid, p in papers.items():
        if "source" in p:  # entries added after the seed listing name the page they were read from
            assert "other" not in p["topics"], pid


def test_every_citation_carries_its_reference_line_and_the_version_read(papers):
    total = 0
    for pid, p in papers.items():
        refs = p.get("references")
        if refs is None:
            continue
        assert refs["version"].strip(), pid
        for c in refs["cites"]:
            assert c["target"] != pid and c["ref"].strip() and "\n" not in c["ref"], (pid, c)
            total += 1
    assert total >= 200
    recorded = [pid for pid, p in papers.items() if "references" in p]
    assert len(recorded) >= 40


def test_a_paper_whose_bibliography_is_not_read_says_so_and_one_read_says_what_it_cites():
    from atlas.build import generate

    files = generate(DATA).files
    unread = files["papers/qlora.md"].decode()  # its bibliography was not found
    assert "References not yet recorded" in unread and "does not mean it cites nothing" in unread
    read = files["papers/bytescale.md"].decode()
    assert "References not yet recorded" not in read
    assert "[7] Tri Dao. 2023. FlashAttention-2: Faster Attention with Better Parallelism and Work Partitioning." in read
    assert '<a href="../flashattention-2/">FlashAttention-2: Faster Attention' in read
    cited = files["papers/flashattention-2.md"].decode().split("## Cited by", 1)[1]
    assert '<a href="../bytescale/">ByteScale' in cited
    topic = files["topics/parallelism.md"].decode().split('id="foundations"', 1)[1].split("</ol>", 1)[0]
    assert "cited by" in topic and "Newest building on it" in topic


def test_the_contributing_example_citations_are_the_real_ones(papers):
    guide = (DATA.parent / "CONTRIBUTING.md").read_text(encoding="utf-8")
    example = guide.split("## Recording a citation", 1)[1].split("\n1. ", 1)[0]
    real = {c["target"]: c["ref"] for c in papers["bytescale"]["references"]["cites"]}
    import re

    shown = re.findall(r'- target: ([a-z0-9-]+)\n\s+ref: "(.*)"', example)
    assert shown and all(real[t] == r for t, r in shown)
