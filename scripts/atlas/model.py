"""The in-memory atlas: papers, topics, external works and their relations as a networkx graph.

In: the validated documents from `data.load`. Out: an `Atlas` whose every collection is sorted
by id, so everything rendered from it comes out in the same order on every build.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import networkx as nx

from .data import Loaded


@dataclass(frozen=True)
class Topic:
    id: str
    name: str
    description: str
    parent: str | None
    children: tuple[str, ...] = ()

    @property
    def root(self) -> str:
        return self.parent or self.id


@dataclass(frozen=True)
class ExternalWork:
    id: str
    name: str
    arxiv: str | None
    evidence: str | None
    note: str | None


@dataclass(frozen=True)
class Relation:
    type: str
    target: str
    evidence: str


@dataclass(frozen=True)
class Citation:
    """One reference of a paper's bibliography: the cited work's id and the line as the paper prints it."""

    target: str
    ref: str


@dataclass(frozen=True)
class Paper:
    id: str
    title: str
    abstract: str
    topics: tuple[str, ...]
    source: str
    authors: tuple[str, ...] = ()
    author_count: int | None = None
    published: dt.date | None = None
    published_source: str = "listing"
    arxiv: str | None = None
    code: str | None = None
    upvotes: int | None = None
    cites: tuple[Citation, ...] = ()
    references_version: str | None = None  # None: the bibliography has not been read
    source_url: str | None = None
    mentions: tuple[str, ...] = ()
    relations: tuple[Relation, ...] = ()
    facets: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def year(self) -> int | None:
        return self.published.year if self.published else None

    @property
    def references_recorded(self) -> bool:
        return self.references_version is not None

    @property
    def cited_ids(self) -> tuple[str, ...]:
        return tuple(c.target for c in self.cites)

    @property
    def sort_key(self) -> tuple:
        """Newest first; papers without a date last; ties by id."""
        return (-(self.published.toordinal() if self.published else 0), self.id)


@dataclass
class Atlas:
    papers: dict[str, Paper]
    topics: dict[str, Topic]
    external: dict[str, ExternalWork]
    graph: nx.MultiDiGraph
    facets: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    reading_paths: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def roots_of(self, paper: Paper) -> list[str]:
        """The paper's top-level topics, in taxonomy order."""
        roots = {self.topics[t].root for t in paper.topics}
        return [t for t in self.topics if t in roots and self.topics[t].parent is None]

    @cached_property
    def by_date(self) -> list[Paper]:
        """Every paper, newest first (papers without a date last; ties by id)."""
        return sorted(self.papers.values(), key=lambda p: p.sort_key)

    @cached_property
    def _topic_members(self) -> dict[str, list[Paper]]:
        """Papers under each topic (directly or through a subtopic), newest first: one pass."""
        out: dict[str, list[Paper]] = {t: [] for t in self.topics}
        for p in self.by_date:
            under = {*p.topics, *(self.topics[t].root for t in p.topics if t in self.topics)}
            for t in under & out.keys():
                out[t].append(p)
        return out

    def papers_in(self, topic_id: str) -> list[Paper]:
        """Papers under a topic (directly or through a subtopic), newest first; KeyError for an unknown topic."""
        return list(self._topic_members[topic_id])

    @cached_property
    def citing(self) -> dict[str, list[tuple["Paper", Citation]]]:
        """Cited id -> the atlas papers that cite it, newest first, each with its reference line."""
        out: dict[str, list[tuple[Paper, Citation]]] = {}
        for p in self.by_date:
            for c in p.cites:
                out.setdefault(c.target, []).append((p, c))
        return out

    @cached_property
    def recorded(self) -> int:
        """How many papers have their bibliography recorded (only they can be counted as citing)."""
        return sum(p.references_recorded for p in self.papers.values())

    @cached_property
    def citation_counts(self) -> dict[str, int]:
        """How many atlas papers cite each atlas paper or outside work (by id)."""
        return {k: len(v) for k, v in self.citing.items()}

    def most_cited_by(self, members: list["Paper"], n: int) -> list[tuple[str, int]]:
        """The ids `members` cite most, with how many of them cite each: most first, ties by id."""
        counts = Counter(c.target for p in members for c in p.cites)
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]

    def newest(self, n: int) -> list[Paper]:
        return self.by_date[:n]


def build_model(loaded: Loaded) -> Atlas:
    topics: dict[str, Topic] = {}
    for tid, t in loaded.topics.items():
        subs = t.get("subtopics") or {}
        topics[tid] = Topic(tid, t["name"], t["description"], None, tuple(subs))
        for sid, s in subs.items():
            topics[sid] = Topic(sid, s["name"], s["description"], tid)

    external = {wid: ExternalWork(wid, w["name"], w.get("arxiv"), w.get("evidence"), w.get("note"))
                for wid, w in sorted(loaded.external.items())}

    papers: dict[str, Paper] = {}
    for pid, (rel, doc) in sorted(loaded.papers.items()):
        v = doc.value
        papers[pid] = Paper(
            id=pid,
            title=v["title"],
            abstract=v["abstract"].strip(),
            topics=tuple(v["topics"]),
            source=rel,
            authors=tuple(v.get("authors", ())),
            author_count=v.get("author_count"),
            published=dt.date.fromisoformat(v["published"]) if "published" in v else None,
            published_source=v.get("published_source", "listing"),
            arxiv=v.get("arxiv"),
            code=v.get("code"),
            upvotes=v.get("upvotes"),
            cites=tuple(Citation(c["target"], c["ref"]) for c in (v.get("references") or {}).get("cites", ())),
            references_version=(v.get("references") or {}).get("version"),
            source_url=v.get("source"),
            mentions=tuple(sorted(v.get("mentions", ()))),
            relations=tuple(Relation(r["type"], r["target"], r["evidence"]) for r in v.get("relations", ())),
            facets=v.get("facets") or {},
        )

    graph = build_graph(papers, topics, external)
    return Atlas(papers, topics, external, graph, loaded.facets or {}, loaded.reading_paths or {})


def build_graph(papers: dict[str, Paper], topics: dict[str, Topic], external: dict[str, ExternalWork]) -> nx.MultiDiGraph:
    """Nodes `paper:<id>`, `topic:<id>`, `work:<id>`; edge keys are the edge types."""
    g = nx.MultiDiGraph()
    for t in topics.values():  # a topic comes after its parent
        g.add_node(f"topic:{t.id}", kind="topic", label=t.name, root=t.root)
        if t.parent:
            g.add_edge(f"topic:{t.id}", f"topic:{t.parent}", key="subtopic")
    for w in external.values():
        g.add_node(f"work:{w.id}", kind="work", label=w.name)
    for p in papers.values():
        g.add_node(f"paper:{p.id}", kind="paper", label=p.title)
    def node(work: str) -> str:  # an atlas paper, or an outside work
        return f"paper:{work}" if work in papers else f"work:{work}"

    for p in papers.values():
        for t in p.topics:
            g.add_edge(f"paper:{p.id}", f"topic:{t}", key="topic")
        for c in p.cites:
            g.add_edge(f"paper:{p.id}", node(c.target), key="cites", evidence=c.ref)
        for w in p.mentions:
            g.add_edge(f"paper:{p.id}", node(w), key="mentions")
        for r in p.relations:
            g.add_edge(f"paper:{p.id}", node(r.target), key=r.type, evidence=r.evidence)
    return g
