"""Views of the graph artifact: the small graphs on paper and topic pages, and their text twins.

In: the graph data of `graphdata.graph_data` (what `downloads/graph.json` holds, wrapped in a
`GraphIndex`) and the `Atlas`.
Out: JSON-ready `{nodes, edges, focus, topic_names}` dicts that `atlas-graph.js` draws, and the
same nodes and edges grouped by relation type for the HTML twin every graph has beside it.
Every view is cut out of the one artifact, so a page, its twin and the download never disagree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .model import Atlas
from .related import MIN_SCORE

# The vocabularies (topic colours; each relation type's words and line), defined once in vocabulary.yml.
VOCABULARY: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "vocabulary.yml").read_text(encoding="utf-8"))
for _relation in VOCABULARY["relations"].values():
    _relation["meaning"] = _relation["meaning"].format(min_score=MIN_SCORE)
CURATED = tuple(t for t, r in VOCABULARY["relations"].items() if r.get("curated"))
# Relation types in the order the twins list them: heading and meaning, and the verb between a link's two ends.
EDGE_TYPES: dict[str, tuple[str, str]] = {t: (r["heading"], r["meaning"]) for t, r in VOCABULARY["relations"].items()}
VERBS: dict[str, str] = {t: r["verb"] for t, r in VOCABULARY["relations"].items()}
# Edge types a paper's local graph draws: the paper's links to other works, not its topics.
PAPER_VIEW_TYPES = ("cites", *CURATED, "related")
TOPIC_VIEW_TYPES = ("topic", "subtopic", "cites", *CURATED, "related")
# Edge types the Graph page shows before the reader changes anything. `related` starts hidden:
# it adds five edges per paper and would bury the curated and citation edges; one tick shows it.
GLOBAL_DEFAULT_TYPES = tuple(t for t in EDGE_TYPES if t != "related")
# From this many papers the full map also starts without its spokes: the lines from papers to
# topic nodes and to outside works. A paper's colour already gives its top-level topic and the
# filters its subtopic; at 1,000 papers the spokes are half the map's lines, and creating lines
# is most of vis-network's time to the first picture. One tick under "Links" shows them.
SPOKES_HIDDEN_FROM = 500
SPOKE_TYPES = ("topic", "mentions")


def global_default_types(papers: int) -> tuple[str, ...]:
    """The edge types ticked when the Graph page opens on the full map of `papers` papers."""
    return tuple(t for t in GLOBAL_DEFAULT_TYPES if papers < SPOKES_HIDDEN_FROM or t not in SPOKE_TYPES)
# A topic graph draws at most this many of the topic's papers, the newest: a topic of a large
# atlas holds thousands, and at 150 the picture was a hairball and the page half a megabyte of
# data and text (the full map has them all).
TOPIC_VIEW_MAX_PAPERS = 60


def type_order(edge_type: str) -> tuple[int, str]:
    order = list(EDGE_TYPES)
    return (order.index(edge_type) if edge_type in order else len(order), edge_type)


class GraphIndex:
    """The graph data with its nodes by id and each node's edges, built once per build, so
    cutting a page's view costs the size of that view, not of the whole graph."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.nodes = {n["id"]: n for n in data["nodes"]}
        self.incident: dict[str, list[int]] = defaultdict(list)
        for i, e in enumerate(data["edges"]):
            self.incident[e["source"]].append(i)
            if e["target"] != e["source"]:
                self.incident[e["target"]].append(i)

    def edges_of(self, node: str) -> list[dict[str, Any]]:
        return [self.data["edges"][i] for i in self.incident.get(node, ())]

    def edges_among(self, keep: set[str], types: tuple[str, ...]) -> list[dict[str, Any]]:
        """Edges of `types` with both ends in `keep`, in the graph data's (sorted) order."""
        found = sorted({i for n in keep for i in self.incident.get(n, ())})
        edges = (self.data["edges"][i] for i in found)
        return [e for e in edges if e["type"] in types and e["source"] in keep and e["target"] in keep]


def node_meta(node: dict[str, Any], names: dict[str, str]) -> str:
    """What a twin says about a node after its name: kind, year and topics (as atlas-graph.js's tooltips do)."""
    if node["kind"] == "paper":
        year = node["year"] if node.get("year") is not None else "date not stated"
        return f"paper · {year} · " + ", ".join(names[t] for t in node["topics"])
    if node["kind"] == "topic":
        return "top-level topic" if node["level"] == 0 else "subtopic"
    return "outside work" + (f" · arXiv {node['arxiv']}" if node.get("arxiv") else "")


def topic_names(atlas: Atlas) -> dict[str, str]:
    return {tid: t.name for tid, t in atlas.topics.items()}


# A paper page draws and lists at most this many of the papers that only link to it (cite it, or
# name it in a curated relation), the newest, as it lists its 5 most similar papers: a much-cited
# paper would otherwise carry hundreds. All of them are on its "linked from" page
# (`linked_from_view`), which the paper page links.
PAPER_VIEW_MAX_INCOMING = 5


def _names_of_topics(atlas: Atlas, nodes: list[dict[str, Any]]) -> dict[str, str]:
    """The names of the topics the nodes are filed under (what the tooltips and the twin show), by id."""
    used = {t for n in nodes for t in n.get("topics", ())}
    return {tid: atlas.topics[tid].name for tid in sorted(used)}


def _newest_first(atlas: Atlas, node_id: str) -> tuple:
    return atlas.papers[node_id[len("paper:"):]].sort_key


