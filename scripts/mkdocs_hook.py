"""MkDocs hook: hand MkDocs the pages generated from `data/`.

`mkdocs build` and `mkdocs serve` both call `atlas.build.generate`, the same function as the
CLI, and `watch: [data]` in mkdocs.yml makes a YAML edit rebuild the served site.

- The generated files are written to the git-ignored `.cache/build/` (`mkdocs build`) or
  `.cache/serve/` (`mkdocs serve`), each only when its bytes change, and handed to MkDocs by path
  (`File.generated(abs_src_path=...)`): nothing is written into `docs/`, and no second copy of
  every page is held in memory while MkDocs renders them (a third of a GB at 10,000 papers).
- `mkdocs serve --dirty` (`make serve`): MkDocs renders again only the pages whose source is
  newer than their output, so an edit re-renders the paper and the pages that show it. Under a
  dirty build Material's search index keeps the old entries of every re-rendered page but the
  first; `on_post_build` replaces them, so the served index is the one a fresh build writes.

Only public MkDocs and Material interfaces are used: the hook events, `File.generated`, and the
search index file Material writes.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import sys
from pathlib import Path

import jinja2
from mkdocs.exceptions import Abort
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

sys.path.insert(0, str(Path(__file__).resolve().parent))

from atlas.build import DataError, generate, sync_tree  # noqa: E402
from atlas.compact import compact_html  # noqa: E402

# Generated pages whose "Edit this page" opens the repository file they are made from.
EDIT_SOURCES = {"contribute/index.md": "CONTRIBUTING.md", "contribute/data-reference.md": "data/schema/paper.schema.json"}


class State:
    """What one build hands the next under `mkdocs serve` (the hook's events are functions)."""

    serving = False
    dirty = False
    sources: dict[str, str] = {}   # generated page -> the repository file its edit link opens
    order: list[str] = []          # every page's URL, in the order a full build renders them
    rendered: set[str] = set()     # the URLs this build rendered


class _DirtyServeIsExpected(logging.Filter):
    """`make serve` asks for `mkdocs serve --dirty`. MkDocs warns about every dirty build, and
    strict mode would stop on that warning; under `serve` it is information. Every other warning
    still counts."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.WARNING and record.getMessage().startswith("A 'dirty' build is being performed"):
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def on_startup(command: str, dirty: bool) -> None:
    State.serving, State.dirty = command == "serve", dirty
    if State.serving and dirty:
        logging.getLogger("mkdocs.commands.build").addFilter(_DirtyServeIsExpected())


def on_files(files: Files, config) -> Files:
    # ATLAS_DATA_DIR builds the same site from another data folder (the tests use it).
    root = Path(config["docs_dir"]).parent
    data_dir = Path(os.environ.get("ATLAS_DATA_DIR") or root / "data")
    try:
        result = generate(data_dir, site_url=config.get("site_url"), repo_url=config.get("repo_url"), remember=State.serving)
    except DataError as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        raise Abort(f"{exc}; nothing was built. Run `make validate` for the list.") from None
    for p in result.problems:
        print(p, file=sys.stderr)
    State.sources = {f"papers/{p.id}.md": p.source for p in result.atlas.papers.values()} | EDIT_SOURCES
    cache = root / ".cache" / ("serve" if State.serving else "build")
    sync_tree(result.files, cache)
    for path in result.files:
        if (existing := files.get_file_from_path(path)) is not None:
            files.remove(existing)
        files.append(File.generated(config, path, abs_src_path=str(cache / path)))
    return files


def on_env(env, config, files: Files):
    State.order = [f.page.url for f in files.documentation_pages() if f.page is not None]
    State.rendered = set()
    # The theme's compiled templates are kept in files, for the next build (under serve, each rebuild has a new environment).
    (cache := Path(config["docs_dir"]).parent / ".cache" / "templates").mkdir(parents=True, exist_ok=True)
    env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(cache))
    return env


def on_page_context(context, page, config, nav):
    """Point a paper page's edit link at its YAML file, not at a generated Markdown file."""
    State.rendered.add(page.url)
    source = State.sources.get(page.file.src_uri)
    if source and config.get("repo_url"):
        page.edit_url = f"{config['repo_url'].rstrip('/')}/edit/main/{source}"
    elif page.file.generated_by is not None:
        page.edit_url = None
    return context


def on_page_content(html: str, page, config, files):
    """MkDocs keeps every page's Markdown to the build's end, though once it is HTML only its emptiness
    is asked (page.title is None while it is None): keep an empty one (a fifth of a GB at 10,000 papers)."""
    page.markdown = ""
    return html


def on_post_page(output: str, page, config) -> str:
    """Every page without the theme's indentation (see atlas/compact.py): a sixth of a paper page."""
    return compact_html(output)


@event_priority(-100)  # after Material's search plugin has written its index
def on_post_build(config) -> None:
    if State.serving and State.dirty:
        refresh_search_index(Path(config["site_dir"]) / "search" / "search_index.json", State.rendered, State.order)


def refresh_search_index(path: Path, rendered: set[str], order: list[str]) -> None:
    """After a dirty build, each page's entries as its latest rendering made them, in page order.

    Material appends the entries of the pages it rendered to the previous index, having dropped
    the old entries of the first of them only; a page's entries are always one run. So for a
    page rendered now, its last run is the new one."""
    if not path.is_file():
        return
    index = json.loads(path.read_text(encoding="utf-8"))
    runs: dict[str, list[list[dict]]] = {}
    for page, entries in itertools.groupby(index["docs"], key=lambda entry: entry["location"].split("#", 1)[0]):
        runs.setdefault(page, []).append(list(entries))
    rank = {url: i for i, url in enumerate(order)}
    pages = sorted(runs, key=lambda url: (rank.get(url, len(rank)), url))
    index["docs"] = [e for url in pages for e in (runs[url][-1] if url in rendered else runs[url][0])]
    path.write_text(json.dumps(index, separators=(",", ":"), default=str), encoding="utf-8")
