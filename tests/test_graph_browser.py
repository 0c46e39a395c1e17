"""The graphs in a real headless Chromium: the built site served under a sub-path, other hosts blocked.

Every test ends with `watch.assert_clean()`: no console error, no failed request, no request
to another host.
"""

from __future__ import annotations

import json

import pytest

from atlas.graphviews import CURATED, VOCABULARY

DEFAULT_TYPES = {"cites", "topic", "subtopic", "mentions", *CURATED}  # `related` starts unticked


@pytest.fixture(scope="module")
def graph(site_dir) -> dict:
    return json.loads((site_dir / "downloads" / "graph.json").read_text(encoding="utf-8"))


def open_graph(watch, site_url, path="graph/", selector="#atlas-graph"):
    watch.page.goto(site_url + path)
    watch.page.wait_for_selector(f"{selector}[data-ready=true]", timeout=15000)
    return watch.page


def drawn(page, selector="#atlas-graph") -> dict:
    """What vis-network has in its drawing right now: node and edge ids (edges as source, target, type)."""
    return page.evaluate("""(sel) => {
        const c = document.querySelector(sel);
        const body = c.atlasNetwork.body;
        const data = c.atlasData;
        const edges = body.data.edges.getIds().map(id => {
            const e = data.edges[Number(id.slice(1))];
            return [e.source, e.target, e.type];
        });
        return {nodes: body.data.nodes.getIds().sort(), edges: edges,
                drawnNodes: Object.keys(body.nodes).filter(id => body.nodeIndices.includes(id)).sort()};
    }""", selector)


def expected_visible(graph, types=DEFAULT_TYPES, papers=None, works=True, orphans=False):
    """What the filters should show, computed here from graph.json, independently of the page's script."""
    nodes = {n["id"] for n in graph["nodes"] if (papers is None or n["kind"] != "paper" or n["id"] in papers)
             and (works or n["kind"] != "work")}
    edges = [(e["source"], e["target"], e["type"]) for e in graph["edges"]
             if e["type"] in types and e["source"] in nodes and e["target"] in nodes]
    if not orphans:
        nodes = {n for n in nodes if any(n in (s, t) for s, t, _ in edges)}
    return nodes, edges


def node_point(page, node_id, selector="#atlas-graph"):
    return page.evaluate("""([sel, id]) => {
        const c = document.querySelector(sel);
        const net = c.atlasNetwork;
        net.moveTo({position: net.getPositions([id])[id], scale: 1.5, animation: false});
        const p = net.canvasToDOM(net.getPositions([id])[id]);
        const r = c.getBoundingClientRect();
        return {x: r.left + p.x, y: r.top + p.y};
    }""", [selector, node_id])


def paper_neighbourhood(graph, pid):
    """The paper, what it cites, what cites it, its curated relations either way, its top 5 related."""
    me = f"paper:{pid}"
    out = {me}
    for e in graph["edges"]:
        if e["type"] in {"cites"} | set(CURATED) and me in (e["source"], e["target"]):
            out |= {e["source"], e["target"]}
        if e["type"] == "related" and e["source"] == me:
            out.add(e["target"])
    return out


def as_drawn(edges):
    """Two papers in each other's top 5 have two `related` edges, drawn as one line: the edge
    whose source id sorts first."""
    edges = [tuple(e) for e in edges]
    related = {(s, t) for s, t, k in edges if k == "related"}
    return sorted((s, t, k) for s, t, k in edges if k != "related" or (t, s) not in related or s < t)


def click_node(page, node_id, selector="#atlas-graph"):
    pos = node_point(page, node_id, selector)
    page.mouse.click(pos["x"], pos["y"])


def test_global_graph_draws_exactly_the_nodes_of_graph_json(watch, site_url, graph, artifacts_dir):
    page = open_graph(watch, site_url)
    nodes, edges = expected_visible(graph)
    n_papers = sum(1 for n in graph["nodes"] if n["kind"] == "paper")
    got = drawn(page)
    assert got["nodes"] == sorted(nodes)
    assert got["drawnNodes"] == sorted(nodes)
    assert sorted(map(tuple, got["edges"])) == sorted(edges)
    assert not any(t == "related" for _, _, t in got["edges"])
    assert page.locator("#atlas-graph-status").inner_text().startswith(
        f"Showing {sum(1 for n in nodes if n.startswith('paper:'))} of {n_papers} papers")
    box = page.locator("#atlas-graph canvas").bounding_box()
    assert box["height"] >= 400 and box["width"] >= 400
    # Physics is off: nothing moves from where the build placed it.
    positions = page.evaluate("document.querySelector('#atlas-graph').atlasNetwork.getPositions()")
    for n in graph["nodes"]:
        if n["id"] in positions:
            assert (round(positions[n["id"]]["x"]), round(positions[n["id"]]["y"])) == (n["x"], n["y"])
    page.screenshot(path=str(artifacts_dir / "graph-global.png"))
    # With every filter off (orphans shown, related links ticked) it is every node and edge of graph.json.
    page.check("input[name=orphans]")
    page.check("input[name=edge_type][value=related]")
    got = drawn(page)
    assert got["nodes"] == sorted(n["id"] for n in graph["nodes"])
    assert sorted(map(tuple, got["edges"])) == as_drawn((e["source"], e["target"], e["type"]) for e in graph["edges"])
    assert any(k == "related" for _, _, k in got["edges"])
    watch.assert_clean()


