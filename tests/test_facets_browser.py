"""The faceted list in a real headless Chromium: sorting and filtering with the keyboard only."""

from __future__ import annotations

import yaml

from conftest import DATA

PAPERS = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((DATA / "papers").glob("*.yml"))}


def visible_ids(page) -> list[str]:
    return page.evaluate("""() => Array.from(document.querySelectorAll('.atlas-browse-table tbody tr'))
        .filter(r => !r.hidden).map(r => r.dataset.id)""")


def open_browse(watch, site_url):
    page = watch.page
    page.goto(site_url + "browse/")
    page.wait_for_selector("table[data-atlas-sortable][data-ready=true]", timeout=10000)
    return page


def test_sort_by_keyboard(watch, site_url, artifacts_dir):
    page = open_browse(watch, site_url)
    assert len(visible_ids(page)) == len(PAPERS)
    upvotes = page.locator("thead button[data-sort=upvotes]")
    upvotes.focus()
    page.keyboard.press("Enter")
    header = page.locator("thead th:has(button[data-sort=upvotes])")
    assert header.get_attribute("aria-sort") == "descending"
    assert page.locator("thead th[aria-sort]").count() == 1
    voted = sorted((p["upvotes"], pid) for pid, p in PAPERS.items() if "upvotes" in p)
    expected_desc = [pid for _, pid in sorted(voted, key=lambda x: (-x[0], x[1]))]
    assert visible_ids(page)[: len(voted)] == expected_desc
    # Papers without upvotes stay last in both directions.
    page.keyboard.press("Space")
    assert header.get_attribute("aria-sort") == "ascending"
    expected_asc = [pid for _, pid in sorted(voted)]
    assert visible_ids(page)[: len(voted)] == expected_asc
    # Title: Tab back to the title button, sort A-Z.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    assert page.locator("thead th:has(button[data-sort=title])").get_attribute("aria-sort") == "ascending"
    assert page.locator("thead th:has(button[data-sort=upvotes])").get_attribute("aria-sort") is None
    titles = page.evaluate("() => Array.from(document.querySelectorAll('.atlas-browse-table tbody tr')).map(r => r.dataset.title)")
    assert titles == sorted(p["title"].lower() for p in PAPERS.values())
    page.screenshot(path=str(artifacts_dir / "browse-sorted.png"))
    watch.assert_clean()


def test_filter_by_keyboard(watch, site_url, artifacts_dir):
    page = open_browse(watch, site_url)
    # The technique select: focus it and pick "Offloading and memory tiers" by typing its first letters.
    technique = page.get_by_label("Technique")
    technique.focus()
    page.keyboard.type("Offloading")
    assert technique.input_value() == "offloading"
    offloading = sorted(pid for pid, p in PAPERS.items() if "offloading" in p.get("facets", {}).get("techniques", []))
    assert sorted(visible_ids(page)) == offloading and len(offloading) >= 2
    status = page.locator("[data-atlas-status]")
    assert status.inner_text() == f"{len(offloading)} of {len(PAPERS)} papers match the filters."
    # Narrow further with the text filter, typed.
    page.get_by_label("Title or author").focus()
    page.keyboard.type("zero")
    zero = [pid for pid in offloading if "zero" in " ".join([PAPERS[pid]["title"], *PAPERS[pid].get("authors", [])]).lower()]
    assert sorted(visible_ids(page)) == zero and {"distzo2", "zero-infinity"} <= set(zero)
    # Topic filter by keyboard: a top-level topic matches papers filed under its subtopics.
    page.get_by_label("Title or author").fill("")
    topic = page.get_by_label("Topic")
    topic.focus()
    page.keyboard.type("Hardware")
    assert topic.input_value() == "hardware"
    topics = yaml.safe_load((DATA / "topics.yml").read_text(encoding="utf-8"))
    hardware_subs = {"hardware", *topics["hardware"]["subtopics"]}
    expected = sorted(pid for pid, p in PAPERS.items()
                      if "offloading" in p.get("facets", {}).get("techniques", []) and hardware_subs & set(p["topics"]))
    assert sorted(visible_ids(page)) == expected
    page.screenshot(path=str(artifacts_dir / "browse-filtered.png"))
    # Clear with the keyboard: Tab to the reset button and press Enter.
    page.get_by_role("button", name="Clear filters").focus()
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.querySelector('[data-atlas-status]').textContent === '{len(PAPERS)} papers.'")
    assert len(visible_ids(page)) == len(PAPERS)
    watch.assert_clean()
