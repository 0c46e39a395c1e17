"""The vocabularies (topic colours; relation types' words and lines) are defined once, in
scripts/atlas/vocabulary.yml, and reach the stylesheet, the graph script and the schema from there."""

from __future__ import annotations

import json
import re

import yaml

from atlas.graphviews import CURATED, EDGE_TYPES, VERBS, VOCABULARY
from conftest import DATA

HEX = re.compile(r"#[0-9a-f]{6}")


def test_the_schema_lists_exactly_the_curated_relation_types():
    """paper.schema.json keeps its own enum (editors validate against the schema alone); it must
    name the vocabulary's curated types, no more and no fewer."""
    schema = json.loads((DATA / "schema" / "paper.schema.json").read_text(encoding="utf-8"))
    assert set(schema["$defs"]["relation"]["properties"]["type"]["enum"]) == set(CURATED)
    assert CURATED == ("extends", "uses", "compares-with", "alternative-to")


def test_every_top_level_topic_and_relation_type_has_its_entry():
    topics = yaml.safe_load((DATA / "topics.yml").read_text(encoding="utf-8"))
    assert set(VOCABULARY["topics"]) == set(topics)
    for tid, colours in VOCABULARY["topics"].items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", tid)
        assert HEX.fullmatch(colours["light"]) and HEX.fullmatch(colours["dark"]), tid
    assert list(EDGE_TYPES) == list(VERBS) == ["cites", *CURATED, "related", "mentions", "topic", "subtopic"]
    for t, relation in VOCABULARY["relations"].items():
        line = relation["line"]
        assert HEX.fullmatch(line["color"]) and line["width"] > 0 and line["arrows"] in ("to", ""), t
        assert line["dashes"] is False or all(isinstance(d, int) for d in line["dashes"]), t
    assert "0.10" in EDGE_TYPES["related"][1] and "{" not in EDGE_TYPES["related"][1]
