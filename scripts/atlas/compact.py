"""Drop the indentation MkDocs Material's page templates leave in every page.

In: a page's final HTML. Out: the same HTML with every line break followed by spaces or
blank lines reduced to one line break, except inside <pre>, <textarea>, <script> and
<style>, where whitespace is content. A run of whitespace between tags or words renders as
one space whether it is one character or forty, so the page looks and reads the same; at
10,000 papers the indentation was a ninth of every paper page.
"""

from __future__ import annotations

import re

_KEEP_OR_INDENT = re.compile(r"(<(pre|textarea|script|style)\b.*?</\2\s*>)|\n\s+", re.S | re.I)


def compact_html(html: str) -> str:
    # A kept element matches as a whole (and stays as it is) before any indentation inside it can.
    return _KEEP_OR_INDENT.sub(lambda m: m.group(1) or "\n", html)
