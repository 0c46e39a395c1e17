"""The graph artifacts, the computed related papers, and the text twins beside every graph."""

from __future__ import annotations


import html
import json
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest

from atlas.graphviews import CURATED
from conftest import DATA
from atlas.graphviews import TOPIC_VIEW_MAX_PAPERS


@pytest.fixture(scope="module")
def graph(site_dir: Path) -> dict:
    return json.loads((site_dir / "downloads" / "graph.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def atlas():
    from atlas.build import load_atlas

    return load_atlas(DATA)[0]


def edge_keys(edges) -> Counter:
    return Counter((e["source"], e["target"], e["type"]) for e in edges)


# ---- graph.json and graph.graphml ----

def test_papers_have_short_names_and_the_most_cited_are_named_on_the_map(atlas):
    """graph.json gives every paper its name on the map ("ZeRO · 2019": the title before its colon
    and the year the data gives) and marks the LABELLED most cited within the atlas `labelled`."""
    from atlas.graphdata import LABELLED, SHORT_MAX, graph_data, short_label

    assert short_label("ZeRO: Memory Optimizations Toward Training Trillion Parameter Models", 2019) == "ZeRO · 2019"
    assert short_label("Training Deep Nets with Sublinear Memory Cost", 2016) == "Training Deep Nets with… · 2016"
    assert short_label("Orca: A Distributed Serving System", None) == "Orca"  # no year made up
    nodes = [n for n in graph_data(atlas)["nodes"] if n["kind"] == "paper"]
    assert all(len(n["short"].split(" · ")[0]) <= SHORT_MAX + 1 for n in nodes)
    zero = next(n for n in nodes if n["id"] == "paper:zero")
    assert zero["short"] == "ZeRO · 2019" and zero["cited_by"] == len(atlas.citing["zero"])
    ranked = sorted(nodes, key=lambda n: (-n["cited_by"], n["id"]))
    assert {n["id"] for n in ranked[:LABELLED]} == {n["id"] for n in nodes if n["labelled"]}
    assert sum(n["labelled"] for n in nodes) == LABELLED and all(n["cited_by"] > 0 for n in nodes if n["labelled"])


def test_graphml_loads_in_networkx_with_the_same_nodes_and_edges(site_dir: Path, graph: dict):
    g = nx.read_graphml(site_dir / "downloads" / "graph.graphml", force_multigraph=True)
    assert g.number_of_nodes() == len(graph["nodes"])
    assert g.number_of_edges() == len(graph["edges"])
    assert sorted(g.nodes) == sorted(n["id"] for n in graph["nodes"])
    assert edge_keys({"source": u, "target": v, "type": d["type"]} for u, v, d in g.edges(data=True)) == edge_keys(graph["edges"])
    qlora = g.nodes["paper:qlora"]
    assert qlora["label"] == "QLoRA: Efficient Finetuning of Quantized LLMs"
    assert qlora["year"] == 2023 and qlora["topics"] == "memory-efficient-training"
    related = [d for u, v, d in g.edges(data=True) if u == "paper:qlora" and d["type"] == "related"]
    assert related and sorted(d["rank"] for d in related) == list(range(1, len(related) + 1))
    assert all(isinstance(d["score"], float) for d in related)


def test_graph_json_is_node_link_data_networkx_reads(graph: dict):
    g = nx.node_link_graph(graph, edges="edges")
    assert g.is_directed() and g.is_multigraph()
    assert (g.number_of_nodes(), g.number_of_edges()) == (len(graph["nodes"]), len(graph["edges"]))
    assert g.nodes["paper:qlora"]["kind"] == "paper"


def test_graph_json_is_sorted_and_typed(graph: dict):
    ids = [n["id"] for n in graph["nodes"]]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    keys = [(e["source"], e["target"], e["type"]) for e in graph["edges"]]
    assert keys == sorted(keys) and len(keys) == len(set(keys))
    types = {e["type"] for e in graph["edges"]}
    assert {"topic", "subtopic", "mentions", "related"} <= types
    assert types <= {"cites", "topic", "subtopic", "mentions", "related"} | set(CURATED)
    for e in graph["edges"]:
        # A curated relation's evidence is its quote; a citation's is its reference line.
        assert ("evidence" in e) == (e["type"] in CURATED or e["type"] == "cites"), e
        assert ("score" in e) == (e["type"] == "related"), e


def test_every_paper_has_its_most_similar_papers_above_the_cut_as_related_edges(graph: dict):
    from atlas.related import MIN_SCORE

    papers = [n["id"] for n in graph["nodes"] if n["kind"] == "paper"]
    by_source = defaultdict(list)
    for e in graph["edges"]:
        if e["type"] == "related":
            assert e["source"].startswith("paper:") and e["target"].startswith("paper:")
            assert e["source"] != e["target"]
            assert MIN_SCORE <= e["score"] <= 1
            by_source[e["source"]].append(e)
    assert set(by_source) <= set(papers) and len(by_source) >= 0.8 * len(papers)
    for pid, edges in by_source.items():
        edges.sort(key=lambda e: e["rank"])
        assert [e["rank"] for e in edges] == list(range(1, len(edges) + 1)) and len(edges) <= 5, pid
        # Best first; equal scores ranked by the other paper's id.
        assert [(-e["score"], e["target"]) for e in edges] == sorted((-e["score"], e["target"]) for e in edges), pid


# ---- related.py ----

def test_related_scores_are_deterministic_and_independent_of_input_order(atlas):
    from dataclasses import replace

    from atlas.related import related_papers

    first = related_papers(atlas)
    assert related_papers(atlas) == first
    shuffled = replace(atlas, papers=dict(reversed(list(atlas.papers.items()))))
    assert related_papers(shuffled) == first


def test_related_papers_computed_in_a_second_process_are_the_same(atlas):
    """A large atlas computes them in a second process (python -m atlas.related), started before
    the data is read, while it renders other pages: the same result."""
    from atlas import background, related

    send, result = background.started("related")
    assert related.related_papers_started(atlas, send, result)() == related.related_papers(atlas)
    # Given the data folder, it reads the texts itself while the build reads the data: the same result.
    send, result = background.started("related", str(DATA))
    assert related.related_papers_started(atlas, send, result)() == related.related_papers(atlas)


def test_related_papers_of_a_second_process_follow_the_builds_texts_not_its_own_read(atlas):
    """What the second process read from the files is a guess: where the build's texts differ
    (here one abstract, as if the file had changed meanwhile), the build's are used."""
    from dataclasses import replace

    from atlas import background, related

    first, second = sorted(atlas.papers)[:2]
    changed = replace(atlas, papers={**atlas.papers, first: replace(atlas.papers[first], abstract=atlas.papers[second].abstract)})
    send, result = background.started("related", str(DATA))
    assert related.related_papers_started(changed, send, result)() == related.related_papers(changed)
    assert related.related_papers(changed) != related.related_papers(atlas)


def test_related_ties_are_ranked_by_id_and_unrelated_papers_are_left_out(atlas):
    from dataclasses import replace

    from atlas.model import Paper
    from atlas.related import related_papers

    text = "Pipeline parallelism schedules micro-batches across GPU stages to hide bubbles."

    def paper(pid, title, abstract):
        return Paper(id=pid, title=title, abstract=abstract, topics=("other",), source=f"{pid}.yml")

    papers = {
        "zeta": paper("zeta", "Stage scheduling", text),
        "alpha": paper("alpha", "Stage scheduling", text),
        "mid": paper("mid", "Stage scheduling", text),
        "query": paper("query", "Stage scheduling for GPU pipelines", text),
        "unrelated": paper("unrelated", "Hippocampal episodic recall", "Sleep consolidates episodic memories in rodents."),
    }
    result = related_papers(replace(atlas, papers=papers))
    assert [pid for pid, _ in result["query"]] == ["alpha", "mid", "zeta"]
    assert result["query"][0][1] == result["query"][1][1] == result["query"][2][1] < 1
    assert result["alpha"][0] == ("mid", 1.0)
    assert result["unrelated"] == []


def test_related_papers_of_an_agent_memory_paper_are_mostly_agent_memory_papers(atlas):
    """A check that the similarity means something: A-MEM's neighbours by text share its subject."""
    from atlas.related import related_papers

    top = [pid for pid, _ in related_papers(atlas)["a-mem"]]
    assert len(top) == 5
    on_topic = [pid for pid in top if "agent-memory" in atlas.papers[pid].topics]
    assert len(on_topic) >= 3, top


# ---- the local graphs embedded in pages, and their text twins ----

class _Twin(HTMLParser):
    """Collects a page's embedded graph JSON and its twin's nodes and edges (by data attributes)."""

    def __init__(self):
        super().__init__()
        self.scripts: dict[str, str] = {}
        self._script: str | None = None
        self.nodes: dict[str, list[str]] = defaultdict(list)   # twin id -> node ids
        self.edges: dict[str, list[tuple]] = defaultdict(list)  # twin id -> (source, target, type)
        self._twin: str | None = None
        self._depth = 0
        self._edge_type: str | None = None
        self.graphs: dict[str, dict[str, str]] = {}
        self.node_attrs: dict[str, dict[str, str]] = {}  # node id -> its twin line's attributes
        self.edge_attrs: dict[tuple, dict[str, str]] = {}  # (source, target, type) -> attributes

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "template" and a.get("id", "").endswith("-data"):
            self._script = a["id"]
            self.scripts[self._script] = ""
        if tag == "div" and "atlas-graph" in (a.get("class") or "").split():
            self.graphs[a["id"]] = a
        if tag == "div":
            if self._twin:
                self._depth += 1
            elif "atlas-twin" in (a.get("class") or "").split():
                self._twin, self._depth = a["id"], 1
                if "data-focus" in a:  # a star's twin: its focus, and each link's other end, below
                    self.nodes[self._twin].append(a["data-focus"])
        if self._twin and tag == "ul" and "data-edge-type" in a:
            self._edge_type = a["data-edge-type"]
        if self._twin and "data-node" in a:  # a node's line, or (in a star's twin) an end of a link
            self.nodes[self._twin].append(a["data-node"])
            self.node_attrs[a["data-node"]] = a
        if self._twin and tag == "li" and "data-source" in a:
            self.edges[self._twin].append((a["data-source"], a["data-target"], self._edge_type))
            self.edge_attrs[(a["data-source"], a["data-target"], self._edge_type)] = a

    def handle_endtag(self, tag):
        if tag == "template":
            self._script = None
        if tag == "div" and self._twin:
            self._depth -= 1
            if self._depth == 0:
                self._twin = None

    def handle_data(self, data):
        if self._script:
            self.scripts[self._script] += data


def parse(site_dir: Path, page: str) -> _Twin:
    p = _Twin()
    p.feed((site_dir / page / "index.html").read_text(encoding="utf-8"))
    return p


def expected_paper_view(graph: dict, pid: str) -> set[str]:
    """The paper, what it cites, what cites it, its curated relations either way, its top 5 related."""
    me = f"paper:{pid}"
    out = {me}
    for e in graph["edges"]:
        if e["type"] in {"cites", *CURATED}:
            if e["source"] == me:
                out.add(e["target"])
            if e["target"] == me:
                out.add(e["source"])
        elif e["type"] == "related" and e["source"] == me:
            out.add(e["target"])
    return out


def nodes_of(view: dict) -> set[str]:
    return {n["id"] for n in view["nodes"]}


def test_no_graph_data_reaches_the_search_index(site_dir: Path):
    """A topic page's graph JSON sits in a <template> marked data-search-exclude, and a paper's
    star is a file beside its page: searching finds words of the atlas, not of its graph data."""
    index = (site_dir / "search" / "search_index.json").read_text(encoding="utf-8")
    assert "topic_names" not in index and "paper:qlora" not in index
    assert "QLoRA" in index


@pytest.mark.parametrize("pid", ["qlora", "a-mem", "llamarl", "streaming-diloco"])
def test_a_paper_page_carries_its_neighbourhood_as_json_and_the_twin_lists_the_same(site_dir: Path, graph: dict, pid: str):
    """The local graph is drawn from the JSON file beside the page (a star the script places); the
    twin is rendered from the same view, so both hold the same nodes and links."""
    page = parse(site_dir, f"papers/{pid}")
    container = page.graphs["paper-graph"]
    assert container["data-graph"] == "graph.json" and container["data-layout"] == "star"
    assert "data-graph-inline" not in container and "<template" not in (site_dir / f"papers/{pid}/index.html").read_text()
    star = json.loads((site_dir / f"papers/{pid}/graph.json").read_text(encoding="utf-8"))
    assert star["focus"] == f"paper:{pid}"
    assert all("x" not in n and "y" not in n for n in star["nodes"])
    nodes = set(page.nodes["paper-graph-text"])
    assert nodes == {n["id"] for n in star["nodes"]} == expected_paper_view(graph, pid)
    # Every listed edge is an edge of graph.json between two listed nodes, and is the paper's own:
    # the local graph is a star (its neighbours' links to each other are on their pages).
    listed = edge_keys({"source": s, "target": t, "type": k} for s, t, k in page.edges["paper-graph-text"])
    assert listed == edge_keys(star["edges"])
    assert listed and not set(listed) - set(edge_keys(graph["edges"]))
    assert all(f"paper:{pid}" in (s, t) for s, t, _ in listed)
    own = {(e["source"], e["target"], e["type"]) for e in graph["edges"] if f"paper:{pid}" in (e["source"], e["target"])
           and e["source"] in nodes and e["target"] in nodes and e["type"] not in ("topic", "mentions")
           and (e["type"] != "related" or e["source"] == f"paper:{pid}")}  # its own top 5, not the lists naming it
    assert set(listed) == own
    # The twin's colour of each node, and each related edge's score and rank in the JSON, are the graph's.
    by_id = {n["id"]: n for n in graph["nodes"]}
    for nid in nodes - {f"paper:{pid}"}:
        n = by_id[nid]
        assert page.node_attrs[nid].get("data-root") == ((n.get("roots") or [None])[0] or n.get("root"))
    related = {(e["source"], e["target"]): e for e in graph["edges"] if e["type"] == "related"}
    for e in star["edges"]:
        if e["type"] == "related":
            assert (e["score"], e["rank"]) == (related[(e["source"], e["target"])]["score"], related[(e["source"], e["target"])]["rank"])


def test_a_paper_page_lists_its_related_papers_as_computed_with_scores_best_first(site_dir: Path, graph: dict):
    html = (site_dir / "papers" / "qlora" / "index.html").read_text(encoding="utf-8")
    related = sorted((e for e in graph["edges"] if e["type"] == "related" and e["source"] == "paper:qlora"),
                     key=lambda e: e["rank"])
    section = html.split('id="paper-graph-related"', 1)[1].split("</ul>", 1)[0]
    assert "Computed: related by text similarity" in section
    assert "not a citation" in section
    rows = section.split("<li ")[1:]
    for row, e in zip(rows, related):
        assert f'data-target="{e["target"]}"' in row and f'similarity {e["score"]:.4f}, rank {e["rank"]}' in row
    # Citations are a separate group, counted: qlora's own and those of the papers that cite it.
    cites = html.split('id="paper-graph-cites"', 1)[1].split("</h3>", 1)[0]
    count = sum(1 for e in graph["edges"] if e["type"] == "cites" and "paper:qlora" in (e["source"], e["target"]))
    assert "Cites" in cites and f"({count})" in cites
    assert "Related by topic" not in html


@pytest.mark.parametrize("tid", ["memory", "agent-memory", "other"])
def test_a_topic_page_embeds_its_topic_graph_and_a_twin_of_it(site_dir: Path, graph: dict, atlas, tid: str):
    page = parse(site_dir, f"topics/{tid}")
    view = json.loads(page.scripts["topic-graph-data"])
    # The topic's newest papers, up to the cap (memory, a top-level topic, holds more).
    papers = {f"paper:{p.id}" for p in atlas.papers_in(tid)[:TOPIC_VIEW_MAX_PAPERS]}
    topic = atlas.topics[tid]
    topics = {f"topic:{t}" for t in (tid, *topic.children, *([topic.parent] if topic.parent else []))}
    assert {n["id"] for n in view["nodes"]} == papers | topics
    full = {n["id"]: n for n in graph["nodes"]}
    for n in view["nodes"]:  # drawn at the places of the global layout
        assert (n["x"], n["y"]) == (full[n["id"]]["x"], full[n["id"]]["y"])
    inside = [e for e in graph["edges"] if e["source"] in papers | topics and e["target"] in papers | topics
              and e["type"] != "mentions"]
    assert edge_keys(view["edges"]) == edge_keys(inside)
    assert sorted(page.nodes["topic-graph-text"]) == sorted(papers | topics)
    assert edge_keys({"source": s, "target": t, "type": k} for s, t, k in page.edges["topic-graph-text"]) == edge_keys(view["edges"])


def test_the_graph_page_twin_lists_every_node_and_edge_of_graph_json(site_dir: Path, graph: dict):
    page = parse(site_dir, "graph")
    assert page.graphs["atlas-graph"]["data-graph"] == "../downloads/graph.json"
    assert sorted(page.nodes["atlas-graph-text"]) == sorted(n["id"] for n in graph["nodes"])
    got = edge_keys({"source": s, "target": t, "type": k} for s, t, k in page.edges["atlas-graph-text"])
    assert got == edge_keys(graph["edges"])


def test_graph_page_controls_are_labelled_form_elements(site_dir: Path):
    html = (site_dir / "graph" / "index.html").read_text(encoding="utf-8")
    form = html.split('<form class="atlas-graph-controls"', 1)[1].split("</form>", 1)[0]
    for fragment in ('<label for="atlas-graph-query">', 'id="atlas-graph-query" name="query" type="search"',
                     '<label class="atlas-select" for="atlas-graph-subtopic">', '<select id="atlas-graph-subtopic" name="subtopic">',
                     'name="year_from"', 'name="year_to"', 'name="orphans">', 'name="physics">', 'name="works" checked>',
                     '<button type="submit"'):
        assert fragment in form, fragment
    # Each checkbox and number input sits inside its <label>.
    assert form.count("<input") == form.count('<label class="atlas-check"><input') + form.count('<label class="atlas-check">From <input') \
        + form.count('<label class="atlas-check">to <input') + 1  # + the search box, labelled with for=
    # Related edges start hidden; orphans start hidden; physics starts off.
    assert 'value="related">' in form and 'value="cites" checked>' in form


def test_the_graph_artifacts_and_graph_pages_are_byte_identical_across_builds():
    from atlas.build import generate

    first, second = generate(DATA).files, generate(DATA).files
    for path in ("downloads/graph.json", "downloads/graph.graphml", "graph.md", "papers/qlora.md", "topics/memory.md"):
        assert first[path] == second[path], path


def test_hostile_text_in_a_graph_reaches_the_page_as_text(atlas):
    """A title that tries to close a <script> or inject markup stays inert in the twin the graph is drawn from."""
    import copy

    from atlas import render
    from atlas.graphdata import graph_data
    from atlas.graphviews import GraphIndex

    from atlas.graphviews import paper_view

    graph = copy.deepcopy(graph_data(atlas))
    neighbour = next(n["id"] for n in paper_view(GraphIndex(graph), atlas, "qlora")["nodes"]
                     if n["kind"] == "paper" and n["id"] != "paper:qlora")
    evil = '</script><img src=x onerror="alert(1)">&amp; *x*'
    for n in graph["nodes"]:
        if n["id"] == neighbour:
            n["label"] = evil
    page, star = render.render_paper(atlas, atlas.papers["qlora"], GraphIndex(graph))
    assert "<img" not in page and "</script><" not in page
    # What a browser reads back as the node's name (the twin's link text, the JSON's label) is the title, verbatim.
    line = page.split(f'data-node="{neighbour}"', 1)[1].split("</a>", 1)[0]
    assert html.unescape(line.split('">', 1)[1]) == evil
    assert next(n["label"] for n in json.loads(star)["nodes"] if n["id"] == neighbour) == evil
    assert "&lt;/script&gt;&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&amp;amp; *x*" in page


def test_a_much_linked_paper_shows_its_newest_linkers_and_lists_them_all_on_its_linked_from_page(monkeypatch, tmp_path):
    """A paper page keeps the newest PAPER_VIEW_MAX_INCOMING (lowered to 3 here) of the papers that are
    there only because they link to it, says how many link to it, and links the page that lists them
    all, newest first. (A synthetic corpus, where the limit is reached often.)"""
    import bench
    from atlas import build, graphviews

    monkeypatch.setattr(graphviews, "PAPER_VIEW_MAX_INCOMING", 3)
    proj = bench.make_project(200, tmp_path)
    generated = build.generate(proj / "data")
    files, atlas = generated.files, generated.atlas
    graph = json.loads(files["downloads/graph.json"])
    linking, linked = defaultdict(set), defaultdict(set)
    for e in graph["edges"]:
        if e["type"] in {"cites", *CURATED} and e["target"].startswith("paper:"):
            linking[e["target"]].add(e["source"])
        if e["type"] in {"cites", "related", *CURATED}:
            linked[e["source"]].add(e["target"])
    only_in = {me: linking[me] - linked[me] for me in linking}
    over = {me for me, ids in only_in.items() if len(ids) > 3}
    assert len(over) > 2
    assert {k for k in files if k.endswith("/linked-from.md")} == {f"papers/{me[6:]}/linked-from.md" for me in over}

    def newest(ids):
        return sorted(ids, key=lambda nid: atlas.papers[nid[6:]].sort_key)

    for me in sorted(over):
        pid = me[6:]
        text = files[f"papers/{pid}.md"].decode()
        page = _Twin()
        page.feed(text)
        left_out = set(newest(only_in[me])[3:])
        assert set(page.nodes["paper-graph-text"]) == expected_paper_view(graph, pid) - left_out
        assert f"{len(linking[me])} papers cite this one or name it in a curated relation" in text
        assert f'<a href="linked-from/">All {len(linking[me])}, newest first</a>' in text
        full = _Twin()
        full.feed(files[f"papers/{pid}/linked-from.md"].decode())
        assert full.nodes["linked-from-text"] == [me, *newest(linking[me])]
        assert set(full.edges["linked-from-text"]) == {(e["source"], e["target"], e["type"]) for e in graph["edges"]
                                                       if e["target"] == me and e["type"] in {"cites", *CURATED}}
    # Pages with few enough linkers have no such note.
    calm = next(me for me in sorted(only_in) if 0 < len(only_in[me]) <= 3)
    assert "linked-from/" not in files[f"papers/{calm[6:]}.md"].decode()