def test_clicking_a_paper_node_opens_its_page_under_the_sub_path(watch, site_url):
    page = open_graph(watch, site_url)
    click_node(page, "paper:a-mem")
    page.wait_for_url("**/ml-systems-paper-atlas/papers/a-mem/", timeout=10000)
    assert page.locator("h1").inner_text().startswith("A-MEM")
    watch.assert_clean()


def test_hovering_a_node_shows_its_title_year_and_topics_as_plain_text(watch, site_url):
    page = open_graph(watch, site_url)
    pos = node_point(page, "paper:qlora")
    page.mouse.move(pos["x"] - 30, pos["y"] - 30)
    page.mouse.move(pos["x"], pos["y"], steps=5)
    tip = page.locator("div.vis-tooltip")
    tip.wait_for(state="visible", timeout=5000)
    # In the words of the text twin's line for the same node.
    assert tip.inner_text().splitlines() == [
        "QLoRA: Efficient Finetuning of Quantized LLMs", "paper · 2023 · Memory-efficient training"]
    # Set as text: innerText turns the line break into <br> and nothing else becomes markup.
    assert tip.evaluate("el => [...el.children].map(c => c.tagName)") == ["BR"]
    # Styled by atlas.css (the page does not load vis-network.css): a box over the graph that
    # does not catch the mouse.
    style = tip.evaluate("el => { const s = getComputedStyle(el); return [s.position, s.pointerEvents, s.whiteSpace]; }")
    assert style == ["absolute", "none", "pre-line"]
    watch.assert_clean()


def test_the_graph_page_fetches_its_script_and_data_once_each_from_the_head(watch, site_url, site_dir):
    """vis-network and graph.json are fetched from the top of <head>, side by side, and the graph
    script, run from there too, uses those downloads; vis-network's stylesheet is neither fetched
    nor shipped."""
    requests = []
    watch.page.on("request", lambda r: requests.append(r.url[len(site_url):]))
    page = open_graph(watch, site_url)
    assert requests.count("assets/vendor/vis-network/vis-network.min.js") == 1
    assert requests.count("downloads/graph.json") == 1
    assert [r for r in requests if r.endswith(".css") and "vis" in r] == []
    assert not (site_dir / "assets" / "vendor" / "vis-network" / "vis-network.css").exists()
    # Both were started from the head: vis-network by the <script> it made, the data by its
    # fetch(), and neither later by atlas-graph.js; the graph script ran from the head too.
    initiators = page.evaluate("""() => Object.fromEntries(performance.getEntriesByType('resource')
        .filter(e => /vis-network\\.min\\.js$|graph\\.json$/.test(e.name))
        .map(e => [e.name.split('/').pop(), e.initiatorType]))""")
    assert initiators == {"vis-network.min.js": "script", "graph.json": "fetch"}
    assert page.evaluate("[...document.head.querySelectorAll('script[src$=\"vis-network.min.js\"]')].length") == 1
    assert page.evaluate("document.head.querySelector('script[data-early-vis]').src") == site_url + "javascripts/atlas-graph.js"
    assert page.evaluate("[window.atlasGraphFetch, window.atlasGraphVis]") == [None, None]  # taken up by the graph script
    # graph.json is compact: one line, no indentation.
    raw = (site_dir / "downloads" / "graph.json").read_bytes()
    assert raw.count(b"\n") == 1 and raw.endswith(b"}\n") and b'", "' not in raw
    watch.assert_clean()


