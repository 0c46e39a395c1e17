"""A real `mkdocs build` of the real data: the pages exist and every internal link resolves."""

from __future__ import annotations

import json
import urllib.request
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from conftest import DATA
from sitecheck import broken_links

PAPER_IDS = sorted(p.stem for p in (DATA / "papers").glob("*.yml"))


def test_a_page_per_paper_topic_and_the_graph(site_dir: Path):
    for pid in PAPER_IDS:
        assert (site_dir / "papers" / pid / "index.html").is_file(), pid
    for tid in ("memory", "distributed-training", "hardware", "other", "agent-memory", "kv-cache-serving"):
        assert (site_dir / "topics" / tid / "index.html").is_file(), tid
    assert (site_dir / "graph" / "index.html").is_file()
    assert (site_dir / "papers" / "index.html").is_file()
    assert (site_dir / "downloads" / "graph.json").is_file()


def test_paper_page_shows_the_listing_facts(site_dir: Path):
    page = (site_dir / "papers" / "llamarl" / "index.html").read_text(encoding="utf-8")
    assert "<h1>LlamaRL: A Distributed Asynchronous Reinforcement Learning Framework" in page
    assert "https://arxiv.org/abs/2505.24034" in page
    assert "https://arxiv.org/pdf/2505.24034" in page
    assert "https://huggingface.co/papers/2505.24034" in page
    assert "up to 10.7x speed-up compared to DeepSpeed-Chat-like systems" in page
    assert "edit/main/data/papers/llamarl.yml" in page


def test_unknown_facts_are_said_plainly(site_dir: Path):
    sgc = (site_dir / "papers" / "sequential-gradient-coding" / "index.html").read_text(encoding="utf-8")
    assert "no verified arXiv id or code repository is recorded" in sgc
    links = sgc.split('<p class="atlas-links">', 1)[1].split("</p>", 1)[0]
    assert "arxiv.org" not in links and "huggingface.co" not in links
    undated = (site_dir / "papers" / "zero-offload" / "index.html").read_text(encoding="utf-8")
    assert "published: " not in (DATA / "papers" / "zero-offload.yml").read_text(encoding="utf-8")
    assert "not stated by the source" in undated


def test_every_internal_link_and_anchor_resolves(site_dir: Path):
    assert broken_links(site_dir) == []


def test_the_link_checker_catches_a_broken_link(site_dir: Path, tmp_path: Path):
    import shutil

    copy = tmp_path / "site"
    shutil.copytree(site_dir, copy)
    page = copy / "papers" / "qlora" / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace("</article>",
                    '<a href="../nope/">x</a><a href="#missing">y</a><a href="/abs/">z</a></article>'), encoding="utf-8")
    found = broken_links(copy)
    assert "papers/qlora/: href=../nope/ -> missing papers/nope/index.html" in found
    assert "papers/qlora/: href=#missing -> no element with id 'missing'" in found
    assert "papers/qlora/: root-absolute href=/abs/" in found


def test_a_crawler_under_a_sub_path_finds_no_broken_link(site_url: str):
    """Start at the home page served under /ml-systems-paper-atlas/ and follow every internal link."""
    seen: set[str] = set()
    queue = deque([site_url])
    broken = []
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        try:
            with urllib.request.urlopen(url) as resp:
                body = resp.read()
                ctype = resp.headers.get("Content-Type", "")
        except Exception as exc:  # noqa: BLE001 - every failure is a finding
            broken.append(f"{url}: {exc}")
            continue
        if "text/html" not in ctype:
            continue
        page = parse_html(body.decode("utf-8"))
        for _, _, link in page.links:
            target = urljoin(url, link).split("#")[0]
            if target.startswith(site_url):
                if target not in seen:
                    queue.append(target)
            elif urlsplit(target).netloc == urlsplit(site_url).netloc:
                broken.append(f"{url}: link leaves the sub-path: {link}")
    assert broken == []
    papers = {u for u in seen if "/papers/" in u and u.rstrip("/").split("/")[-1] in PAPER_IDS}
    assert len(papers) == len(PAPER_IDS)


def parse_html(text: str):
    from sitecheck import Collector

    c = Collector()
    c.feed(text)
    return c


def test_graph_json_has_every_paper(site_dir: Path):
    graph = json.loads((site_dir / "downloads" / "graph.json").read_text(encoding="utf-8"))
    papers = sorted(n["id"][len("paper:"):] for n in graph["nodes"] if n["kind"] == "paper")
    assert papers == PAPER_IDS


def test_search_finds_a_paper_on_its_own_page_not_on_every_list_that_names_it(site_dir: Path):
    """The lists of papers (topics, facet values, the papers index) are kept out of the search
    index: a search for a title leads to the paper, not to every page that lists it."""
    index = json.loads((site_dir / "search" / "search_index.json").read_text(encoding="utf-8"))
    title = "QLoRA: Efficient Finetuning of Quantized LLMs"
    where = {d["location"] for d in index["docs"] if title in d["text"] or title in d["title"]}
    assert "papers/qlora/" in where
    assert not [w for w in where if w.startswith(("facets/", "papers/#", "papers/index")) or w == "papers/"]
    assert not [w for w in where if w.startswith("topics/") and w.endswith("#papers")]
    assert not any(d["location"].startswith("papers/") and d["location"].split("/")[1] == "" for d in index["docs"])
