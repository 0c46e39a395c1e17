"""The map's layout: topics on fixed anchors, each paper placed near its topics by a hash of its id.

In: the taxonomy (topic ids, parents, order) and, per paper, its id and topics. Out: whole-pixel
positions for every `topic:`, `paper:` and `work:` node.

The layout is O(n) and has no global step, so it is deterministic and stable: a paper's position
depends only on its own id and topics and on the taxonomy, never on the other papers. Adding,
removing or editing one paper moves that paper alone; the rest of the map stays where readers
last saw it. (A force-directed layout reshuffles everything on every change and costs O(n^2).)

- top-level topics sit on a circle, in taxonomy order; their subtopics on a smaller circle
  around them;
- a paper sits in a disc around the anchor of its first topic, at an angle and radius drawn
  from a hash of its id (uniform over the disc), pulled a little towards the anchors of its
  other topics so papers that bridge topics sit between them;
- an outside work sits on an outer ring at an angle drawn from a hash of its id.
"""

from __future__ import annotations

import hashlib
import math
from functools import lru_cache
from typing import Iterable, Mapping, Sequence

ROOT_RADIUS = 1500      # top-level topic anchors: distance from the centre
SUB_RADIUS = 620        # subtopic anchors: distance from their top-level anchor
PAPER_RADIUS = 330      # papers: disc around their first topic's anchor
PULL = 0.25             # how far a paper moves towards the anchors of its other topics
WORK_RING = (ROOT_RADIUS + SUB_RADIUS + PAPER_RADIUS + 350, 500)  # outer ring: inner radius, width

Point = tuple[int, int]


def _unit_pair(key: str) -> tuple[float, float]:
    """Two numbers in [0, 1) from a stable hash of `key` (not Python's per-process hash())."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    a = int.from_bytes(digest[:4], "big") / 2**32
    b = int.from_bytes(digest[4:], "big") / 2**32
    return a, b


def _on_circle(cx: float, cy: float, radius: float, i: int, count: int, phase: float) -> tuple[float, float]:
    angle = phase + 2 * math.pi * i / max(1, count)
    return cx + radius * math.cos(angle), cy + radius * math.sin(angle)


def topic_anchors(taxonomy: Sequence[tuple[str, str | None]]) -> dict[str, tuple[float, float]]:
    """Anchor of every topic; `taxonomy` is (topic id, parent id or None) in taxonomy order."""
    roots = [t for t, parent in taxonomy if parent is None]
    anchors: dict[str, tuple[float, float]] = {}
    for i, rid in enumerate(roots):
        anchors[rid] = _on_circle(0.0, 0.0, ROOT_RADIUS if len(roots) > 1 else 0.0, i, len(roots), -math.pi / 2)
    for rid in roots:
        subs = [t for t, parent in taxonomy if parent == rid]
        cx, cy = anchors[rid]
        # Subtopics fan out around their parent, starting on the side facing away from the centre.
        phase = math.atan2(cy, cx) if (cx or cy) else -math.pi / 2
        for j, sid in enumerate(subs):
            anchors[sid] = _on_circle(cx, cy, SUB_RADIUS, j, len(subs), phase)
    return anchors


@lru_cache(maxsize=1 << 17)  # rebuilds under `mkdocs serve` reuse every unchanged paper's position
def _paper_point(pid: str, anchors_key: tuple, topics: tuple[str, ...]) -> Point:
    anchors = dict(anchors_key)
    known = [t for t in topics if t in anchors]
    if not known:
        ax = ay = 0.0
    else:
        ax, ay = anchors[known[0]]
        if len(known) > 1:
            ox = sum(anchors[t][0] for t in known[1:]) / (len(known) - 1)
            oy = sum(anchors[t][1] for t in known[1:]) / (len(known) - 1)
            ax, ay = ax + PULL * (ox - ax), ay + PULL * (oy - ay)
    u, v = _unit_pair("paper:" + pid)
    r = PAPER_RADIUS * math.sqrt(u)  # sqrt: uniform density over the disc
    angle = 2 * math.pi * v
    return round(ax + r * math.cos(angle)), round(ay + r * math.sin(angle))


def work_point(wid: str) -> Point:
    u, v = _unit_pair("work:" + wid)
    inner, width = WORK_RING
    r = inner + width * u
    angle = 2 * math.pi * v
    return round(r * math.cos(angle)), round(r * math.sin(angle))


def topic_layout(
    taxonomy: Sequence[tuple[str, str | None]],
    papers: Mapping[str, Sequence[str]] | Iterable[tuple[str, Sequence[str]]],
    works: Iterable[str] = (),
) -> dict[str, Point]:
    """Positions keyed by graph node id (`topic:<id>`, `paper:<id>`, `work:<id>`), sorted."""
    anchors = topic_anchors(taxonomy)
    anchors_key = tuple(sorted(anchors.items()))
    pos: dict[str, Point] = {f"topic:{t}": (round(x), round(y)) for t, (x, y) in anchors.items()}
    items = papers.items() if isinstance(papers, Mapping) else papers
    for pid, topics in items:
        pos[f"paper:{pid}"] = _paper_point(pid, anchors_key, tuple(topics))
    for wid in works:
        pos[f"work:{wid}"] = work_point(wid)
    return dict(sorted(pos.items()))
