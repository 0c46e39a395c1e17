"""CONTRIBUTING.md and the pull request template agree with the validator and the schema.

Every rule in atlas.rules is proved here with a bad entry and the validator's exact message, so
the rule list (which both documents carry verbatim) is the validator's, one for one.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from atlas import rules
from atlas.data import load
from datafixture import ALLOWED_FIELDS, GOOD, problem_lines, small_data_dir
from conftest import DATA, ROOT

F = "data/papers/good-paper.yml"


def _facet_registry(d: Path) -> tuple[str, str]:
    """A list-valued facet kind and one of its values, from the real data/facets.yml when there is one."""
    if (DATA / "facets.yml").exists():
        shutil.copy(DATA / "facets.yml", d / "facets.yml")
        registry = load(d, root=d.parent)[0].facets
        kind = next(k for k in ("techniques", "optimizes", "hardware") if registry.get(k))
        return kind, sorted(registry[kind])[0]
    (d / "facets.yml").write_text("techniques:\n  offloading:\n    name: Offloading\n", encoding="utf-8")
    return "techniques", "offloading"


# rule id -> (file name under data/papers, or a data/ file for registry rules; entry text; expected problem)
EXAMPLES: dict[str, tuple[str, str | bytes, str]] = {
    "encoding": ("good-paper.yml", GOOD.replace("  - Ada", "\t- Ada"),
                 f"{F}:5:1: (file): tab used for indentation; use spaces"),
    "yaml-syntax": ("good-paper.yml", GOOD.replace('"Good: A Paper"', "Good: A Paper"),
                    f"{F}:3:12: (file): YAML syntax error: mapping values are not allowed in this context "
                    "(hint: a value contains ': ' (colon and space); put the whole value in quotes)"),
    "one-mapping": ("good-paper.yml", GOOD + "---\nid: again\n",
                    f"{F}:12:1: (file): several YAML documents ('---'); keep one"),
    "plain-yaml": ("good-paper.yml", GOOD.replace('title: "Good', 'title: &t "Good'),
                   f"{F}:3:8: (file): anchors (&t) are not allowed in atlas data"),
    "file-name": ("good-paper.yaml", GOOD,
                  "data/papers/good-paper.yaml:1:1: (file): not a paper file: papers are data/papers/<id>.yml "
                  "(rename it to .yml)"),
    "id": ("new.yml", GOOD.replace("id: good-paper", "id: new"),
           "data/papers/new.yml:2:5: id: 'new' is reserved for a generated page; choose another id"),
    "required": ("good-paper.yml", GOOD.replace('title: "Good: A Paper"\n', ""),
                 f"{F}:2:1: title: required field is missing"),
    "authors": ("good-paper.yml", GOOD.replace("published:", "author_count: 3\npublished:"),
                f"{F}:6:15: author_count: give authors or author_count, not both (author_count is only for "
                "unknown names)"),
    "known-fields": ("good-paper.yml", GOOD.replace("topics:", "topic:"),
                     f"{F}:8:1: topic: unknown field (did you mean 'topics'?); allowed: {ALLOWED_FIELDS}"),
    "types": ("good-paper.yml", GOOD.replace("published:", "upvotes: many\npublished:"),
              f'{F}:6:10: upvotes: expected a whole number, got "many"'),
    "clean-text": ("good-paper.yml", GOOD.replace('"Good: A Paper"', '"Good \\alpha"'),
                   f"{F}:3:8: title: contains control character U+0007 (BELL) at character 6 "
                   "(a backslash escape inside double quotes, as in \"\\alpha\", makes one: use single quotes or "
                   "a block scalar for LaTeX)"),
    "limits": ("good-paper.yml", GOOD.replace("  - offloading", "  - offloading\n  - offloading"),
               f'{F}:9:3: topics: lists "offloading" more than once'),
    "date": ("good-paper.yml", GOOD.replace("2024-05-01", "1949-12-31"),
             f"{F}:6:12: published: the year 1949 is before 1950; check the date"),
    "arxiv-id": ("good-paper.yml", GOOD.replace('"2405.00001"', '"2405.00001v2"'),
                 f'{F}:7:8: arxiv: expected an arXiv id without version suffix, got "2405.00001v2": '
                 'write "2405.00001"'),
    "arxiv-unique": ("good-paper.yml", GOOD.replace("2405.00001", "2405.00002"),
                     "data/papers/other-paper.yml:7:8: arxiv: arXiv id 2405.00002 is already in "
                     "data/papers/good-paper.yml"),
    "code-url": ("good-paper.yml", GOOD.replace("topics:", "code: http://example.com/x\ntopics:"),
                 f'{F}:8:7: code: expected an https:// URL with no spaces, quotes or angle brackets, '
                 'got "http://example.com/x"'),
    "topics": ("good-paper.yml", GOOD.replace("  - offloading", "  - offload"),
               f"{F}:9:5: topics[0]: unknown topic 'offload' (did you mean 'offloading'?); topics are listed "
               "in data/topics.yml"),
    "references": ("good-paper.yml", GOOD.replace("abstract:", "references:\n  version: arXiv v1\n  cites:\n"
                                                 "    - target: other-paper\nabstract:"),
                   f"{F}:13:7: references.cites[0].ref: required field is missing"),
    "cites": ("good-paper.yml", GOOD.replace("abstract:", "references:\n  version: unknown\n  cites:\n"
                                             "    - target: good-paper\n      ref: \"[1] Ada Lovelace. Good: A Paper.\"\nabstract:"),
              f"{F}:13:15: references.cites[0].target: a paper cannot cite itself"),
    "mentions": ("good-paper.yml", GOOD.replace("abstract:", "mentions: [deepspeedd]\nabstract:"),
                 f"{F}:10:12: mentions[0]: unknown paper or external work 'deepspeedd' (did you mean 'deepspeed'?); mentions "
                 "lists ids of data/papers/<id>.yml or data/external.yml"),
    "other": ("good-paper.yml", GOOD.replace("abstract:", "facets:\n  optimizes: [memory]\nabstract:")
              .replace("  - offloading", "  - other"),
              f"{F}:10:1: facets: a paper in 'other' has no systems facets; remove facets or file the paper under a topic"),
    "relations": ("good-paper.yml", GOOD.replace("abstract:", "relations:\n  - type: improves\n    target: deepspeed\n"
                                                 "    evidence: faster than vLLM\nabstract:"),
                  f"{F}:11:11: relations[0].type: expected one of extends, compares-with, uses, alternative-to; "
                  'got "improves"'),
    "facets": ("good-paper.yml", "", ""),  # filled in by the test from the facet registry
    "registries": ("../external.yml", "", ""),  # filled in by the test from the real data/external.yml
    "reading-paths": ("../reading-paths.yml",
                      "memory:\n  - paper: good-paper\n    why: First.\n  - paper: good-paper\n    why: Again.\n"
                      "offloading:\n  - paper: good-paper\n    why: First.\n  - paper: other-paper\n    why: Next.\n",
                      "data/reading-paths.yml:4:12: memory[1].paper: 'good-paper' is already step 1 of this path"),
    "thin-subtopic": ("good-paper.yml", GOOD, ""),  # a warning about data/topics.yml, checked by pattern
}


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return small_data_dir(tmp_path, GOOD.replace("good-paper", "other-paper").replace("2405.00001", "2405.00002"))


def problems(data_dir: Path, name: str, text: str | bytes) -> list[str]:
    # Not dedented: the rule examples are byte-exact files.
    return problem_lines(data_dir, name, text if isinstance(text, bytes) else text.encode("utf-8"), errors_only=False)


def test_every_rule_has_an_example():
    assert sorted(EXAMPLES) == sorted(r.id for r in rules.RULES)
    assert len({r.id for r in rules.RULES}) == len(rules.RULES)


@pytest.mark.parametrize("rule_id", [r.id for r in rules.RULES if r.id not in ("facets", "registries", "thin-subtopic")])
def test_the_validator_enforces_the_rule(data_dir, rule_id):
    name, text, expected = EXAMPLES[rule_id]
    if name.startswith("../"):  # a registry file: the good entry is there for it to name
        (data_dir / "papers" / "good-paper.yml").write_text(GOOD, encoding="utf-8")
    found = problems(data_dir, name, text)
    assert expected in found, "\n".join(found)
    assert not expected.split(": ", 1)[1].startswith("warning: ")


def test_reading_paths_belong_to_top_level_topics(data_dir):
    (data_dir / "papers" / "good-paper.yml").write_text(GOOD, encoding="utf-8")
    found = problems(data_dir, "../reading-paths.yml", EXAMPLES["reading-paths"][1])
    assert ("data/reading-paths.yml:6:1: offloading: 'offloading' is a subtopic; reading paths are for top-level "
            "topics (memory, distributed-training, hardware, other)") in found, found


def test_the_validator_enforces_the_facets_rule(data_dir):
    kind, value = _facet_registry(data_dir)
    text = GOOD.replace("abstract:", f"facets:\n  {kind}: [{value}, not-a-{kind}-value]\nabstract:")
    found = problems(data_dir, "good-paper.yml", text)
    assert any(re.fullmatch(rf"{F}:11:[0-9]+: facets\.{kind}\[1\]: unknown {kind} value 'not-a-{kind}-value'.*"
                            r"; values are listed in data/facets.yml", p) for p in found), found


def test_the_validator_enforces_the_registries_rule(data_dir):
    path = data_dir / "external.yml"
    path.write_text(path.read_text(encoding="utf-8") + "good-paper:\n  name: Good\n  arxiv: \"2405.00009\"\n",
                    encoding="utf-8")
    found = problems(data_dir, "good-paper.yml", GOOD)
    line = len(path.read_text(encoding="utf-8").splitlines()) - 1  # the work's first field
    assert f"data/external.yml:{line}:3: good-paper: 'evidence' is a dependency of 'arxiv'" in found, found


def test_a_thin_subtopic_is_a_warning_not_an_error(data_dir):
    found = problems(data_dir, "good-paper.yml", GOOD)
    assert any(re.fullmatch(r"data/topics.yml:[0-9]+:[0-9]+: warning: kv-cache-serving: subtopic has 0 paper\(s\); "
                            r"consider merging it", p) for p in found), found
    assert not any(": warning: offloading:" in p for p in found)  # two papers: no warning
    assert [p for p in found if ": warning: " not in p] == []


def stale(root: Path = ROOT) -> list[str]:
    """Documents whose rules block differs from rules.RULES (`python -m atlas.rules --write` renews them)."""
    texts = {rel: (root / rel).read_text(encoding="utf-8") for rel in rules.DOCS}
    return [rel for rel, text in texts.items() if rules.replace_block(text, rules.block(rel)) != text]


def test_both_documents_carry_the_rules_verbatim():
    assert stale() == [], "run: PYTHONPATH=scripts python -m atlas.rules --write"
    template = (ROOT / ".github" / "PULL_REQUEST_TEMPLATE.md").read_text(encoding="utf-8")
    items = re.findall(r"^- \[ \] `([a-z-]+)`: ", template, re.M)
    assert items == [r.id for r in rules.RULES]
    guide = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert re.findall(r"^- `([a-z-]+)`(?: \(warning\))?: ", guide, re.M) == [r.id for r in rules.RULES]


def test_a_drifted_document_is_caught(tmp_path):
    for rel in rules.DOCS:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    path = tmp_path / ".github" / "PULL_REQUEST_TEMPLATE.md"
    path.write_text(path.read_text(encoding="utf-8").replace("- [ ] `arxiv-unique`", "- [ ] `arxiv-uniq`"),
                    encoding="utf-8")
    assert stale(tmp_path) == [".github/PULL_REQUEST_TEMPLATE.md"]


def template_fields(guide: str) -> dict[str, str]:
    """field -> its (required/optional) note, from CONTRIBUTING.md's annotated entry."""
    section = guide.split("## The entry, field by field", 1)[1].split("\n## ", 1)[0]
    block = "\n".join(line[4:] for line in section.split("\n") if line.startswith("    ") or not line.strip())
    return dict(re.findall(r"^# ([a-z_]+) \(([^)]*)\):", block, re.M))


