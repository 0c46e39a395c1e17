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
