"""Strict YAML reading for untrusted data files.

In: the bytes of one file (`read_bytes`: a regular file within the size limit). Out: a `Doc` (plain
Python value + the line/column of every node), or a `YamlError` with the line, column and what is wrong.

The parser's events are checked first (in text holding `&`, `*`, `!`, `---` or `...`: without them
there is nothing for that pass to find), then PyYAML's composer (libyaml's when available) builds
the node tree and one strict walk turns it into plain values; PyYAML's constructors never run:
- anchors, aliases and explicit tags are refused before any node is composed (no alias bombs);
- scalars are never resolved by YAML 1.1 rules: `no`, `2312.99910` and `2023-13-45` stay text;
- duplicate keys, several documents and deep nesting are errors;
- characters YAML refuses or misreads (C0/C1 controls, NEL, a byte-order mark past the start)
  are reported at their line and column, in the field they sit in;
- long digit strings stay text (Python refuses to convert integers beyond 4300 digits).
"""

from __future__ import annotations

import contextlib
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# libyaml's parser where PyYAML was built with it: much faster, and the same events and nodes.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_DEPTH = 8
MAX_BYTES = 256 * 1024
MAX_INT_DIGITS = 18  # longer digit strings stay text, and the schema says they are no count

Path_ = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one place in one file: `file:line:col: field: message`."""

    file: str
    line: int
    col: int
    field: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        prefix = "" if self.severity == "error" else f"{self.severity}: "
        return printable(f"{self.file}:{self.line}:{self.col}: {prefix}{self.field or '(file)'}: {self.message}")


def printable(text: str) -> str:
    """`text` with every control, format or surrogate character shown as an escape.

    Problems quote what a contributor wrote (a key, a file name); printed raw, an escape
    sequence or a bidirectional override in it would act on the terminal or the CI log.
    """
    return "".join((f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
                   if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") and ch not in "\u200c\u200d" else ch for ch in text)


class Doc:
    """A parsed file: its `value`, and where each node is (`marks`), each key is (`key_marks`),
    each scalar value ends (`ends`) and which scalars were plain (`plain`)."""

    def __init__(self, value: Any = None) -> None:
        self.value = value
        self.marks: dict[Path_, tuple[int, int]] = {}
        self.key_marks: dict[Path_, tuple[int, int]] = {}
        self.ends: dict[Path_, tuple[int, int]] = {}
        self.plain: set[Path_] = set()

    def is_plain(self, path: Path_) -> bool:
        """Whether the scalar at `path` was written plain (unquoted, not a block)."""
        return tuple(path) in self.plain

    def field_at(self, line: int, col: int) -> Path_ | None:
        """The path of the scalar value whose text spans (line, col), if any."""
        spans = [path for path, end in self.ends.items() if self.marks[path] <= (line, col) < end]
        return max(spans, key=self.marks.__getitem__, default=None)

    def mark(self, path: Path_) -> tuple[int, int]:
        """Line and column of the node at `path`, or of its nearest existing parent."""
        path = tuple(path)
        while path not in self.marks and path:
            path = path[:-1]
        return self.marks.get(path, (1, 1))


class YamlError(Exception):
    def __init__(self, line: int, col: int, message: str, field_: str = "") -> None:
        super().__init__(message)
        self.line, self.col, self.message, self.field = line, col, message, field_


_INT = re.compile(r"^[-+]?[0-9]+$")
_NULL = {"", "~", "null", "Null", "NULL"}
_HINTS = {
    "mapping values are not allowed": ("a value contains ': ' (colon and space); "
                                       "put the whole value in quotes"),
    "found character '\\t' that cannot start any token": "use spaces, not tabs",
    "could not find expected ':'": "a key needs ': ' after it, or a multi-line value needs quotes",
    "found undefined alias": "aliases (*name) are not allowed in atlas data",
    "found unexpected end of stream": "a quote or bracket is opened and never closed",
    "exceeded maximum nesting depth": f"data is never nested deeper than {MAX_DEPTH} levels",
    "found unknown escape character": ("a backslash in double quotes starts an escape; "
                                       "use single quotes or a block scalar for LaTeX"),
}
# Characters YAML refuses, or misreads as a line break.
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_TAB_INDENT = re.compile(r"^ *\t", re.MULTILINE)
_NAMES = dict(enumerate((
    "NULL START-OF-HEADING START-OF-TEXT END-OF-TEXT END-OF-TRANSMISSION ENQUIRY ACKNOWLEDGE BELL "
    "BACKSPACE TAB LINE-FEED LINE-TABULATION FORM-FEED CARRIAGE-RETURN SHIFT-OUT SHIFT-IN "
    "DATA-LINK-ESCAPE DEVICE-CONTROL-ONE DEVICE-CONTROL-TWO DEVICE-CONTROL-THREE DEVICE-CONTROL-FOUR "
    "NEGATIVE-ACKNOWLEDGE SYNCHRONOUS-IDLE END-OF-TRANSMISSION-BLOCK CANCEL END-OF-MEDIUM SUBSTITUTE "
    "ESCAPE FILE-SEPARATOR GROUP-SEPARATOR RECORD-SEPARATOR UNIT-SEPARATOR"
).split())) | {0x7F: "DELETE", 0x85: "NEXT-LINE", 0xFEFF: "BYTE-ORDER-MARK"}


def _pos(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def _line_col(text: str | bytes, at: int) -> tuple[int, int]:
    """The 1-based line and column of offset `at`."""
    newline = "\n" if isinstance(text, str) else b"\n"
    return text.count(newline, 0, at) + 1, at - text.rfind(newline, 0, at)


def _decode(raw: bytes) -> str:
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8"
        raise YamlError(*_line_col(raw, exc.start), message) from None


def char_name(ch: str) -> str:
    """A readable name for any character, control characters included (`unicodedata` has none)."""
    if ord(ch) in _NAMES:
        return _NAMES[ord(ch)].replace("-", " ")
    return "C1 CONTROL CHARACTER" if 0x80 <= ord(ch) <= 0x9F else unicodedata.name(ch, "UNNAMED CHARACTER")


def read_bytes(path: Path, rel: str) -> tuple[bytes | None, list[Problem]]:
    # A pull request can add a symbolic link (to /etc/passwd, /dev/zero, a secret) as easily
    # as a file: only regular files are read, and only up to the size limit.
    try:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            return None, [Problem(rel, 1, 1, "", "is a symbolic link; data files must be regular files")]
        if not stat.S_ISREG(st.st_mode):
            return None, [Problem(rel, 1, 1, "", "is not a regular file")]
        if st.st_size > MAX_BYTES:
            return None, [Problem(rel, 1, 1, "", f"the file is {st.st_size} bytes; the limit is {MAX_BYTES}")]
        with path.open("rb") as f:
            return f.read(MAX_BYTES + 1), []
    except OSError as exc:
        return None, [Problem(rel, 1, 1, "", f"cannot read the file: {exc.strerror}")]


def parse(raw: bytes) -> Doc:
    """Parse one data file strictly. Raises YamlError with a 1-based line and column."""
    if len(raw) > MAX_BYTES:
        raise YamlError(1, 1, f"the file is {len(raw)} bytes; the limit is {MAX_BYTES}")
    text = _decode(raw)
    if tab := _TAB_INDENT.search(text):  # the first line whose indentation reaches a tab
        raise YamlError(*_line_col(text, tab.end() - 1), "tab used for indentation; use spaces")
    if bad := _BAD_CHARS.search(text):
        line, col = _line_col(text, bad.start())
        ch, path = bad.group(), ()
        with contextlib.suppress(yaml.YAMLError, YamlError):  # parse with them replaced to name the field
            path = _read(_BAD_CHARS.sub("\ufffd", text)).field_at(line, col) or ()
        what = ("a line break to YAML" if ch in "\x85\u2028\u2029" else
                "only allowed as the file's first character" if ch == "\ufeff" else
                "not a character YAML allows" if ch in "\ufffe\uffff" else "a control character")
        message = f"contains U+{ord(ch):04X} ({char_name(ch)}), {what}; remove it"
        raise YamlError(line, col, message, field_name(path))
    try:
        return _read(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _pos(mark) if mark else (1, 1)
        problem = exc.problem or str(exc)
        hint = next((f" (hint: {h})" for k, h in _HINTS.items() if k in problem), "")
        context = ""
        if exc.context and exc.context_mark and exc.context_mark is not mark:
            context = ", {} that starts at line {}, column {}".format(exc.context, *_pos(exc.context_mark))
        raise YamlError(line, col, f"YAML syntax error: {problem}{context}{hint}") from None
    except yaml.YAMLError as exc:  # reader errors (e.g. a control character) carry no mark
        raise YamlError(1, 1, f"YAML error: {exc}") from None


def field_name(path: Path_) -> str:
    """`facets.scale[0].devices`: a field's path as messages name it."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _read(text: str) -> Doc:
    if any(c in text for c in "&*!") or "---" in text or "..." in text:  # else it holds nothing the events pass refuses
        _refuse_what_yaml_would_expand(text)
    doc = Doc()
    node = yaml.compose(text, Loader=_Loader)
    doc.value = None if node is None else _walk(node, (), doc)
    return doc


