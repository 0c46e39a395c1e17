"""Python-Markdown's HTML blocks with each page's HTML parsed once, or not tag by tag at all.

In: a page's Markdown, in MkDocs. Out: the same HTML as Python-Markdown alone (tested on every
page of the real, the hostile and a synthetic atlas), sooner.

Generated pages are Markdown whose data parts are HTML blocks (render.py), and a list page (the
papers index, a topic, the faceted list, the graph page) is one HTML element of up to a
megabyte at 1,000 papers. Python-Markdown finds the HTML blocks of a page with an HTML parser
written in Python (its `html_block` preprocessor), and MkDocs parses the whole page once more
just before that, only to collect the ids links may point to. `HtmlBlocks`, an extension the
MkDocs hook adds, takes the place of `html_block`:

- it runs Markdown's own extraction (`HTMLExtractor`, on the same text) just before MkDocs's
  scan and collects the ids while it parses; MkDocs's scan then reads only the placeholders of
  the blocks, and the ids are added to what it found;
- when every tag of the page is inside block-level elements (Markdown text between them, like
  a paper page's headings, has no `<`) and nothing inside an element can end it early or be
  rewritten by the extractor (every `<` starts a plain tag, the tags close in the order the
  extractor tracks them, every numeric character reference ends with `;`), the extractor runs
  on the page with the inside of each element left out, and each block it stores gets its
  inside back: the blocks it would have stored, found without parsing every tag in Python. If
  it does not store one block per element, in order, the page is parsed in full.
"""

from __future__ import annotations

import html
import re

import markdown
from markdown.htmlparser import HTMLExtractor
from markdown.preprocessors import HtmlBlockPreprocessor
from markdown.treeprocessors import Treeprocessor

# A tag as the extractor reads it when it is this plain: a start tag whose attribute values are
# quoted and hold no `<` or `>` (or are left out), or an end tag with nothing but its name. Only
# ASCII white space separates (the parser's own patterns differ on other spaces).
_TAG = re.compile(r"""<([a-zA-Z][a-zA-Z0-9-]*)((?:[ \t\n\r\f]+[a-zA-Z_:][-a-zA-Z0-9_:.]*"""
                  r"""(?:[ \t\n\r\f]*=[ \t\n\r\f]*(?:"[^"<>]*"|'[^'<>]*'))?)*)[ \t\n\r\f]*(/?)>"""
                  r"""|</([a-zA-Z][a-zA-Z0-9-]*)[ \t\n\r\f]*>""")
_ATTR = re.compile(r"""[ \t\n\r\f]([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:[ \t\n\r\f]*=[ \t\n\r\f]*(?:"([^"<>]*)"|'([^'<>]*)'))?""")
# A numeric character reference the extractor would write back with a `;` it does not have.
_OPEN_CHARREF = re.compile(r"&#(?![0-9]+;|[xX][0-9a-fA-F]+;)")
# Elements whose content HTML parsers read as text up to their end tag (Python's own for
# script and style; newer versions for the others too): here that end tag must come next.
_CDATA = ("script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes")


