"""`make diff`: the atlas at a git revision against the working tree, in a real temporary git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from atlas.diff import md_text
from conftest import DATA, ROOT

ENTRY = """\
# yaml-language-server: $schema=../schema/paper.schema.json
id: {id}
title: "{title}"
authors:
  - Ada Lovelace
published: 2024-05-01
arxiv: "{arxiv}"
topics:
{topics}{extra}
abstract: >-
  A short abstract.
"""


def entry(pid: str, title: str, arxiv: str, topics=("offloading",), extra: str = "") -> str:
    return ENTRY.format(id=pid, title=title, arxiv=arxiv, topics="".join(f"  - {t}\n" for t in topics).rstrip("\n"),
                        extra=extra)


def git(repo: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid", GIT_CONFIG_GLOBAL=os.devnull)
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env).stdout


@pytest.fixture
def repo(tmp_path) -> Path:
    r = tmp_path / "repo"
    papers = r / "data" / "papers"
    papers.mkdir(parents=True)
    shutil.copytree(DATA / "schema", r / "data" / "schema")
    for name in ("topics.yml", "external.yml"):
        shutil.copy(DATA / name, r / "data" / name)
    (papers / "alpha.yml").write_text(entry("alpha", "Alpha", "2405.00001"), encoding="utf-8")
    (papers / "beta.yml").write_text(entry("beta", "Beta", "2405.00002"), encoding="utf-8")
    (papers / "gamma.yml").write_text(entry("gamma", "Gamma", "2405.00003", extra="\nreferences:\n  version: unknown\n  cites:\n    - target: alpha\n      ref: \"[1] Alpha.\""),
                                      encoding="utf-8")
    git(r, "init", "-q", "-b", "main")
    git(r, "add", "-A")
    git(r, "commit", "-q", "-m", "base")
    return r


def run_diff(repo: Path, base: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "scripts"))
    return subprocess.run([sys.executable, "-m", "atlas.diff", "--base", base, "--repo", str(repo)],
                          capture_output=True, text=True, env=env, timeout=120)


def test_added_changed_and_removed_papers_and_graph_edges(repo):
    papers = repo / "data" / "papers"
    (papers / "gamma.yml").unlink()
    (papers / "beta.yml").write_text(
        entry("beta", "Beta <b>*two*</b>", "2405.00002", topics=("offloading", "parallelism")), encoding="utf-8")
    (papers / "delta.yml").write_text(
        entry("delta", "Delta", "2405.00004", extra="\nreferences:\n  version: arXiv v1\n  cites:\n    - target: beta\n      ref: \"[2] Beta.\"\nmentions:\n  - deepspeed"), encoding="utf-8")

    result = run_diff(repo, "main")
    assert result.returncode == 0, result.stderr
    assert result.stdout == """\
### Atlas changes: main → working tree

| | added | changed | removed |
| --- | ---: | ---: | ---: |
| Papers | 1 | 1 | 1 |
| Graph nodes | 1 | | 1 |
| Graph edges | 4 | | 2 |

#### Papers added

- `delta` Delta

#### Papers changed

- `beta` Beta \\<b\\>\\*two\\*\\</b\\>: title, topics

#### Papers removed

- `gamma` Gamma

#### Graph nodes added

- `paper:delta`

#### Graph nodes removed

- `paper:gamma`

#### Graph edges added

- `paper:beta` → `topic:parallelism` (topic)
- `paper:delta` → `paper:beta` (cites)
- `paper:delta` → `topic:offloading` (topic)
- `paper:delta` → `work:deepspeed` (mentions)

#### Graph edges removed

- `paper:gamma` → `paper:alpha` (cites)
- `paper:gamma` → `topic:offloading` (topic)
"""


def test_no_change_says_so(repo):
    result = run_diff(repo, "main")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "### Atlas changes: main → working tree\n\nNo paper, graph node or graph edge changes.\n"


def test_a_base_without_data_counts_everything_as_added(repo):
    git(repo, "checkout", "-q", "--orphan", "empty")
    git(repo, "rm", "-rq", "--cached", "data")
    (repo / "README").write_text("x\n", encoding="utf-8")
    git(repo, "add", "README")
    git(repo, "commit", "-q", "-m", "no data yet")
    result = run_diff(repo, "empty")
    assert result.returncode == 0, result.stderr
    assert "_empty has no data/ folder: everything counts as added._" in result.stdout
    assert "| Papers | 3 | 0 | 0 |" in result.stdout


def test_an_unknown_base_and_invalid_working_data_fail_with_one_clear_line(repo):
    result = run_diff(repo, "origin/main")
    assert result.returncode == 1
    assert result.stderr == "diff: unknown git revision 'origin/main' (fetch it first, e.g. `git fetch origin main`)\n"

    (repo / "data" / "papers" / "beta.yml").write_text(entry("beta", "Beta", "2405.00002", topics=("nope",)),
                                                       encoding="utf-8")
    result = run_diff(repo, "main")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "data/papers/beta.yml:9:5: topics[0]: unknown topic 'nope'; topics are listed in data/topics.yml",
        "diff: the working tree's data has 1 error(s); run `make validate` and fix them first",
    ]


def test_make_diff_runs_against_a_named_base():
    """The Makefile target on this repository itself: HEAD against the working tree."""
    result = subprocess.run(["make", "-s", "diff", "BASE=HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("### Atlas changes: HEAD → working tree\n")


def test_markdown_escaping_leaves_no_active_character():
    assert md_text("[x](javascript:alert(1)) <img src=x> `code` | a\n b") == (
        "\\[x\\]\\(javascript:alert\\(1\\)\\) \\<img src=x\\> \\`code\\` \\| a b")