def test_the_annotated_template_has_every_schema_field_with_the_right_requirement():
    schema = json.loads((DATA / "schema" / "paper.schema.json").read_text(encoding="utf-8"))
    guide = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    fields = template_fields(guide)
    assert sorted(fields) == sorted(schema["properties"])
    for name, note in fields.items():
        if name in schema["required"]:
            assert note == "required", name
        elif name == "authors":
            assert note == "required unless author_count is given"
        elif name == "author_count":
            assert note == "optional, instead of authors"
        else:
            assert note == "optional", name
    # Every field also appears as a key line (written out, or commented out where it is optional).
    section = guide.split("## The entry, field by field", 1)[1].split("\n## ", 1)[0]
    for name in schema["properties"]:
        assert re.search(rf"^    (# )?{name}:", section, re.M), name
    for sub in schema["$defs"]["relation"]["properties"]:
        assert f"{sub}:" in section, sub
    for sub in schema["$defs"]["facets"]["properties"]:
        assert sub in section, sub
    # Enumerated values are spelled as the schema spells them.
    for value in schema["$defs"]["relation"]["properties"]["type"]["enum"]:
        assert value in section
    for value in schema["properties"]["published_source"]["enum"]:
        assert value in section


def test_the_annotated_example_is_the_real_entry_where_it_shows_values():
    """The template's example values are QLoRA's real ones, not invented."""
    from atlas.yamlsafe import parse

    qlora = parse((DATA / "papers" / "qlora.yml").read_bytes()).value
    guide = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = guide.split("## The entry, field by field", 1)[1].split("\n## ", 1)[0]
    assert f'    title: "{qlora["title"]}"' in section
    assert f'    arxiv: "{qlora["arxiv"]}"' in section
    assert "    published: 2023-05-23" in section and qlora["published"] == "2023-05-23"
    rel = qlora["relations"][0]
    assert f"        evidence: {rel['evidence']}" in section
    facets = qlora["facets"]
    for kind in ("optimizes", "techniques", "hardware"):
        assert f"      {kind}: [{', '.join(facets[kind])}]" in section
    assert f'        devices: "{facets["scale"]["devices"]}"' in section
    assert f'        parameters: "{facets["scale"]["parameters"]}"' in section
    assert f'      result: "{facets["result"][:60]}' in section
    assert f"      artifact: {facets['artifact']}" in section
    assert all(f"      - {a}" in section for a in qlora["authors"][:2])


