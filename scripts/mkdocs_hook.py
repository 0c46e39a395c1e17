"""MkDocs hook: serve the pages generated from `data/` as in-memory files.

`mkdocs build` and `mkdocs serve` both call `atlas.build.generate`, the same function as the
CLI; `watch: [data]` in mkdocs.yml makes a YAML edit rebuild the served site. Under `make serve`
(`mkdocs serve --dirty`) a rebuild after an edit reuses what the previous build computed from
unchanged inputs (atlas/memo.py), renders only the pages whose bytes changed, keeps the theme's
compiled templates, and makes the search entries in a forked process (the served search index
is the one a fresh build writes); every page's HTML is parsed once by Markdown, not twice
(atlas/rawhtml.py).
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import zlib
from pathlib import Path

import jinja2
from material.plugins.search.plugin import SearchIndex
from mkdocs.exceptions import Abort
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files, InclusionLevel

sys.path.insert(0, str(Path(__file__).resolve().parent))

from atlas import forked  # noqa: E402
from atlas.build import DataError, generate  # noqa: E402
from atlas.compact import compact_html  # noqa: E402
from atlas.memo import Memo  # noqa: E402
from atlas.rawhtml import HtmlBlocks  # noqa: E402

_sources: dict[str, str] = {}
# Generated pages whose "Edit this page" opens the repository file they are made from.
EDIT_SOURCES = {"contribute/index.md": "CONTRIBUTING.md", "contribute/data-reference.md": "data/schema/paper.schema.json"}
_previous: dict[str, bytes] = {}  # under `mkdocs serve`: what each generated file held in the previous build
_serving = False
_dirty = False  # `mkdocs serve --dirty`: only modified pages are rendered
_papers = 0  # how many papers the atlas has (a large one uses the second core, forked.py)
_waiting: dict[str, bytes] = {}  # generated pages' HTML, compressed, from reading to writing
_indexing: forked.Forked | None = None  # the forked process making this build's search entries
_collector_paused = False  # the cyclic garbage collector is off for this rebuild (on_config)
_memo = Memo()  # under `mkdocs serve`: what one build hands the next (atlas/memo.py)


class _GeneratedFile(File):
    """An in-memory file that knows whether its content changed since the previous build.

    MkDocs treats every in-memory file as modified; with this, `mkdocs serve --dirty` renders
    again only the pages a YAML edit changed (a paper, the lists that show its title) instead
    of the whole site. Without --dirty MkDocs never asks, and every page is built as before.
    """

    unchanged = False

    def is_modified(self) -> bool:
        return not self.unchanged


class _DirtyServeIsExpected(logging.Filter):
    """`make serve` asks for `mkdocs serve --dirty` (a YAML edit re-renders only the pages it
    changes). MkDocs warns about every dirty build, and strict mode would stop on that
    warning; under `serve` it is reported as information instead. Every other warning still
    counts."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.WARNING and record.getMessage().startswith("A 'dirty' build is being performed"):
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