class HtmlBlocks(markdown.Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        if "html_block" not in md.preprocessors or type(md.preprocessors["html_block"]) is not HtmlBlockPreprocessor:
            return  # another extension's block parser (md_in_html): left alone
        blocks = _HtmlBlocks(md)
        md.preprocessors.register(blocks, "html_block", 21.5)  # MkDocs's scan is at 21, Markdown's at 20
        md.treeprocessors.register(_AnchorIds(md, blocks), "atlas_anchor_ids", 0)


class _HtmlBlocks(HtmlBlockPreprocessor):
    ids: set = set()

    def run(self, lines: list[str]) -> list[str]:
        source = "\n".join(lines)
        found = _inert_elements(source, self.md.is_block_level)
        if found is not None:
            elements, inside = found
            stash = self.md.htmlStash
            stored, counter = len(stash.rawHtmlBlocks), stash.html_counter
            parser = _IdCollectingExtractor(self.md)
            parser.feed(_cut(source, [(a, b) for _, a, b, _ in elements]))
            parser.close()
            blocks = stash.rawHtmlBlocks[stored:]
            if len(blocks) == len(elements) and all(
                    isinstance(block, str) and block.startswith(source[start:a] + source[b:end])
                    for block, (start, a, b, end) in zip(blocks, elements)):
                for k, (block, (start, a, b, _)) in enumerate(zip(blocks, elements), stored):
                    stash.rawHtmlBlocks[k] = block[:a - start] + source[a:b] + block[a - start:]
                self.ids = parser.ids | _ids(inside)
                return "".join(parser.cleandoc).split("\n")
            del stash.rawHtmlBlocks[stored:]  # Markdown did not take them as blocks: parse it all
            stash.html_counter = counter
        parser = _IdCollectingExtractor(self.md)  # what HtmlBlockPreprocessor.run does, with ids
        parser.feed(source)
        parser.close()
        self.ids = parser.ids
        return "".join(parser.cleandoc).split("\n")


def _cut(source: str, spans: list[tuple[int, int]]) -> str:
    out, at = [], 0
    for a, b in spans:
        out.append(source[at:a])
        at = b
    out.append(source[at:])
    return "".join(out)


def _inert_elements(source: str, is_block_level) -> tuple[list[tuple[int, int, int, int]], list[tuple[str, str]]] | None:
    """If every tag of `source` is inside a block-level element whose inside is inert (see the
    module's docstring): each such element's start, the start and end of its inside, its end;
    and the start tags inside them that may hold an id (name, attributes). Otherwise None."""
    if "<" not in source or _OPEN_CHARREF.search(source) or "<plaintext" in source.lower():  # text to the end
        return None
    tags = list(_TAG.finditer(source))
    if len(tags) != source.count("<"):
        return None
    # The extractor's stack within a block: a start tag is pushed unless it closes itself (`/>`)
    # or is `hr`; an end tag pops through the nearest open tag of its name, if there is one. A
    # block ends where the stack is empty again.
    elements: list[tuple[int, int, int, int]] = []
    inside: list[tuple[str, str]] = []  # the start tags inside the elements that may hold an id
    stack: list[str] = []
    first = None
    for i, m in enumerate(tags):
        name, attrs, closed, end_name = m.groups()
        if name is not None:  # a start tag
            name = name.lower()
            if name in _CDATA and (closed or i + 1 == len(tags) or (tags[i + 1].group(4) or "").lower() != name):
                return None  # its content is text up to its own end tag, which must come next
            if not stack:
                if closed or name == "hr" or not is_block_level(name):
                    return None  # a tag on its own between blocks, or inline HTML: left to the parser
                first = m
            elif attrs and ("id" in attrs or "name" in attrs):
                inside.append((name, attrs))
            if not closed and name != "hr":
                stack.append(name)
            continue
        name = end_name.lower()
        if not stack:
            return None  # an end tag with nothing open
        if name in stack:
            while stack.pop() != name:
                pass
        if not stack:
            elements.append((first.start(), first.end(), m.start(), m.end()))
    return (elements, inside) if elements and not stack else None


def _ids(tags: list[tuple[str, str]]) -> set:
    """The ids MkDocs's scan would collect from these start tags (name, attributes): every
    `id`, an `a`'s `name`."""
    out: set = set()
    for tag, attrs in tags:
        for a in _ATTR.finditer(attrs):
            key = a.group(1).lower()
            if key == "id" or (key == "name" and tag == "a"):
                value = a.group(2) if a.group(2) is not None else a.group(3)
                out.add(html.unescape(value) if value else value)
    return out


class _IdCollectingExtractor(HTMLExtractor):
    """Markdown's block extractor, noting the ids as MkDocs's scan does (every `id`, an `a`'s `name`)."""

    def reset(self) -> None:
        self.ids: set = set()
        super().reset()

    def _note(self, tag: str, attrs) -> None:
        for k, v in attrs:
            if k == "id" or (k == "name" and tag == "a"):
                self.ids.add(v)

    def handle_starttag(self, tag: str, attrs) -> None:
        self._note(tag, attrs)
        super().handle_starttag(tag, attrs)

    def handle_startendtag(self, tag: str, attrs) -> None:
        self._note(tag, attrs)
        super().handle_startendtag(tag, attrs)


class _AnchorIds(Treeprocessor):
    def __init__(self, md: markdown.Markdown, blocks: _HtmlBlocks) -> None:
        super().__init__(md)
        self.blocks = blocks

    def run(self, root) -> None:
        if "mkdocs_raw_html" in self.md.preprocessors:  # MkDocs's scan: it reports the page's ids
            self.md.preprocessors["mkdocs_raw_html"].present_anchor_ids |= self.blocks.ids
