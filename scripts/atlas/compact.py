"""Drop the indentation MkDocs Material's page templates leave in every page.

In: a page's final HTML. Out: the same HTML with every line break followed by spaces or
blank lines reduced to one line break, except inside <pre>, <textarea>, <script> and
<style>, where whitespace is content. A run of whitespace between tags or words renders as
one space whether it is one character or forty, so the page looks and reads the same; at
10,000 papers the indentation was a ninth of every paper page.
"""

from __future__ import annotations

import re

_KEEP = re.compile(r"(<(pre|textarea|script|style)\b.*?</\2\s*>)", re.S | re.I)
_INDENT = re.compile(r"\n\s+")


def compact_html(html: str) -> str:
    parts = _KEEP.split(html)
    # split() yields: text, whole kept element, its tag name, text, ...
    out = []
    for i in range(0, len(parts), 3):
        out.append(_INDENT.sub("\n", parts[i]))
        if i + 1 < len(parts):
            out.append(parts[i + 1])
    return "".join(out)