def _refuse_what_yaml_would_expand(text: str) -> None:
    """Anchors, aliases, explicit tags and a second document, refused from the parser's events
    before the composer builds (and an alias would share) any node."""
    documents = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            raise YamlError(*_pos(event.start_mark), "aliases (*name) are not allowed in atlas data")
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise YamlError(*_pos(event.start_mark), "several YAML documents ('---'); keep one")
        if isinstance(event, yaml.NodeEvent):
            if event.anchor is not None:
                raise YamlError(*_pos(event.start_mark), f"anchors (&{event.anchor}) are not allowed in atlas data")
            if getattr(event, "tag", None) is not None:
                raise YamlError(*_pos(event.start_mark), f"explicit tags ({event.tag}) are not allowed in atlas data")


def _walk(node: yaml.Node, path: Path_, doc: Doc) -> Any:
    """The node's plain value, recording where it (and every key) is. Scalars are never read by
    YAML 1.1 rules: a plain scalar is null, a whole number of at most MAX_INT_DIGITS digits, or
    the text as written."""
    doc.marks[path] = _pos(node.start_mark)
    if len(path) >= MAX_DEPTH and not isinstance(node, yaml.ScalarNode):  # the collections it is in
        raise YamlError(*doc.marks[path], f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(node, yaml.ScalarNode):
        doc.ends[path] = _pos(node.end_mark)
        if node.style:
            return node.value
        doc.plain.add(path)
        if node.value in _NULL:
            return None
        if _INT.match(node.value) and len(node.value.lstrip("+-")) <= MAX_INT_DIGITS:
            return int(node.value)
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [_walk(item, (*path, i), doc) for i, item in enumerate(node.value)]
    out: dict[str, Any] = {}
    for key_node, value_node in node.value:
        start = key_node.start_mark
        key = _walk(key_node, (), Doc()) if isinstance(key_node, yaml.ScalarNode) else None
        if not isinstance(key, str):
            raise YamlError(*_pos(start), "a key must be a plain string")
        at = (*path, key)
        if at in doc.key_marks:
            raise YamlError(*_pos(start), f"duplicate key '{key}' (first on line {doc.key_marks[at][0]}); keep one",
                            ".".join(str(p) for p in at))
        doc.key_marks[at] = _pos(start)
        out[key] = _walk(value_node, at, doc)
    return out
