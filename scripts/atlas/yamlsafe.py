"""Strict YAML reading for untrusted data files.

In: the bytes of one file. Out: a `Doc` (plain Python value + the line/column of every node)
or a list of `Problem`s that name the file, line, column and what is wrong.

The tree is built from the parser's events (libyaml's C parser when available), never by
PyYAML's constructors, so:
- anchors, aliases and explicit tags are refused before anything is built (no alias bombs,
  nothing constructed from `!!python/...`);
- scalars are never resolved by YAML 1.1 rules: `no`, `off`, `2312.99910` and `2023-13-45`
  stay the text that was written, and the schema judges them;
- duplicate keys, several documents, a non-mapping top level and deep nesting are errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

try:  # libyaml is ~15x faster than the pure-Python parser; the events are the same.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader

MAX_DEPTH = 8
MAX_BYTES = 256 * 1024

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
        where = self.field or "(file)"
        return f"{self.file}:{self.line}:{self.col}: {prefix}{where}: {self.message}"


@dataclass
class Scalar:
    """A scalar as written: its text and whether it was quoted or a block."""

    text: str
    plain: bool


@dataclass
class Doc:
    value: Any
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    plain: set[Path_] = field(default_factory=set)

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
    "mapping values are not allowed": (
        "a value contains ': ' (colon and space); put the whole value in quotes"
    ),
    "found character '\\t' that cannot start any token": "use spaces, not tabs",
    "could not find expected ':'": "a key needs ': ' after it, or a multi-line value needs quotes",
    "found undefined alias": "aliases (*name) are not allowed in atlas data",
}


def _pos(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlError(
            line, col, f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8"
        ) from None


_TAB_INDENT = re.compile(r"^( *)\t", re.MULTILINE)


def _check_tabs(text: str) -> None:
    m = _TAB_INDENT.search(text)  # the first line whose indentation reaches a tab
    if m:
        raise YamlError(text.count("\n", 0, m.start()) + 1, len(m.group(1)) + 1, "tab used for indentation; use spaces")


def parse(raw: bytes) -> Doc:
    """Parse one data file strictly. Raises YamlError with a 1-based line and column."""
    if len(raw) > MAX_BYTES:
        raise YamlError(1, 1, f"the file is {len(raw)} bytes; the limit is {MAX_BYTES}")
    text = _decode(raw)
    _check_tabs(text)
    doc = Doc(None)
    try:
        loader = _Loader(text)
        try:
            root = _build(loader.get_event, doc)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _pos(mark) if mark else (1, 1)
        problem = exc.problem or str(exc)
        hint = next((h for k, h in _HINTS.items() if k in problem), None)
        message = f"YAML syntax error: {problem}" + (f" (hint: {hint})" if hint else "")
        raise YamlError(line, col, message) from None
    except yaml.YAMLError as exc:  # reader errors (e.g. a control character) carry no mark
        raise YamlError(1, 1, f"YAML error: {exc}") from None
    doc.value = root
    return doc


_StreamEnd = yaml.StreamEndEvent
_Scalar, _MapStart, _SeqStart = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
_MapEnd, _SeqEnd, _DocStart, _Alias = yaml.MappingEndEvent, yaml.SequenceEndEvent, yaml.DocumentStartEvent, yaml.AliasEvent


def _build(get_event: Any, doc: Doc) -> Any:
    """The document's value from the parser's events, recording where every node and key is.

    One loop dispatching on the event's exact class (this runs for every event of every data
    file, so it avoids per-event helper calls, generators and isinstance chains).
    """
    documents = 0
    root: Any = None
    stack: list[tuple[Any, Path_, dict[str, int] | None]] = []  # seen-keys is None for a list
    pending_key: list[Any] = []  # for each open container: mapping key awaiting its value, or None
    marks, key_marks, plain_paths = doc.marks, doc.key_marks, doc.plain
    null, int_match = _NULL, _INT.match

    while True:
        event = get_event()
        cls = type(event)
        if cls is _StreamEnd:
            break
        if cls is _Scalar or cls is _MapStart or cls is _SeqStart:
            start = event.start_mark
            if event.anchor is not None:
                raise YamlError(*_pos(start), f"anchors (&{event.anchor}) are not allowed in atlas data")
            if event.tag is not None:
                raise YamlError(*_pos(start), f"explicit tags ({event.tag}) are not allowed in atlas data")
            if cls is _Scalar:
                is_plain = not event.style  # libyaml reports plain as "", PyYAML as None
                value: Any = event.value
                if is_plain:
                    if value in null:
                        value = None
                    elif int_match(value):
                        value = int(value)
            else:
                if len(stack) >= MAX_DEPTH:
                    raise YamlError(*_pos(start), f"nested deeper than {MAX_DEPTH} levels")
                is_plain = False
                value = {} if cls is _MapStart else []
            # Attach the node to its parent.
            if not stack:
                root = value
                path: Path_ = ()
            else:
                container, cpath, seen = stack[-1]
                if seen is None:
                    path = (*cpath, len(container))
                    container.append(value)
                elif pending_key[-1] is None:
                    if not isinstance(value, str):
                        raise YamlError(*_pos(start), "a key must be a plain string")
                    key_path = (*cpath, value)
                    if value in seen:
                        raise YamlError(
                            *_pos(start),
                            f"duplicate key '{value}' (first on line {seen[value]}); keep one",
                            ".".join(str(p) for p in key_path),
                        )
                    seen[value] = start.line + 1
                    key_marks[key_path] = (start.line + 1, start.column + 1)
                    pending_key[-1] = value
                    continue
                else:
                    key = pending_key[-1]
                    pending_key[-1] = None
                    path = (*cpath, key)
                    container[key] = value
            marks[path] = (start.line + 1, start.column + 1)
            if is_plain:
                plain_paths.add(path)
            if cls is not _Scalar:
                stack.append((value, path, {} if cls is _MapStart else None))
                pending_key.append(None)
        elif cls is _MapEnd or cls is _SeqEnd:
            stack.pop()
            pending_key.pop()
        elif cls is _DocStart:
            documents += 1
            if documents > 1:
                raise YamlError(*_pos(event.start_mark), "several YAML documents ('---'); keep one")
        elif cls is _Alias:
            raise YamlError(*_pos(event.start_mark), "aliases (*name) are not allowed in atlas data")
    return root
