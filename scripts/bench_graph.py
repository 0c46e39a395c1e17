"""Benchmark: how long the graphs take to be drawn and interactive in headless Chromium.

Serves a built site (default `site/`, built first if missing) under the GitHub Pages sub-path,
opens each graph page `--runs` times in a fresh browser context, and reports the time from
navigation start until the graph has drawn its first frame with its controls bound (the
`data-ready-ms` the page script records), and the bytes of what the graph needed: the page's
HTML, vis-network and the graph data (`graph_files`, as the browser received them). Prints one
JSON object; a benchmark, not a test.

    PYTHONPATH=scripts .venv/bin/python scripts/bench_graph.py [--site site] [--runs 7]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import statistics
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUBPATH = "/ml-systems-paper-atlas/"
PAGES = {"global graph": ("graph/", "#atlas-graph"), "paper graph (qlora)": ("papers/qlora/", "#paper-graph"),
         "topic graph (memory)": ("topics/memory/", "#topic-graph")}


# The page itself and what its graph loads (vis-network, graph data), by site path: bytes received.
GRAPH_FILES = """() => Object.fromEntries(performance.getEntriesByType('navigation')
    .concat(performance.getEntriesByType('resource'))
    .filter((e, i) => i === 0 || /\\/vendor\\/vis-network\\/|\\/downloads\\//.test(e.name))
    .map(e => [new URL(e.name).pathname.replace(/^\\/ml-systems-paper-atlas\\//, ''), e.encodedBodySize]))"""


class _Handler(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        if not path.startswith(SUBPATH):
            return str(Path(self.directory) / "__outside_subpath__")
        return super().translate_path("/" + path[len(SUBPATH):])

    def log_message(self, *args) -> None:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "site")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--chromium", default=os.environ.get("ATLAS_CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args()
    if not (args.site / "graph" / "index.html").is_file():
        from atlas.build import build_site

        build_site(ROOT / "mkdocs.yml", args.site)

    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(args.site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}{SUBPATH}"
    graph = json.loads((args.site / "downloads" / "graph.json").read_text(encoding="utf-8"))
    report: dict = {"nodes": len(graph["nodes"]), "edges": len(graph["edges"]), "runs": args.runs, "pages": {}}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium,
                                     args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"])
        for name, (path, selector) in PAGES.items():
            if not (args.site / path / "index.html").is_file():  # e.g. a synthetic atlas has no qlora
                continue
            times = []
            for _ in range(args.runs):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
                page = context.new_page()
                page.goto(base + path)
                page.wait_for_selector(f"{selector}[data-ready=true]", timeout=30000)
                times.append(int(page.get_attribute(selector, "data-ready-ms")))
                files = page.evaluate(GRAPH_FILES)
                context.close()
            report["pages"][name] = {"ready_ms_median": statistics.median(times), "ready_ms_min": min(times),
                                     "ready_ms_max": max(times), "ready_ms": times,
                                     "graph_kb": round(sum(files.values()) / 1024, 1), "graph_files": files}
        browser.close()
    server.shutdown()
    report["load_average"] = os.getloadavg()[0]
    json.dump(report, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
