"""The text twin of a graph view, as HTML: the one place that knows a twin's markup.

Every graph the site draws (a paper's local graph, a topic graph, the Graph page) has a twin
beside it: the same nodes and links as lists, for readers who cannot see or use the picture.
In: a view and its groups from `graphviews` (`paper_view`, `topic_view`, `twin`), the page's
`Links`, and a per-build cache. Out: `Markup`.

This is Python, not a Jinja macro, because a large atlas renders it once per paper page
(10,000 times at 10,000 papers) and a macro call per line cost more than the rest of the page.
Every value from the data is escaped (`_e`: the same entities as markupsafe's escape, which
the autoescaping templates use). A node's
link and description depend on the page only through relative links, which are the same on
sibling pages, so each is built once per group of siblings and reused.
"""

from __future__ import annotations

from typing import Any, Callable

from markupsafe import Markup

from .graphviews import VERBS


_escaped: dict[str, str] = {}


def _e(text: str) -> str:
    """HTML-escape `text`, quotes included, with the same entities as markupsafe (and so as
    the templates), without building a `Markup` object for every value. The same ids and
    names come back on page after page, so each is escaped once (the memo is emptied when it
    grows large, e.g. after many rebuilds under `mkdocs serve`)."""
    out = _escaped.get(text)
    if out is None:
        if len(_escaped) > 1_000_000:
            _escaped.clear()
        out = _escaped[text] = (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                                .replace('"', "&#34;").replace("'", "&#39;"))
    return out

KINDS = (("paper", "papers"), ("topic", "topics"), ("work", "outside works"))


def node_meta(node: dict[str, Any], names: dict[str, str]) -> str:
    """What the twin says about a node after its name: kind, year and topics."""
    kind = node["kind"]
    if kind == "paper":
        year = node["year"] if node.get("year") is not None else "date not stated"
        return f"paper · {year} · " + ", ".join(names[t] for t in node["topics"])
    if kind == "topic":
        return "top-level topic" if node["level"] == 0 else "subtopic"
    return "outside work" + (f" · arXiv {node['arxiv']}" if node.get("arxiv") else "")


class TwinWriter:
    """Writes twins for the pages of one build.

    `to(url)` is the page's relative-link function (`Links.to`); `scope(url)` says which pages
    link that URL alike (see `render._link_scope`), or None for a link that is this page's own;
    `cache` is a dict that lives as long as the build.

    Lines are built as text with every value passed through `_e`, which also escapes quotes, so
    it is safe inside attributes; only `twin()` wraps the result in `Markup`, once.
    """

    def __init__(self, to: Callable[[str], str], scope: Callable[[str], Any], cache: dict) -> None:
        self.to, self.scope, self.cache = to, scope, cache

    def ref(self, node: dict[str, Any], focus: str | None) -> str:
        """The node's name: bold for the view's focus, a link if it has a page, else text."""
        if node["id"] == focus:
            return f"<strong>{_e(node['label'])}</strong>"
        url = node.get("url")
        if not url:
            return _e(node["label"])
        scope = self.scope(url)
        key = ("ref", scope, node["id"])
        out = self.cache.get(key) if scope is not None else None
        if out is None:
            out = f'<a href="{_e(self.to(url))}">{_e(node["label"])}</a>'
            if scope is not None:
                self.cache[key] = out
        return out

    def node_line(self, node: dict[str, Any], focus: str | None, names: dict[str, str]) -> str:
        scope = self.scope(node["url"]) if node["id"] != focus and node.get("url") else None
        key = ("li", scope, node["id"])
        if scope is not None and key in self.cache:
            return self.cache[key]
        # The colour atlas-graph.js gives the node when it draws a paper page's graph from this twin.
        root = node["roots"][0] if node.get("roots") else node.get("root")
        colour = f' data-root="{_e(root)}"' if root else ""
        line = (f'<li data-node="{_e(node["id"])}"{colour}>{self.ref(node, focus)} '
                f'<span class="atlas-muted">· {_e(node_meta(node, names))}</span></li>')
        if scope is not None:
            self.cache[key] = line
        return line

    def edge_line(self, e: dict[str, Any], focus: str | None, focus_name: str | None = None) -> str:
        extra = ""
        attrs = ""
        if e["type"] == "related":
            extra += f' <span class="atlas-score">similarity {e["score"]:.4f}, rank {e["rank"]}</span>'
            attrs = f' data-score="{e["score"]:.4f}" data-rank="{e["rank"]}"'
        weight = e.get("weight")
        if weight:
            extra += f' <span class="atlas-score">{weight} link{"" if weight == 1 else "s"} between their papers</span>'
        # A citation's evidence is its reference line, which the paper pages list under "Cites".
        if e.get("evidence") and e["type"] != "cites":
            extra += f'<br><span class="atlas-evidence">Evidence: “{_e(e["evidence"])}”</span>'
        verb = VERBS.get(e["type"], e["type"])
        return (f'<li data-source="{_e(e["source"])}" data-target="{_e(e["target"])}"{attrs}>'
                f'{self._end(e["source_node"], focus, focus_name)} {_e(verb)} {self._end(e["target_node"], focus, focus_name)}{extra}</li>')

    def _end(self, node: dict[str, Any], focus: str | None, focus_name: str | None) -> str:
        if focus_name is not None and node["id"] == focus:
            return f"<strong>{_e(focus_name)}</strong>"
        return self.ref(node, focus)

    def twin(self, dom_id: str, view: dict[str, Any], groups: list, collapsed: bool = False,
             level: int = 3, focus_name: str | None = None) -> Markup:
        """The whole twin: its nodes by kind, then its links by relation type (`groups`).

        With `collapsed`, each list is a <details> (the Graph page's lists are long); otherwise
        each has a heading of the given level. With `focus_name` ("this paper"), the links name
        the focus by it: the focus's own page says its title once, in the list of nodes."""
        focus, names, dom = view["focus"], view["topic_names"], _e(dom_id)
        out = [f'<div class="atlas-twin" id="{dom}-text" data-search-exclude>']
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for node in view["nodes"]:
            by_kind.setdefault(node["kind"], []).append(node)
        for kind, label in KINDS:
            members = by_kind.get(kind)
            if not members:
                continue
            if collapsed:
                out.append(f'<details class="atlas-twin-group"><summary>Nodes: {label} ({len(members)})</summary>')
            else:
                out.append(f'<h{level} id="{dom}-nodes-{kind}" data-search-exclude>Nodes: {label} ({len(members)})</h{level}>')
            out.append(f'<ul class="atlas-twin-nodes" data-kind="{kind}">')
            out.extend(self.node_line(n, focus, names) for n in members)
            out.append("</ul>")
            if collapsed:
                out.append("</details>")
        for g in groups:
            count = f'<span class="atlas-muted">({len(g.edges)})</span>'
            if collapsed:
                out.append(f'<details class="atlas-twin-group"><summary>{_e(g.heading)} {count}</summary>')
            else:
                out.append(f'<h{level} id="{dom}-{_e(g.type)}" data-search-exclude>{_e(g.heading)} {count}</h{level}>')
            out.append(f'<p class="atlas-muted">{_e(g.meaning)}</p>')
            if g.edges:
                out.append(f'<ul class="atlas-twin-edges" data-edge-type="{_e(g.type)}">')
                out.extend(self.edge_line(e, focus, focus_name) for e in g.edges)
                out.append("</ul>")
            else:
                out.append('<p class="atlas-muted">None recorded.</p>')
            if collapsed:
                out.append("</details>")
        out.append("</div>")
        return Markup("\n".join(out))