def test_the_guide_has_no_relative_link_that_would_break_on_the_site():
    guide = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)]+)\)", guide)
    assert [link for link in links if not link.startswith("https://")] == []


def test_every_data_file_starts_with_a_schema_line_that_points_at_an_existing_schema():
    files = [*sorted(DATA.glob("*.yml")), *sorted((DATA / "papers").glob("*.yml"))]
    assert {"topics.yml", "external.yml"} <= {f.name for f in files}
    for path in files:
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        m = re.fullmatch(r"# yaml-language-server: \$schema=(\S+\.schema\.json)", first)
        assert m, path
        assert (path.parent / m.group(1)).resolve().is_file(), path


def test_the_schema_describes_every_field_and_shows_an_example():
    """Every field has a description, and an example on itself or on each of its own fields."""
    schema = json.loads((DATA / "schema" / "paper.schema.json").read_text(encoding="utf-8"))

    def resolve(node):
        ref = node.get("$ref", "")
        return {**schema["$defs"][ref.split("/")[-1]], **node} if ref.startswith("#/$defs/") else node

    for name, node in schema["properties"].items():
        node = resolve(node)
        assert node.get("description"), name
        inner = resolve(node.get("items", {})) if node.get("type") == "array" else node
        subs = [resolve(s) for s in inner.get("properties", {}).values()]
        assert node.get("examples") or (subs and all(s.get("examples") for s in subs)), name


def test_each_cross_file_rule_is_a_function_whose_docstring_is_the_rule_as_contributing_states_it():
    from atlas import data

    texts = {r.id: r.text for r in rules.RULES}
    functions = [*data.PAPER_RULES, *data.ATLAS_RULES]
    assert len(functions) >= 12
    for fn in functions:
        rule = fn.__name__.removeprefix("rule_").replace("_", "-")
        assert fn.__doc__ == texts[rule], rule
