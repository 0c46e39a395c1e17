"""Renderers: small functions from the `Atlas` model to the text of one output file each.

Pages are Markdown files for MkDocs whose data-derived parts are HTML blocks produced by Jinja
with autoescaping: Python-Markdown leaves HTML blocks alone, so a title such as `*x*` or
`<script>` from a YAML file reaches the reader as those literal characters. Front matter
values are escaped too, because Material prints `page.meta.title` and `description` raw.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import pickle
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from markupsafe import Markup

from . import graphviews
from .model import Atlas, Paper

TEMPLATES = Path(__file__).parent / "templates"


def page_url(src: str) -> str:
    """Site-relative URL of a page source under `use_directory_urls` (`papers/x.md` -> `papers/x/`)."""
    if src == "index.md" or src.endswith("/index.md"):
        return src[: -len("index.md")]
    return src[: -len(".md")] + "/"


def relative(from_url: str, to_url: str) -> str:
    """Link from the page at `from_url` to `to_url` (both site-relative) that works under any sub-path."""
    target, _, frag = to_url.partition("#")
    # Site-relative paths have no '..' and no leading '/': the common prefix is enough
    # (posixpath.relpath would make both absolute against the working directory first).
    here, there = [p for p in from_url.split("/") if p], [p for p in target.split("/") if p]
    common = len(os.path.commonprefix([here, there]))  # compares the lists part by part
    out = "/".join([".."] * (len(here) - common) + there[common:]) or "."
    if target.endswith("/") or target == "":
        out = "./" if out == "." else out + "/"
    return out + (f"#{frag}" if frag else "")


def yaml_string(value: str) -> Markup:
    """A double-quoted YAML scalar holding `value` HTML-escaped (for front matter)."""
    text = html.escape(value, quote=True)
    return Markup('"' + _YAML_SPECIAL.sub(_yaml_escape_char, text) + '"')


_YAML_SPECIAL = re.compile('[\\\\"\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]')


def _yaml_escape_char(m: re.Match) -> str:
    ch = m.group()
    return "\\" + ch if ch in '\\"' else f"\\u{ord(ch):04x}"


def json_script(value: Any) -> Markup:
    """JSON safe to embed in a <script> element: no `<`, `>` or `&` survive literally."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


