"""The graph as a data artifact: sorted node-link JSON with a precomputed layout.

In: an `Atlas`. Out: a JSON-ready dict every graph view draws from (`downloads/graph.json`).
Positions are computed here, at build time, so the browser draws at once with physics off.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import networkx as nx

from . import background
from .layout import dot_size, force_layout
from .model import Atlas
from .related import related_edges


def layout(atlas: Atlas) -> dict[str, tuple[int, int]]:
    """Positions (layout.py) from the links the map opens with: the atlas graph's, not `related`.
    Remembered by its inputs: an edit that leaves the links alone keeps the map, at once."""
    papers = atlas.papers.values()
    return dict(remembered_layout(tuple((t.id, t.parent) for t in atlas.topics.values()), tuple(sorted(atlas.graph)),
                        tuple(sorted(atlas.graph.edges())), tuple(sorted((f"paper:{p.id}", p.topics[0]) for p in papers if p.topics)),
                        tuple(sorted((f"paper:{p.id}", dot_size(atlas.citation_counts.get(p.id, 0))) for p in papers))))


@lru_cache(maxsize=1)
def remembered_layout(taxonomy: tuple, nodes: tuple, edges: tuple, first_topic: tuple, radius: tuple) -> dict[str, tuple[int, int]]:
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(edges)
    return force_layout(taxonomy, graph, dict(first_topic), dict(radius))


LABELLED = 12  # the map names the most cited papers at every zoom; the others' on zooming in
SHORT_MAX = 28  # characters of a short label's name


def short_label(title: str, year: int | None) -> str:
    """A paper's name on the map, "ZeRO · 2019": its title up to a colon, cut at a word, and its year if known."""
    name = title.split(":")[0].strip() or title
    name = name if len(name) <= SHORT_MAX else name[:SHORT_MAX].rsplit(" ", 1)[0].rstrip(",;-") + "…"
    return f"{name} · {year}" if year is not None else name


def graph_data(atlas: Atlas, similar: Callable[[], dict[str, list[tuple[str, float]]]] | None = None) -> dict[str, Any]:
    """The model's graph with positions, and the computed text-similarity edges (related.py;
    asked of `similar` after the layout, if given: related.related_papers_started), typed
    `related` so no view confuses them with `cites`."""
    pos = layout(atlas)
    cited = atlas.citation_counts
    labelled = {p.id for p in sorted((p for p in atlas.papers.values() if cited.get(p.id)), key=lambda p: (-cited[p.id], p.id))[:LABELLED]}
    nodes = []
    for n, attrs in sorted(atlas.graph.nodes(data=True)):
        kind = attrs["kind"]
        node: dict[str, Any] = {"id": n, "kind": kind, "label": attrs["label"], "x": pos[n][0], "y": pos[n][1]}
        if kind == "paper":
            p = atlas.papers[n[len("paper:"):]]
            node.update(url=f"papers/{p.id}/", year=p.year, topics=list(p.topics), roots=atlas.roots_of(p),
                        cited_by=cited.get(p.id, 0), size=dot_size(cited.get(p.id, 0)),
                        short=short_label(p.title, p.year), labelled=p.id in labelled)
        elif kind == "topic":
            t = atlas.topics[n[len("topic:"):]]
            node.update(url=f"topics/{t.id}/", root=t.root, level=1 if t.parent else 0)
        else:
            w = atlas.external[n[len("work:"):]]
            if w.arxiv:
                node["arxiv"] = w.arxiv
        nodes.append(node)
    edges = [{"source": u, "target": v, "type": k, **({"evidence": attrs["evidence"]} if "evidence" in attrs else {})}
             for u, v, k, attrs in atlas.graph.edges(keys=True, data=True)]
    edges = sorted(edges + related_edges(atlas, similar=similar() if similar else None), key=lambda e: (e["source"], e["target"], e["type"]))
    return {"directed": True, "multigraph": True, "graph": {"name": "ML Systems Paper Atlas"},
            "nodes": nodes, "edges": edges}


def graphml(data: dict[str, Any]) -> bytes:
    """The node-link graph data as GraphML (networkx, Gephi, yEd), written by networkx: the same
    nodes and edges. GraphML attributes are scalars, so list attributes (a paper's topics) are
    joined with commas, and absent attributes are left out. Edges sharing source, target and
    type are one GraphML edge (the multigraph key is the type). Attributes go in name order,
    so the file does not depend on the order of the keys it is given (graph.json's are sorted)."""
    def attrs(item: dict[str, Any], skip: tuple[str, ...]) -> dict[str, Any]:
        out = {k: ",".join(v) if isinstance(v, list) else v for k, v in sorted(item.items()) if k not in skip and v is not None}
        for v in out.values():
            # The schema keeps control characters out of every field; should one get through,
            # the build stops rather than write a file no XML reader opens.
            if isinstance(v, str) and (bad := _XML_FORBIDDEN.search(v)):
                raise ValueError(f"U+{ord(bad.group()):04X} cannot be written in XML 1.0 (in {v[:60]!r})")
        return out

    g = nx.MultiDiGraph(**attrs(data["graph"], ()))
    for n in data["nodes"]:
        g.add_node(n["id"], **attrs(n, ("id",)))
    for e in data["edges"]:
        g.add_edge(e["source"], e["target"], key=e["type"], **attrs(e, ("source", "target")))
    return ("\n".join(nx.generate_graphml(g)) + "\n").encode("utf-8")


_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


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
    pos = layout(atlas) if graph is None else {n["id"]: (n["x"], n["y"]) for n in graph["nodes"] if n["kind"] == "topic"}
    first = {p.id: p.topics[0] for p in atlas.papers.values() if p.topics}
    nodes = []
    for t in atlas.topics.values():
        n_under = len(atlas.papers_in(t.id))
        nodes.append({"id": f"topic:{t.id}", "kind": "topic", "label": f"{t.name} ({n_under})",
                      "papers": n_under, "url": f"topics/{t.id}/", "root": t.root,
                      "level": 1 if t.parent else 0, "x": pos[f"topic:{t.id}"][0], "y": pos[f"topic:{t.id}"][1]})
    weights = {(f"topic:{t.id}", f"topic:{t.parent}", "subtopic"): 1 for t in atlas.topics.values() if t.parent}
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


if __name__ == "__main__":  # background.py: graph.json in, GraphML out
    sys.stdout.buffer.write(graphml(json.loads(background.received())))
