"""Reading and validating untrusted files never crashes: arbitrary bytes and arbitrary YAML give
either a valid document or `file:line:col: field: message` lines, never a traceback."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from atlas import yamlsafe
from atlas.data import load
from datafixture import GOOD, small_data_dir

LINE = re.compile(r"^data/papers/fuzz\.yml:[0-9]+:[0-9]+: (warning: )?[^:\n]*: .+$")

# YAML-looking text: keys, values, indentation, quotes, flow collections, anchors, tags, comments.
pieces = st.sampled_from(["id: ", "title: ", "topics:\n", "  - ", "- ", "&a ", "*a", "!!str ", "? ", ": ", "{", "}",
                          "[", "]", ", ", '"', "'", "\\", "#", "\n", "  ", "\t", "---\n", "~", "12", "2305.14314",
                          "x", "é", "\u202e", "\x00", "|\n", ">-\n", "references:\n", "  cites:\n"])
yamlish = st.lists(pieces, max_size=40).map("".join)


def check(data_dir, raw: bytes) -> None:
    (data_dir / "papers" / "fuzz.yml").write_bytes(raw)
    _, problems = load(data_dir, root=data_dir.parent)
    for p in problems:
        if p.file == "data/papers/fuzz.yml":
            assert LINE.match(str(p)), str(p)


@settings(max_examples=150, deadline=None)
@given(raw=st.binary(max_size=300))
def test_arbitrary_bytes_give_located_messages(tmp_path_factory, raw):
    check(small_data_dir(tmp_path_factory.mktemp("fuzz"), GOOD.replace("good-paper", "other-paper")), raw)


@settings(max_examples=300, deadline=None)
@given(text=yamlish)
def test_arbitrary_yaml_gives_located_messages(tmp_path_factory, text):
    check(small_data_dir(tmp_path_factory.mktemp("fuzz"), GOOD.replace("good-paper", "other-paper")),
          text.encode("utf-8", "surrogatepass"))


def test_an_unquoted_number_is_plain_and_a_quoted_one_is_not():
    doc = yamlsafe.parse(b'arxiv: 2305.14314\ntitle: "2305.14314"\nn: 12\nlist:\n  - 1.5\n')
    assert doc.value == {"arxiv": "2305.14314", "title": "2305.14314", "n": 12, "list": ["1.5"]}
    assert doc.is_plain(("arxiv",)) and doc.is_plain(("n",)) and not doc.is_plain(("title",))
    assert doc.is_plain(("list", 0)) and not doc.is_plain(("list",))


def test_nesting_is_refused_at_the_same_place_with_or_without_the_events_pass():
    """The parser's events are checked only in text that could hold an anchor, alias, tag or second
    document; with or without that pass, the first collection nested too deep is where it is refused."""
    def nest(levels: int, tail: str = "") -> bytes:
        return ("".join(f"{'  ' * i}k{i}:\n" for i in range(levels)) + f"{'  ' * levels}x: 1\n" + tail).encode()

    for tail in ("", "b: R&D\n", "c: and so on...\n"):
        yamlsafe.parse(nest(7, tail))
        try:
            yamlsafe.parse(nest(8, tail))
        except yamlsafe.YamlError as exc:
            assert (exc.line, exc.col, exc.message) == (9, 17, f"nested deeper than {yamlsafe.MAX_DEPTH} levels"), tail
        else:
            raise AssertionError(f"nesting 9 deep with {tail!r} was not refused")
