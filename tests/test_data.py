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
    l, _ = loaded
    assert list(l.topics) == ["memory", "distributed-training", "hardware", "other"]
    for tid in ("memory", "distributed-training", "hardware"):
        assert len(l.topics[tid]["subtopics"]) >= 3
    # Memory covers machines and agents alike.
    assert {"kv-cache-serving", "agent-memory"} <= set(l.topics["memory"]["subtopics"])
