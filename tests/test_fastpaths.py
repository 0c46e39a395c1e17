"""The shortcuts that make loading 10,000 files cheap, checked against the slow paths they skip.

Speed itself is measured by `make bench`, never asserted here. `yamlsafe.parse` builds a
file's value without positions and records them only when a problem needs one; the compiled
schema check merges `allOf` and `$ref` parts into one closure per type and remembers short
strings that passed. Each must give exactly what the full path gives.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from atlas import yamlsafe
from conftest import DATA, ROOT

HOSTILE = ROOT / "tests" / "hostile"
FILES = sorted(DATA.glob("*.yml")) + sorted((DATA / "papers").glob("*.yml")) + sorted(HOSTILE.glob("*.yml"))


def _full(raw: bytes) -> yamlsafe.Doc:
    """The file parsed by the full path alone (positions recorded while the value is built)."""
    doc = yamlsafe.Doc(None)
    doc.value = yamlsafe._parse_events(yamlsafe._decode(raw), doc)
    return doc


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_value_only_parse_gives_the_full_parse_value_and_positions(path: Path):
    raw = path.read_bytes()
    try:
        doc = yamlsafe.parse(raw)
    except yamlsafe.YamlError:
        return  # refused: test_hostile.py checks every refusal's words and place
    full = _full(raw)
    assert doc.value == full.value and type(doc.value) is type(full.value)
    if isinstance(doc.value, dict):
        for key in doc.value:
            assert doc.is_plain((key,)) == ((key,) in full.plain), key
    # Positions are recorded on first use, from the same events.
    assert (doc.marks, doc.key_marks, doc.ends, doc.plain) == (full.marks, full.key_marks, full.ends, full.plain)
    assert doc.marks or doc.value is None  # a file's positions are never silently empty


def test_every_refusal_of_the_full_parse_is_a_refusal_of_the_value_only_parse():
    cases = {
        b"a: &x 1\nb: 2\n": "anchors (&x) are not allowed",
        b"a: !!str 1\n": "explicit tags",
        b"a: 1\nb: *x\n": "aliases (*name) are not allowed",
        b"a: 1\n---\nb: 2\n": "several YAML documents",
        b"a: 1\na: 2\n": "duplicate key 'a' (first on line 1)",
        b"? [1, 2]\n: x\n": "a key must be a plain string",
        b"1: x\n": "a key must be a plain string",
        b"a: " + b"[" * 9 + b"]" * 9 + b"\n": "nested deeper than 8 levels",
    }
    for raw, message in cases.items():
        with pytest.raises(yamlsafe.YamlError) as exc:
            yamlsafe.parse(raw)
        assert message in exc.value.message, (raw, exc.value.message)
        with pytest.raises(yamlsafe._Refused):
            yamlsafe._values(yamlsafe._Loader(raw.decode()).get_event, set())


def test_an_unquoted_number_is_plain_and_a_quoted_one_is_not():
    doc = yamlsafe.parse(b'arxiv: 2305.14314\ntitle: "2305.14314"\nn: 12\nlist:\n  - 1.5\n')
    assert doc.value == {"arxiv": "2305.14314", "title": "2305.14314", "n": 12, "list": ["1.5"]}
    assert doc.is_plain(("arxiv",)) and doc.is_plain(("n",)) and not doc.is_plain(("title",))
    assert doc.is_plain(("list", 0)) and not doc.is_plain(("list",))
