"""The graph as a data artifact: sorted node-link JSON with a precomputed layout.

In: an `Atlas`. Out: a JSON-ready dict every graph view draws from (`downloads/graph.json`).
Positions are computed here, at build time, so the browser draws at once with physics off.
"""

from __future__ import annotations

import re
from typing import Any

from .layout import topic_layout
from .model import Atlas
from .related import related_edges


def layout(atlas: Atlas) -> dict[str, tuple[int, int]]:
    """Topic-anchored positions (see layout.py): O(n), and adding a paper moves no other node."""
    return topic_layout(
        [(t.id, t.parent) for t in atlas.topics.values()],
        ((p.id, p.topics) for p in atlas.papers.values()),
        atlas.external,
    )


def graph_data(atlas: Atlas, similar: dict[str, list[tuple[str, float]]] | None = None) -> dict[str, Any]:
    """`similar`: `related.related_papers(atlas)` if already computed (it is computed otherwise)."""
    return with_related(graph_skeleton(atlas), atlas, similar)


def graph_skeleton(atlas: Atlas) -> dict[str, Any]:
    """The graph data without the related (text-similarity) edges: what needs only the model, so
    a large build makes it while another process computes the related papers."""
    pos = layout(atlas)
    in_cites: dict[str, int] = {}
    for u, v, k in atlas.graph.edges(keys=True):
        if k == "cites":
            in_cites[v] = in_cites.get(v, 0) + 1
    nodes = []
    for n, attrs in sorted(atlas.graph.nodes(data=True)):
        kind = attrs["kind"]
        node: dict[str, Any] = {"id": n, "kind": kind, "label": attrs["label"], "x": pos[n][0], "y": pos[n][1]}
        if kind == "paper":
            p = atlas.papers[n[len("paper:"):]]
            node.update(url=f"papers/{p.id}/", year=p.year, topics=list(p.topics),
                        roots=atlas.roots_of(p), cited_by=in_cites.get(n, 0))
        elif kind == "topic":
            t = atlas.topics[n[len("topic:"):]]
            node.update(url=f"topics/{t.id}/", root=t.root, level=1 if t.parent else 0)
        else:
            w = atlas.external[n[len("work:"):]]
            if w.arxiv:
                node["arxiv"] = w.arxiv
        nodes.append(node)
    edges = []
    for u, v, k, attrs in sorted(atlas.graph.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
        edge = {"source": u, "target": v, "type": k}
        if "evidence" in attrs:
            edge["evidence"] = attrs["evidence"]
        edges.append(edge)
    return {"directed": True, "multigraph": True, "graph": {"name": "ML Systems Paper Atlas"},
            "nodes": nodes, "edges": edges}


def with_related(skeleton: dict[str, Any], atlas: Atlas,
                 similar: dict[str, list[tuple[str, float]]] | None = None) -> dict[str, Any]:
    """The whole graph data: `skeleton` (left as it is) with the computed text-similarity edges
    (see related.py), typed `related` so no view confuses them with `cites`."""
    edges = sorted(skeleton["edges"] + related_edges(atlas, similar=similar),
                   key=lambda e: (e["source"], e["target"], e["type"]))
    return {**skeleton, "edges": edges}


_GRAPHML_NS = ('xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
               'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"')
# GraphML's attr.type for each Python type of a value (networkx's own names).
_GRAPHML_TYPES = {str: "string", bool: "boolean", int: "long", float: "double"}
# Characters XML 1.0 cannot carry at all, not even as a character reference.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_XML_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                           "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"})


def _xml_checked(text: str) -> str:
    bad = _XML_FORBIDDEN.search(text)
    if bad:
        raise ValueError(f"U+{ord(bad.group()):04X} cannot be written in XML 1.0 (in {text[:60]!r})")
    return text


_XML_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value: Any) -> str:
    """`value` as XML character data: markup characters escaped (a carriage return too, which
    an XML parser would otherwise read as a line feed)."""
    text = str(value)
    if _XML_SPECIAL.search(text) is None:  # the usual case: nothing to escape
        return text
    return _xml_checked(text).translate(_XML_TEXT)


_XML_ATTR_SPECIAL = re.compile('[&<>"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')


def _xml_attr(value: Any) -> str:
    """`value` as a double-quoted XML attribute value (tabs and line breaks kept as references)."""
    text = str(value)
    if _XML_ATTR_SPECIAL.search(text) is None:
        return f'"{text}"'
    return '"' + _xml_checked(text).translate(_XML_ATTR) + '"'