def test_the_graph_pans_and_zooms_from_the_keyboard_only_while_it_has_the_focus(watch, site_url):
    page = open_graph(watch, site_url)
    view = "() => { const n = document.querySelector('#atlas-graph').atlasNetwork; return [n.getViewPosition(), n.getScale()]; }"
    start = page.evaluate(view)
    # Typing in the search box moves nothing, and the mouse passing over the graph leaves the focus there.
    page.focus("#atlas-graph-query")
    page.keyboard.type("-[]=")
    for key in ("ArrowRight", "ArrowDown", "PageDown"):
        page.keyboard.press(key)
    box = page.locator("#atlas-graph canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=5)
    assert page.evaluate("document.activeElement.id") == "atlas-graph-query"
    assert page.input_value("#atlas-graph-query") == "-[]="
    assert page.evaluate(view) == start
    # Tab reaches the graph; then the arrow keys pan it, "-" zooms out and "+" in, as the page says.
    assert "the arrow keys pan and + and - zoom" in page.locator(".atlas-graph-page > p").first.inner_text()
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('#atlas-graph .vis-network')"):
            break
    assert page.evaluate("document.activeElement.matches('#atlas-graph .vis-network')")
    page.keyboard.down("ArrowRight")
    page.wait_for_timeout(250)
    page.keyboard.up("ArrowRight")
    moved = page.evaluate(view)
    assert moved[0]["x"] != pytest.approx(start[0]["x"], abs=1) and moved[1] == pytest.approx(start[1])
    page.keyboard.down("-")
    page.wait_for_timeout(250)
    page.keyboard.up("-")
    out = page.evaluate(view)[1]
    assert out < moved[1]
    page.keyboard.down("+")
    page.wait_for_timeout(250)
    page.keyboard.up("+")
    assert page.evaluate(view)[1] > out
    watch.assert_clean()


def test_searching_a_title_centres_and_highlights_its_neighbourhood(watch, site_url, graph):
    page = open_graph(watch, site_url)
    # Keyboard only: tab to the search box, type part of a title, press Enter.
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "atlas-graph-query":
            break
    assert page.evaluate("document.activeElement.id") == "atlas-graph-query"
    # Its suggestions are every paper title, sorted, filled in from the graph data.
    suggested = page.eval_on_selector_all("#atlas-graph-titles option", "els => els.map(e => e.value)")
    assert suggested == sorted(n["label"] for n in graph["nodes"] if n["kind"] == "paper")
    page.keyboard.type("zero-infinity")
    page.keyboard.press("Enter")
    page.wait_for_selector("#atlas-graph[data-focus='paper:zero-infinity']", timeout=5000)
    state = page.evaluate("""() => {
        const c = document.querySelector('#atlas-graph');
        const net = c.atlasNetwork;
        const opacity = {};
        c.atlasGraph.nodes.get().forEach(n => { opacity[n.id] = n.opacity; });
        return {selected: net.getSelectedNodes(), view: net.getViewPosition(),
                node: net.getPositions(['paper:zero-infinity'])['paper:zero-infinity'], opacity};
    }""")
    assert state["selected"] == ["paper:zero-infinity"]
    assert abs(state["view"]["x"] - state["node"]["x"]) < 1 and abs(state["view"]["y"] - state["node"]["y"]) < 1
    me = "paper:zero-infinity"
    near = {me} | {e["target"] for e in graph["edges"] if e["source"] == me and e["type"] in DEFAULT_TYPES} \
        | {e["source"] for e in graph["edges"] if e["target"] == me and e["type"] in DEFAULT_TYPES}
    assert len(near) > 2
    for nid, opacity in state["opacity"].items():
        assert opacity == (1 if nid in near else pytest.approx(0.12)), nid
    assert "ZeRO-Infinity" in page.locator("#atlas-graph-status").inner_text()
    page.click("button[data-action=clear]")
    assert page.get_attribute("#atlas-graph", "data-focus") is None
    watch.assert_clean()


LABELS = """() => { const o = {}; document.querySelector('#atlas-graph').atlasGraph.nodes.get()
    .forEach(n => { o[n.id] = n.label === undefined ? null : n.label; }); return o; }"""
ARROWS = """() => { const o = {}; document.querySelector('#atlas-graph').atlasGraph.edges.get()
    .forEach(e => { o[e.id] = e.arrows === undefined ? null : e.arrows; }); return o; }"""


def test_a_large_graph_labels_its_nodes_once_the_reader_zooms_in(watch, site_url, graph):
    """Above LAZY_LABELS_FROM nodes (lowered to 10 here) papers and outside works open without labels,
    and lines without arrowheads, which vis-network would not draw or would draw a pixel wide at the
    fitted scale; zooming in labels every node and gives every directed line its arrowhead."""
    page = open_graph(watch, site_url)
    full = page.evaluate(LABELS)  # 58 papers: below the threshold, labelled from the start
    assert all(full[n["id"]] for n in graph["nodes"])
    arrows = page.evaluate(ARROWS)
    directed = {"cites", *CURATED}
    assert arrows == {f"e{i}": "to" if e["type"] in directed else None for i, e in enumerate(graph["edges"])
                      if f"e{i}" in arrows}
    assert "to" in arrows.values()
    page.add_init_script("window.atlasGraphOptions = {lazyLabelsFrom: 10}")
    open_graph(watch, site_url)
    assert page.evaluate("document.querySelector('#atlas-graph').atlasNetwork.getScale()") < 0.7
    assert page.get_attribute("#atlas-graph", "data-detailed") is None
    lazy = page.evaluate(LABELS)
    assert set(page.evaluate(ARROWS).values()) == {None}
    # Only the topics and the papers named at every zoom (graph.json's `labelled`) have labels.
    assert {nid for nid, label in lazy.items() if label} == {n["id"] for n in graph["nodes"] if n["kind"] == "topic" or n.get("labelled")}
    assert {nid: label for nid, label in lazy.items() if label} == {nid: full[nid] for nid in lazy if lazy[nid]}
    # Zooming in with the mouse wheel: once close enough, every node has the label it would have had.
    box = page.locator("#atlas-graph canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(40):
        if page.evaluate("document.querySelector('#atlas-graph').atlasNetwork.getScale()") >= 0.7:
            break
        assert page.get_attribute("#atlas-graph", "data-detailed") is None
        page.mouse.wheel(0, -200)
        page.wait_for_timeout(50)
    page.wait_for_selector("#atlas-graph[data-detailed=true]", state="attached", timeout=5000)
    assert page.evaluate(LABELS) == full
    assert page.evaluate(ARROWS) == arrows
    watch.assert_clean()


def test_a_topic_filter_hides_the_other_topics_papers(watch, site_url, graph):
    page = open_graph(watch, site_url)
    for root in ("memory", "distributed-training", "other"):
        page.uncheck(f"input[name=root][value={root}]")
    hardware = {n["id"] for n in graph["nodes"] if n["kind"] == "paper" and "hardware" in n["roots"]}
    assert 0 < len(hardware) < sum(1 for n in graph["nodes"] if n["kind"] == "paper")
    got = {n for n in drawn(page)["nodes"] if n.startswith("paper:")}
    assert got == hardware
    # A subtopic narrows further, and its top-level topic comes back if it was unticked.
    page.select_option("select[name=subtopic]", "agent-memory")
    agent = {n["id"] for n in graph["nodes"] if n["kind"] == "paper" and "agent-memory" in n["topics"]}
    got = drawn(page)
    assert {n for n in got["nodes"] if n.startswith("paper:")} == agent
    assert {n for n in got["nodes"] if n.startswith("topic:")} == {"topic:memory", "topic:agent-memory"}
    assert page.is_checked("input[name=root][value=memory]")
    page.click("button[data-action=reset]")
    assert {n for n in drawn(page)["nodes"] if n.startswith("paper:")} == {n["id"] for n in graph["nodes"] if n["kind"] == "paper"}
    watch.assert_clean()


def test_year_edge_type_and_outside_work_filters(watch, site_url, graph):
    page = open_graph(watch, site_url)
    page.fill("input[name=year_from]", "2025")
    page.dispatch_event("input[name=year_from]", "change")
    recent = {n["id"] for n in graph["nodes"] if n["kind"] == "paper" and (n["year"] is None or n["year"] >= 2025)}
    assert {n for n in drawn(page)["nodes"] if n.startswith("paper:")} == recent
    page.uncheck("input[name=undated]")
    dated = {n["id"] for n in graph["nodes"] if n["kind"] == "paper" and n["year"] is not None and n["year"] >= 2025}
    assert dated < recent and {n for n in drawn(page)["nodes"] if n.startswith("paper:")} == dated
    page.click("button[data-action=reset]")
    page.uncheck("input[name=works]")
    page.uncheck("input[name=edge_type][value=topic]")
    nodes, edges = expected_visible(graph, types=DEFAULT_TYPES - {"topic"}, works=False)
    got = drawn(page)
    assert got["nodes"] == sorted(nodes)
    assert not any(n.startswith("work:") for n in got["nodes"])
    assert sorted(map(tuple, got["edges"])) == sorted(edges)
    # Without topic edges and outside works, a paper with no other visible link is an orphan: hidden.
    n_papers = sum(1 for n in graph["nodes"] if n["kind"] == "paper")
    assert len([n for n in got["nodes"] if n.startswith("paper:")]) < n_papers
    page.check("input[name=orphans]")
    assert len([n for n in drawn(page)["nodes"] if n.startswith("paper:")]) == n_papers
    watch.assert_clean()


def test_physics_is_off_until_asked_and_the_layout_can_be_restored(watch, site_url, graph):
    page = open_graph(watch, site_url)
    assert page.evaluate("document.querySelector('#atlas-graph').atlasNetwork.physics.options.enabled") is False
    page.check("input[name=physics]")
    assert page.evaluate("document.querySelector('#atlas-graph').atlasNetwork.physics.options.enabled") is True
    page.wait_for_function("""() => {
        const net = document.querySelector('#atlas-graph').atlasNetwork;
        const p = net.getPositions(['topic:memory'])['topic:memory'];
        const n = document.querySelector('#atlas-graph').atlasData.nodes.find(n => n.id === 'topic:memory');
        return Math.abs(p.x - n.x) + Math.abs(p.y - n.y) > 5;
    }""", timeout=10000)
    page.click("button[data-action=relayout]")
    assert not page.is_checked("input[name=physics]")
    positions = page.evaluate("document.querySelector('#atlas-graph').atlasNetwork.getPositions()")
    for n in graph["nodes"]:
        if n["id"] in positions:
            assert (round(positions[n["id"]]["x"]), round(positions[n["id"]]["y"])) == (n["x"], n["y"])
    watch.assert_clean()


def test_a_paper_page_local_graph_draws_its_neighbours(watch, site_url, graph, artifacts_dir):
    page = open_graph(watch, site_url, "papers/qlora/", "#paper-graph")
    me = "paper:qlora"
    expected = paper_neighbourhood(graph, "qlora")
    got = drawn(page, "#paper-graph")
    assert got["nodes"] == sorted(expected)
    # Drawn from the page's JSON; the twin, rendered from the same view, lists the same links.
    listed = page.eval_on_selector_all(
        "#paper-graph-text li[data-source]", "els => els.map(e => [e.dataset.source, e.dataset.target, e.parentNode.dataset.edgeType])")
    assert sorted(map(tuple, got["edges"])) == as_drawn(map(tuple, listed))
    assert {"paper:lora", "work:chatgpt"} <= expected  # LoRA, once an outside work, is an atlas paper now
    similar = next(e["target"] for e in graph["edges"] if e["type"] == "related" and e["source"] == me)
    assert {(me, similar, "related"), (similar, me, "related")} & set(map(tuple, got["edges"]))
    assert (me, "paper:lora", "uses") in map(tuple, got["edges"])
    # The twin beside it names the same nodes: its focus, and the other end of each link.
    twin = page.eval_on_selector_all("#paper-graph-text [data-node]", "els => els.map(e => e.dataset.node)")
    assert page.get_attribute("#paper-graph-text", "data-focus") == me
    assert sorted(set(twin) | {me}) == got["nodes"] and me not in twin
    page.locator("#paper-graph").scroll_into_view_if_needed()
    page.locator("#paper-graph").screenshot(path=str(artifacts_dir / "graph-local-qlora.png"))
    click_node(page, similar, "#paper-graph")
    page.wait_for_url(f"**/ml-systems-paper-atlas/papers/{similar[6:]}/", timeout=10000)
    page.wait_for_selector("#paper-graph[data-ready=true]", timeout=15000)
    watch.assert_clean()


def rgb(hex_colour: str) -> str:
    return "rgb({}, {}, {})".format(*(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)))


def test_colours_and_lines_come_from_the_build_vocabulary(watch, site_url):
    """Nodes, edges and legend samples are drawn in the topic colours and edge styles of
    javascripts/atlas-vocabulary.js (from scripts/atlas/vocabulary.yml), loaded once; the
    topic chips take their light and dark colours from the generated atlas-vocabulary.css."""
    requests = []
    watch.page.on("request", lambda r: requests.append(r.url[len(site_url):]))
    page = open_graph(watch, site_url, "papers/qlora/", "#paper-graph")
    assert requests.count("javascripts/atlas-vocabulary.js") == 1
    assert requests.count("stylesheets/atlas-vocabulary.css") == 1
    topics, lines = VOCABULARY["topics"], {t: r["line"] for t, r in VOCABULARY["relations"].items()}
    drawn_items = page.evaluate("""() => { const g = document.querySelector('#paper-graph').atlasGraph;
        return {nodes: g.nodes.get(), edges: g.edges.get().map(e => Object.assign(e, {type: g.data.edges[Number(e.id.slice(1))].type}))}; }""")
    assert next(n["color"] for n in drawn_items["nodes"] if n["id"] == "paper:qlora") == topics["memory"]["light"]
    uses = next(e for e in drawn_items["edges"] if (e["from"], e["to"], e["type"]) == ("paper:qlora", "paper:lora", "uses"))
    assert (uses["color"], uses["width"], uses["dashes"], uses["smooth"], uses["arrows"]) == tuple(
        lines["uses"][k] for k in ("color", "width", "dashes", "smooth", "arrows"))
    samples = page.eval_on_selector_all("svg[data-edge-type]", """els => els.map(s => [s.dataset.edgeType,
        s.querySelector('line').getAttribute('stroke'), s.querySelector('line').getAttribute('stroke-dasharray'), !!s.querySelector('path')])""")
    assert {t for t, *_ in samples} >= {"cites", "uses", "related"}
    for t, stroke, dashes, arrow in samples:
        assert (stroke, dashes, arrow) == (lines[t]["color"], " ".join(map(str, lines[t]["dashes"])) if lines[t]["dashes"] else None,
                                           bool(lines[t]["arrows"])), t
    chip = ".atlas-paper-meta .atlas-root-memory"
    assert page.eval_on_selector(chip, "e => getComputedStyle(e).color") == rgb(topics["memory"]["light"])
    page.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")  # the dark scheme (links fade to it)
    assert page.eval_on_selector(chip, "e => getComputedStyle(e).getPropertyValue('--atlas-memory').trim()") == topics["memory"]["dark"]
    watch.assert_clean()


def test_a_topic_page_draws_its_topic_graph(watch, site_url, graph):
    page = open_graph(watch, site_url, "topics/hardware/", "#topic-graph")
    got = drawn(page, "#topic-graph")
    hardware = {n["id"] for n in graph["nodes"] if n["kind"] == "paper" and "hardware" in n["roots"]}
    subtopics = {n["id"] for n in graph["nodes"] if n["kind"] == "topic" and n["root"] == "hardware"}
    assert set(got["nodes"]) == hardware | subtopics
    watch.assert_clean()


def test_graphs_draw_after_instant_navigation(watch, self_hosted_url, graph):
    """Material's instant navigation swaps pages without reloading scripts; the graphs still draw.
    (It takes over only links to pages its sitemap.xml names: the site built for this server.)"""
    site_url = self_hosted_url
    page = watch.page
    page.goto(site_url)
    page.wait_for_load_state("networkidle")
    page.evaluate("window.atlasNotReloaded = true")
    page.click("a.md-tabs__link:has-text('Graph')")
    page.wait_for_selector("#atlas-graph[data-ready=true]", timeout=15000)
    assert page.url == site_url + "graph/"
    assert int(page.get_attribute("#atlas-graph", "data-node-count")) == len(expected_visible(graph)[0])
    page.click("a.md-tabs__link:has-text('Papers')")
    page.wait_for_url("**/ml-systems-paper-atlas/papers/")
    page.click("a:has-text('QLoRA: Efficient Finetuning')")
    page.wait_for_selector("#paper-graph[data-ready=true]", timeout=15000)
    assert int(page.get_attribute("#paper-graph", "data-node-count")) == len(paper_neighbourhood(graph, "qlora"))
    assert page.evaluate("window.atlasNotReloaded") is True  # every step was instant: no page load
    watch.assert_clean()


def test_opened_directly_the_graph_page_hands_over_to_search_and_instant_navigation(watch, self_hosted_url, graph):
    """The Graph page runs its graph script from the <head>, before the theme's script (Graph first):
    the theme still sets up search there, the script runs once, and the pages that instant
    navigation brings next still get their graphs."""
    site_url = self_hosted_url
    page = open_graph(watch, site_url)
    assert page.evaluate("document.head.querySelectorAll('script[data-early-vis]').length") == 1
    assert page.evaluate("typeof window.document$.subscribe") == "function"  # Material is running
    box = page.locator("input.md-search__input")
    box.click()
    box.type("QLoRA", delay=20)
    page.wait_for_function("() => [...document.querySelectorAll('.md-search-result__item h1')]"
                           ".some(h => h.innerText.includes('QLoRA'))", timeout=20000)
    page.keyboard.press("Escape")
    page.evaluate("window.atlasNotReloaded = true")
    page.click("a.md-tabs__link:has-text('Papers')")
    page.wait_for_url("**/ml-systems-paper-atlas/papers/")
    page.click(".md-content a:has-text('QLoRA: Efficient Finetuning')")  # not the search results
    page.wait_for_selector("#paper-graph[data-ready=true]", timeout=15000)
    assert page.evaluate("window.atlasNotReloaded") is True  # instant navigation, not a page load
    assert int(page.get_attribute("#paper-graph", "data-node-count")) == len(paper_neighbourhood(graph, "qlora"))
    # Back to the Graph page the same way: drawn again, from the data already fetched.
    page.click("a.md-tabs__link:has-text('Graph')")
    page.wait_for_selector("#atlas-graph[data-ready=true]", timeout=15000)
    assert page.evaluate("window.atlasNotReloaded") is True
    assert int(page.get_attribute("#atlas-graph", "data-node-count")) == len(expected_visible(graph)[0])
    watch.assert_clean()


def test_the_early_graph_script_waits_for_the_stylesheets_that_size_the_graph(watch, site_url):
    """Graph first draws once the page is read past the graph; the parser only gets there after the
    stylesheets, at the theme's inline script that follows them in <head>, so the graph is never
    sized before its CSS (atlas-graph.js counts on this instead of checking)."""
    page = watch.page
    held = []
    page.route("**/stylesheets/atlas.css", lambda route: held.append(route))
    page.goto(site_url + "graph/", wait_until="commit")
    page.wait_for_timeout(1000)  # time enough to fetch and run vis-network and the data (see bench)
    assert len(held) == 1
    assert page.evaluate("[!!document.getElementById('atlas-graph-text'), !!document.querySelector('.atlas-graph[data-started]')]") == [False, False]
    held[0].continue_()
    page.wait_for_selector("#atlas-graph[data-ready=true]", timeout=15000)
    sizes = page.evaluate("""() => { const c = document.querySelector('#atlas-graph');
        return [c.clientWidth, c.clientHeight, c.querySelector('canvas').clientWidth, c.querySelector('canvas').clientHeight]; }""")
    assert sizes[0] == sizes[2] and sizes[1] == sizes[3] and sizes[1] >= 300  # atlas.css gives the graph its height
    watch.assert_clean()


@pytest.mark.parametrize("missing, says", [("assets/vendor/vis-network/vis-network.min.js", "could not load"),
                                            ("downloads/graph.json", "graph data: HTTP 503"),
                                            ("javascripts/atlas-vocabulary.js", "could not load atlas-vocabulary.js")])
def test_when_a_file_the_graph_needs_fails_the_page_says_so_and_keeps_its_text(browser, site_url, missing, says):
    """The <head> starts both downloads; when one fails, the graph script tries at most once more
    and then says in the graph's place that it could not be drawn."""
    context = browser.new_context()
    asked = []

    def route(r):
        if not r.request.url.startswith("http://127.0.0.1"):
            return r.abort()
        if r.request.url == site_url + missing:
            asked.append(missing)
            return r.fulfill(status=503, body="unavailable")
        return r.continue_()

    context.route("**/*", route)
    page = context.new_page()
    page.goto(site_url + "graph/")
    page.wait_for_selector("#atlas-graph[data-error]", timeout=15000)
    assert says in page.get_attribute("#atlas-graph", "data-error")
    assert page.text_content("#atlas-graph").startswith("The graph could not be drawn (")
    assert page.get_attribute("#atlas-graph", "data-ready") is None
    # From the head, then once more as the page loads, unless the page had loaded before the
    # first failure came back (then both waited on that one request).
    assert asked in ([missing], [missing, missing])
    assert page.locator("#atlas-graph-text li").count() > 10  # the graph as text is still there
    context.close()


def test_on_a_phone_the_filters_start_folded_and_the_graph_is_on_the_first_screen(browser, site_url, graph):
    context = browser.new_context(viewport={"width": 390, "height": 800}, is_mobile=True, has_touch=True)
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("http://127.0.0.1") else r.abort())
    page = context.new_page()
    page.goto(site_url + "graph/")
    page.wait_for_selector("#atlas-graph[data-ready=true]", timeout=15000)
    assert page.evaluate("document.querySelector('details.atlas-graph-filters').open") is False
    box = page.locator("#atlas-graph canvas").bounding_box()
    assert box["y"] < 800 and box["height"] >= 300
    page.click("details.atlas-graph-filters > summary")
    page.uncheck("input[name=root][value=memory]")
    papers = [n for n in graph["nodes"] if n["kind"] == "paper"]
    rest = [n for n in papers if set(n["roots"]) - {"memory"}]
    assert f"Showing {len(rest)} of {len(papers)} papers" in page.locator("#atlas-graph-status").inner_text()
    context.close()


