"""Renderers: small functions from the `Atlas` model to the text of one output file each.

Pages are Markdown files for MkDocs whose data-derived parts are HTML blocks produced by Jinja
with autoescaping: Python-Markdown leaves HTML blocks alone, so a title such as `*x*` or
`<script>` from a YAML file reaches the reader as those literal characters. Front matter
values are escaped too, because Material prints `page.meta.title` and `description` raw.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .model import Atlas, Paper

TEMPLATES = Path(__file__).parent / "templates"


def page_url(src: str) -> str:
    """Site-relative URL of a page source under `use_directory_urls` (`papers/x.md` -> `papers/x/`)."""
    if src == "index.md":
        return ""
    if src.endswith("/index.md"):
        return src[: -len("index.md")]
    return src[: -len(".md")] + "/"


@lru_cache(maxsize=4096)
def _parts(path: str) -> tuple[str, ...]:
    return tuple(x for x in path.split("/") if x and x != ".")


def _relpath(path: str, start: str) -> str:
    """posixpath.relpath for site-relative paths without '..' (without its abspath calls)."""
    if ".." in path or ".." in start or path.startswith("/") or start.startswith("/"):
        return posixpath.relpath(path, start)
    p, s = _parts(path), _parts(start)
    i = 0
    for a, b in zip(p, s):
        if a != b:
            break
        i += 1
    rel = [".."] * (len(s) - i) + list(p[i:])
    return "/".join(rel) if rel else "."


def relative(from_url: str, to_url: str) -> str:
    """Link from the page at `from_url` to `to_url` (both site-relative) that works under any sub-path."""
    base = from_url.rstrip("/") or "."
    target, _, frag = to_url.partition("#")
    out = _relpath(target.rstrip("/") or ".", base)
    if target.endswith("/") or target == "":
        out = "./" if out == "." else out + "/"
    return out + (f"#{frag}" if frag else "")


def yaml_string(value: str) -> Markup:
    """A double-quoted YAML scalar holding `value` HTML-escaped (for front matter)."""
    text = html.escape(value, quote=True)
    return Markup('"' + _YAML_SPECIAL.sub(_yaml_escape_char, text) + '"')


_YAML_SPECIAL = re.compile('[\\\\"\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]')


def _yaml_escape_char(m: re.Match) -> str:
    ch = m.group()
    return "\\" + ch if ch in '\\"' else f"\\u{ord(ch):04x}"


def json_script(value: Any) -> Markup:
    """JSON safe to embed in a <script> element: no `<`, `>` or `&` survive literally."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


