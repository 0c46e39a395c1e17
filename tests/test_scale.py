"""The pieces that keep the atlas fast at 10,000 papers, checked for what they must not change.

Speed itself is measured by `make bench`, never asserted here. These tests check that the
topic-anchored layout is deterministic and stable, that the compiled schema check agrees with
jsonschema, and that large atlases open the graph on a topic-level overview.
"""

from __future__ import annotations

import json
import shutil


from atlas import layout
from atlas.build import generate
from atlas.data import load_schemas, validators_for
from conftest import DATA

TAXONOMY = [("memory", None), ("kv-cache", "memory"), ("offloading", "memory"),
            ("distributed-training", None), ("parallelism", "distributed-training"), ("other", None)]


def test_layout_is_deterministic_and_adding_a_paper_moves_no_other_node():
    papers = {f"p{i}": (["kv-cache", "parallelism"][i % 2],) for i in range(300)}
    first = layout.topic_layout(TAXONOMY, papers, ["vllm", "lora"])
    again = layout.topic_layout(TAXONOMY, dict(reversed(list(papers.items()))), ["lora", "vllm"])
    assert first == again
    grown = layout.topic_layout(TAXONOMY, {**papers, "new-paper": ("offloading", "kv-cache")}, ["vllm", "lora"])
    assert set(grown) - set(first) == {"paper:new-paper"}
    assert {k: grown[k] for k in first} == first
    # A paper sits within its first topic's disc (pulled towards its other topics).
    ax, ay = grown["topic:offloading"]
    x, y = grown["paper:new-paper"]
    assert ((x - ax) ** 2 + (y - ay) ** 2) ** 0.5 <= layout.PAPER_RADIUS + layout.PULL * 2 * layout.SUB_RADIUS + 1


def test_layout_spreads_papers_and_separates_topics():
    papers = {f"p{i}": ("kv-cache",) for i in range(500)} | {f"q{i}": ("parallelism",) for i in range(500)}
    pos = layout.topic_layout(TAXONOMY, papers)
    assert len({pos[f"paper:p{i}"] for i in range(500)}) > 490  # hashed, not piled on one point
    kv, par = pos["topic:kv-cache"], pos["topic:parallelism"]
    near_kv = sum(1 for i in range(500) if _d(pos[f"paper:p{i}"], kv) < _d(pos[f"paper:p{i}"], par))
    assert near_kv == 500


def _d(a, b):
    return ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5


def test_the_real_graph_positions_come_from_the_topic_layout(tmp_path):
    graph = json.loads(generate(DATA).files["downloads/graph.json"])
    pos = {n["id"]: (n["x"], n["y"]) for n in graph["nodes"]}
    topics = {n["id"] for n in graph["nodes"] if n["kind"] == "topic"}
    assert len(set(pos.values())) == len(pos)  # no two nodes on the same spot
    # Adding a paper to a copy of the data moves no node that was already on the map.
    d = tmp_path / "data"
    shutil.copytree(DATA, d)
    src = (d / "papers" / "qlora.yml").read_text(encoding="utf-8")
    (d / "papers" / "qlora-copy.yml").write_text(
        src.replace("id: qlora", "id: qlora-copy").replace('arxiv: "2305.14314"\n', ""), encoding="utf-8")
    grown = json.loads(generate(d).files["downloads/graph.json"])
    pos2 = {n["id"]: (n["x"], n["y"]) for n in grown["nodes"]}
    assert set(pos2) - set(pos) == {"paper:qlora-copy"}
    assert {k: pos2[k] for k in pos} == pos
    assert topics <= set(pos2)


def test_the_topic_overview_counts_links_between_topics():
    from atlas.build import load_atlas
    from atlas.graphdata import overview_data

    atlas, _ = load_atlas(DATA)
    ov = overview_data(atlas)
    assert {n["id"] for n in ov["nodes"]} == {f"topic:{t}" for t in atlas.topics}
    memory = next(n for n in ov["nodes"] if n["id"] == "topic:memory")
    assert memory["papers"] == len(atlas.papers_in("memory")) and memory["label"].endswith(f"({memory['papers']})")
    first = {p.id: p.topics[0] for p in atlas.papers.values()}
    cross = sum(1 for p in atlas.papers.values() for c in p.cited_ids if c in first and first[p.id] != first[c])
    assert sum(e["weight"] for e in ov["edges"] if e["type"] == "cites") == cross
    assert all(e["source"] != e["target"] for e in ov["edges"])


