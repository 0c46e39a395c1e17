"""The one build function: data folder in, every generated file out.

`generate(data_dir)` validates `data/`, builds the model and returns `{site path: bytes}` for
every page and artifact that comes from data. The MkDocs hook serves these files from memory
(so nothing generated is ever written into `docs/`), and the CLI writes them to a folder or
runs the whole site build (`build_site`), which builds into a temporary folder and replaces
`site/` only when every check has passed.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import data, render
from .graphdata import OVERVIEW_DEFAULT_FROM, graph_data, overview_data
from .model import Atlas, build_model
from .yamlsafe import Problem

ROOT = Path(__file__).resolve().parents[2]
VIS_DIR = "assets/vendor/vis-network"


class DataError(Exception):
    """The data has errors; `problems` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"{len(errors)} error(s) in the atlas data")


@dataclass
class Generated:
    atlas: Atlas
    files: dict[str, bytes]
    problems: list[Problem]


def load_atlas(data_dir: Path) -> tuple[Atlas, list[Problem]]:
    loaded, problems = data.load(data_dir, root=data_dir.parent)
    if any(p.severity == "error" for p in problems):
        raise DataError(problems)
    return build_model(loaded), problems


def _vendor_files() -> dict[str, bytes]:
    """vis-network as shipped inside the pyvis package, served by the site itself (no CDN)."""
    import importlib.util

    # Located without importing pyvis (its import pulls in IPython and takes half a second).
    spec = importlib.util.find_spec("pyvis")
    lib = Path(spec.submodule_search_locations[0]) / "lib" / "vis-9.1.2"
    return {f"{VIS_DIR}/{name}": (lib / name).read_bytes() for name in ("vis-network.min.js", "vis-network.css")}


def _paper_pages(atlas: Atlas, papers: list) -> dict[str, bytes]:
    return {f"papers/{p.id}.md": render.render_paper(atlas, p).encode("utf-8") for p in papers}


def _graph_json(atlas: Atlas) -> dict[str, bytes]:
    graph = graph_data(atlas)
    return {"downloads/graph.json": (json.dumps(graph, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode()}


def generate(data_dir: Path) -> Generated:
    # Building the atlas allocates millions of small objects and frees almost none, so the
    # cyclic garbage collector would rescan an ever larger heap for nothing (a fifth of the
    # time at 10,000 papers). It runs again, once, when generate() returns.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(Path(data_dir))
    finally:
        if was_enabled:
            gc.enable()


def _generate(data_dir: Path) -> Generated:
    atlas, problems = load_atlas(data_dir)
    papers = list(atlas.papers.values())
    pages: dict[str, str] = {
        "index.md": render.render_home(atlas),
        "topics/index.md": render.render_topics_index(atlas),
        "papers/index.md": render.render_papers_index(atlas),
        "graph.md": render.render_graph_page(
            atlas, graph_url="../downloads/graph.json",
            overview_url="../downloads/graph-overview.json" if len(papers) >= OVERVIEW_DEFAULT_FROM else None),
    }
    for tid in atlas.topics:
        pages[f"topics/{tid}.md"] = render.render_topic(atlas, tid)
    files = {path: text.encode("utf-8") for path, text in pages.items()}
    files.update(_paper_pages(atlas, papers))
    overview = overview_data(atlas)
    files["downloads/graph-overview.json"] = (json.dumps(overview, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode()
    files["downloads/papers.bib"] = render.render_bibliography(atlas).encode("utf-8")
    files.update(_vendor_files())
    files.update(_graph_json(atlas))
    return Generated(atlas, dict(sorted(files.items())), problems)


def write_tree(files: dict[str, bytes], out_dir: Path) -> None:
    """Write `files` under `out_dir` (which must not exist yet or be empty)."""
    out_dir = Path(out_dir)
    for rel, content in files.items():
        target = (out_dir / rel).resolve()
        if out_dir.resolve() not in target.parents:
            raise ValueError(f"refusing to write outside {out_dir}: {rel}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def build_site(config_file: Path = ROOT / "mkdocs.yml", site_dir: Path | None = None, strict: bool = True) -> Path:
    """Build the whole site into a temporary folder, then swap it into place.

    A failure anywhere (bad data, a strict-mode warning) leaves the previous site untouched.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    config_file = Path(config_file).resolve()
    site_dir = Path(site_dir or config_file.parent / "site").resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".site-", dir=site_dir.parent))
    try:
        cfg = load_config(str(config_file), site_dir=str(tmp), strict=strict)
        build(cfg)
        old = site_dir.with_name(site_dir.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        if site_dir.exists():
            site_dir.rename(old)
        tmp.rename(site_dir)
        if old.exists():
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return site_dir
