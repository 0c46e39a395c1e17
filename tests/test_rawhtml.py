"""rawhtml.py: Markdown with the hook's `HtmlBlocks` writes the same HTML, and reports the same
link targets, as Python-Markdown and MkDocs alone; a list page is not parsed tag by tag."""

from __future__ import annotations

import json
import re
import shutil

import markdown
import pytest
from mkdocs.structure.pages import _RawHTMLPreprocessor
from mkdocs.utils import meta

import bench
from atlas import rawhtml
from atlas.build import generate
from conftest import DATA
from test_hostile import HOSTILE_EVIDENCE, HOSTILE_TOPIC_DESCRIPTION, HOSTILE_WORK_NAME, VALID_CASES, install


def convert(text: str, *extensions) -> tuple[str, set]:
    """`text` as MkDocs converts a page (mkdocs.yml's extensions, MkDocs's own scan for ids)."""
    md = markdown.Markdown(extensions=["toc", "admonition", *extensions], extension_configs={"toc": {"permalink": True}})
    scan = _RawHTMLPreprocessor()
    scan._register(md)  # after the extensions, as MkDocs's Page.render does
    return md.convert(text), scan.present_anchor_ids


def shortcut_calls(monkeypatch) -> list[bool]:
    """Whether each page converted from now on was found to be one element."""
    calls: list[bool] = []
    real = rawhtml._one_element
    monkeypatch.setattr(rawhtml, "_one_element", lambda source: calls.append(real(source) is not None) or real(source))
    return calls


def hostile_data(tmp_path):
    """The real data with every hostile-but-valid entry, as test_hostile.py builds its site."""
    data = install(tmp_path, VALID_CASES)
    topics = (data / "topics.yml").read_text(encoding="utf-8")
    (data / "topics.yml").write_text(re.sub(r"(\nother:\n  name: Other\n  description: )>-\n(    .*\n)+",
                                            lambda m: m.group(1) + json.dumps(HOSTILE_TOPIC_DESCRIPTION) + "\n", topics),
                                     encoding="utf-8")
    with (data / "external.yml").open("a", encoding="utf-8") as f:
        f.write(f"zz-hostile-work:\n  name: {json.dumps(HOSTILE_WORK_NAME)}\n  note: '<b onmouseover=alert(1)>note</b>'\n")
    (data / "papers" / "names-a-hostile-work.yml").write_text(
        "id: names-a-hostile-work\ntitle: Names a hostile work\nauthors: [Test Author]\ntopics: [other]\n"
        "mentions: [zz-hostile-work]\nrelations:\n  - type: uses\n    target: zz-hostile-work\n"
        f"    evidence: {json.dumps(HOSTILE_EVIDENCE)}\nabstract: A fixture naming a hostile outside work.\n", encoding="utf-8")
    return data


def synthetic_data(tmp_path):
    data = tmp_path / "synthetic" / "data"
    shutil.copytree(DATA / "schema", data / "schema")
    for reg in DATA.glob("*.yml"):
        shutil.copy2(reg, data / reg.name)
    bench.write_corpus(data, 300)
    return data


@pytest.mark.parametrize("atlas", ["real", "hostile", "synthetic"])
def test_every_generated_page_converts_to_the_same_html_and_ids(atlas, tmp_path, monkeypatch):
    data = {"real": lambda: DATA, "hostile": lambda: hostile_data(tmp_path), "synthetic": lambda: synthetic_data(tmp_path)}[atlas]()
    calls = shortcut_calls(monkeypatch)
    pages = [(path, meta.get_data(content.decode("utf-8"))[0])
             for path, content in generate(data).files.items() if path.endswith(".md")]
    for path, body in pages:
        assert convert(body, rawhtml.HtmlBlocks()) == convert(body), path
    assert len(calls) == len(pages)
    # The lists (index, topics, papers index, faceted list, facet pages, graph, timeline) are one
    # element each, and skip the tag-by-tag parse; a paper page (Markdown headings) does not.
    listed = {path for (path, _), one in zip(pages, calls) if one}
    assert {"index.md", "papers/index.md", "browse.md", "graph.md", "topics/index.md"} <= listed
    assert any(p.startswith("topics/") and p != "topics/index.md" for p in listed)
    assert not any(p.startswith("papers/") and p != "papers/index.md" for p in listed)


ONE_ELEMENT = [
    '<div class="a">\n<p>x &amp; y &#39;z&#39; &#x27;</p>\n<br>\n<hr>\n<img src="a"/>\n</div>\n',
    '\n\n<div id="top" data-search-exclude>\n<h2 id="h">Head</h2>\n<a name="n" href="#h">link</a>\n</div>\n\n',
    '<div>\n<script type="application/json">{"a": "\\u003c/div\\u003e"}</script>\n</div>\n',
    '<table><tr><td>cell<td>cell</tr></table>\n',
    '<div>\n<span><div></span>\n</div>\n',  # misnested: the extractor's stack decides, not the div count
    "<div class='single' title=\"it's\">\n<p>text</p>\n</div>",
    "<DIV>\n<P>upper</P>\n</div>\n",
]
PARSED = [  # not one element, or not inert inside: Markdown parses it tag by tag, as ever
    '<div>\n<p>one</p>\n</div>\n\n<div>\n<p>two</p>\n</div>\n',
    '<div>\n<p>a</p>\n</div>\n\n## Heading\n\ntext\n',
    '<div>\n<!-- </div> -->\n<p>comment</p>\n</div>\n',
    '<div>\n<p>&#39 open reference</p>\n</div>\n',
    '<div>\n<script>if (a < b) {}</script>\n</div>\n',
    '<div>\n<script><b></div></b></script>\n</div>\n',
    '<div>\n<style>p > a {}</style>\n<p title="a > b">x</p>\n</div>\n',
    '<div>\n<p>unclosed\n',
    '<div>\n</>\n</div>\n',
    '<div>\n<p>a</p>\n</div>\ntail text\n',
    '<div>\n<p>a</p></div> <p>same line</p>\n',
    '<hr>\n',
    '<div\u00a0class="x">\n<p>a</p>\n</div>\n',
]


@pytest.mark.parametrize("text", ONE_ELEMENT)
def test_one_inert_element_takes_the_short_way_to_the_same_html(text):
    assert rawhtml._one_element(text) is not None
    assert convert(text, rawhtml.HtmlBlocks()) == convert(text)


@pytest.mark.parametrize("text", PARSED)
def test_anything_else_is_parsed_to_the_same_html(text):
    assert rawhtml._one_element(text) is None
    assert convert(text, rawhtml.HtmlBlocks()) == convert(text)


def test_one_element_markdown_takes_as_text_is_parsed_as_ever():
    """An inline element is no HTML block: the short way stores nothing, and the page is parsed."""
    text = "<span>inline</span>\n"
    assert rawhtml._one_element(text) is not None
    html, _ = convert(text, rawhtml.HtmlBlocks())
    assert (html, _) == convert(text) and html == "<p><span>inline</span></p>"