def graphml(data: dict[str, Any]) -> bytes:
    """The node-link graph data as GraphML (networkx, Gephi, yEd): same nodes, same edges.

    GraphML attributes are scalars, so list attributes (a paper's topics) are joined with
    commas; absent attributes are left out rather than written as empty values. Written as
    a stream of escaped lines, exactly as networkx's writer lays it out (keys `d0`, `d1`, ...
    in the order first used, listed last first; an edge's id is its type; non-ASCII characters
    as character references) but without
    building an element tree of the whole graph. Edges sharing source, target and type are
    one GraphML edge (networkx's multigraph key), with the later edge's attributes.
    """
    def attrs(item: dict[str, Any], skip: tuple[str, ...]) -> dict[str, Any]:
        return {k: ",".join(v) if isinstance(v, list) else v
                for k, v in item.items() if k not in skip and v is not None}

    graph_attrs = attrs(data["graph"], ("node_default", "edge_default"))
    nodes = [(n["id"], attrs(n, ("id",))) for n in data["nodes"]]
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}
    for e in data["edges"]:
        key = (e["source"], e["target"], e["type"])
        edges.setdefault(key, {}).update(attrs(e, ("source", "target")))

    keys: dict[tuple[str, str, str], str] = {}  # (name, attr.type, scope) -> key id
    opening: dict[tuple[str, type, str], str] = {}  # (name, Python type, scope) -> '<data key="dN">'

    def data_lines(scope: str, values: dict[str, Any], indent: str) -> list[str]:
        out = []
        for name, value in values.items():
            cls = type(value)
            tag = opening.get((name, cls, scope))
            if tag is None:
                kind = _GRAPHML_TYPES.get(cls)
                if kind is None:
                    raise TypeError(f"GraphML cannot hold {cls.__name__} values ({name})")
                kid = keys.setdefault((name, kind, scope), f"d{len(keys)}")
                tag = opening[(name, cls, scope)] = f'{indent}<data key="{kid}">'
            # Numbers need no escaping; text does.
            out.append(f"{tag}{value}</data>" if cls is int or cls is float else f"{tag}{_xml_text(value)}</data>")
        return out

    graph_data_lines = data_lines("graph", graph_attrs, "    ")
    # The keys come first but are only known at the end: the body is kept as encoded chunks
    # (a list of a million short strings would be several times the file's size).
    chunks: list[bytes] = []
    body: list[str] = []

    def flush() -> None:
        if body:
            # ASCII with character references, as networkx writes it (the same text to any XML reader).
            chunks.append(("\n".join(body) + "\n").encode("ascii", "xmlcharrefreplace"))
            body.clear()

    for nid, values in nodes:
        lines = data_lines("node", values, "      ")
        if lines:
            body += [f"    <node id={_xml_attr(nid)}>", *lines, "    </node>"]
        else:
            body.append(f"    <node id={_xml_attr(nid)} />")
        if len(body) > 20_000:
            flush()
    quoted: dict[str, str] = {}  # node id -> its attribute value, for the edges that name it
    for (source, target, kind), values in edges.items():
        src = quoted.get(source) or quoted.setdefault(source, _xml_attr(source))
        dst = quoted.get(target) or quoted.setdefault(target, _xml_attr(target))
        head = f"    <edge source={src} target={dst} id={_xml_attr(kind)}"
        lines = data_lines("edge", values, "      ")
        body += [head + ">", *lines, "    </edge>"] if lines else [head + " />"]
        if len(body) > 20_000:
            flush()
    body += [*graph_data_lines, "  </graph>", "</graphml>"]
    flush()
    key_lines = [f'  <key id="{kid}" for="{scope}" attr.name={_xml_attr(name)} attr.type="{kind}" />'
                 for (name, kind, scope), kid in reversed(keys.items())]
    head = [f"<graphml {_GRAPHML_NS}>", *key_lines, '  <graph edgedefault="directed">']
    return b"".join([("\n".join(head) + "\n").encode("ascii", "xmlcharrefreplace"), *chunks])


# Above this many papers the graph page opens on the topic-level overview; the full map of
# every paper stays one click away (`graph/?map=full`).
OVERVIEW_DEFAULT_FROM = 2000
# Above this many papers the graph page's text twin lists the topic overview: the full map's
# every node and link as HTML lists would make a page of megabytes (5 MB at 1,000 papers).
TWIN_OVERVIEW_FROM = 500


def overview_data(atlas: Atlas, graph: dict[str, Any] | None = None) -> dict[str, Any]:
    """The topic-level graph: one node per topic, and edges that count the citations and
    relations between the papers filed under each pair of topics (`downloads/graph-overview.json`).

    A paper counts under its first topic, where the layout places it. The nodes keep the
    full map's topic positions, so both views show the same picture at two zoom levels
    (taken from `graph`, the full map's data, when given, rather than computed again).
    """
    if graph is not None:
        pos = {n["id"]: (n["x"], n["y"]) for n in graph["nodes"] if n["kind"] == "topic"}
    else:
        pos = layout(atlas)
    first = {p.id: p.topics[0] for p in atlas.papers.values() if p.topics}
    counts: dict[str, int] = {}
    for tid in first.values():
        counts[tid] = counts.get(tid, 0) + 1
    nodes = []
    for t in atlas.topics.values():
        n_under = len(atlas.papers_in(t.id))
        nodes.append({"id": f"topic:{t.id}", "kind": "topic", "label": f"{t.name} ({n_under})",
                      "papers": n_under, "url": f"topics/{t.id}/", "root": t.root,
                      "level": 1 if t.parent else 0, "x": pos[f"topic:{t.id}"][0], "y": pos[f"topic:{t.id}"][1]})
    weights: dict[tuple[str, str, str], int] = {}
    for t in atlas.topics.values():
        if t.parent:
            weights[(f"topic:{t.id}", f"topic:{t.parent}", "subtopic")] = 1
    for p in atlas.papers.values():
        targets = [(c, "cites") for c in p.cited_ids if c in atlas.papers] + [(r.target, r.type) for r in p.relations if r.target in atlas.papers]
        for target, kind in targets:
            a, b = first.get(p.id), first.get(target)
            if a and b and a != b:
                key = (f"topic:{a}", f"topic:{b}", "cites" if kind == "cites" else "relation")
                weights[key] = weights.get(key, 0) + 1
    edges = [{"source": u, "target": v, "type": k, "weight": w} for (u, v, k), w in sorted(weights.items())]
    return {"directed": True, "multigraph": True,
            "graph": {"name": "ML Systems Paper Atlas: topic overview", "papers": len(atlas.papers)},
            "nodes": sorted(nodes, key=lambda n: n["id"]), "edges": edges}
