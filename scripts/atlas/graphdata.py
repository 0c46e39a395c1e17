"""The graph as a data artifact: sorted node-link JSON with a seeded layout.

In: an `Atlas`. Out: a JSON-ready dict every graph view draws from (`downloads/graph.json`).
Positions are computed here, at build time, so the browser draws at once with physics off.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from .model import Atlas
from .related import related_edges

LAYOUT_SEED = 7
LAYOUT_SCALE = 900


def layout(atlas: Atlas) -> dict[str, tuple[int, int]]:
    """A seeded spring layout of the undirected graph, rounded to whole pixels."""
    g = nx.Graph()
    g.add_nodes_from(sorted(atlas.graph.nodes))
    g.add_edges_from(sorted((u, v) for u, v in atlas.graph.edges()))
    pos = nx.spring_layout(g, seed=LAYOUT_SEED, iterations=200, k=1.2 / max(1, len(g)) ** 0.5)
    return {n: (round(float(x) * LAYOUT_SCALE), round(float(y) * LAYOUT_SCALE)) for n, (x, y) in sorted(pos.items())}


def graph_data(atlas: Atlas) -> dict[str, Any]:
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
    # Computed text similarity (see related.py), typed `related` so no view confuses it with `cites`.
    edges = sorted(edges + related_edges(atlas), key=lambda e: (e["source"], e["target"], e["type"]))
    return {"directed": True, "multigraph": True, "graph": {"name": "ML Systems Paper Atlas"},
            "nodes": nodes, "edges": edges}


def graphml(data: dict[str, Any]) -> bytes:
    """The node-link graph data as GraphML (networkx, Gephi, yEd): same nodes, same edges.

    GraphML attributes are scalars, so list attributes (a paper's topics) are joined with
    commas; absent attributes are left out rather than written as empty values.
    """
    g = nx.MultiDiGraph(name=data["graph"]["name"])

    def scalar(value: Any) -> Any:
        return ",".join(value) if isinstance(value, list) else value

    for node in data["nodes"]:
        g.add_node(node["id"], **{k: scalar(v) for k, v in node.items() if k != "id" and v is not None})
    for edge in data["edges"]:
        attrs = {k: scalar(v) for k, v in edge.items() if k not in ("source", "target") and v is not None}
        g.add_edge(edge["source"], edge["target"], key=edge["type"], **attrs)
    return ("\n".join(nx.generate_graphml(g, prettyprint=True)) + "\n").encode("utf-8")
