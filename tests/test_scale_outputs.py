"""The whole-atlas outputs kept cheap at 10,000 papers: GraphML written as a stream, feeds of
the newest papers, and a faceted list that stops growing. Each is checked on the real data
for what it must keep, and with a small limit for what it does once the atlas outgrows it.

Speed itself is measured by `make bench`, never asserted here.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from atlas import render_facets
from atlas.build import load_atlas
from atlas.graphdata import graph_data, graphml
from conftest import DATA

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def atlas():
    return load_atlas(DATA)[0]


@pytest.fixture(scope="module")
def graph(atlas):
    return graph_data(atlas)


def networkx_graphml(data: dict) -> bytes:
    """The graph built in networkx (attributes in name order) and written by its GraphML writer."""
    g = nx.MultiDiGraph(name=data["graph"]["name"])

    def scalar(value):
        return ",".join(value) if isinstance(value, list) else value

    for node in data["nodes"]:
        g.add_node(node["id"], **{k: scalar(v) for k, v in sorted(node.items()) if k != "id" and v is not None})
    for edge in data["edges"]:
        attrs = {k: scalar(v) for k, v in sorted(edge.items()) if k not in ("source", "target") and v is not None}
        g.add_edge(edge["source"], edge["target"], key=edge["type"], **attrs)
    return ("\n".join(nx.generate_graphml(g, prettyprint=True)) + "\n").encode("utf-8")


def read_back(text: bytes) -> nx.MultiDiGraph:
    return nx.read_graphml(io.BytesIO(text), force_multigraph=True)


# --- GraphML ----------------------------------------------------------------------------------

def test_graphml_is_byte_for_byte_what_networkx_writes_for_the_real_atlas(graph):
    assert graphml(graph) == networkx_graphml(graph)


def test_a_large_atlas_writes_the_same_graphml_in_its_second_process(graph):
    """From background.FROM papers the GraphML is written from graph.json by python -m atlas.graphdata."""
    from atlas import background

    send, result = background.started("graphdata")
    send(json.dumps(graph).encode())
    assert result() == graphml(graph)


def test_a_second_process_that_fails_is_reported_with_its_errors_even_if_it_ended_before_its_input():
    import time

    from atlas import background

    send, result = background.started("no_such_module")
    time.sleep(2)  # long enough for Python to give up on the module
    send(b"{}")
    with pytest.raises(RuntimeError, match="python -m atlas.no_such_module failed:\n.*No module named atlas.no_such_module"):
        result()


def test_the_similarity_process_reads_the_files_early_as_the_build_does_and_takes_only_text(tmp_path):
    """Its early read (related.early_texts) happens before any check: like the build it reads no
    symbolic link (here to /dev/zero, which never ends), and it takes a title only if it is text
    (here one a chain of YAML aliases makes a list of 9**5 items)."""
    from atlas.related import early_texts

    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "a.yml").write_text('id: a\ntitle: "A"\nabstract: " Text. "\n', encoding="utf-8")
    (papers / "zero.yml").symlink_to("/dev/zero")
    chain = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}' if i else 'lol'] * 9)}]\n" for i in range(5))
    (papers / "b.yml").write_text(f"id: b\n{chain}title: *l4\nabstract: x\n", encoding="utf-8")
    assert early_texts(str(tmp_path)) == {"a": "A\nText."}


HOSTILE = ['<script>alert("x")</script> & co', "tab\there, line\nbreak", "]]> 'quotes' \"too\"",
           "Æsir für 大模型 👩\u200d🔬", "&amp; stays &amp;", "  spaced  "]


def small_graph(labels: list[str]) -> dict:
    nodes = [{"id": f"paper:p{i}", "kind": "paper", "label": text, "x": i, "y": -i, "year": None,
              "topics": ["a", "b"], "score": 0.5, "flag": True} for i, text in enumerate(labels)]
    edges = [{"source": f"paper:p{i}", "target": f"paper:p{i + 1}", "type": "uses", "evidence": text}
             for i, text in enumerate(labels[:-1])]
    return {"directed": True, "multigraph": True, "graph": {"name": 'Atlas <"&">'}, "nodes": nodes, "edges": edges}


def test_graphml_keeps_text_from_yaml_as_text_and_reads_back_exactly():
    data = small_graph(HOSTILE)
    text = graphml(data)
    assert b"<script" not in text
    g = read_back(text)
    assert g.graph["name"] == 'Atlas <"&">'
    assert [g.nodes[f"paper:p{i}"]["label"] for i in range(len(HOSTILE))] == HOSTILE
    node = g.nodes["paper:p0"]
    assert (node["x"], node["y"], node["topics"], node["score"], node["flag"]) == (0, 0, "a,b", 0.5, True)
    assert "year" not in node  # absent, not written empty
    assert [d["evidence"] for _, _, d in sorted(g.edges(data=True))] == HOSTILE[:-1]
    assert text == networkx_graphml(data)


def test_graphml_refuses_characters_xml_cannot_hold():
    """The schema keeps control characters out of every field GraphML carries; should one get
    through, the build stops rather than write a file no XML reader opens."""
    for ch in ("\x00", "\x08", "\x0b", "\x1b", "\ufffe"):
        with pytest.raises(ValueError, match=f"U\\+{ord(ch):04X} cannot be written in XML"):
            graphml(small_graph(["fine", f"bad{ch}text"]))


def test_graphml_edges_sharing_source_target_and_type_are_one_edge_as_in_networkx():
    data = small_graph(["a", "b"])
    data["edges"] = [{"source": "paper:p0", "target": "paper:p1", "type": "uses", "evidence": "first"},
                     {"source": "paper:p0", "target": "paper:p1", "type": "uses", "evidence": "second"},
                     {"source": "paper:p0", "target": "paper:p1", "type": "extends", "evidence": "third"}]
    assert graphml(data) == networkx_graphml(data)
    g = read_back(graphml(data))
    assert sorted((k, d["evidence"]) for _, _, k, d in g.edges(keys=True, data=True)) == [("extends", "third"), ("uses", "second")]


# --- feeds ------------------------------------------------------------------------------------

def test_a_feed_holds_the_newest_papers_and_says_so(atlas):
    dated = [p for p in atlas.by_date if p.published is not None]
    feed = ET.fromstring(render_facets.atom_feed(atlas, None, "https://example.invalid/atlas/", limit=5))
    ids = [e.findtext(f"{ATOM}id") for e in feed.findall(f"{ATOM}entry")]
    assert ids == [f"https://example.invalid/atlas/papers/{p.id}/" for p in dated[:5]]
    assert feed.findtext(f"{ATOM}subtitle").startswith("The 5 newest dated papers in the atlas.")
    assert feed.findtext(f"{ATOM}updated") == f"{dated[0].published.isoformat()}T00:00:00Z"
    whole = ET.fromstring(render_facets.atom_feed(atlas, None, "https://example.invalid/atlas/", limit=len(dated)))
    assert whole.findtext(f"{ATOM}subtitle").startswith("Every dated paper in the atlas, newest first.")
    topic = ET.fromstring(render_facets.atom_feed(atlas, "memory", "https://example.invalid/atlas/", limit=3))
    in_memory = [p for p in atlas.papers_in("memory") if p.published is not None]
    assert [e.findtext(f"{ATOM}id") for e in topic.findall(f"{ATOM}entry")] == [
        f"https://example.invalid/atlas/papers/{p.id}/" for p in in_memory[:3]]
    assert topic.findtext(f"{ATOM}subtitle").startswith("The 3 newest papers on memory in the atlas.")


def test_the_exports_page_names_the_feed_limit_only_when_a_feed_reaches_it(atlas):
    dated = sum(1 for p in atlas.papers.values() if p.published is not None)
    assert render_facets.feed_is_capped(atlas, None) == (dated > render_facets.FEED_MAX)
    capped = any(render_facets.feed_is_capped(atlas, t) for t in [None, *atlas.topics])
    assert ("newest papers; the citation exports" in render_facets.render_exports_page(atlas)) == capped


# --- the faceted list ---------------------------------------------------------------------------

def rows_of(page: str) -> list[str]:
    return re.findall(r'<tr data-id="([^"]+)"', page)


def test_the_faceted_list_holds_every_paper_of_the_real_atlas(atlas):
    page = render_facets.render_browse(atlas)
    assert rows_of(page) == [p.id for p in atlas.by_date]
    assert f"<caption>All {len(atlas.papers)} papers" in page and "atlas-browse-capped" not in page
    assert '<option value="none">Not stated</option>' in page


def test_a_large_atlas_lists_its_newest_papers_and_says_where_the_rest_are(atlas):
    page = render_facets.render_browse(atlas, limit=10)
    assert rows_of(page) == [p.id for p in atlas.by_date[:10]]
    assert f"<caption>The 10 newest of {len(atlas.papers)} papers" in page
    notice = re.search(r'<p class="atlas-browse-capped">(.*?)</p>', page).group(1)
    assert f"the 10 most recently published of the atlas's {len(atlas.papers)} papers" in notice
    assert re.findall(r'href="([^"]+)"', notice) == ["../papers/", "../facets/", "../exports/#citations"]
    # Only the years and dates of the listed papers are offered as filters.
    years = re.findall(r'<option value="(\d{4})">', page)
    assert years == [str(y) for y in sorted({p.year for p in atlas.by_date[:10]}, reverse=True)]
    assert '<option value="none">' not in page
    assert render_facets.BROWSE_MAX == 1000


# --- citation exports ---------------------------------------------------------------------------

def test_csl_json_holds_one_item_per_line(atlas):
    items = [render_facets.csl_item(p) for p in atlas.papers.values()]
    text = render_facets.render_csl_json(atlas)
    assert json.loads(text) == items
    lines = text.split("\n")
    assert lines[0] == "[" and lines[-2:] == ["]", ""] and len(lines) == len(items) + 3
    assert [json.loads(line.rstrip(",")) for line in lines[1:-2]] == items


def test_a_subtopic_table_holds_its_newest_papers_and_says_so_only_when_cut(atlas, monkeypatch):
    from atlas import graphviews, render

    index = graphviews.GraphIndex(graph_data(atlas))
    tid = "memory-efficient-training"
    members = atlas.papers_in(tid)
    assert len(members) > 3
    whole = render.render_topic(atlas, tid, index)
    assert "The table holds the newest" not in whole
    assert whole.count('<th scope="row">') == len(members)
    monkeypatch.setattr(render_facets, "COMPARE_MAX", 3)
    cut = render.render_topic(atlas, tid, index)
    assert f"The table holds the newest 3 of the topic's {len(members)} papers" in cut
    rows = re.findall(r'<th scope="row"><a href="\.\./\.\./papers/([^/]+)/">', cut)
    assert rows == [p.id for p in members[:3]]  # newest first, as the topic's list