def test_every_graph_control_has_a_label_and_is_reached_by_the_tab_key(watch, site_url):
    page = open_graph(watch, site_url)
    controls = page.evaluate("""() => [...document.querySelectorAll('#atlas-graph-controls input, #atlas-graph-controls select, #atlas-graph-controls button')]
        .map((el, i) => { el.dataset.testIndex = i;
            const label = el.labels && el.labels.length ? [...el.labels].map(l => l.textContent).join(' ') : el.textContent;
            return {i, name: label.trim(), tag: el.tagName}; })""")
    assert len(controls) >= 20
    assert [c for c in controls if not c["name"]] == []
    page.focus("#atlas-graph-query")
    reached = set()
    for _ in range(len(controls) + 10):
        index = page.evaluate("document.activeElement.dataset.testIndex")
        if index is not None:
            reached.add(int(index))
        page.keyboard.press("Tab")
    assert reached == {c["i"] for c in controls}
    # And the keyboard works them: Space unticks a topic, and the graph follows.
    page.focus("input[name=root][value=memory]")
    page.keyboard.press("Space")
    assert not page.is_checked("input[name=root][value=memory]")
    memory_only = page.evaluate("""() => {
        const g = document.querySelector('#atlas-graph').atlasGraph;
        return g.nodeView.getIds().filter(id => id.startsWith('paper:') && g.byId[id].roots.join() === 'memory');
    }""")
    assert memory_only == []
    watch.assert_clean()