def _incoming(graph: GraphIndex, centre: str) -> tuple[set[str], set[str], list[dict[str, Any]]]:
    """The paper's neighbours: those it links to (and its related papers), those that link to it,
    and the edges that link to it."""
    outgoing, incoming, edges_in = set(), set(), []
    for e in graph.edges_of(centre):
        if e["type"] not in PAPER_VIEW_TYPES:
            continue
        if e["source"] == centre:
            outgoing.add(e["target"])
        elif e["type"] != "related":
            incoming.add(e["source"])
            edges_in.append(e)
    return outgoing, incoming, edges_in


def paper_view(graph: GraphIndex, atlas: Atlas, pid: str) -> dict[str, Any]:
    """The paper, what it cites, what cites it, its curated relations (both ways), its most related.

    A star: only the paper's own links, so a page's size and build time grow with its own degree, not
    its neighbours' (links among them are on their pages and the Graph page). atlas-graph.js draws it
    from the JSON file beside the page, the paper in the centre and its neighbours on a ring in the
    order its links first name them, so the view has no positions. Its related links are its own top 5
    (similarity is symmetric: another paper's top 5 naming it adds nothing). Of the papers that only
    link to it, the newest PAPER_VIEW_MAX_INCOMING are kept: `linking` counts all, `omitted` those left out.
    """
    centre = f"paper:{pid}"
    outgoing, incoming, _ = _incoming(graph, centre)
    only_in = sorted(incoming - outgoing, key=lambda nid: _newest_first(atlas, nid))
    omitted = only_in[PAPER_VIEW_MAX_INCOMING:]
    keep = {centre} | outgoing | set(only_in[:PAPER_VIEW_MAX_INCOMING])
    nodes = [graph.nodes[nid] for nid in sorted(keep)]
    edges = [e for e in graph.edges_of(centre) if e["type"] in PAPER_VIEW_TYPES and e["source"] in keep
             and e["target"] in keep and (e["type"] != "related" or e["source"] == centre)]
    return {"focus": centre, "nodes": nodes, "edges": edges, "topic_names": _names_of_topics(atlas, nodes),
            "linking": len(incoming), "omitted": len(omitted)}


def overflowing(graph: GraphIndex, atlas: Atlas) -> list[str]:
    """The papers whose pages leave out some of the papers linking to them (see paper_view)."""
    return [pid for pid in atlas.papers
            if len((ends := _incoming(graph, f"paper:{pid}"))[1] - ends[0]) > PAPER_VIEW_MAX_INCOMING]


def linked_from_view(graph: GraphIndex, atlas: Atlas, pid: str) -> dict[str, Any]:
    """Every paper that links to the paper (cites it, or names it in a curated relation), newest
    first, with those links: the list a paper page cuts to its newest (see paper_view)."""
    centre = f"paper:{pid}"
    _, incoming, edges_in = _incoming(graph, centre)
    nodes = [graph.nodes[centre], *(graph.nodes[nid] for nid in sorted(incoming, key=lambda nid: _newest_first(atlas, nid)))]
    rank = {n["id"]: i for i, n in enumerate(nodes)}
    edges = sorted(edges_in, key=lambda e: (rank[e["source"]], e["type"]))
    return {"focus": centre, "nodes": nodes, "edges": edges, "topic_names": _names_of_topics(atlas, nodes)}


def topic_view(graph: GraphIndex, atlas: Atlas, tid: str) -> dict[str, Any]:
    """The topic, its subtopics (or its parent), its papers, and the links among them.

    Drawn at the nodes' positions in the global layout, so a topic page shows the same region
    of the map as the Graph page does.
    """
    topic = atlas.topics[tid]
    ids = [f"topic:{tid}", *(f"topic:{c}" for c in topic.children), *([f"topic:{topic.parent}"] if topic.parent else [])]
    ids += [f"paper:{p.id}" for p in atlas.papers_in(tid)[:TOPIC_VIEW_MAX_PAPERS]]
    keep = set(ids)
    nodes = [graph.nodes[nid] for nid in sorted(keep)]
    return {"focus": f"topic:{tid}", "nodes": nodes, "edges": graph.edges_among(keep, TOPIC_VIEW_TYPES),
            "topic_names": _names_of_topics(atlas, nodes)}


@dataclass(frozen=True)
class TwinGroup:
    type: str
    heading: str
    meaning: str
    edges: list[dict[str, Any]]


def twin(view: dict[str, Any], always: tuple[str, ...] = (), keep_order: bool = False) -> list[TwinGroup]:
    """The view's edges grouped by relation type (in `EDGE_TYPES` order), each with its two nodes.

    Types listed in `always` get a group even when empty, so a page can say "none recorded".
    Edges of the view's focus come first; related edges are listed best first within each
    source; everything else by endpoint ids. With `keep_order`, edges stay in the view's order.
    """
    by_id = {n["id"]: n for n in view["nodes"]}

    def near(e: dict[str, Any]) -> int:
        """The focus's own edges first (its outgoing ones, then incoming), then the rest."""
        return 0 if e["source"] == view["focus"] else 1 if e["target"] == view["focus"] else 2

    types = sorted({e["type"] for e in view["edges"]} | set(always), key=type_order)
    groups = []
    for t in types:
        edges = [dict(e, source_node=by_id[e["source"]], target_node=by_id[e["target"]])
                 for e in view["edges"] if e["type"] == t]
        if not keep_order:
            edges.sort(key=lambda e: (near(e), e["source"], e.get("rank", 0), e["target"]))
        heading, meaning = EDGE_TYPES.get(t, (t, "A relation recorded in the data."))
        groups.append(TwinGroup(t, heading, meaning, edges))
    return groups