def test_a_large_atlas_graph_page_opens_on_the_overview():
    from atlas import render
    from atlas.build import load_atlas
    from atlas.graphdata import graph_data, overview_data

    atlas, _ = load_atlas(DATA)
    graph = graph_data(atlas)
    overview = overview_data(atlas, graph)
    assert overview == overview_data(atlas)  # the full map's topic positions, not new ones
    small = render.render_graph_page(atlas, graph_url="../downloads/graph.json", graph=graph)
    assert "data-graph-overview" not in small and "?map=full" not in small
    assert small.count('<li data-node="paper:') == len(atlas.papers)  # the twin lists every paper
    assert "every node and link is listed as text below" in small
    # Title suggestions come from the graph data (atlas-graph.js), not from the page.
    assert '<datalist id="atlas-graph-titles"></datalist>' in small
    large = render.render_graph_page(atlas, graph_url="../downloads/graph.json", graph=graph,
                                     overview_url="../downloads/graph-overview.json", overview=overview)
    assert 'data-graph-overview="../downloads/graph-overview.json"' in large
    assert '<a href="?map=full">' in large
    assert "the topic-level map is listed as text below" in large
    assert large.count("<option value=") == small.count("<option value=")
    # Between the two thresholds: the full map is drawn, the twin lists the overview.
    middle = render.render_graph_page(atlas, graph_url="../downloads/graph.json", graph=graph, overview=overview)
    assert "data-graph-overview" not in middle and '<li data-node="paper:' not in middle
    # The twin of a large atlas lists the overview: every topic, no paper, each link's weight.
    assert '<li data-node="paper:' not in large
    assert large.count('<li data-node="topic:') == len(atlas.topics)
    assert large.count(" between their papers</span>") == len(overview["edges"]) > 0
    e = max(overview["edges"], key=lambda e: e["weight"])
    assert f'data-source="{e["source"]}" data-target="{e["target"]}"' in large
    assert f'{e["weight"]} link{"" if e["weight"] == 1 else "s"} between their papers' in large
    assert f"The full map's {len(graph['nodes'])} nodes and {len(graph['edges'])} links" in large


def test_the_validator_gives_dollar_its_json_schema_meaning():
    """Python's `$` matches before a final newline; the schema's (ECMA-262) does not."""
    validator = validators_for(load_schemas(DATA))["paper"]
    good = {"id": "good-paper", "title": "Good: A Paper", "authors": ["Ada Lovelace"], "topics": ["offloading"],
            "abstract": "A short abstract.", "arxiv": "2405.00001"}
    assert validator.is_valid(good)
    for doc in ({**good, "id": "qlora\n"}, {**good, "arxiv": "2305.14314\n"}):
        assert not validator.is_valid(doc), doc


def test_a_topic_graph_draws_only_the_newest_papers_of_a_large_topic(monkeypatch):
    from atlas import graphviews, render
    from atlas.build import load_atlas
    from atlas.graphdata import graph_data

    atlas, _ = load_atlas(DATA)
    index = graphviews.GraphIndex(graph_data(atlas))
    papers = atlas.papers_in("memory")
    assert len(atlas.papers_in("agent-memory")) <= graphviews.TOPIC_VIEW_MAX_PAPERS
    assert "newest papers (of" not in render.render_topic(atlas, "agent-memory", index)
    monkeypatch.setattr(graphviews, "TOPIC_VIEW_MAX_PAPERS", 3)
    capped = render.render_topic(atlas, "memory", index)
    assert f"its 3 newest papers (of {len(papers)};" in capped
    drawn = {n["id"] for n in graphviews.topic_view(index, atlas, "memory")["nodes"] if n["kind"] == "paper"}
    assert drawn == {f"paper:{p.id}" for p in papers[:3]}
    # The page still lists every paper of the topic; only the graph and its twin are cut.
    assert all(f'href="../../papers/{p.id}/"' in capped for p in papers)
    twin = capped[capped.index('id="topic-graph-text"'):]
    assert twin.count('<li data-node="paper:') == 3


def test_a_large_full_map_opens_without_its_spokes_and_says_so(monkeypatch):
    """From SPOKES_HIDDEN_FROM papers the topic and outside-work links start unticked (the form's
    defaults, which "Reset filters" restores); below it every type but `related` is ticked."""
    import re

    from atlas import graphviews, render
    from atlas.build import load_atlas
    from atlas.graphdata import graph_data

    atlas, _ = load_atlas(DATA)
    graph = graph_data(atlas)

    def ticked(page: str) -> set[str]:
        return set(re.findall(r'name="edge_type" value="([a-z-]+)" checked', page))

    small = render.render_graph_page(atlas, graph_url="../downloads/graph.json", graph=graph)
    assert ticked(small) == set(graphviews.GLOBAL_DEFAULT_TYPES) and "related" not in ticked(small)
    assert "the map opens without" not in small
    monkeypatch.setattr(graphviews, "SPOKES_HIDDEN_FROM", len(atlas.papers))
    large = render.render_graph_page(atlas, graph_url="../downloads/graph.json", graph=graph)
    assert ticked(large) == set(graphviews.GLOBAL_DEFAULT_TYPES) - {"topic", "mentions"}
    assert f"With {len(atlas.papers)} papers the map opens without the topic and mentions links" in large
