"""The map's layout: ForceAtlas2 (networkx) at build time, seeded from the taxonomy.

In: the taxonomy, the links the map opens with and each paper's first topic. Out: whole-pixel
positions of every node. Topics start on anchors (top-level ones on a circle, subtopics around
their parent), papers near their first topic's, outside works near the topic of most papers naming
them, offset by a hash of their id: nothing random, so the same data gives the same bytes and a new
paper moves the rest little (tests/test_scale.py bounds it, and the crossings). FA2 is O(n^2) per
iteration: above WHOLE nodes it runs on blocks of one topic's nodes, set down around their anchors.
Last, nodes are pushed apart until no two dots overlap.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from typing import Mapping, Sequence

import networkx as nx
import numpy as np

ITERATIONS = (100, 30)  # FA2 iterations on the whole graph, on each block
WHOLE = 400        # up to this many nodes, one run on the whole graph (400 nodes: about 1 s, 30 MB)
BLOCK = 60         # above, runs on blocks of at most this many nodes (10,000 papers: about 3 s)
HOME_PULL = 3      # weight of a paper's link to its first topic (every other link: 1)
GRAVITY = 3.0      # FA2's pull to the centre (its default: 1), keeping stray clusters near
SPREAD = 7.0       # FA2 units per sqrt(node): the seed circle's radius, about FA2's own spread
SUB = 0.41         # the subtopics' circle, as a share of the top-level one
PX = 4.0           # pixels per FA2 unit: neighbours end up about 40 px apart
MIN_GAP = 20       # pixels between node centres, more for wider nodes (an uncited paper's dot: 16)


def _jitter(key: str) -> np.ndarray:
    """A point in the unit disc from a stable hash of `key` (not Python's per-process hash())."""
    d = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    u, v = int.from_bytes(d[:4], "big") / 2**32, 2 * math.pi * int.from_bytes(d[4:], "big") / 2**32
    return math.sqrt(u) * np.array([math.cos(v), math.sin(v)])


def topic_anchors(taxonomy: Sequence[tuple[str, str | None]]) -> dict[str | None, np.ndarray]:
    """Every topic's anchor on a circle of radius 1 (subtopics around their parent); None: the centre."""
    roots = [t for t, parent in taxonomy if parent is None]
    anchors: dict[str | None, np.ndarray] = {None: np.zeros(2)}
    for i, rid in enumerate(roots):
        a = -math.pi / 2 + 2 * math.pi * i / len(roots)
        anchors[rid] = np.array([math.cos(a), math.sin(a)]) * (len(roots) > 1)
        subs = [t for t, parent in taxonomy if parent == rid]
        for j, sid in enumerate(subs):  # fanned out from the side facing away from the centre
            anchors[sid] = anchors[rid] + SUB * np.array([math.cos(a + 2 * math.pi * j / len(subs)), math.sin(a + 2 * math.pi * j / len(subs))])
    return anchors


def dot_size(cited_by: int) -> int:
    """A paper's dot radius in pixels (vis-network's `size`), growing with its in-atlas citations."""
    return round(8 + 4 * math.sqrt(cited_by))


def _apart(p: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Push apart points closer than their radii add up to (+ 1.5 px: still apart once rounded)."""
    need = radius[:, None] + radius[None] + 1.5
    order = np.sign(np.arange(len(p))[:, None] - np.arange(len(p))[None])
    for _ in range(200):
        diff = p[:, None] - p[None]
        diff[..., 0] += 1e-6 * order  # two points on one spot: parted by their order
        dist = np.hypot(diff[..., 0], diff[..., 1]) + np.eye(len(p)) * 1e12
        if not (close := dist < need).any():
            break
        p = p + ((close * (need + 2.5 - dist) / 2 / dist)[..., None] * diff).sum(axis=1)
    return p


def force_layout(taxonomy: Sequence[tuple[str, str | None]], graph: nx.Graph | nx.MultiDiGraph,
                 first_topic: Mapping[str, str], radius: Mapping[str, float]) -> dict[str, tuple[int, int]]:
    """Positions by node id. `first_topic`: each `paper:` node's first topic (its region); `radius`:
    the nodes drawn wider than MIN_GAP, in pixels (any other node counts as MIN_GAP / 2)."""
    home: dict[str, str | None] = {f"topic:{t}": t for t, _ in taxonomy} | dict(first_topic)
    g = nx.Graph()
    g.add_nodes_from(sorted(graph))
    for u, v in sorted({(u, v) if u < v else (v, u) for u, v in graph.edges() if u != v}):
        g.add_edge(u, v, weight=HOME_PULL if {u[:6], v[:6]} == {"paper:", "topic:"} and home.get(u) == home.get(v) else 1)
    for n in [n for n in g if n not in home]:  # an outside work lives where most papers naming it do
        homes = Counter(home[m] for m in g[n] if m in first_topic)
        home[n] = min(homes, key=lambda t: (-homes[t], t)) if homes else None
    unit, whole = topic_anchors(taxonomy), len(g) <= WHOLE
    chunks = [(None, 0, list(g))] if whole else [  # a topic's node first in its first block
        (t, k, members[i:i + BLOCK]) for t in sorted(set(home.values()), key=lambda t: (t is None, t or ""))
        for members in [sorted((n for n in g if home[n] == t), key=lambda n: (n != f"topic:{t}", n))]
        for k, i in enumerate(range(0, len(members), BLOCK))]
    blocks = []  # nodes, their positions around the block's centre, where the block starts
    for t, k, nodes in chunks:
        sub, r = nx.Graph(), SPREAD * math.sqrt(len(nodes))
        sub.add_nodes_from(nodes)  # in this order: a subgraph view would follow a set's (a per-process hash order)
        sub.add_weighted_edges_from(sorted(g.subgraph(nodes).edges(data="weight")))
        start = {n: r * (unit[home[n]] * whole + (0 if n[:6] == "topic:" else 0.1 * _jitter(n))) for n in sub}
        pos = nx.forceatlas2_layout(sub, start, max_iter=ITERATIONS[not whole], gravity=GRAVITY, weight="weight", seed=0)
        p = _apart(np.array([pos[n] for n in sub]) * PX, np.array([max(radius.get(n, 0), MIN_GAP / 2) for n in sub]))
        p -= p[list(sub).index(f"topic:{t}")] if k == 0 and f"topic:{t}" in sub else p.mean(axis=0)
        blocks.append((list(sub), p, unit[t] + 0.01 * math.sqrt(k) * np.array([math.cos(k * 2.4), math.sin(k * 2.4)])))
    radii = np.array([np.hypot(*p.T).max() + 2 * MIN_GAP for _, p, _ in blocks])
    centres = _apart(np.array([seed for _, _, seed in blocks]) * math.sqrt((radii ** 2).sum()), radii)
    return dict(sorted((n, (round(x), round(y))) for (nodes, p, _), c in zip(blocks, centres) for n, (x, y) in zip(nodes, (p + c).tolist())))
