"""`make validate` as a contributor runs it: every problem on its own line, then a failing exit."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

LINE = re.compile(r"^data/[^:]+\.yml:[0-9]+:[0-9]+: (warning: )?[^:]+: .+$")


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A copy of the repository's Makefile, code and data."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("Makefile", "requirements.lock"):
        shutil.copy(ROOT / name, repo / name)
    shutil.copytree(ROOT / "scripts", repo / "scripts", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "data", repo / "data")
    return repo


def make_validate(repo: Path) -> subprocess.CompletedProcess:
    """`make validate` in the copy, using this checkout's virtualenv (already installed)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MAKEFLAGS", "MFLAGS")}
    venv_bin = Path(sys.executable).parent
    return subprocess.run(["make", "-s", "validate", f"BIN={venv_bin}", "STAMP="], cwd=repo,
                          capture_output=True, text=True, env=env, timeout=300)


def test_the_real_data_passes(checkout):
    result = make_validate(checkout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^0 error\(s\), [0-9]+ warning\(s\) in ", result.stderr, re.M)
    assert all(LINE.match(line) and "warning: " in line for line in result.stdout.splitlines())


def test_a_wrong_type_at_a_known_line_fails_with_that_file_and_line(checkout):
    path = checkout / "data" / "papers" / "qlora.yml"
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[10] == "upvotes: 10"  # line 11 of the real file
    lines[10] = "upvotes: ten"
    path.write_text("\n".join(lines), encoding="utf-8")

    result = make_validate(checkout)
    assert result.returncode != 0
    errors = [line for line in result.stdout.splitlines() if "warning: " not in line]
    own = 'data/papers/qlora.yml:11:10: upvotes: expected a whole number, got "ten"'
    assert own in errors
    # An entry with an error is left out, so files that name it report it as unknown; nothing else fails.
    assert all(re.search(r": unknown paper (or external work )?(id )?'qlora'", e) for e in errors if e != own), errors
    assert re.search(rf"^{len(errors)} error\(s\), ", result.stderr, re.M)


def test_every_problem_in_every_file_is_printed_one_per_line(checkout):
    papers = checkout / "data" / "papers"
    q = papers / "qlora.yml"
    q.write_text(q.read_text(encoding="utf-8").replace("upvotes: 10", "upvotes: -1"), encoding="utf-8")
    z = papers / "zero-infinity.yml"
    text = z.read_text(encoding="utf-8")
    z.write_text(text.replace("title:", "titel:", 1), encoding="utf-8")
    (papers / "notes.yaml").write_text("id: notes\n", encoding="utf-8")

    result = make_validate(checkout)
    assert result.returncode != 0
    out = result.stdout.splitlines()
    # Entries with errors are left out, so files that name them report them as unknown.
    cascade = [line for line in out if re.search(r": unknown paper (or external work )?(id )?'(qlora|zero-infinity)'", line)]
    errors = [line for line in out if "warning: " not in line and line not in cascade]
    title_line = text.split("\n").index(next(line for line in text.split("\n") if line.startswith("title:"))) + 1
    assert errors == [
        "data/papers/notes.yaml:1:1: (file): not a paper file: papers are data/papers/<id>.yml (rename it to .yml)",
        "data/papers/qlora.yml:11:10: upvotes: expected at least 0, got -1",
        "data/papers/zero-infinity.yml:2:1: title: required field is missing",
        f"data/papers/zero-infinity.yml:{title_line}:1: titel: unknown field (did you mean 'title'?); allowed: abstract, "
        "arxiv, author_count, authors, code, facets, id, mentions, published, published_source, references, "
        "relations, source, title, topics, upvotes",
    ]
    assert re.search(rf"^{4 + len(cascade)} error\(s\), ", result.stderr, re.M)
    assert all(LINE.match(line) or line.startswith("data/papers/notes.yaml:") for line in out)
