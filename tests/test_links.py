"""`make links`: every external URL the site shows from data, checked against a real local HTTP server."""

from __future__ import annotations

import http.server
import threading

import pytest

from atlas.links import Link, check, collect, report, status
from atlas.yamlsafe import parse
from conftest import DATA


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self):
        if self.path == "/no-head":
            self.send_response(405)
        else:
            self.send_response({"/ok": 200, "/moved": 301, "/gone": 404}.get(self.path, 404))
            if self.path == "/moved":
                self.send_header("Location", "/ok")
        self.end_headers()

    def do_GET(self):
        self.send_response(200 if self.path in ("/ok", "/no-head") else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def test_every_external_link_of_the_data_is_collected_once():
    links = collect(DATA)
    urls = [link.url for link in links]
    assert urls == sorted(set(urls))
    papers = [parse(p.read_bytes()).value for p in sorted((DATA / "papers").glob("*.yml"))]
    external = parse((DATA / "external.yml").read_bytes()).value
    expected = {f"https://arxiv.org/abs/{p['arxiv']}" for p in papers if "arxiv" in p}
    expected |= {p["code"] for p in papers if "code" in p}
    expected |= {f"https://arxiv.org/abs/{w['arxiv']}" for w in external.values() if "arxiv" in w}
    expected |= {w["evidence"] for w in external.values() if "evidence" in w}
    assert set(urls) == expected
    assert Link("https://arxiv.org/abs/2305.14314", "data/papers/qlora.yml: arxiv") in links


def test_answers_are_classified(server):
    links = [Link(f"{server}{path}", "here") for path in ("/ok", "/moved", "/gone", "/no-head")]
    links.append(Link("http://127.0.0.1:9/closed", "there"))
    results = check(links, pause=0)
    assert [(r.ok, r.detail) for r in results[:4]] == [
        (True, "HTTP 200"), (True, "HTTP 200"), (False, "HTTP 404"), (True, "HTTP 200")]
    assert results[4].ok is False and "refused" in results[4].detail.lower()
    text = report(results)
    assert text.startswith("### External links: 3 of 5 answered\n")
    assert f"| <{server}/gone> | here | HTTP 404 |" in text
    assert f"{server}/ok" not in text


def test_status_falls_back_to_get_when_head_is_refused(server):
    assert status(f"{server}/no-head") == 200
