"""The browser tests' watch itself: what counts as a failed request, in a real Chromium.

A request the page was still waiting on when the test opened another page is abandoned, not
failed; a missing file stays a failure, so the watch cannot hide a broken link."""

from __future__ import annotations

import http.server
import threading
import time

import pytest

from conftest import PageWatch


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(2)
        if self.path == "/missing":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = {"/a": b"<!doctype html><p>a<script>fetch('/slow')</script>",
                "/c": b"<!doctype html><p>c<script>fetch('/missing')</script>"}.get(self.path, b"<!doctype html><p>b")
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def server_url():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def fresh_watch(browser):
    context = browser.new_context()
    yield PageWatch(context)
    context.close()


def test_a_request_cut_short_by_leaving_the_page_is_abandoned_not_failed(fresh_watch, server_url):
    w = fresh_watch
    w.page.goto(server_url + "/a")
    w.page.goto(server_url + "/b")
    w.page.wait_for_timeout(300)
    assert w.abandoned == [f"{server_url}/slow net::ERR_ABORTED"]
    w.assert_clean()


def test_a_missing_file_is_still_a_failure(fresh_watch, server_url):
    w = fresh_watch
    w.page.goto(server_url + "/c")
    w.page.wait_for_load_state("networkidle")
    # (Chromium also reports the unread body of the 404 as aborted, with no navigation.)
    assert f"{server_url}/missing HTTP 404" in w.failed
    assert w.abandoned == []
    with pytest.raises(AssertionError, match="failed requests"):
        w.assert_clean()
