"""The graph as a data artifact: sorted node-link JSON with a precomputed layout.

In: an `Atlas`. Out: a JSON-ready dict every graph view draws from (`downloads/graph.json`).
Positions are computed here, at build time, so the browser draws at once with physics off.
"""

from __future__ import annotations

from typing import Any

from .layout import topic_layout
from .model import Atlas


def layout(atlas: Atlas) -> dict[str, tuple[int, int]]:
    """Topic-anchored positions (see layout.py): O(n), and adding a paper moves no other node."""
    return topic_layout(
        [(t.id, t.parent) for t in atlas.topics.values()],
        ((p.id, p.topics) for p in atlas.papers.values()),
        atlas.external,
    )


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
    return {"directed": True, "multigraph": True, "graph": {"name": "ML Systems Paper Atlas"},
            "nodes": nodes, "edges": edges}
