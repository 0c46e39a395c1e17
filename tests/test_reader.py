"""The reader's experience, in a real Chromium against the real build served under the sub-path.

Accessibility (axe-core from npm, injected into each page type, light and dark), keyboard
focus on the graph page, phones (no horizontal overflow, touch on the graph), what a paper
page transfers, the 404 page, share previews (OpenGraph), the Material features readers
expect (instant navigation, back-to-top, copy buttons), and screenshots of every page type at
desktop and phone size in both colour schemes, written to test-artifacts/screenshots/.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import ARTIFACTS, DATA, N_PAPERS, ROOT, SUBPATH

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PAGES = {
    "home": "",
    "topic": "topics/memory/",
    "paper": "papers/qlora/",
    "papers-index": "papers/",
    "graph": "graph/",
}
MORE_PAGES = {"topics-index": "topics/", "404": "no-such-page/"}
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SCHEMES = {"light": "default", "dark": "slate"}  # prefers-color-scheme -> Material's data-md-color-scheme


def load(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    if page.locator(".atlas-graph[data-graph]").count():
        page.wait_for_selector(".atlas-graph[data-ready=true]", timeout=15000)


def axe_violations(page) -> list[dict]:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make test` (it runs `npm ci` from package-lock.json)")
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary.replace(/\\s+/g, ' '))}));
    }""")


# --- accessibility -------------------------------------------------------------------------

@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", [*PAGES, *MORE_PAGES])
def test_no_serious_accessibility_violation(make_watch, site_url, artifacts_dir, name, scheme):
    w = make_watch(viewport=DESKTOP, color_scheme=scheme)
    load(w.page, site_url + {**PAGES, **MORE_PAGES}[name])
    assert w.page.evaluate("document.body.getAttribute('data-md-color-scheme')") == SCHEMES[scheme]
    w.page.screenshot(path=str(artifacts_dir / f"{name}-desktop-{scheme}.png"), full_page=True)
    found = axe_violations(w.page)
    serious = [v for v in found if v["impact"] in ("serious", "critical")]
    assert serious == [], json.dumps(serious, indent=1)
    if name == "404":
        forgive_missing_pages(w, "no-such-page/")
    w.assert_clean()


def forgive_missing_pages(w, *addresses: str) -> None:
    """Drop the 404s of the pages a test asks for on purpose (and Chromium's console line for
    each); anything else that failed still fails the test."""
    mine = [f for f in w.failed if any(a in f for a in addresses) and f.endswith("HTTP 404")]
    assert len(mine) == len(addresses), w.failed
    w.failed[:] = [f for f in w.failed if f not in mine]
    notes = [e for e in w.errors if e.startswith("Failed to load resource") and "404" in e]
    assert len(notes) == len(mine), w.errors
    w.errors[:] = [e for e in w.errors if e not in notes]


def test_axe_finds_a_planted_contrast_failure(make_watch, site_url):
    """The check above can fail: grey-on-grey text planted in a page is reported."""
    w = make_watch(viewport=DESKTOP)
    load(w.page, site_url + PAGES["paper"])
    w.page.evaluate("""() => { const p = document.createElement('p');
        p.textContent = 'planted'; p.style.color = '#bbb'; p.style.background = '#fff';
        document.querySelector('.md-content article').append(p); }""")
    ids = {v["id"] for v in axe_violations(w.page) if v["impact"] in ("serious", "critical")}
    assert "color-contrast" in ids


FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]"


