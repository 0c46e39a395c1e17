"""The built site in a real headless Chromium, served under a sub-path, with other hosts blocked."""

from __future__ import annotations

import json

from conftest import N_PAPERS


def open_graph(watch, site_url, path="graph/"):
    watch.page.goto(site_url + path)
    watch.page.wait_for_selector(".atlas-graph[data-ready=true]", timeout=15000)
    return watch.page


def test_graph_page_draws_every_paper_offline(watch, site_url, site_dir, artifacts_dir):
    page = open_graph(watch, site_url)
    graph = json.loads((site_dir / "downloads" / "graph.json").read_text(encoding="utf-8"))
    drawn = page.evaluate("document.querySelector('.atlas-graph').atlasNetwork.body.data.nodes.getIds()")
    assert sorted(drawn) == sorted(n["id"] for n in graph["nodes"])
    assert sum(1 for n in drawn if n.startswith("paper:")) == N_PAPERS
    box = page.locator(".atlas-graph canvas").bounding_box()
    assert box["height"] >= 400 and box["width"] >= 400
    page.screenshot(path=str(artifacts_dir / "graph-desktop.png"))
    watch.assert_clean()


def test_clicking_a_paper_node_opens_its_page(watch, site_url):
    page = open_graph(watch, site_url)
    pos = page.evaluate("""() => {
        const c = document.querySelector('.atlas-graph');
        const net = c.atlasNetwork;
        net.moveTo({position: net.getPositions(['paper:qlora'])['paper:qlora'], scale: 1.5, animation: false});
        const p = net.canvasToDOM(net.getPositions(['paper:qlora'])['paper:qlora']);
        const r = c.getBoundingClientRect();
        return {x: r.left + p.x, y: r.top + p.y};
    }""")
    page.mouse.click(pos["x"], pos["y"])
    page.wait_for_url("**/ml-systems-paper-atlas/papers/qlora/", timeout=10000)
    assert page.locator("h1").inner_text().startswith("QLoRA")
    watch.assert_clean()


def test_every_page_type_loads_without_errors_or_outside_requests(watch, site_url):
    for path in ("", "topics/", "topics/memory/", "papers/", "papers/llamarl/"):
        watch.page.goto(site_url + path)
        watch.page.wait_for_load_state("networkidle")
    watch.assert_clean()
