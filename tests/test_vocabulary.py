"""The vocabularies (topic colours; relation types' words and lines) are defined once, in
scripts/atlas/vocabulary.yml, and reach the stylesheet, the graph script and the schema from there."""

from __future__ import annotations

import json
import re

import yaml

from atlas import render
from atlas.graphviews import CURATED, EDGE_TYPES, VERBS, VOCABULARY
from conftest import DATA, ROOT

HEX = re.compile(r"#[0-9a-f]{6}")


def vocabulary_colours() -> set[str]:
    """Every colour vocabulary.yml defines."""
    return set(HEX.findall((ROOT / "scripts" / "atlas" / "vocabulary.yml").read_text(encoding="utf-8").lower()))


def test_the_schema_lists_exactly_the_curated_relation_types():
    """paper.schema.json keeps its own enum (editors validate against the schema alone); it must
    name the vocabulary's curated types, no more and no fewer."""
    schema = json.loads((DATA / "schema" / "paper.schema.json").read_text(encoding="utf-8"))
    assert set(schema["$defs"]["relation"]["properties"]["type"]["enum"]) == set(CURATED)
    assert CURATED == ("extends", "uses", "compares-with", "alternative-to")


def test_every_top_level_topic_and_relation_type_has_its_entry():
    topics = yaml.safe_load((DATA / "topics.yml").read_text(encoding="utf-8"))
    assert set(VOCABULARY["topics"]) == set(topics), "each top-level topic of data/topics.yml has its colours in scripts/atlas/vocabulary.yml"
    for tid, colours in VOCABULARY["topics"].items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", tid)
        assert HEX.fullmatch(colours["light"]) and HEX.fullmatch(colours["dark"]), tid
    assert list(EDGE_TYPES) == list(VERBS) == ["cites", *CURATED, "related", "mentions", "topic", "subtopic"]
    for t, relation in VOCABULARY["relations"].items():
        line = relation["line"]
        assert HEX.fullmatch(line["color"]) and line["width"] > 0 and line["arrows"] in ("to", ""), t
        assert line["dashes"] is False or all(isinstance(d, int) for d in line["dashes"]), t
    assert "0.10" in EDGE_TYPES["related"][1] and "{" not in EDGE_TYPES["related"][1]


def test_no_colour_or_style_of_the_vocabulary_is_written_anywhere_else():
    """The hand-written CSS, JavaScript, theme overrides, templates and Python hold none of the
    vocabulary's colours, no curve style and no curated relation type: they read the vocabulary."""
    colours = vocabulary_colours()
    assert "#1565c0" in colours and "#ad1457" in colours and len(colours) == 19
    files = [*(ROOT / "docs").rglob("*.js"), *(ROOT / "docs").rglob("*.css"), *(ROOT / "overrides").rglob("*.html"),
             *(ROOT / "scripts" / "atlas" / "templates").glob("*.j2"), *(ROOT / "scripts").rglob("*.py")]
    assert len(files) > 20
    for path in files:
        text = path.read_text(encoding="utf-8").lower()
        assert not colours & set(HEX.findall(text)), (path, colours & set(HEX.findall(text)))
        if path.suffix == ".js":
            assert "curvedcw" not in text and not [t for t in CURATED if f'"{t}"' in text], path


def test_the_build_carries_the_vocabulary_to_the_stylesheet_and_the_graph_script():
    css = render.render_vocabulary_css()
    root, slate = css.split('[data-md-color-scheme="slate"]')
    for tid, colours in VOCABULARY["topics"].items():
        assert f"--atlas-{tid}: {colours['light']};" in root
        assert f"--atlas-{tid}: {colours['dark']};" in slate
        assert f".md-typeset .atlas-root-{tid} {{ color: var(--atlas-{tid}); }}" in slate
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    assert config["extra_css"] == ["stylesheets/atlas.css", "stylesheets/atlas-vocabulary.css"]
    scripts = config["extra_javascript"]  # the vocabularies first: the graph script reads them as it starts
    assert scripts.index("javascripts/atlas-vocabulary.js") == scripts.index("javascripts/atlas-graph.js") - 1


def test_the_built_site_serves_the_vocabulary_files(site_dir):
    """The real build (strict mode) has both files, and every page links the stylesheet."""
    script = (site_dir / "javascripts" / "atlas-vocabulary.js").read_text(encoding="utf-8")
    assignment = re.fullmatch(r"(?s)// [^\n]*\nwindow\.atlasVocabulary = (.*);\n", script)
    assert assignment and json.loads(assignment.group(1)) == VOCABULARY
    assert (site_dir / "stylesheets" / "atlas-vocabulary.css").read_text(encoding="utf-8") == render.render_vocabulary_css()
    for page in ("index.html", "papers/qlora/index.html", "graph/index.html"):
        html = (site_dir / page).read_text(encoding="utf-8")
        assert re.search(r'<link rel="?stylesheet"? href="?(\.\./)*stylesheets/atlas-vocabulary\.css"?', html), page
