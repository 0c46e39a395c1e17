"""A small data folder for rule tests: the real schemas and registries, one sibling paper,
and a helper that writes one file and returns the validator's lines."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

from atlas.data import load
from conftest import DATA

# A valid entry that rule tests break one field at a time.
GOOD = """\
# yaml-language-server: $schema=../schema/paper.schema.json
id: good-paper
title: "Good: A Paper"
authors:
  - Ada Lovelace
published: 2024-05-01
arxiv: "2405.00001"
topics:
  - offloading
abstract: >-
  A short abstract.
"""


def small_data_dir(tmp_path: Path, sibling: str, registries: tuple[str, ...] = ("topics.yml", "external.yml")) -> Path:
    """`tmp_path/data` with the schemas, `registries` and `papers/other-paper.yml` = `sibling`."""
    d = tmp_path / "data"
    (d / "papers").mkdir(parents=True)
    shutil.copytree(DATA / "schema", d / "schema")
    for name in registries:
        shutil.copy(DATA / name, d / name)
    (d / "papers" / "other-paper.yml").write_text(sibling, encoding="utf-8")
    return d


def problem_lines(data_dir: Path, name: str, text: str | bytes, errors_only: bool = True) -> list[str]:
    """Write `papers/<name>` (text is dedented), load the folder, return the problems as lines."""
    if isinstance(text, str):
        text = textwrap.dedent(text).encode("utf-8")
    (data_dir / "papers" / name).write_bytes(text)
    _, problems = load(data_dir, root=data_dir.parent)
    return [str(p) for p in problems if p.severity == "error" or not errors_only]


# The paper fields the validator names when it meets an unknown one: the schema's, so adding a
# field to the schema changes no expected message here.
ALLOWED_FIELDS = ", ".join(sorted(json.loads((DATA / "schema" / "paper.schema.json").read_text(encoding="utf-8"))["properties"]))
