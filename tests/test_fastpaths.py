"""The shortcuts that make loading 10,000 files cheap, checked against the slow paths they skip.

Speed itself is measured by `make bench`, never asserted here. `yamlsafe.parse` builds a
file's value without positions and records them only when a problem needs one; the compiled
schema check merges `allOf` and `$ref` parts into one closure per type and remembers short
strings that passed. Each must give exactly what the full path gives.
"""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atlas import data, fastschema, yamlsafe
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


# --- the compiled schema check on schemas other than the atlas's own ----------------------------

SCHEMAS = [
    {"type": "object", "additionalProperties": False, "required": ["a"],
     "properties": {"a": {"$ref": "#/$defs/s", "maxLength": 3}, "b": {"type": "array", "uniqueItems": True,
                                                                      "items": {"$ref": "#/$defs/s"}}},
     "$defs": {"s": {"type": "string", "minLength": 1, "allOf": [{"pattern": "x"}], "pattern": "^[a-z]+$"}}},
    {"allOf": [{"type": ["string", "integer"]}, {"type": "string", "maxLength": 2}], "minimum": 3},
    {"allOf": [{"type": "integer"}, {"type": "number", "minimum": 2}]},
    {"type": "number", "$ref": "#/$defs/i", "$defs": {"i": {"type": ["integer", "null"], "maximum": 6}}},
    {"type": "array", "uniqueItems": True, "minItems": 1, "items": {"type": ["integer", "string"]}},
    {"type": "array", "uniqueItems": True},
    {"properties": {"a": {"type": "integer", "maximum": 5}}, "required": ["b"], "additionalProperties": {"type": "string"}},
    {"allOf": [{"properties": {"a": {"type": "string"}}, "additionalProperties": False},
               {"properties": {"b": {"type": "string"}}, "additionalProperties": False}]},
    {"oneOf": [{"required": ["a"], "not": {"required": ["b"]}}, {"required": ["b"], "not": {"required": ["a"]}}]},
    {"type": "object", "properties": {"next": {"$ref": "#"}, "v": {"type": "number", "exclusiveMaximum": 2}}},
    {"anyOf": [{"type": "null"}, {"type": "boolean"}, {"enum": ["aa", 1, [1]]}], "maxLength": 1},
]

scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 8), st.floats(-3, 8, allow_nan=False),
                    st.sampled_from(["", "a", "x", "ax", "xa", "aax", "xyz", "AX", "x\n", "abcx"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.sampled_from(["a", "b", "next", "v", "c"]), inner, max_size=3)), max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(range(len(SCHEMAS))), values)
def test_the_compiled_check_agrees_with_jsonschema_on_other_schemas(i, instance):
    schema = SCHEMAS[i]
    check = fastschema.compile_check(schema, {"s.json": schema}, None, "s.json", pattern=data._compiled)
    assert check is not None
    expected = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": data._pattern})(schema).is_valid(instance)
    # Twice: the second answer may come from the remembered strings.
    assert check(copy.deepcopy(instance)) == expected, (schema, instance)
    assert check(copy.deepcopy(instance)) == expected, (schema, instance)


FIXED = [None, True, False, 0, 2, 3, 5.0, 6, 7, 2.5, "", "x", "ax", "aax", "xyz", [], [1, 1], [1, True], ["x", "x"],
         ["ax", "xa"], {}, {"a": "x"}, {"a": "ax", "b": ["ax", "ax"]}, {"a": "ax", "b": ["ax", "xa"]}, {"b": 1},
         {"a": 1, "b": 2}, {"b": "x"}, {"a": 6, "b": "s"}, {"c": 1}, {"next": {"v": 3}}, {"next": {"v": 1.5}}, [[1]]]


@pytest.mark.parametrize("i", range(len(SCHEMAS)))
def test_the_compiled_check_agrees_with_jsonschema_on_fixed_instances(i):
    schema = SCHEMAS[i]
    check = fastschema.compile_check(schema, {"s.json": schema}, None, "s.json", pattern=data._compiled)
    validator = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": data._pattern})(schema)
    assert [check(x) for x in FIXED] == [validator.is_valid(x) for x in FIXED]
    assert any(validator.is_valid(x) for x in FIXED) and not all(validator.is_valid(x) for x in FIXED)