def test_a_large_atlas_graph_page_opens_on_the_topic_overview_with_the_full_map_one_link_away(watch, site_url, site_dir, graph):
    """The graph page as a large atlas serves it (the build adds data-graph-overview from 2,000
    papers; here the real page is given the attribute on its way to the browser)."""
    import math
    import re

    overview = json.loads((site_dir / "downloads" / "graph-overview.json").read_text(encoding="utf-8"))

    def add_overview(route):
        response = route.fetch()
        body = response.text()
        assert 'data-graph="../downloads/graph.json"' in body
        body = body.replace('data-graph="../downloads/graph.json"',
                            'data-graph="../downloads/graph.json" data-graph-overview="../downloads/graph-overview.json"', 1)
        # The <head> preloads the overview, or the full map for ?map=full (front matter atlas_preload_*).
        assert 'data-fetch="../downloads/graph.json"\n' in body
        body = body.replace('data-fetch="../downloads/graph.json"\n',
                            'data-fetch="../downloads/graph-overview.json" data-full="../downloads/graph.json"\n', 1)
        route.fulfill(response=response, body=body)

    data_requests = []
    watch.page.on("request", lambda r: "/downloads/" in r.url and data_requests.append(r.url.split("/downloads/")[1]))
    watch.page.route(re.compile(r".*/graph/(\?.*)?$"), add_overview)
    page = open_graph(watch, site_url)
    assert page.get_attribute("#atlas-graph", "data-overview") == "true"
    assert data_requests == ["graph-overview.json"]  # preloaded, and used: one request, not the full map
    got = drawn(page)
    assert got["nodes"] == sorted(n["id"] for n in overview["nodes"]) == got["drawnNodes"]
    assert sorted(got["edges"]) == sorted([e["source"], e["target"], e["type"]] for e in overview["edges"])
    heaviest = max(range(len(overview["edges"])), key=lambda i: overview["edges"][i]["weight"])
    edge = page.evaluate("(id) => document.querySelector('#atlas-graph').atlasNetwork.body.data.edges.get(id)", f"e{heaviest}")
    w = overview["edges"][heaviest]["weight"]
    assert edge["title"].startswith(f"{w} ") and edge["width"] == pytest.approx(1 + math.log2(w))  # wider for more links
    assert "Topic-level overview" in page.text_content("#atlas-graph-status")
    # ?map=full: the full map with its filters, as on a small atlas.
    page.goto(site_url + "graph/?map=full")
    page.wait_for_selector("#atlas-graph[data-ready=true]", timeout=15000)
    assert page.get_attribute("#atlas-graph", "data-overview") is None
    assert data_requests == ["graph-overview.json", "graph.json"]
    nodes, edges = expected_visible(graph)
    assert set(drawn(page)["drawnNodes"]) == nodes
    watch.assert_clean()


