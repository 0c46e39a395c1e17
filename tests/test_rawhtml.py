"""rawhtml.py: Markdown with the hook's `HtmlBlocks` writes the same HTML, and reports the same
link targets, as Python-Markdown and MkDocs alone; a list page is not parsed tag by tag."""

from __future__ import annotations

import shutil

import markdown
import pytest
from mkdocs.structure.pages import _RawHTMLPreprocessor
from mkdocs.utils import meta

import bench
from atlas import rawhtml
from atlas.build import generate
from conftest import DATA
from test_hostile import hostile_data


def convert(text: str, *extensions) -> tuple[str, set]:
    """`text` as MkDocs converts a page (mkdocs.yml's extensions, MkDocs's own scan for ids)."""
    md = markdown.Markdown(extensions=["toc", "admonition", *extensions], extension_configs={"toc": {"permalink": True}})
    scan = _RawHTMLPreprocessor()
    scan._register(md)  # after the extensions, as MkDocs's Page.render does
    return md.convert(text), scan.present_anchor_ids


def shortcut_calls(monkeypatch) -> list[bool]:
    """Whether each page converted from now on was found to be inert elements."""
    calls: list[bool] = []
    real = rawhtml._inert_elements

    def spy(source, is_block_level):
        found = real(source, is_block_level)
        calls.append(found is not None)
        return found

    monkeypatch.setattr(rawhtml, "_inert_elements", spy)
    return calls


def inert(text: str) -> bool:
    return rawhtml._inert_elements(text, markdown.Markdown().is_block_level) is not None


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
    # Generated pages are block-level elements between Markdown headings: none is parsed tag by
    # tag but the contribution guide (CONTRIBUTING.md as written: `<id>` in text, a comment).
    assert [path for (path, _), short in zip(pages, calls) if not short] == ["contribute/index.md"]


INERT = [  # block-level elements whose insides are inert, with Markdown between them
    '<div class="a">\n<p>x &amp; y &#39;z&#39; &#x27;</p>\n<br>\n<hr>\n<img src="a"/>\n</div>\n',
    '\n\n<div id="top" data-search-exclude>\n<h2 id="h">Head</h2>\n<a name="n" href="#h">link</a>\n</div>\n\n',
    '<div>\n<script type="application/json">{"a": "\\u003c/div\\u003e"}</script>\n</div>\n',
    '<table><tr><td>cell<td>cell</tr></table>\n',
    '<div>\n<span><div></span>\n</div>\n',  # misnested: the extractor's stack decides, not the div count
    "<div class='single' title=\"it's\">\n<p>text</p>\n</div>",
    "<DIV>\n<P>upper</P>\n</div>\n",
    '<div>\n<p>one</p>\n</div>\n\n<div>\n<p>two</p>\n</div>\n',
    '## Heading\n\n<div>\n<p>a</p>\n</div>\n\n## Heading *two*\n\ntext & more\n\n<pre><code>@misc{x,\n}</code></pre>\n',
    '<div>\n<p>a</p>\n</div>\ntail text\n',
    '<div>\n<p>a</p></div> <p>same line</p>\n',
    '<script type="application/json" id="data">{"a":1}</script>\n<div id="g" data-x=""></div>\n',
    '<div>\n<textarea>plain text</textarea>\n</div>\n',
]
PARSED = [  # Markdown parses these tag by tag, as ever
    '<div>\n<!-- </div> -->\n<p>comment</p>\n</div>\n',
    '<div>\n<p>&#39 open reference</p>\n</div>\n',
    '<div>\n<script>if (a < b) {}</script>\n</div>\n',
    '<div>\n<script><b></div></b></script>\n</div>\n',
    '<div>\n<textarea><b>text to a newer parser</b></textarea>\n</div>\n',
    '<div>\n<p title="a > b">x</p>\n</div>\n',
    '<div>\n<p>unclosed\n',
    '<div>\n</>\n</div>\n',
    '<hr>\n',
    '<div>\n<p>a</p>\n</div>\n\n<hr>\n',
    '<div\u00a0class="x">\n<p>a</p>\n</div>\n',
    '<span>inline</span>\n',
    'Text with <em>inline</em> HTML.\n',
    'Text `<div>` in code\n',
    '</div>\n<div></div>\n',
]


@pytest.mark.parametrize("text", INERT)
def test_inert_elements_take_the_short_way_to_the_same_html(text):
    assert inert(text)
    assert convert(text, rawhtml.HtmlBlocks()) == convert(text)


@pytest.mark.parametrize("text", PARSED)
def test_anything_else_is_parsed_to_the_same_html(text):
    assert not inert(text)
    assert convert(text, rawhtml.HtmlBlocks()) == convert(text)


def test_elements_markdown_does_not_take_as_blocks_are_parsed_as_ever():
    """An element that starts within a line is no HTML block (a block may start inside it): the
    short way stores fewer blocks than elements, is undone, and the page is parsed in full."""
    text = "A paragraph <div>\n<p>x</p>\n</div>\n"
    assert inert(text)
    assert convert(text, rawhtml.HtmlBlocks()) == convert(text)
    assert "<p>x</p>" in convert(text)[0]
