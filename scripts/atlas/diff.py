"""What a change does to the atlas: `make diff BASE=origin/main`.

In: a git revision and a working tree. Out: Markdown (for a terminal or `$GITHUB_STEP_SUMMARY`)
listing the papers added, changed and removed and the graph nodes and edges added and removed.
The base's `data/` is taken with `git archive` into a temporary folder; both sides go through
the same loader and model as the build, so the diff is of the atlas, not of YAML text.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import NamedTuple

import networkx as nx

from .data import load
from .model import Atlas, Paper, build_model

ROOT = Path(__file__).resolve().parents[2]
_MD_SPECIAL = set("\\`*_{}[]<>()#+-.!|~&\"'")


class DiffError(Exception):
    pass


class Changes(NamedTuple):
    added: list[Paper]
    removed: list[Paper]
    changed: list[tuple[Paper, list[str]]]  # (new paper, fields that differ)
    nodes_added: list[str]
    nodes_removed: list[str]
    edges_added: list[tuple[str, str, str]]
    edges_removed: list[tuple[str, str, str]]


def git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True)


def base_data(repo: Path, ref: str, dest: Path) -> Path | None:
    """Extract `data/` as it is at `ref` into `dest`; None when `ref` has no `data/` folder."""
    if git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        raise DiffError(f"unknown git revision '{ref}' (fetch it first, e.g. `git fetch origin main`)")
    if git(repo, "cat-file", "-e", f"{ref}:data").returncode != 0:
        return None
    archive = git(repo, "archive", "--format=tar", ref, "--", "data")
    if archive.returncode != 0:
        raise DiffError(f"git archive {ref} failed: {archive.stderr.decode(errors='replace').strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        # Python 3.11.4 and later check each member (filter="data"); before, it is our own repository's archive.
        tar.extractall(dest, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))  # noqa: S202
    return dest / "data"


def atlas_of(data_dir: Path, strict: bool) -> tuple[Atlas, int]:
    """The model of a data folder and its error count. A base with errors is compared as far as it is valid."""
    loaded, problems = load(data_dir, root=data_dir.parent)
    errors = [p for p in problems if p.severity == "error"]
    if errors and strict:
        print(*errors, sep="\n", file=sys.stderr)
        raise DiffError(f"the working tree's data has {len(errors)} error(s); run `make validate` and fix them first")
    return build_model(loaded), len(errors)


def _split(old: set, new: set) -> tuple[list, list]:
    """What `new` adds to `old` and what it drops, each sorted."""
    return sorted(new - old), sorted(old - new)


def compare(base: Atlas | None, head: Atlas) -> Changes:
    old, new = (base.papers if base else {}), head.papers
    added, removed = _split(set(old), set(new))
    changed = []
    for pid in sorted(set(old) & set(new)):
        a, b = dataclasses.asdict(old[pid]), dataclasses.asdict(new[pid])
        if fields := [k for k in b if k != "source" and a[k] != b[k]]:  # a file's path is not the paper
            changed.append((new[pid], fields))
    old_graph = base.graph if base else nx.MultiDiGraph()
    nodes = _split(set(old_graph.nodes), set(head.graph.nodes))
    edges = _split(set(old_graph.edges(keys=True)), set(head.graph.edges(keys=True)))
    return Changes([new[i] for i in added], [old[i] for i in removed], changed, *nodes, *edges)


def md_text(text: str) -> str:
    """Text from data as inert Markdown: every punctuation character that Markdown or HTML could act on is escaped."""
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in " ".join(text.split()))


def _paper(p: Paper) -> str:
    return f"`{p.id}` {md_text(p.title)}"


def _edge(e: tuple[str, str, str]) -> str:
    return f"`{e[0]}` → `{e[1]}` ({e[2]})"


def render(c: Changes, base_label: str, head_label: str, base_errors: int = 0, base_missing: bool = False) -> str:
    lines = [f"### Atlas changes: {md_text(base_label)} → {md_text(head_label)}", ""]
    if base_missing:
        lines += [f"_{md_text(base_label)} has no data/ folder: everything counts as added._", ""]
    if base_errors:
        lines += [f"_{md_text(base_label)} has {base_errors} data error(s) under the current validator; "
                  "its valid files were compared._", ""]
    if not any(c):
        return "\n".join(lines + ["No paper, graph node or graph edge changes.", ""])
    lines += [
        "| | added | changed | removed |",
        "| --- | ---: | ---: | ---: |",
        f"| Papers | {len(c.added)} | {len(c.changed)} | {len(c.removed)} |",
        f"| Graph nodes | {len(c.nodes_added)} | | {len(c.nodes_removed)} |",
        f"| Graph edges | {len(c.edges_added)} | | {len(c.edges_removed)} |",
    ]
    sections = [
        ("Papers added", [_paper(p) for p in c.added]),
        ("Papers changed", [f"{_paper(p)}: {', '.join(fields)}" for p, fields in c.changed]),
        ("Papers removed", [_paper(p) for p in c.removed]),
        ("Graph nodes added", [f"`{n}`" for n in c.nodes_added]),
        ("Graph nodes removed", [f"`{n}`" for n in c.nodes_removed]),
        ("Graph edges added", [_edge(e) for e in c.edges_added]),
        ("Graph edges removed", [_edge(e) for e in c.edges_removed]),
    ]
    for title, items in sections:
        if items:
            lines += ["", f"#### {title}", "", *(f"- {item}" for item in items)]
    return "\n".join(lines) + "\n"


def diff(repo: Path, ref: str) -> str:
    with tempfile.TemporaryDirectory(prefix="atlas-diff-") as tmp:
        base_dir = base_data(repo, ref, Path(tmp))
        base, base_errors = atlas_of(base_dir, strict=False) if base_dir else (None, 0)
        head, _ = atlas_of(repo / "data", strict=True)
    return render(compare(base, head), ref, "working tree", base_errors, base_missing=base_dir is None)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="make diff", description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", default="origin/main", help="git revision to compare with (default: origin/main)")
    ap.add_argument("--repo", type=Path, default=ROOT, help="the git working tree (default: this repository)")
    args = ap.parse_args(argv)
    try:
        sys.stdout.write(diff(args.repo, args.base))
    except DiffError as exc:
        print(f"diff: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