class _TemplatesCompiledOnce(jinja2.BytecodeCache):
    """`mkdocs serve` makes a new Jinja environment for every build; this keeps the theme's
    compiled templates between builds (Jinja compiles a template again when its source changes)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_compiled = _TemplatesCompiledOnce()


class _ServedIndex(SearchIndex):
    """Material's search index for one build under `mkdocs serve`.

    Under `--dirty` Material keeps the previous build's index and replaces the entries of only
    the first page this build rendered, so every other page an edit changed kept its old entries
    too, and an edited title stayed searchable until the server restarted. Here each page has the
    entries of its latest rendering, in the site's page order: the index a fresh build writes
    (tested). With `worker`, the entries of the pages this build renders come from a forked
    process (see `_serve_index`) and `add_entry_from_context` has nothing to do here."""

    def __init__(self, urls: list[str], rendered: set[str], worker: forked.Forked | None, **config) -> None:
        super().__init__(**config)
        self._urls, self._rendered, self._worker = urls, rendered, worker

    def add_entry_from_context(self, page) -> None:
        if self._worker is None:
            super().add_entry_from_context(page)

    def generate_search_index(self, prev):
        global _indexing
        if self._worker is not None:
            _indexing = None
            self.entries = self._worker.result()
        if prev is not None and _dirty:
            by_page: dict[str, list[dict]] = {}
            for e in prev.entries:
                by_page.setdefault(e["location"].split("#", 1)[0], []).append(e)
            for url in self._rendered:
                by_page.pop(url, None)
            for e in self.entries:
                by_page.setdefault(e["location"].split("#", 1)[0], []).append(e)
            self.entries = [e for url in self._urls for e in by_page.get(url, ())]
        return super().generate_search_index(None)


def _serve_index(config, files: Files) -> None:
    """Under `mkdocs serve`: Material's search index as `_ServedIndex` keeps it. For a large atlas
    its plugin also indexes, with its own code, the pages this build renders in a forked
    process (forked.py), while this one renders and writes them: the same entries (tested).
    MkDocs renders one page after another on one core, and Material's parsing of each page's
    HTML for the index was about a quarter of the rebuild after an edit at 1,000 papers."""
    plugin = config.plugins.get("material/search")
    if plugin is None or not plugin.config.enabled:
        return
    # The pages MkDocs renders in this build, in its order (see mkdocs.commands.build.build).
    every = [f.page for f in files.documentation_pages(inclusion=InclusionLevel.is_in_serve) if f.page is not None]
    pages = [page for page in every if not _dirty or page.file.is_modified()]

    def index() -> list[dict]:
        out = SearchIndex(**plugin.config)
        for page in pages:
            waiting = _waiting.get(page.file.src_uri)
            if waiting is not None:  # a generated page's HTML, as on_page_context gives it back
                page.content = zlib.decompress(waiting).decode("utf-8")
            out.add_entry_from_context(page)
            page.content = None
        return out.entries

    global _indexing
    _indexing = None
    if forked.enabled(_papers):
        try:
            _indexing = forked.start(index)
        except OSError:
            pass  # no fork: the pages are indexed here, as they are rendered
    plugin.search_index = _ServedIndex([p.url for p in every], {p.url for p in pages}, _indexing, **plugin.config)


def on_startup(command: str, dirty: bool) -> None:
    global _serving, _dirty
    _serving, _dirty = command == "serve", dirty
    if _serving and dirty:
        logging.getLogger("mkdocs.commands.build").addFilter(_DirtyServeIsExpected())


def on_config(config):
    config.markdown_extensions.append(HtmlBlocks())  # each page's HTML parsed once (atlas/rawhtml.py)
    global _collector_paused
    if _serving and _previous and gc.isenabled():
        # A rebuild after an edit renders a few dozen pages and frees nearly all it allocates as
        # it goes, while the cyclic garbage collector would rescan the server's whole heap again
        # and again (up to a tenth of the rebuild). It runs again when the build ends.
        gc.disable()
        _collector_paused = True
    return config


def on_files(files: Files, config) -> Files:
    # ATLAS_DATA_DIR builds the same site from another data folder (the tests use it).
    data_dir = Path(os.environ.get("ATLAS_DATA_DIR") or Path(config["docs_dir"]).parent / "data")
    _waiting.clear()
    try:
        result = generate(data_dir, site_url=config.get("site_url"), repo_url=config.get("repo_url"),
                          memo=_memo if _serving else None)
    except DataError as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        raise Abort(f"{exc}; nothing was built. Run `make validate` for the list.") from None
    for p in result.problems:
        print(p, file=sys.stderr)
    global _papers
    _papers = len(result.atlas.papers)
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
    if _serving:
        _previous.update(result.files)
    return files


# Memory: a build at 10,000 papers holds every page several times over (its generated bytes,
# its Markdown, its HTML) until the end. Two copies are let go as soon as MkDocs is done with
# them: the bytes once the Markdown is read, the HTML once the page is written (the search
# index has taken its text by then). The Markdown stays: MkDocs takes a page's title from it.
# Under `mkdocs serve` the bytes stay, to tell which pages the next edit changes.


def on_page_markdown(markdown: str, page, config, files) -> str:
    if not _serving and isinstance(page.file, _GeneratedFile):
        page.file.content_bytes = b""
    return markdown


@event_priority(-100)  # after every plugin has seen the HTML
def on_page_content(html: str, page, config, files) -> str:
    """Between reading every page and writing the first one, MkDocs holds every page's HTML and
    Markdown at once. A generated page's HTML waits compressed instead, and its Markdown is let
    go (its title is in its front matter, which MkDocs has already read)."""
    if not isinstance(page.file, _GeneratedFile):
        return html
    _waiting[page.file.src_uri] = zlib.compress(html.encode("utf-8"), 1)
    page.markdown = ""
    return ""


def on_env(env: jinja2.Environment, config, files: Files) -> jinja2.Environment:
    """Every page has been read and converted; none is written yet."""
    if _serving:
        env.bytecode_cache = _compiled
        _serve_index(config, files)
    return env


@event_priority(100)  # before every plugin (the search index reads the HTML here)
def on_page_context(context, page, config, nav):
    """Give a generated page its HTML back; point a paper page's edit link at its YAML file,
    not at a generated Markdown file."""
    waiting = _waiting.pop(page.file.src_uri, None)
    if waiting is not None:
        page.content = zlib.decompress(waiting).decode("utf-8")
    source = _sources.get(page.file.src_uri)
    if source and config.get("repo_url"):
        page.edit_url = f"{config['repo_url'].rstrip('/')}/edit/main/{source}"
    elif page.file.generated_by is not None:
        page.edit_url = None
    return context


def on_post_page(output: str, page, config) -> str:
    """Every page without the theme's indentation (see atlas/compact.py)."""
    page.content = None
    return compact_html(output)


def on_build_error(error) -> None:
    global _indexing
    if _indexing is not None:  # the build stopped before the index was written
        _indexing.abandon()
        _indexing = None
    _resume_collector()


@event_priority(-100)  # after every plugin
def on_post_build(config) -> None:
    _resume_collector()


def _resume_collector() -> None:
    global _collector_paused
    if _collector_paused:
        gc.enable()
        _collector_paused = False
