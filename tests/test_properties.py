"""Property: any Unicode text in title, abstract or authors is either refused with a clear
`file:line:col: field: message`, or shown literally: in the page's front matter (Material's
<title> and header), in the page body after Markdown, on the papers index, and in the graph
data the tooltips are drawn from."""

from __future__ import annotations

import html
import html.parser
import json
import re
import shutil

import markdown
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from atlas import graphviews, render
from atlas.data import load, visible
from atlas.graphdata import graph_data
from atlas.model import build_model
from conftest import DATA

FORBIDDEN_LINE = set(map(chr, [*range(0x00, 0x20), *range(0x7F, 0xA0)])) | set(
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029\ufeff\ufffe\uffff")
FORBIDDEN_TEXT = FORBIDDEN_LINE - {"\n"}

SNIPPETS = ["<script>", "</script>", "<img src=x onerror=alert(1)>", "&amp;", "&lt;", "\"", "'", "*", "_",
            "[x](javascript:alert(1))", "{: onclick=x }", "--8<-- \"/etc/passwd\"", "{{ x }}", "{% x %}",
            "\\alpha", "\n", "\n\n", " ", "\u00a0", "\u202e", "\x07", "\x85", "\ufeff", "\ufffe", "\u2028",
            "👩‍🔬", "e\u0301", "href", "<!--", "]]>", "`", "#", "|", "---", ": ", "- ", "\t", "\r"]
pieces = st.one_of(st.text(max_size=12), st.sampled_from(SNIPPETS))
texts = st.lists(pieces, max_size=6).map("".join)


def acceptable(value: str, forbidden: set[str], limit: int) -> bool:
    return any(visible(ch) for ch in value) and not (set(value) & forbidden) and len(value) <= limit


def norm(text: str) -> str:
    """What a browser shows: runs of HTML whitespace collapse to one space."""
    return re.sub(r"[ \t\n\r\f]+", " ", text).strip(" \t\n\r\f")


class Texts(html.parser.HTMLParser):
    """Text inside elements with a given class (and inside <a> elements with a given href)."""

    def __init__(self, classes: set[str], href: str | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.classes, self.href = classes, href
        self.found: dict[str, list[str]] = {}
        self.open: list[tuple[str, str | None]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "br":
            return
        a = dict(attrs)
        key = next((c for c in (a.get("class") or "").split() if c in self.classes), None)
        if tag == "a" and self.href is not None and a.get("href") == self.href:
            key = "link"
        if key:
            self.found.setdefault(key, []).append("")
        self.open.append((tag, key))

    def handle_endtag(self, tag):
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:
                del self.open[i:]
                break

    def handle_data(self, data):
        for _, key in self.open:
            if key:
                self.found[key][-1] += data


def page_html(md_text: str) -> tuple[dict, str]:
    """Front matter and body HTML, converted as MkDocs does with the site's extensions."""
    assert md_text.startswith("---\n")
    front, body = md_text[4:].split("\n---\n", 1)
    return yaml.safe_load(front), markdown.markdown(body, extensions=["toc", "admonition"])


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    d = tmp_path_factory.mktemp("prop") / "data"
    (d / "papers").mkdir(parents=True)
    shutil.copytree(DATA / "schema", d / "schema")
    for name in ("topics.yml", "external.yml"):
        shutil.copy(DATA / name, d / name)
    return d


@settings(max_examples=int(__import__("os").environ.get("ATLAS_PROP_EXAMPLES", "100")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=texts, abstract=texts, authors=st.lists(texts, min_size=1, max_size=3))
@example(title="a\ufffeb", abstract="x", authors=["y"])
@example(title="<img src=x onerror=alert(1)>", abstract="a\n \n</div>b\n\n\n<script>", authors=["&amp;", "\u00a0x"])
@example(title=" * ", abstract="[x](javascript:alert(1))", authors=["{: onclick=x }"])
def test_any_text_is_refused_clearly_or_shown_literally(base, title, abstract, authors):
    entry = {"id": "prop", "title": title, "authors": authors, "topics": ["offloading"], "abstract": abstract}
    raw = yaml.safe_dump(entry, default_style='"', allow_unicode=True, sort_keys=False, width=10**9)
    (base / "papers" / "prop.yml").write_text(raw, encoding="utf-8")
    loaded, problems = load(base, root=base.parent)
    errors = [str(p) for p in problems if p.severity == "error"]

    ok = (acceptable(title, FORBIDDEN_LINE, 400) and acceptable(abstract, FORBIDDEN_TEXT, 20000)
          and all(acceptable(a, FORBIDDEN_LINE, 200) for a in authors) and len(set(authors)) == len(authors))
    if not ok:
        assert errors, "accepted text the contract forbids"
        for line in errors:
            assert re.match(r"^data/papers/prop\.yml:\d+:\d+: (title|abstract|authors(\[\d+\])?): \S", line), line
            assert not re.search(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", line), line
        return
    assert errors == []
    doc = loaded.papers["prop"][1].value
    assert (doc["title"], doc["abstract"], doc["authors"]) == (title, abstract, authors)

    atlas = build_model(loaded)
    paper = atlas.papers["prop"]
    graph = graph_data(atlas)
    front, body = page_html(render.render_paper(atlas, paper, graphviews.GraphIndex(graph))[0])
    # Material prints these raw into <title>, the header and <meta>: escaped, and no extra keys.
    assert set(front) == {"title", "description", "atlas_source", "citation_title", "citation_authors"}
    assert html.unescape(front["title"]) == title
    assert html.unescape(front["citation_title"]) == title
    assert [html.unescape(a) for a in front["citation_authors"]] == authors
    assert html.unescape(front["description"]) == render.excerpt(abstract.strip())
    found = Texts({"atlas-authors", "atlas-abstract"})
    found.feed(body)
    assert found.found["atlas-authors"] == ["Authors " + ", ".join(authors)]
    assert norm(found.found["atlas-abstract"][0]) == norm(abstract)
    assert "img" not in found.tags
    # No script and no embedded data at all: the local graph's data is a JSON file beside the page.
    assert "script" not in found.tags and "template" not in found.tags

    _, index_body = page_html(render.render_papers_index(atlas))
    link = Texts(set(), href="prop/")
    link.feed(index_body)
    assert link.found["link"] == [title]

    node = next(n for n in graph["nodes"] if n["id"] == "paper:prop")
    assert json.loads(json.dumps(graph, ensure_ascii=False))["nodes"] == graph["nodes"]
    assert node["label"] == title
    embedded = str(render.json_script(graph))
    assert "</" not in embedded and json.loads(embedded) == graph