def json_bytes(value) -> bytes:
    """Compact JSON (no indent, no spaces): a fifth fewer bytes than indented JSON for the graph page
    to fetch and parse, and without `indent` json.dumps runs its C encoder (2.5 x faster at 1,000
    papers). Sorted keys keep it stable."""
    return (json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def excerpt(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


# BibTeX counts every brace, escaped or not (`\}` would close a field early), so braces from
# data become text commands whose own braces are balanced.
_BIB_ESCAPES = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}", "&": r"\&", "%": r"\%",
                "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


_BIB_SPECIAL = re.compile("[" + re.escape("".join(_BIB_ESCAPES)) + "]")


def bibtex_escape(text: str) -> str:
    return _BIB_SPECIAL.sub(lambda m: _BIB_ESCAPES[m.group()], " ".join(text.split()))


def bibtex(paper: Paper) -> str:
    """A BibTeX entry for the paper: @misc with arXiv eprint fields where an id is known."""
    fields: list[tuple[str, str]] = [("title", "{" + bibtex_escape(paper.title) + "}")]
    if paper.authors:
        # BibTeX splits names at " and "; a name that contains the word is braced to stay one name.
        fields.append(("author", " and ".join(
            "{" + bibtex_escape(a) + "}" if re.search(r"\sand\s", a, re.IGNORECASE) else bibtex_escape(a)
            for a in paper.authors)))
    if paper.published:
        fields += [("year", str(paper.published.year)), ("month", paper.published.strftime("%b").lower())]
    if paper.arxiv:
        fields += [("eprint", paper.arxiv), ("archivePrefix", "arXiv"), ("url", f"https://arxiv.org/abs/{paper.arxiv}")]
    if not paper.authors and paper.author_count:
        fields.append(("note", f"{paper.author_count} authors; names not recorded in the atlas"))
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
    return f"@misc{{{paper.id},\n{body}\n}}\n"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(yaml_string=yaml_string, json_script=json_script, excerpt=excerpt, inline_code=inline_code)
    env.globals.update(verbs=graphviews.VERBS, text_twin=text_twin)
    return env


class Links:
    """Relative links from one page to every other generated page."""

    def __init__(self, from_src: str) -> None:
        self.here = page_url(from_src)

    def to(self, src_or_url: str) -> str:
        return relative(self.here, page_url(src_or_url) if src_or_url.endswith(".md") else src_or_url)

    def paper(self, pid: str) -> str:
        return self.to(f"papers/{pid}.md")

    def topic(self, tid: str) -> str:
        return self.to(f"topics/{tid}.md")

    def root(self) -> str:
        return self.to("index.md")


def _render(name: str, src: str, **ctx: Any) -> str:
    return environment().get_template(name).render(links=Links(src), src=src, **ctx)


def _macro(template: str, name: str):
    return getattr(environment().get_template(template).module, name)


def text_twin(links: Links, dom_id: str, view: dict, groups: list, **options: Any) -> Markup:
    """The text twin of a graph view (templates/_twin.j2): each node's row made here, once."""
    names, focus = view["topic_names"], view["focus"]
    nodes = {n["id"]: {"id": n["id"], "kind": n["kind"], "label": n["label"], "meta": graphviews.node_meta(n, names),
                       "href": links.to(n["url"]) if n.get("url") and n["id"] != focus else None,
                       "root": (n.get("roots") or [None])[0] or n.get("root")} for n in view["nodes"]}
    return _macro("_twin.j2", "twin")(dom_id, focus, nodes, groups, **options)


def paper_links(paper: Paper) -> list[tuple[str, str]]:
    out = []
    if paper.arxiv:
        out += [("arXiv abstract", f"https://arxiv.org/abs/{paper.arxiv}"),
                ("PDF", f"https://arxiv.org/pdf/{paper.arxiv}"),
                ("Hugging Face paper page", f"https://huggingface.co/papers/{paper.arxiv}")]
    if paper.code:
        out.append(("Code", paper.code))
    if paper.source_url:
        out.append(("Page this record was read from", paper.source_url))
    return out


FACET_ROWS = (("optimizes", "Optimises"), ("techniques", "Technique"), ("hardware", "Hardware"))


def render_paper(atlas: Atlas, paper: Paper, graph: graphviews.GraphIndex, repo_url: str | None = None,
                 cache: dict[bytes, Any] | None = None) -> tuple[str, bytes]:
    """One paper's page, and its local graph (`star_data` as JSON), which the page fetches from
    `papers/<id>/graph.json` beside it. With `cache` (`page_cache`, under `mkdocs serve`), a page whose values
    are unchanged is taken from it: the page is a function of the values below, the registries it
    names and the templates, so an edit renders again only the pages whose values it changed."""
    src = f"papers/{paper.id}.md"
    links = Links(src)
    view = graphviews.paper_view(graph, atlas, paper.id)
    ctx = dict(paper=paper, view=view, repo_url=repo_url, recorded=atlas.recorded,
               mentions=[atlas.external[w] for w in paper.mentions if w in atlas.external],
               mentioned_papers=[atlas.papers[w] for w in paper.mentions if w in atlas.papers],
               cites=[(atlas.papers.get(c.target), atlas.external.get(c.target), c.ref) for c in paper.cites],
               cited_by=atlas.citing.get(paper.id, [])[:CITED_BY_SHOWN], cited_by_total=len(atlas.citing.get(paper.id, [])))
    return remembered(cache, ctx, lambda: (environment().get_template("paper.md.j2").render(
        atlas=atlas, links=links, links_out=paper_links(paper), bibtex=bibtex(paper),
        report_url=report_url(repo_url, paper), groups=graphviews.twin(view, always=("cites", "related")),
        facet_rows=FACET_ROWS, star_url=links.to(star_path(paper.id)),
        linked_from_url=links.to(f"papers/{paper.id}/linked-from.md") if view["omitted"] else None, **ctx), json_bytes(star_data(view))))


@lru_cache(maxsize=1)
def page_cache(registries_and_templates: str) -> dict[bytes, Any]:
    """The pages `remembered` under `mkdocs serve` while the registries and templates stay as they are (their repr and times)."""
    return {}


def remembered(cache: dict[bytes, Any] | None, values: Any, make: Callable[[], Any]) -> Any:
    """`make()`, or with `cache` (`page_cache`) what it made for equal `values` (by their pickle's digest) in an earlier build."""
    if cache is None:
        return make()
    key = hashlib.blake2b(pickle.dumps(values, protocol=5)).digest()
    if key not in cache:
        cache[key] = make()
    return cache[key]


def star_path(pid: str) -> str:
    """Where a paper page's local graph is published (a file MkDocs copies, not a page it parses)."""
    return f"papers/{pid}/graph.json"


# A paper page lists at most this many of the papers that cite it (the newest); its "linked
# from" page lists them all. A much-cited paper of a large atlas would otherwise carry hundreds.
CITED_BY_SHOWN = 5


_STAR_NODE_KEYS = ("id", "kind", "label", "short", "size", "url", "year", "topics", "roots", "root", "level", "arxiv")


def star_data(view: dict[str, Any]) -> dict[str, Any]:
    """A paper page's graph as the JSON atlas-graph.js draws: its view without positions (the
    script places the star) and without citations' reference lines (the page lists them)."""
    return {"focus": view["focus"], "topic_names": view["topic_names"],
            "nodes": [{k: n[k] for k in _STAR_NODE_KEYS if k in n} for n in view["nodes"]],
            "edges": [{k: v for k, v in e.items() if not (k == "evidence" and e["type"] == "cites")} for e in view["edges"]]}


def render_linked_from(atlas: Atlas, paper: Paper, graph: graphviews.GraphIndex) -> str:
    """Every paper that links to `paper`, newest first: for a paper whose own page shows only
    the newest of them (graphviews.PAPER_VIEW_MAX_INCOMING)."""
    src = f"papers/{paper.id}/linked-from.md"
    view = graphviews.linked_from_view(graph, atlas, paper.id)
    groups = graphviews.twin(view, keep_order=True)
    return _render("linked_from.md.j2", src, atlas=atlas, paper=paper, count=len(view["nodes"]) - 1,
                   twin_html=text_twin(Links(src), "linked-from", view, groups, level=2,
                                       focus_name="this paper"))


def render_topic(atlas: Atlas, topic_id: str, graph: graphviews.GraphIndex, cache: dict[bytes, Any] | None = None) -> str:
    """A topic's page; with `cache` as `render_paper`'s, keyed also by what else it shows: subtopics' counts, foundations' works."""
    from .render_facets import topic_context  # reading path, comparison table, feed

    topic = atlas.topics[topic_id]
    view = graphviews.topic_view(graph, atlas, topic_id)
    papers = atlas.papers_in(topic_id)
    ctx = dict(topic=topic, papers=papers, view=view, twin=graphviews.twin(view),
               graph_papers=min(len(papers), graphviews.TOPIC_VIEW_MAX_PAPERS),
               foundations=foundations(atlas, papers), recorded_here=sum(1 for p in papers if p.references_recorded),
               most_cited=sorted(((p, atlas.citation_counts[p.id]) for p in papers if p.id in atlas.citation_counts),
                                 key=lambda pc: (-pc[1], pc[0].sort_key))[:TOPIC_LIST_MAX],
               **topic_context(atlas, topic_id))
    shown = (ctx, [len(atlas.papers_in(s)) for s in topic.children], [atlas.papers.get(w) or atlas.external.get(w) for w, _, _ in ctx["foundations"]])
    return remembered(cache, shown, lambda: _render("topic.md.j2", f"topics/{topic_id}.md", atlas=atlas, **ctx))


# A topic page lists at most this many foundations and most-cited papers.
TOPIC_LIST_MAX = 10


def foundations(atlas: Atlas, members: list[Paper]) -> list[tuple[str, int, Paper | None]]:
    """The works `members` cite most (atlas papers or outside works, by id), with how many of them
    cite each and the newest atlas paper that cites it."""
    return [(wid, count, atlas.citing[wid][0][0] if atlas.citing.get(wid) else None)
            for wid, count in atlas.most_cited_by(members, TOPIC_LIST_MAX)]


def render_topics_index(atlas: Atlas) -> str:
    return _render("topics_index.md.j2", "topics/index.md", atlas=atlas)


def render_papers_index(atlas: Atlas) -> str:
    papers = sorted(atlas.papers.values(), key=lambda p: p.sort_key)
    return _render("papers_index.md.j2", "papers/index.md", atlas=atlas, papers=papers)


def render_home(atlas: Atlas) -> str:
    dates = sorted(p.published for p in atlas.papers.values() if p.published)
    return _render("home.md.j2", "index.md", atlas=atlas, newest=atlas.newest(8),
                   span=(dates[0], dates[-1]) if dates else None,
                   with_arxiv=sum(1 for p in atlas.papers.values() if p.arxiv),
                   with_code=sum(1 for p in atlas.papers.values() if p.code),
                   citations=sum(len(p.cites) for p in atlas.papers.values()),
                   recorded=atlas.recorded)


def render_graph_page(atlas: Atlas, graph_url: str, graph: dict[str, Any], overview_url: str | None = None,
                      overview: dict[str, Any] | None = None) -> str:
    """The graph page; with `overview_url` (large atlases) it opens on the topic-level graph.
    With `overview`, its text twin lists that overview, not every paper and link."""
    view = dict(overview or graph, focus=None, topic_names=graphviews.topic_names(atlas))
    years = sorted(p.year for p in atlas.papers.values() if p.year is not None)
    types = sorted({e["type"] for e in graph["edges"]} | set(graphviews.EDGE_TYPES), key=graphviews.type_order)
    counts = {t: sum(1 for e in graph["edges"] if e["type"] == t) for t in types}
    defaults = graphviews.global_default_types(len(atlas.papers))
    return _render("graph.md.j2", "graph.md", atlas=atlas, graph_url=graph_url, view=view,
                   twin=graphviews.twin(view), edge_types=types, edge_counts=counts,
                   edge_defaults=defaults, spokes_hidden=[t for t in graphviews.SPOKE_TYPES if t not in defaults],
                   year_min=years[0] if years else 0, year_max=years[-1] if years else 0,
                   undated=sum(1 for p in atlas.papers.values() if p.year is None),
                   overview_url=overview_url, twin_overview=bool(overview), full_nodes=len(graph["nodes"]), full_edges=len(graph["edges"]))


def render_vocabulary_css() -> str:
    """The topic colours as CSS custom properties, light and dark (stylesheets/atlas-vocabulary.css)."""
    return environment().get_template("vocabulary.css.j2").render(topics=graphviews.VOCABULARY["topics"])


def render_vocabulary_js() -> str:
    """The vocabularies for the graph script (javascripts/atlas-vocabulary.js), a script loaded before it, so
    that they are there when it starts: waiting for a fetched file held the first picture back by a tenth of a second."""
    return environment().get_template("vocabulary.js.j2").render(vocabulary=graphviews.VOCABULARY)


def render_performance(rows: list[dict[str, Any]]) -> str:
    """The performance page: the budgets, and the committed `make bench` run (docs/bench.json)."""
    return _render("performance.md.j2", "performance.md", rows=rows)


def render_bibliography(atlas: Atlas) -> str:
    return "\n".join(bibtex(p) for p in atlas.papers.values())


def report_url(repo_url: str | None, paper: Paper) -> str | None:
    """A new-issue link on the configured repository, prefilled to name the paper and its file.

    Every value is URL-encoded here; the template escapes the whole URL as an attribute.
    """
    if not repo_url or not re.match(r"^https?://[^\s\"'<>`]+$", repo_url):
        return None
    title = f"Problem with {paper.id}: {excerpt(paper.title, 120)}"
    body = (f"Paper: {paper.title}\nFile: {paper.source}\n"
            + (f"arXiv: https://arxiv.org/abs/{paper.arxiv}\n" if paper.arxiv else "")
            + "\nWhat is wrong, and the source that shows the right value:\n")
    return f"{repo_url.rstrip('/')}/issues/new?" + urlencode({"title": title, "body": body}, quote_via=quote)


def inline_code(text: str) -> Markup:
    """Repository text with `code` spans (a rule, a description) as escaped HTML with <code> elements."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick stays a backtick
        return Markup(html.escape(text, quote=False))
    return Markup("".join(f"<code>{html.escape(p, quote=False)}</code>" if i % 2 else html.escape(p, quote=False)
                          for i, p in enumerate(parts)))


def render_data_reference(schemas: dict[str, dict], schema_path: str) -> str:
    """The data reference page: every field of the paper schema, the registry files, and the validator's rules."""
    from .rules import RULES
    from .schemadoc import field_docs, registry_docs

    return _render("data_reference.md.j2", "contribute/data-reference.md", schema=schemas["paper"],
                   schema_path=schema_path, fields=field_docs(schemas["paper"], schemas),
                   registries=registry_docs(schemas), rules=RULES)


def render_contributing(text: str | None) -> str:
    """The contribution guide page: CONTRIBUTING.md from the repository, as it is (trusted Markdown)."""
    if text is None:  # a partial copy of the repository, as some tests build
        return "# Contributing\n\nThis copy of the atlas has no `CONTRIBUTING.md`.\n"
    return text
