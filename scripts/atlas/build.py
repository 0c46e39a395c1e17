"""The one build function: data folder in, every generated file out.

`generate(data_dir)` validates `data/`, builds the model and returns `{site path: bytes}` for
every page and artifact that comes from data. The MkDocs hook hands them to MkDocs (nothing
generated is written into `docs/`); the CLI writes them to a folder or runs the whole site build
(`build_site`), which replaces `site/` only when every check has passed.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import background, data, graphviews, render, render_facets
from .graphdata import OVERVIEW_DEFAULT_FROM, TWIN_OVERVIEW_FROM, graph_data, graphml, overview_data
from .model import Atlas, build_model
from .related import READS_ITSELF_FROM, related_papers_started
from .yamlsafe import Problem

ROOT = Path(__file__).resolve().parents[2]
VIS_DIR = "assets/vendor/vis-network"
# Feeds need absolute links; MkDocs passes its site_url, other callers get mkdocs.yml's default.
DEFAULT_SITE_URL = "http://127.0.0.1:8000/"


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


def load_atlas(data_dir: Path, remember: bool = False) -> tuple[Atlas, list[Problem]]:
    loaded, problems = data.load(data_dir, root=data_dir.parent, remember=remember)
    if any(p.severity == "error" for p in problems):
        raise DataError(problems)
    return build_model(loaded), problems


def _vendor_files() -> dict[str, bytes]:
    """vis-network as shipped inside the pyvis package, served by the site itself (no CDN).

    Only the script: the one rule of vis-network.css the graphs need (the tooltip) is in atlas.css."""
    import importlib.util

    # Located without importing pyvis (its import pulls in IPython and takes half a second).
    spec = importlib.util.find_spec("pyvis")
    lib = Path(spec.submodule_search_locations[0]) / "lib" / "vis-9.1.2"
    return {f"{VIS_DIR}/vis-network.min.js": (lib / "vis-network.min.js").read_bytes()}


def contribute_pages(data_dir: Path) -> dict[str, str]:
    """The "Contribute" section: CONTRIBUTING.md as a page, and the data reference built from the schema."""
    schemas = data.load_schemas(data_dir)
    guide = next((p for p in (data_dir.parent / "CONTRIBUTING.md", ROOT / "CONTRIBUTING.md") if p.is_file()), None)
    return {
        "contribute/index.md": render.render_contributing(guide.read_text(encoding="utf-8") if guide else None),
        "contribute/data-reference.md": render.render_data_reference(schemas, "data/schema/paper.schema.json"),
    }


def generate(data_dir: Path, site_url: str | None = None, repo_url: str | None = None, remember: bool = False) -> Generated:
    """Every generated file. `repo_url` (mkdocs.yml's, from ATLAS_REPO_URL) adds "Report a problem" links.
    With `remember` (`mkdocs serve`, which calls it after every edit), parsed files, paper and
    topic pages (`render.remembered`) whose inputs did not change are taken from the previous call's."""
    data_dir = Path(data_dir)
    # A large atlas computes similarities in a second process, started before the data is read.
    n = len(list((data_dir / "papers").glob("*.yml")))
    early = [str(data_dir)] if n >= READS_ITSELF_FROM else []
    send, result = background.started("related", *early) if n >= background.FROM and not remember else (None, None)
    try:
        atlas, problems = load_atlas(data_dir, remember)
    except BaseException:
        if send:
            send(None)  # stopped
        raise
    similar = related_papers_started(atlas, send, result)
    papers = list(atlas.papers.values())
    # A large atlas's GraphML is written from graph.json by a second process (started now) while pages render.
    send_graph, written = background.started("graphdata") if len(papers) >= background.FROM else (None, None)
    # Large atlases: the graph page opens on the topic-level overview (full map: ?map=full).
    big = len(papers) >= OVERVIEW_DEFAULT_FROM
    files = {path: text.encode("utf-8") for path, text in contribute_pages(data_dir).items()}
    files["downloads/papers.bib"] = render.render_bibliography(atlas).encode("utf-8")
    files.update(render_facets.outputs(atlas, site_url or os.environ.get("ATLAS_SITE_URL") or DEFAULT_SITE_URL))
    files["index.md"] = render.render_home(atlas).encode("utf-8")
    files["topics/index.md"] = render.render_topics_index(atlas).encode("utf-8")
    files["papers/index.md"] = render.render_papers_index(atlas).encode("utf-8")
    bench = ROOT / "docs" / "bench.json"
    rows = json.loads(bench.read_text(encoding="utf-8")) if bench.is_file() else []
    files["performance.md"] = render.render_performance(rows).encode("utf-8")
    # The vocabularies (scripts/atlas/vocabulary.yml) for the stylesheet and for atlas-graph.js.
    files["stylesheets/atlas-vocabulary.css"] = render.render_vocabulary_css().encode("utf-8")
    files["javascripts/atlas-vocabulary.js"] = render.render_vocabulary_js().encode("utf-8")
    # The graph artifact: every graph view on a page is cut out of it.
    graph = graph_data(atlas, similar)
    files["downloads/graph.json"] = render.json_bytes(graph)
    if send_graph:
        send_graph(files["downloads/graph.json"])
    else:
        written = functools.partial(graphml, graph)
    index = graphviews.GraphIndex(graph)
    overview = overview_data(atlas, graph)
    files["downloads/graph-overview.json"] = render.json_bytes(overview)

    files["graph.md"] = render.render_graph_page(
        atlas, graph_url="../downloads/graph.json", graph=graph,
        overview_url="../downloads/graph-overview.json" if big else None,
        overview=overview if len(papers) >= TWIN_OVERVIEW_FROM else None).encode("utf-8")
    templates = [(t.name, t.stat().st_mtime_ns) for t in sorted(render.TEMPLATES.iterdir())]
    cache = render.page_cache(repr((atlas.topics, atlas.facets, templates))) if remember else None
    files.update((f"topics/{tid}.md", render.render_topic(atlas, tid, index, cache).encode("utf-8")) for tid in atlas.topics)
    files.update((f"papers/{pid}/linked-from.md", render.render_linked_from(atlas, atlas.papers[pid], index).encode("utf-8"))
                 for pid in graphviews.overflowing(index, atlas))
    # Each page is encoded as soon as it is rendered: holding every page as text and as bytes at
    # once would double the build's largest allocation.
    for p in papers:
        page, files[render.star_path(p.id)] = render.render_paper(atlas, p, index, repo_url, cache)
        files[f"papers/{p.id}.md"] = page.encode("utf-8")
    if cache is not None and len(cache) > 4 * len(papers):
        cache.clear()  # pages of many edits ago
    files["downloads/graph.graphml"] = written()
    files.update(_vendor_files())
    return Generated(atlas, dict(sorted(files.items())), problems)


def sync_tree(files: dict[str, bytes], out_dir: Path) -> None:
    """Make `out_dir` hold exactly `files`: a file whose bytes are unchanged is not touched (its
    modification time tells `mkdocs serve --dirty` it needs no rendering), a changed one is
    replaced whole (written beside it, then renamed), and a file no longer generated is removed.
    Plain os paths: for 20,000 files (10,000 papers), pathlib's objects cost seconds."""
    out = os.path.realpath(out_dir)
    wanted, made = set(), set()
    for rel, content in files.items():
        target = _inside(out, rel)
        wanted.add(target)
        try:
            with open(target, "rb") as f:
                if f.read() == content:
                    continue
        except FileNotFoundError:
            pass
        parent = os.path.dirname(target)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        tmp = os.path.join(parent, f".{os.path.basename(target)}.tmp")
        with open(tmp, "wb") as f:
            f.write(content)
        os.replace(tmp, target)
    for folder, _, names in os.walk(out, topdown=False):
        for name in names:
            if os.path.join(folder, name) not in wanted:
                os.unlink(os.path.join(folder, name))
        if folder != out and not os.listdir(folder):
            os.rmdir(folder)


def _inside(out: str, rel: str) -> str:
    """`out/rel`, refused if `rel` leads outside the folder `out` (a resolved path)."""
    target = os.path.normpath(os.path.join(out, rel))
    if not target.startswith(out + os.sep):
        raise ValueError(f"refusing to write outside {out}: {rel}")
    return target


def write_tree(files: dict[str, bytes], out_dir: Path) -> None:
    """Write `files` under `out_dir` (which must not exist yet or be empty)."""
    for rel, content in files.items():
        target = Path(_inside(os.path.realpath(out_dir), rel))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def build_site(config_file: Path = ROOT / "mkdocs.yml", site_dir: Path | None = None, strict: bool = True) -> Path:
    """Build the whole site into a temporary folder, then swap it into place.

    A failure anywhere (bad data, a strict-mode warning) leaves the previous site untouched:
    MkDocs writes only into a fresh hidden folder next to `site_dir`, which is removed on
    failure; on success the old site is moved aside into another fresh hidden folder, the new
    one is renamed into place and the old one is deleted. No other path is written or removed.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    config_file = Path(config_file).resolve()
    site_dir = Path(site_dir or config_file.parent / "site").absolute()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-new-", dir=site_dir.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; the published folder is world-readable
    try:
        cfg = load_config(str(config_file), site_dir=str(tmp), strict=strict)
        build(cfg)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    aside = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-old-", dir=site_dir.parent))
    previous = aside / "site"
    try:
        if site_dir.exists() or site_dir.is_symlink():
            site_dir.rename(previous)
        try:
            tmp.rename(site_dir)
        except BaseException:
            if previous.exists():
                previous.rename(site_dir)
            raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(aside, ignore_errors=True)
        raise
    shutil.rmtree(aside, ignore_errors=True)
    return site_dir
