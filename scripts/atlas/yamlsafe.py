"""Strict YAML reading for untrusted data files.

In: the bytes of one file. Out: a `Doc` (plain Python value + the line/column of every node)
or a list of `Problem`s that name the file, line, column and what is wrong.

The tree is built from the parser's events (libyaml's C parser when available), never by
PyYAML's constructors, so:
- anchors, aliases and explicit tags are refused before anything is built (no alias bombs,
  nothing constructed from `!!python/...`);
- scalars are never resolved by YAML 1.1 rules: `no`, `off`, `2312.99910` and `2023-13-45`
  stay the text that was written, and the schema judges them;
- duplicate keys, several documents, a non-mapping top level and deep nesting are errors;
- characters YAML refuses or misreads (C0/C1 controls, NEL, a byte-order mark past the start)
  are reported at their line and column, in the field they sit in, not as a bare offset;
- long digit strings stay text (Python refuses to convert integers beyond 4300 digits).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import yaml

try:  # libyaml is ~15x faster than the pure-Python parser; the events are the same.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader

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
        where = self.field or "(file)"
        return printable(f"{self.file}:{self.line}:{self.col}: {prefix}{where}: {self.message}")


def printable(text: str) -> str:
    """`text` with every control, format or surrogate character shown as an escape.

    Problems quote what a contributor wrote (a key, a file name); printed raw, an escape
    sequence or a bidirectional override in it would act on the terminal or the CI log.
    """
    out = []
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") and ch not in "\u200c\u200d":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


@dataclass
class Scalar:
    """A scalar as written: its text and whether it was quoted or a block."""

    text: str
    plain: bool


class Doc:
    """A parsed file: its `value`, and where each node is (`marks`), each key is (`key_marks`),
    each scalar value ends (`ends`) and which scalars were plain (`plain`).

    The positions are only needed to report a problem, which almost no file has: a file read
    by `parse` keeps its text and records them by parsing it again the first time one is
    asked for (the same events, so the same positions)."""

    def __init__(self, value: Any = None, source: str | None = None) -> None:
        self.value = value
        self._source = source
        self._marks: dict[Path_, tuple[int, int]] = {}
        self._key_marks: dict[Path_, tuple[int, int]] = {}
        self._ends: dict[Path_, tuple[int, int]] = {}
        self._plain: set[Path_] = set()
        self._top_plain: set[str] = set()  # top-level keys whose value is a plain scalar (fast path)

    def _locate(self) -> None:
        if self._source is not None:
            source, self._source = self._source, None
            _parse_events(source, self)

    @property
    def marks(self) -> dict[Path_, tuple[int, int]]:
        self._locate()
        return self._marks

    @property
    def key_marks(self) -> dict[Path_, tuple[int, int]]:
        self._locate()
        return self._key_marks

    @property
    def ends(self) -> dict[Path_, tuple[int, int]]:
        """Where each scalar value ends (line, column just past it), for mapping a position to a field."""
        self._locate()
        return self._ends

    @property
    def plain(self) -> set[Path_]:
        self._locate()
        return self._plain

    def is_plain(self, path: Path_) -> bool:
        """Whether the scalar at `path` was written plain (unquoted, not a block)."""
        if len(path) == 1 and self._source is not None:
            return path[0] in self._top_plain
        return tuple(path) in self.plain

    def field_at(self, line: int, col: int) -> Path_ | None:
        """The path of the scalar value whose text spans (line, col), if any."""
        best = None
        for path, end in self.ends.items():
            start = self.marks.get(path)
            if start is not None and start <= (line, col) < end:
                if best is None or start > self.marks[best]:
                    best = path
        return best

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
    "found unexpected end of stream": "a quote or bracket is opened and never closed",
    "exceeded maximum nesting depth": f"data is never nested deeper than {MAX_DEPTH} levels",
    "found unknown escape character": (
        "a backslash in double quotes starts an escape; use single quotes or a block scalar for LaTeX"
    ),
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


_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


_C0_NAMES = (
    "NULL START-OF-HEADING START-OF-TEXT END-OF-TEXT END-OF-TRANSMISSION ENQUIRY ACKNOWLEDGE BELL "
    "BACKSPACE TAB LINE-FEED LINE-TABULATION FORM-FEED CARRIAGE-RETURN SHIFT-OUT SHIFT-IN "
    "DATA-LINK-ESCAPE DEVICE-CONTROL-ONE DEVICE-CONTROL-TWO DEVICE-CONTROL-THREE DEVICE-CONTROL-FOUR "
    "NEGATIVE-ACKNOWLEDGE SYNCHRONOUS-IDLE END-OF-TRANSMISSION-BLOCK CANCEL END-OF-MEDIUM SUBSTITUTE "
    "ESCAPE FILE-SEPARATOR GROUP-SEPARATOR RECORD-SEPARATOR UNIT-SEPARATOR"
).split()


def char_name(ch: str) -> str:
    """A readable name for any character, control characters included (`unicodedata` has none)."""
    o = ord(ch)
    if o < 0x20:
        return _C0_NAMES[o].replace("-", " ")
    special = {0x7F: "DELETE", 0x85: "NEXT LINE", 0xFEFF: "BYTE ORDER MARK"}
    if o in special:
        return special[o]
    if 0x80 <= o <= 0x9F:
        return "C1 CONTROL CHARACTER"
    return unicodedata.name(ch, "UNNAMED CHARACTER")


def _check_chars(text: str) -> list[tuple[int, int, str]]:
    """Every character YAML would refuse (or misread as a line break), by line and column."""
    found = []
    for m in _BAD_CHARS.finditer(text):
        start = m.start()
        line = text.count("\n", 0, start) + 1
        col = start - (text.rfind("\n", 0, start) + 1) + 1
        found.append((line, col, m.group()))
    return found


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
    bad = _check_chars(text)
    if bad:
        # Parse with each bad character replaced, only to name the field it sits in.
        line, col, ch = bad[0]
        where = ""
        try:
            probe = Doc(None)
            _parse_events(_BAD_CHARS.sub("\ufffd", text), probe)
            path = probe.field_at(line, col)
            where = _path_name(path) if path else ""
        except (yaml.YAMLError, YamlError):
            pass
        what = ("a line break to YAML" if ch in "\x85\u2028\u2029" else
                "only allowed as the file's first character" if ch == "\ufeff" else
                "not a character YAML allows" if ch in "\ufffe\uffff" else "a control character")
        raise YamlError(line, col, f"contains U+{ord(ch):04X} ({char_name(ch)}), {what}; remove it", where)
    try:
        # The fast path: the value alone. A file it would refuse (or that libyaml cannot
        # read) is parsed again below by the full path, which words the error.
        doc = Doc(None, source=text)
        doc.value = _parse_values(text, doc._top_plain)
        return doc
    except (_Refused, yaml.YAMLError):
        pass
    doc = Doc(None)
    try:
        root = _parse_events(text, doc)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _pos(mark) if mark else (1, 1)
        problem = exc.problem or str(exc)
        hint = next((h for k, h in _HINTS.items() if k in problem), None)
        context = ""
        if exc.context and exc.context_mark and exc.context_mark is not mark:
            context = f", {exc.context} that starts at line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1}"
        message = f"YAML syntax error: {problem}{context}" + (f" (hint: {hint})" if hint else "")
        raise YamlError(line, col, message) from None
    except yaml.YAMLError as exc:  # reader errors (e.g. a control character) carry no mark
        raise YamlError(1, 1, f"YAML error: {exc}") from None
    doc.value = root
    return doc


def _path_name(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _parse_events(text: str, doc: Doc) -> Any:
    loader = _Loader(text)
    try:
        return _build(loader.get_event, doc)
    finally:
        loader.dispose()


def _parse_values(text: str, top_plain: set[str]) -> Any:
    loader = _Loader(text)
    try:
        return _values(loader.get_event, top_plain)
    finally:
        loader.dispose()


_StreamEnd = yaml.StreamEndEvent
_Scalar, _MapStart, _SeqStart = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
_MapEnd, _SeqEnd, _DocStart, _Alias = yaml.MappingEndEvent, yaml.SequenceEndEvent, yaml.DocumentStartEvent, yaml.AliasEvent


def _build(get_event: Any, doc: Doc) -> Any:
    """The document's value from the parser's events, recording where every node and key is
    (and where every scalar value ends).

    One loop dispatching on the event's exact class (this runs for every event of every data
    file, so it avoids per-event helper calls, generators and isinstance chains).
    """
    documents = 0
    root: Any = None
    stack: list[tuple[Any, Path_, dict[str, int] | None]] = []  # seen-keys is None for a list
    pending_key: list[Any] = []  # for each open container: mapping key awaiting its value, or None
    marks, key_marks, ends, plain_paths = doc._marks, doc._key_marks, doc._ends, doc._plain
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
                    elif int_match(value) and len(value.lstrip("+-")) <= MAX_INT_DIGITS:
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
            if cls is _Scalar:
                end = event.end_mark
                ends[path] = (end.line + 1, end.column + 1)
                if is_plain:
                    plain_paths.add(path)
            else:
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


class _Refused(Exception):
    """The fast path met something `_build` refuses: parse again with positions to say what."""


_IN_LIST, _NO_KEY = object(), object()


def _values(get_event: Any, top_plain: set[str]) -> Any:
    """The document's value from the parser's events, as `_build` makes it, without positions
    (but adding to `top_plain` each top-level key whose value is a plain scalar).

    Everything `_build` refuses (anchors, tags, aliases, a second document, deep nesting, a
    key that is not a plain string, a duplicate key) raises `_Refused` instead, so the caller
    runs `_build` to report it with its line, column and field."""
    documents = 0
    root: Any = None
    stack: list[Any] = []   # open containers
    keys: list[Any] = []    # for each: _IN_LIST, _NO_KEY, or the mapping key awaiting its value
    null, int_match = _NULL, _INT.match
    while True:
        event = get_event()
        cls = type(event)
        if cls is _Scalar:
            if event.anchor is not None or event.tag is not None:
                raise _Refused
            value: Any = event.value
            if not event.style:
                if len(stack) == 1 and keys[-1] is not _NO_KEY and keys[-1] is not _IN_LIST:
                    top_plain.add(keys[-1])
                if value in null:
                    value = None
                elif int_match(value) and len(value.lstrip("+-")) <= MAX_INT_DIGITS:
                    value = int(value)
        elif cls is _MapStart or cls is _SeqStart:
            if event.anchor is not None or event.tag is not None or len(stack) >= MAX_DEPTH:
                raise _Refused
            value = {} if cls is _MapStart else []
        elif cls is _MapEnd or cls is _SeqEnd:
            stack.pop()
            keys.pop()
            continue
        elif cls is _StreamEnd:
            return root
        elif cls is _DocStart:
            documents += 1
            if documents > 1:
                raise _Refused
            continue
        elif cls is _Alias:
            raise _Refused
        else:
            continue
        if not stack:
            root = value
        else:
            key = keys[-1]
            if key is _IN_LIST:
                stack[-1].append(value)
            elif key is _NO_KEY:
                # Every earlier key of this mapping already has its value: `in` finds duplicates.
                if type(value) is not str or value in stack[-1]:
                    raise _Refused
                keys[-1] = value
                continue
            else:
                stack[-1][key] = value
                keys[-1] = _NO_KEY
        if cls is not _Scalar:
            stack.append(value)
            keys.append(_NO_KEY if cls is _MapStart else _IN_LIST)
