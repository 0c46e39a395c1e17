"""The JSON Schema files work on their own, with an independent validator (check-jsonschema)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import DATA, N_PAPERS

CHECK = [sys.executable, "-m", "check_jsonschema"]


def run(schema: Path, *files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*CHECK, "--schemafile", str(schema), *map(str, files)], capture_output=True, text=True)


def test_independent_validator_accepts_every_data_file():
    papers = sorted((DATA / "papers").glob("*.yml"))
    assert len(papers) == N_PAPERS >= 58
    result = run(DATA / "schema" / "paper.schema.json", *papers)
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("topics", "external"):
        result = run(DATA / "schema" / f"{name}.schema.json", DATA / f"{name}.yml")
        assert result.returncode == 0, result.stdout + result.stderr


def test_independent_validator_rejects_an_entry_with_no_title(tmp_path: Path):
    text = (DATA / "papers" / "qlora.yml").read_text(encoding="utf-8")
    bad = tmp_path / "qlora.yml"
    bad.write_text("\n".join(line for line in text.split("\n") if not line.startswith("title:")), encoding="utf-8")
    result = run(DATA / "schema" / "paper.schema.json", bad)
    assert result.returncode == 1
    assert "'title' is a required property" in result.stdout


def test_the_quick_validity_check_agrees_with_jsonschema():
    """jsonschema-rs answers "valid?" for paper files; jsonschema writes the messages. They must
    agree, or a bad file would pass unreported (or a good one be reported with no message)."""
    import copy
    import random

    from atlas.data import load_schemas, validators_for
    from atlas.yamlsafe import parse

    validators = validators_for(load_schemas(DATA))
    slow, quick = validators["paper"], validators["paper-quick"]
    docs = [parse(p.read_bytes()).value for p in sorted((DATA / "papers").glob("*.yml"))]
    rng = random.Random(3)
    changes = [("id", "qlora\n"), ("arxiv", "2305.14314\n"), ("arxiv", "2313.00001"), ("published", "2023-02-30"),
               ("title", "a\u202eb"), ("title", ""), ("topics", []), ("upvotes", True), ("code", "http://x"),
               ("references", {"version": "v1", "cites": [{"target": "x"}]}), ("authors", ["A", "A"]), ("extra", 1)]
    checked = 0
    for doc in docs:
        assert quick.is_valid(doc) and slow.is_valid(doc)
        for key, value in rng.sample(changes, 3):
            bad = {**copy.deepcopy(doc), key: value}
            assert quick.is_valid(bad) == slow.is_valid(bad) is False, (key, value)
            checked += 1
    assert checked >= 450