# What a graph names legibly right now: every drawn node whose label is at least 11.5 px high on
# screen and lies within the picture, and how much of the canvas is painted.
AT_FIRST_SIGHT = """(sel) => {
    const c = document.querySelector(sel), net = c.atlasNetwork, scale = net.getScale();
    const box = c.getBoundingClientRect(), named = [], hidden = [];
    for (const id of c.atlasGraph.nodeView.getIds()) {
        const n = net.body.nodes[id], px = n.options.font.size * scale, p = net.canvasToDOM({x: n.x, y: n.y});
        if (!n.options.label) continue;
        if (px >= 11.5 && p.x >= 0 && p.x <= box.width && p.y >= 0 && p.y <= box.height) named.push(id);
        else if (px < 8) hidden.push(id);  // below NETWORK_NODES' drawThreshold - 1: not drawn
    }
    const canvas = c.querySelector('canvas');
    const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let ink = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i] > 0) ink++;
    return {named: named.sort(), hidden: hidden.sort(), ink: ink / (px.length / 4), scale: scale};
}"""
MAP_PAGES = {"graph": ("graph/", "#atlas-graph"), "topic": ("topics/memory/", "#topic-graph"), "paper": ("papers/zero/", "#paper-graph")}
MAP_SIZES = {"desktop": {"viewport": {"width": 1280, "height": 800}},
             "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", MAP_SIZES)
