"""Shared fixtures: a real site build, that site served over HTTP under a sub-path, and a real
headless Chromium (Debian's, driven by Playwright) that can reach nothing but loopback."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
# How many papers the atlas holds: tests of the real data count from it, so adding a paper
# by pull request does not break them.
N_PAPERS = len(list((DATA / "papers").glob("*.yml")))
SUBPATH = "/ml-systems-paper-atlas/"
CHROMIUM = os.environ.get("ATLAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
ARTIFACTS = ROOT / "test-artifacts"
_STARTED = time.time()  # artifacts older than this run are not reported


def pytest_addoption(parser):
    """`--update-golden`: rewrite tests/golden/ from the current output instead of comparing (tests/test_golden.py)."""
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite the golden files of tests/golden/ from the current output (review with git diff)")


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory) -> Path:
    from atlas.build import build_site

    out = tmp_path_factory.mktemp("build") / "site"
    # The 404 page is the one page MkDocs links by absolute path (it is served at any URL),
    # so the test build, like the deployed one, names the sub-path it is served under.
    os.environ["ATLAS_SITE_URL"] = "https://example.invalid" + SUBPATH
    build_site(ROOT / "mkdocs.yml", out)
    return out


class SubPathHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site only under SUBPATH, as GitHub Pages serves a project site."""

    def translate_path(self, path: str) -> str:
        if not path.startswith(SUBPATH):
            return str(Path(self.directory) / "__outside_subpath__")
        return super().translate_path("/" + path[len(SUBPATH):])

    def send_error(self, code, message=None, explain=None):
        """A missing file gets the site's 404.html with status 404, as GitHub Pages serves it."""
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404, message)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def site_url(site_dir):
    handler = functools.partial(SubPathHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{SUBPATH}"
    server.shutdown()


@pytest.fixture(scope="session")
def self_hosted_url(tmp_path_factory):
    """The site built for the address it is then served at, as a deployed site is.

    Material's instant navigation only takes over links that its sitemap.xml names, and the
    sitemap names site_url's host and port, so this needs a build that knows the test server's."""
    from atlas.build import build_site

    out = tmp_path_factory.mktemp("self-hosted") / "site"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(SubPathHandler, directory=str(out)))
    url = f"http://127.0.0.1:{server.server_address[1]}{SUBPATH}"
    before = os.environ.get("ATLAS_SITE_URL")
    os.environ["ATLAS_SITE_URL"] = url
    try:
        build_site(ROOT / "mkdocs.yml", out)
    finally:
        if before is None:
            del os.environ["ATLAS_SITE_URL"]
        else:
            os.environ["ATLAS_SITE_URL"] = before
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test`, which installs it")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class PageWatch:
    """A page whose console errors, failed requests and off-machine requests are recorded."""

    def __init__(self, context):
        self.page = context.new_page()
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.blocked: list[str] = []
        # Requests cut short because the test left the page (a click that opens another page)
        # are no fault of the site: a request is in `abandoned`, not `failed`, when Chromium
        # aborted it after a main-frame navigation began later than the request did.
        self.abandoned: list[str] = []
        self._navigations = 0
        self._started: dict = {}  # id(request) -> (request, navigations so far); the request is
        # held so that its id is not reused before it ends
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", self._on_request)
        self.page.on("requestfailed", self._on_failed)
        self.page.on("requestfinished", lambda r: self._started.pop(id(r), None))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.url} HTTP {r.status}"))

    def _on_request(self, r) -> None:
        if r.is_navigation_request() and r.frame == self.page.main_frame:
            self._navigations += 1
        self._started[id(r)] = (r, self._navigations)

    def _on_failed(self, r) -> None:
        _, at = self._started.pop(id(r), (r, self._navigations))
        entry = f"{r.url} {r.failure}"
        if r.failure == "net::ERR_ABORTED" and at < self._navigations:
            self.abandoned.append(entry)
        else:
            self.failed.append(entry)

    def assert_clean(self):
        assert self.blocked == [], f"requests to other hosts: {self.blocked}"
        assert self.failed == [], f"failed requests: {self.failed}"
        assert self.errors == [], f"console errors: {self.errors}"


@pytest.fixture
def watch(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    holder: list[PageWatch] = []

    def route(r):
        url = r.request.url
        if url.startswith(("http://127.0.0.1", "data:", "blob:")):
            r.continue_()
        else:
            holder[0].blocked.append(url)
            r.abort()

    context.route("**/*", route)
    w = PageWatch(context)
    holder.append(w)
    yield w
    context.close()


@pytest.fixture
def make_watch(browser):
    """Like `watch`, for tests that choose the context: `make_watch(viewport=..., has_touch=True)`.

    Each call opens a fresh context (empty cache) that reaches nothing but loopback."""
    contexts = []

    def make(**options) -> PageWatch:
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**options)
        contexts.append(context)
        holder: list[PageWatch] = []

        def route(r):
            if r.request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
                r.continue_()
            else:
                holder[0].blocked.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        holder.append(PageWatch(context))
        return holder[0]

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    out = ARTIFACTS / "screenshots"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    return out


def pytest_terminal_summary(terminalreporter):
    """Say where the browser tests left their screenshots and what a paper page transfers."""
    started = _STARTED
    shots = [p for p in sorted((ARTIFACTS / "screenshots").glob("*.png")) if p.stat().st_mtime >= started]
    if shots:
        terminalreporter.write_line(f"screenshots: {len(shots)} in {ARTIFACTS / 'screenshots'}")
    transfer = ARTIFACTS / "transfer-paper-page.json"
    if transfer.is_file() and transfer.stat().st_mtime >= started:
        t = json.loads(transfer.read_text(encoding="utf-8"))
        terminalreporter.write_line(f"paper page {t['paper page']}: {t['own bytes']} bytes of its own, "
                                    f"{t['shared bytes']} bytes of shared assets (uncompressed; {transfer})")


# Markers, so a change can be checked quickly (`make test-fast`: `pytest -m "not browser and not slow"`)
# while `make test` runs everything. A test is `browser` if it drives Chromium, and `slow` if it
# builds a whole site, serves one, or generates a synthetic corpus.
_SLOW_FIXTURES = {"site_dir", "site_url", "self_hosted_url", "hostile_site", "served", "checkout"}
_SLOW_FILES = {"test_serve.py", "test_scale.py", "test_scale_outputs.py", "test_validate_cli.py", "test_workflows.py",
               "test_diff.py", "test_new_paper.py", "test_read_fuzz.py", "test_properties.py", "test_build_integrity.py",
               "test_reader.py", "test_contribute_site.py", "test_schema.py", "test_hostile.py"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & {"browser", "watch", "make_watch"}:
            item.add_marker(pytest.mark.browser)
        if fixtures & _SLOW_FIXTURES or item.path.name in _SLOW_FILES or any(
                word in item.name for word in ("generate", "byte_identical", "hostile_text", "linked_from", "says_so", "clock")):
            item.add_marker(pytest.mark.slow)
