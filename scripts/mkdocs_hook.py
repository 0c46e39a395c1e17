"""MkDocs hook: serve the pages generated from `data/` as in-memory files.

`mkdocs build` and `mkdocs serve` both call `atlas.build.generate`, the same function as the
CLI; `watch: [data]` in mkdocs.yml makes a YAML edit rebuild the served site.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from mkdocs.exceptions import Abort
from mkdocs.structure.files import File, Files

sys.path.insert(0, str(Path(__file__).resolve().parent))

from atlas.build import DataError, generate  # noqa: E402
from atlas.compact import compact_html  # noqa: E402

_sources: dict[str, str] = {}
# Generated pages whose "Edit this page" opens the repository file they are made from.
EDIT_SOURCES = {"contribute/index.md": "CONTRIBUTING.md", "contribute/data-reference.md": "data/schema/paper.schema.json"}
_previous: dict[str, bytes] = {}  # what each generated file held in the previous build


class _GeneratedFile(File):
    """An in-memory file that knows whether its content changed since the previous build.

    MkDocs treats every in-memory file as modified; with this, `mkdocs serve --dirty` renders
    again only the pages a YAML edit changed (a paper, the lists that show its title) instead
    of the whole site. Without --dirty MkDocs never asks, and every page is built as before.
    """

    unchanged = False

    def is_modified(self) -> bool:
        return not self.unchanged


def on_files(files: Files, config) -> Files:
    # ATLAS_DATA_DIR builds the same site from another data folder (the tests use it).
    data_dir = Path(os.environ.get("ATLAS_DATA_DIR") or Path(config["docs_dir"]).parent / "data")
    try:
        result = generate(data_dir, site_url=config.get("site_url"), repo_url=config.get("repo_url"))
    except DataError as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        raise Abort(f"{exc}; nothing was built. Run `make validate` for the list.") from None
    for p in result.problems:
        print(p, file=sys.stderr)
    _sources.clear()
    for paper in result.atlas.papers.values():
        _sources[f"papers/{paper.id}.md"] = paper.source
    _sources.update(EDIT_SOURCES)
    for path, content in result.files.items():
        existing = files.get_file_from_path(path)
        if existing is not None:
            files.remove(existing)
        generated = _GeneratedFile.generated(config, path, content=content)
        generated.unchanged = _previous.get(path) == content
        files.append(generated)
    _previous.clear()
    _previous.update(result.files)
    return files


def on_page_context(context, page, config, nav):
    """Point a paper page's edit link at its YAML file, not at a generated Markdown file."""
    source = _sources.get(page.file.src_uri)
    if source and config.get("repo_url"):
        page.edit_url = f"{config['repo_url'].rstrip('/')}/edit/main/{source}"
    elif page.file.generated_by is not None:
        page.edit_url = None
    return context


def on_post_page(output: str, page, config) -> str:
    """Every page without the theme's indentation (see atlas/compact.py)."""
    return compact_html(output)