def test_every_control_of_the_graph_page_is_reached_by_tab_and_shows_focus(make_watch, site_url):
    w = make_watch(viewport=DESKTOP)
    page = w.page
    load(page, site_url + PAGES["graph"])
    total = page.evaluate(f"""() => {{
        const all = [...document.querySelectorAll({FOCUSABLE!r})].filter(e =>
            e.tabIndex >= 0 && !e.disabled && e.getClientRects().length > 0);
        // The controls and the graph; the text twin's hundreds of links are plain links.
        all.filter(e => e.closest('.atlas-graph-page') && !e.closest('.atlas-twin'))
           .forEach((e, i) => e.setAttribute('data-kbd', i));
        return all.length;
    }}""")
    wanted = page.evaluate("document.querySelectorAll('.atlas-graph-page [data-kbd]').length")
    # The text twin link, the graph itself (vis-network's focusable frame) and graph.json at least.
    assert wanted >= 3
    reached: dict[str, dict] = {}
    for _ in range(total + 10):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
            return {kbd: e.getAttribute('data-kbd'), tag: e.tagName, cls: String(e.className),
                    visible: e.matches(':focus-visible') && ((s.outlineStyle !== 'none' &&
                             parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none')}; }""")
        if info["kbd"] is None or info["kbd"] in reached:
            continue
        # The ring must show on screen, not merely be declared: the pixels around the element change.
        focused = shot_around(page)
        page.keyboard.press("Shift+Tab")
        unfocused = shot_around(page, f"[data-kbd='{info['kbd']}']")
        page.keyboard.press("Tab")
        info["pixels_change"] = focused != unfocused
        reached[info["kbd"]] = info
    assert sorted(reached, key=int) == [str(i) for i in range(wanted)]
    assert [i for i in reached.values() if not (i["visible"] and i["pixels_change"])] == []
    w.assert_clean()


def shot_around(page, selector: str | None = None) -> bytes:
    handle = page.evaluate_handle(f"document.querySelector({selector!r})" if selector else "document.activeElement")
    box = handle.as_element().bounding_box()
    view = page.viewport_size
    x, y = max(box["x"] - 5, 0), max(box["y"] - 5, 0)
    clip = {"x": x, "y": y, "width": min(box["width"] + 10, view["width"] - x),
            "height": min(box["height"] + 10, view["height"] - y)}
    return page.screenshot(clip=clip, animations="disabled", caret="hide")


def test_graph_page_controls_work_from_the_keyboard(make_watch, site_url):
    """Every checkbox, text field and link on the graph page responds to the keyboard."""
    w = make_watch(viewport=DESKTOP)
    page = w.page
    load(page, site_url + PAGES["graph"])
    controls = page.locator(".atlas-graph-page input[type=checkbox]:visible, .atlas-graph-page input[type=radio]:visible")
    for i in range(controls.count()):
        box = controls.nth(i)
        before = box.is_checked()
        box.focus()
        page.keyboard.press("Space")
        assert box.is_checked() != before or box.get_attribute("type") == "radio" and before
    fields = page.locator(".atlas-graph-page input[type=search]:visible, .atlas-graph-page input[type=text]:visible")
    for i in range(fields.count()):
        fields.nth(i).focus()
        page.keyboard.type("zz")
        assert fields.nth(i).input_value().endswith("zz")
        fields.nth(i).fill("")
    twin = page.locator(".atlas-text-twin a", has_text="All papers")
    twin.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**" + SUBPATH + "papers/")
    w.assert_clean()


# --- phones ----------------------------------------------------------------------------------

@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", PAGES)
def test_nothing_overflows_a_phone_screen(make_watch, site_url, artifacts_dir, name, scheme):
    w = make_watch(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, color_scheme=scheme)
    load(w.page, site_url + PAGES[name])
    width = w.page.evaluate("document.documentElement.scrollWidth")
    wide = w.page.evaluate("""() => [...document.querySelectorAll('.md-content *')]
        .filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.atlas-papers-index, pre'))
        .slice(0, 5).map(e => e.tagName + '.' + e.className)""")
    w.page.screenshot(path=str(artifacts_dir / f"{name}-phone-{scheme}.png"), full_page=True)
    assert width <= PHONE["width"], wide
    assert wide == []
    serious = [v for v in axe_violations(w.page) if v["impact"] in ("serious", "critical")]
    assert serious == [], json.dumps(serious, indent=1)
    w.assert_clean()


def test_graph_on_a_phone_pans_zooms_and_opens_a_paper_by_touch(make_watch, site_url):
    w = make_watch(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page = w.page
    load(page, site_url + PAGES["graph"])
    twin = page.locator(".atlas-text-twin")
    assert twin.is_visible()
    assert {a.evaluate("a => a.href") for a in twin.locator("a").all()} == {site_url + "topics/", site_url + "papers/"}
    graph = page.locator(".atlas-graph")
    graph.scroll_into_view_if_needed()
    box = graph.bounding_box()
    assert box["width"] >= PHONE["width"] - 40 and box["height"] >= 400
    cdp = page.context.new_cdp_session(page)
    # A drag that starts on a node moves that node: pan from the empty spot nearest the middle.
    spot = page.evaluate("""() => { const c = document.querySelector('.atlas-graph'), net = c.atlasNetwork;
        const w = c.clientWidth, h = c.clientHeight;
        for (let r = 0; r < Math.min(w, h) / 2; r += 10) for (let a = 0; a < 360; a += 30) {
            const p = {x: w / 2 + r * Math.cos(a * Math.PI / 180), y: h / 2 + r * Math.sin(a * Math.PI / 180)};
            if (net.getNodeAt(p) === undefined && net.getEdgeAt(p) === undefined) return p;
        } }""")
    cx, cy = box["x"] + spot["x"], box["y"] + spot["y"]

    def touch(kind, points):
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [
            {"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]})

    def view():
        return page.evaluate("""() => { const n = document.querySelector('.atlas-graph').atlasNetwork;
            return [n.getViewPosition(), n.getScale()]; }""")

    start = view()
    touch("touchStart", [(cx, cy)])
    for k in range(1, 11):
        touch("touchMove", [(cx + 8 * k, cy + 5 * k)])
    touch("touchEnd", [])
    panned = view()
    assert abs(panned[0]["x"] - start[0]["x"]) > 50 and panned[1] == start[1]
    touch("touchStart", [(cx - 20, cy), (cx + 20, cy)])
    for k in range(1, 11):
        touch("touchMove", [(cx - 20 - 8 * k, cy), (cx + 20 + 8 * k, cy)])
    touch("touchEnd", [])
    assert view()[1] > 2 * panned[1]
    pos = page.evaluate("""() => {
        const c = document.querySelector('.atlas-graph'), net = c.atlasNetwork;
        const at = net.getPositions(['paper:qlora'])['paper:qlora'];
        net.moveTo({position: at, scale: 1.5, animation: false});
        const p = net.canvasToDOM(at), r = c.getBoundingClientRect();
        return {x: r.left + p.x, y: r.top + p.y};
    }""")
    page.touchscreen.tap(pos["x"], pos["y"])
    page.wait_for_url("**" + SUBPATH + "papers/qlora/", timeout=10000)
    w.assert_clean()


# --- what a page transfers -------------------------------------------------------------------

def transfers(w, url: str) -> dict[str, int]:
    """URL path -> bytes on the wire (headers and body) for everything the page loads."""
    sizes: dict[str, int] = {}

    def done(request):
        s = request.sizes()
        sizes[urlsplit(request.url).path] = s["responseHeadersSize"] + s["responseBodySize"]

    w.page.on("requestfinished", done)
    load(w.page, url)
    w.page.wait_for_timeout(300)
    w.page.remove_listener("requestfinished", done)
    return sizes


def test_a_paper_page_transfers_little_beyond_the_shared_theme_assets(make_watch, site_url):
    home = transfers(make_watch(), site_url)
    w = make_watch()
    paper = transfers(w, site_url + PAGES["paper"])
    own = {path: n for path, n in paper.items() if path not in home}
    # vis-network and graph data (a paper's star: graph.json beside its page) load only where a
    # graph is drawn (the home page has none). The graph script and its vocabularies are shared.
    star = SUBPATH + PAGES["paper"] + "graph.json"
    graph_files = {p for p in own if "/vendor/vis-network/" in p or "/downloads/" in p or p == star}
    if not w.page.locator(".atlas-graph[data-graph]").count():
        assert graph_files == set()
    else:
        assert star in graph_files and own[star] < 20_000
    assert set(own) - graph_files == {SUBPATH + PAGES["paper"]}, own  # its HTML; the rest is shared
    report = {"paper page": SUBPATH + PAGES["paper"], "own bytes": sum(own.values()),
              "shared bytes": sum(n for p, n in paper.items() if p not in own),
              "requests": dict(sorted(paper.items()))}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "transfer-paper-page.json").write_text(json.dumps(report, indent=1) + "\n")
    print(f"\npaper page: {report['own bytes']} bytes of its own, {report['shared bytes']} shared "
          f"({len(paper)} requests); see test-artifacts/transfer-paper-page.json")
    w.assert_clean()


# --- the 404 page --------------------------------------------------------------------------------

def test_a_missing_address_gets_a_styled_404_with_working_links_and_search(make_watch, site_url):
    w = make_watch()
    page = w.page
    response = page.goto(site_url + "papers/qlora-v2/old/")
    page.wait_for_load_state("networkidle")
    assert response.status == 404
    assert page.title() == "Page not found - ML Systems Paper Atlas"
    assert page.locator("h1").inner_text() == "Page not found"
    # Theme and stylesheet loaded from under the sub-path: the header is Material's indigo bar.
    assert page.evaluate("getComputedStyle(document.querySelector('.md-header')).backgroundColor") == "rgb(64, 81, 181)"
    query = page.locator("#atlas-404-query")
    assert query.input_value() == "old"
    query.fill("QLoRA")
    query.press("Enter")
    page.wait_for_url("**" + SUBPATH + "?q=QLoRA")
    result = page.locator(".md-search-result__link", has_text="QLoRA").first
    result.wait_for(timeout=10000)
    assert page.evaluate("document.querySelector('[data-md-toggle=search]').checked")
    page.goto(site_url + "a/b/c/")
    page.locator(".atlas-404-links a", has_text="All papers").click()
    page.wait_for_url("**" + SUBPATH + "papers/")
    assert page.locator(".atlas-papers-index tbody tr").count() == N_PAPERS
    forgive_missing_pages(w, "papers/qlora-v2/old/", "a/b/c/")
    w.assert_clean()


# --- the home page ------------------------------------------------------------------------------

def test_home_page_says_what_the_atlas_covers_with_counts_and_entry_points(site_dir):
    from atlas.build import load_atlas

    atlas, _ = load_atlas(DATA)
    home = (site_dir / "index.html").read_text(encoding="utf-8")
    assert "<title>ML Systems Paper Atlas</title>" in home and '<h1 id="ml-systems-paper-atlas">' in home
    assert f"<strong>{len(atlas.papers)}</strong> papers" in home
    dates = sorted(p.published for p in atlas.papers.values() if p.published)
    assert f"published <strong>{dates[0]}</strong> to <strong>{dates[-1]}</strong>" in home
    coverage = home.split('<h2 id="coverage">', 1)[1].split('<h2 id="newest">', 1)[0]
    for tid, topic in atlas.topics.items():
        n = len(atlas.papers_in(tid))
        if topic.parent is None:
            assert f'href="topics/{tid}/">{topic.name}</a> <span class="atlas-muted">{n} papers</span>' in coverage
        else:
            assert f'href="topics/{tid}/">{topic.name}</a> <span class="atlas-muted">{n}</span>' in coverage
    newest = home.split('<h2 id="newest">', 1)[1]
    for paper in atlas.newest(8):
        assert f'href="papers/{paper.id}/"' in newest
    entry = home.split('class="atlas-entry-points"', 1)[1].split("</nav>", 1)[0]
    for href in ("topics/memory/", "topics/distributed-training/", "topics/hardware/", "papers/", "graph/"):
        assert f'href="{href}"' in entry
    assert 'href="downloads/graph.json"' in home and 'href="downloads/papers.bib"' in home


# --- share previews --------------------------------------------------------------------------

class _Meta(HTMLParser):
    def __init__(self):
        super().__init__()
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and ("property" in a or "name" in a):
            self.meta[a.get("property") or a["name"]] = a.get("content", "")


def meta_of(path: Path) -> dict[str, str]:
    p = _Meta()
    p.feed(path.read_text(encoding="utf-8"))
    return p.meta


def test_every_paper_page_has_a_share_preview(site_dir):
    from atlas.build import load_atlas
    from atlas.render import excerpt

    atlas, _ = load_atlas(DATA)
    for paper in atlas.papers.values():
        meta = meta_of(site_dir / "papers" / paper.id / "index.html")
        assert meta["og:title"] == paper.title, paper.id
        assert meta["og:description"] == excerpt(paper.abstract) == meta["description"], paper.id
        assert meta["og:type"] == "article"
        assert meta["og:url"] == f"https://example.invalid{SUBPATH}papers/{paper.id}/"
        assert meta["og:site_name"] == "ML Systems Paper Atlas"
        assert meta["twitter:card"] == "summary"
    home = meta_of(site_dir / "index.html")
    assert home["og:type"] == "website" and home["og:url"] == f"https://example.invalid{SUBPATH}"


def test_share_preview_text_from_data_stays_text(tmp_path):
    """A title with quotes, angle brackets and ampersands ends up in the attribute as those characters."""
    import shutil

    from atlas.build import build_site

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    for name in ("mkdocs.yml",):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copytree(ROOT / "overrides", tmp_path / "overrides")
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts", ignore=shutil.ignore_patterns("__pycache__"))
    f = data / "papers" / "qlora.yml"
    hostile = 'Q"LoRA\' <script>alert(1)</script> & <b>x</b>'
    f.write_text(f.read_text(encoding="utf-8").replace(
        'title: "QLoRA: Efficient Finetuning of Quantized LLMs"',
        "title: " + json.dumps(hostile)), encoding="utf-8")
    site = build_site(tmp_path / "mkdocs.yml", tmp_path / "site")
    html = (site / "papers" / "qlora" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html
    assert meta_of(site / "papers" / "qlora" / "index.html")["og:title"] == hostile


# --- Material features readers expect --------------------------------------------------------

def test_graph_works_after_instant_navigation_there_and_back(make_watch, self_hosted_url):
    w = make_watch()
    page = w.page
    vis_loads = []
    page.on("request", lambda r: "vis-network.min.js" in r.url and vis_loads.append(r.url))
    load(page, self_hosted_url)
    page.evaluate("window.__sameDocument = true")
    page.locator(".md-tabs__link", has_text="Graph").click()
    page.wait_for_url("**" + SUBPATH + "graph/")
    page.wait_for_selector(".atlas-graph[data-ready=true]", timeout=15000)
    assert page.evaluate("window.__sameDocument") is True  # Material swapped the page in place
    page.locator(".atlas-text-twin a", has_text="All papers").click()
    page.wait_for_url("**" + SUBPATH + "papers/")
    page.locator(".atlas-papers-index").wait_for()
    page.go_back()
    page.wait_for_url("**" + SUBPATH + "graph/")
    page.wait_for_selector(".atlas-graph[data-ready=true]", timeout=15000)
    # Still the first document, with vis-network loaded once and the whole graph drawn again.
    assert page.evaluate("window.__sameDocument") is True
    assert len(vis_loads) == 1
    assert page.evaluate("document.querySelector('.atlas-graph').atlasNetwork.body.data.nodes.length") > N_PAPERS
    assert page.evaluate("document.querySelector('meta[property=\"og:url\"]').content") == page.url
    w.assert_clean()


def test_back_to_top_button_appears_and_works(make_watch, site_url):
    w = make_watch()
    page = w.page
    load(page, site_url + PAGES["papers-index"])
    top = page.locator(".md-top")
    assert top.get_attribute("hidden") is not None
    page.mouse.wheel(0, 3000)
    page.wait_for_timeout(300)
    page.mouse.wheel(0, -400)
    page.wait_for_function("!document.querySelector('.md-top').hidden", timeout=5000)
    assert page.evaluate("window.scrollY") > 1000
    top.click()
    page.wait_for_function("window.scrollY === 0", timeout=5000)
    w.assert_clean()


def test_bibtex_has_a_copy_button_that_copies_it(make_watch, site_url):
    w = make_watch(permissions=["clipboard-read", "clipboard-write"])
    page = w.page
    load(page, site_url + PAGES["paper"])
    block = page.locator(".atlas-bibtex pre")
    button = block.locator("button.md-code__button[data-md-type=copy]")
    assert button.count() == 1
    assert button.get_attribute("title") == "Copy to clipboard"
    block.hover()
    button.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("@misc{qlora,") and "title = {{QLoRA: Efficient Finetuning of Quantized LLMs}}" in copied
    assert copied.strip() == block.locator("code").inner_text().strip()
    w.assert_clean()


def test_the_palette_toggle_switches_to_dark_and_it_sticks(make_watch, site_url):
    w = make_watch(color_scheme="light")
    page = w.page
    load(page, site_url)
    scheme = "document.body.getAttribute('data-md-color-scheme')"
    assert page.evaluate(scheme) == "default"
    page.locator("label[title='Switch to dark mode']:visible").click()
    assert page.evaluate(scheme) == "slate"
    load(page, site_url + PAGES["paper"])
    assert page.evaluate(scheme) == "slate"
    w.assert_clean()