def excerpt(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + "…"


_BIB_ESCAPES = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%",
                "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


_BIB_SPECIAL = re.compile("[" + re.escape("".join(_BIB_ESCAPES)) + "]")


def bibtex_escape(text: str) -> str:
    return _BIB_SPECIAL.sub(lambda m: _BIB_ESCAPES[m.group()], " ".join(text.split()))


def bibtex(paper: Paper) -> str:
    """A BibTeX entry for the paper: @misc with arXiv eprint fields where an id is known."""
    fields: list[tuple[str, str]] = [("title", "{" + bibtex_escape(paper.title) + "}")]
    if paper.authors:
        fields.append(("author", " and ".join(bibtex_escape(a) for a in paper.authors)))
    if paper.published:
        fields.append(("year", str(paper.published.year)))
        fields.append(("month", paper.published.strftime("%b").lower()))
    if paper.arxiv:
        fields += [("eprint", paper.arxiv), ("archivePrefix", "arXiv"), ("url", f"https://arxiv.org/abs/{paper.arxiv}")]
    if not paper.authors and paper.author_count:
        fields.append(("note", f"{paper.author_count} authors; names not recorded in the atlas"))
    body = ",\n".join(f"  {k} = {{{v}}}" if k != "title" else f"  {k} = {{{v}}}" for k, v in fields)
    return f"@misc{{{paper.id},\n{body}\n}}\n"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(yaml_string=yaml_string, json_script=json_script, excerpt=excerpt)
    return env


class Links:
    """Relative links from one page to every other generated page."""

    def __init__(self, from_src: str) -> None:
        self.here = page_url(from_src)

    def to(self, src_or_url: str) -> str:
        url = page_url(src_or_url) if src_or_url.endswith(".md") else src_or_url
        return relative(self.here, url)

    def paper(self, pid: str) -> str:
        return self.to(f"papers/{pid}.md")

    def topic(self, tid: str) -> str:
        return self.to(f"topics/{tid}.md")

    def root(self) -> str:
        return self.to("index.md")


def _render(name: str, src: str, **ctx: Any) -> str:
    links = Links(src)
    if "atlas" in ctx:
        ctx.setdefault("item", _item_renderer(ctx["atlas"], links))
        ctx.setdefault("chip", _chip_renderer(ctx["atlas"], links))
    return environment().get_template(name).render(links=links, src=src, **ctx)


def _macro(atlas: Atlas, name: str):
    """A macro of _macros.j2, looked up once per build (templates still reload between builds)."""
    macros: dict = atlas.__dict__.setdefault("_macros", {})
    if name not in macros:
        macros[name] = getattr(environment().get_template("_macros.j2").module, name)
    return macros[name]


def _chip_renderer(atlas: Atlas, links: Links):
    """`chip(tid)`: the `topic_chip` macro's output, rendered once per folder (as `item`)."""
    macro = _macro(atlas, "topic_chip")
    cache: dict = atlas.__dict__.setdefault("_chip_cache", {})
    folder = links.here.rstrip("/").rpartition("/")[0]

    def chip(tid: str) -> Markup:
        if page_url(f"topics/{tid}.md") == links.here:
            return macro(tid, links, atlas)
        key = (folder, tid)
        out = cache.get(key)
        if out is None:
            out = cache[key] = macro(tid, links, atlas)
        return out
    return chip


def _item_renderer(atlas: Atlas, links: Links):
    """`item(p)`: the `paper_item` macro's output for paper `p` on this page, rendered once per
    folder. The macro's output depends on the page only through relative links, which are the
    same from every page in one folder (`papers/a/` and `papers/b/` both link `../c/`), so a
    paper listed on thousands of pages is rendered once, not thousands of times."""
    macro = _macro(atlas, "paper_item")
    cache: dict = atlas.__dict__.setdefault("_item_cache", {})
    folder = links.here.rstrip("/").rpartition("/")[0]
    here = links.here

    def item(p: Paper) -> Markup:
        if here == f"papers/{p.id}/":  # a page listing itself: its link is "./"
            return macro(p, links, atlas)
        key = (folder, p.id)
        out = cache.get(key)
        if out is None:
            out = cache[key] = macro(p, links, atlas)
        return out
    return item


def paper_links(paper: Paper) -> list[tuple[str, str]]:
    out = []
    if paper.arxiv:
        out += [("arXiv abstract", f"https://arxiv.org/abs/{paper.arxiv}"),
                ("PDF", f"https://arxiv.org/pdf/{paper.arxiv}"),
                ("Hugging Face paper page", f"https://huggingface.co/papers/{paper.arxiv}")]
    if paper.code:
        out.append(("Code", paper.code))
    return out


def related_by_topic(atlas: Atlas, paper: Paper, n: int = 5) -> list[tuple[Paper, list[str]]]:
    """Papers sharing the most topics with `paper` (ties: newest first, then id)."""
    best = _related_for_topic_set(atlas, frozenset(paper.topics), n + 1)
    return [(o, s) for o, s in best if o.id != paper.id][:n]


def _related_for_topic_set(atlas: Atlas, mine: frozenset, k: int) -> list[tuple[Paper, list[str]]]:
    """The k papers sharing the most of `mine`, best first, computed once per topic set.

    Papers with the same set of topics share the same overlap with `mine`, so each group's
    k newest papers are the only candidates it can contribute: the cost is per group of
    papers, not per paper, and each page of a topic set reuses the answer.
    """
    cache = atlas.__dict__.setdefault("_related_cache", {})
    key = (mine, k)
    if key in cache:
        return cache[key]
    groups, rank = _topic_groups(atlas)
    by_count: dict[int, list[tuple[frozenset, list[Paper]]]] = {}
    for group, members in groups.items():
        shared = mine & group
        if shared and shared != _OTHER:
            by_count.setdefault(len(shared), []).append((shared, members))
    out: list[tuple[Paper, list[str]]] = []
    for count in sorted(by_count, reverse=True):
        level = []
        for shared, members in by_count[count]:
            ordered = sorted(shared)
            level += [(rank[o.id], o, ordered) for o in members[:k]]
        level.sort(key=lambda x: x[0])
        out += [(o, s) for _, o, s in level[: k - len(out)]]
        if len(out) >= k:
            break
    cache[key] = out
    return out


_OTHER = frozenset({"other"})


def _topic_groups(atlas: Atlas) -> tuple[dict[frozenset, list[Paper]], dict[str, int]]:
    """Papers grouped by their exact set of topics, each group newest first; and each paper's
    position in that order (newest first, then id)."""
    cached = atlas.__dict__.get("_topic_groups")
    if cached is None:
        groups: dict[frozenset, list[Paper]] = {}
        ordered = sorted(atlas.papers.values(), key=lambda p: p.sort_key)
        for p in ordered:
            groups.setdefault(frozenset(p.topics), []).append(p)
        cached = groups, {p.id: i for i, p in enumerate(ordered)}
        atlas.__dict__["_topic_groups"] = cached
    return cached


def render_paper(atlas: Atlas, paper: Paper) -> str:
    src = f"papers/{paper.id}.md"
    return _render(
        "paper.md.j2", src, atlas=atlas, paper=paper, links_out=paper_links(paper),
        cited_by=atlas.cited_by(paper.id), related=related_by_topic(atlas, paper),
        bibtex=_bibtex(atlas, paper), roots=atlas.roots_of(paper),
    )


def render_topic(atlas: Atlas, topic_id: str) -> str:
    topic = atlas.topics[topic_id]
    return _render("topic.md.j2", f"topics/{topic_id}.md", atlas=atlas, topic=topic,
                   papers=atlas.papers_in(topic_id))


def render_topics_index(atlas: Atlas) -> str:
    return _render("topics_index.md.j2", "topics/index.md", atlas=atlas)


def render_papers_index(atlas: Atlas) -> str:
    papers = sorted(atlas.papers.values(), key=lambda p: p.sort_key)
    return _render("papers_index.md.j2", "papers/index.md", atlas=atlas, papers=papers)


def render_home(atlas: Atlas) -> str:
    return _render("home.md.j2", "index.md", atlas=atlas, newest=atlas.newest(8))


def render_graph_page(atlas: Atlas, graph_url: str, overview_url: str | None = None) -> str:
    """The graph page; with `overview_url` (large atlases) it opens on the topic-level graph."""
    return _render("graph.md.j2", "graph.md", atlas=atlas, graph_url=graph_url, overview_url=overview_url)


def render_bibliography(atlas: Atlas) -> str:
    return "\n".join(_bibtex(atlas, p) for p in atlas.papers.values())


def _bibtex(atlas: Atlas, paper: Paper) -> str:
    """bibtex(paper), computed once per build: the paper page and papers.bib both show it."""
    cache: dict = atlas.__dict__.setdefault("_bibtex_cache", {})
    if paper.id not in cache:
        cache[paper.id] = bibtex(paper)
    return cache[paper.id]