@pytest.mark.parametrize("name", MAP_PAGES)
def test_each_graph_names_its_topics_and_most_cited_papers_at_first_sight(make_watch, site_url, graph, artifacts_dir, name, size, scheme):
    """The global map, a topic's graph and a paper's star as a reader first sees them, at desktop
    and phone size in both colour schemes (screenshots: test-artifacts/screenshots/map-*.png):
    drawn, with topic names and the most-cited papers' short names ("ZeRO · 2019") legible on
    screen and every other paper's name left for zooming in; a paper's star names papers on both
    sides of its citations, what it cites and what cites it."""
    w = make_watch(color_scheme=scheme, **MAP_SIZES[size])
    path, selector = MAP_PAGES[name]
    page = open_graph(w, site_url, path, selector)
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == {"light": "default", "dark": "slate"}[scheme]
    page.locator(selector).scroll_into_view_if_needed()
    page.locator(selector).screenshot(path=str(artifacts_dir / f"map-{name}-{size}-{scheme}.png"))
    seen = page.evaluate(AT_FIRST_SIGHT, selector)
    assert seen["ink"] > 0.01, seen["ink"]  # the canvas is painted, not blank
    by_id = {n["id"]: n for n in graph["nodes"]}
    named = set(seen["named"])
    labels = page.evaluate("(sel) => Object.fromEntries(document.querySelector(sel).atlasGraph.nodes.get().map(n => [n.id, n.label || null]))", selector)
    for nid in named & {n for n in by_id if n.startswith("paper:")}:
        assert labels[nid] == by_id[nid]["short"]  # "ZeRO · 2019", as the build wrote it
    if name == "paper":
        cites = {e["target"] for e in graph["edges"] if e["source"] == "paper:zero" and e["type"] == "cites"}
        cited_by = {e["source"] for e in graph["edges"] if e["target"] == "paper:zero" and e["type"] == "cites"}
        assert named & cites and named & cited_by and len(named) >= {"desktop": 15, "phone": 8}[size], sorted(named)
        return w.assert_clean()
    roots = {n for n in named if by_id[n]["kind"] == "topic" and by_id[n]["level"] == 0}
    most_cited = {n for n in named if by_id[n].get("labelled")}
    if name == "topic":  # the page's own topic, and at least one of its most-cited papers
        assert "topic:memory" in named and len(most_cited) >= {"desktop": 2, "phone": 1}[size], sorted(named)
    else:
        assert len(roots) >= {"desktop": 3, "phone": 2}[size] and len(most_cited) >= {"desktop": 3, "phone": 1}[size], sorted(named)
    assert named <= {n for n in by_id if n.startswith("topic:") or by_id[n].get("labelled")}
    # Every other paper's name waits for the reader to zoom in (or hover).
    others = {n["id"] for n in graph["nodes"] if n["kind"] == "paper" and not n["labelled"]} & set(labels)
    assert others <= set(seen["hidden"]), sorted(others - set(seen["hidden"]))[:5]
    w.assert_clean()
