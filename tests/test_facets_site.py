"""What the facets, reading paths, timeline, feeds and citation exports put into a real build.

Expected values are computed here from the YAML files directly (not through the atlas
package), so a renderer that drops, reorders or invents something is caught.
"""

from __future__ import annotations

import datetime as dt
import html.parser
import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import yaml

from conftest import DATA, ROOT, SUBPATH

PAPERS = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((DATA / "papers").glob("*.yml"))}
TOPICS = yaml.safe_load((DATA / "topics.yml").read_text(encoding="utf-8"))
REGISTRY = yaml.safe_load((DATA / "facets.yml").read_text(encoding="utf-8"))
PATHS = yaml.safe_load((DATA / "reading-paths.yml").read_text(encoding="utf-8"))
PARENT = {sid: tid for tid, t in TOPICS.items() for sid in (t.get("subtopics") or {})}
ATOM = "{http://www.w3.org/2005/Atom}"
SITE = "https://example.invalid" + SUBPATH  # the test build's site_url (conftest.site_dir)


def values(p: dict, kind: str) -> list[str]:
    v = (p.get("facets") or {}).get(kind)
    return [] if v is None else (v if isinstance(v, list) else [v])


def roots(p: dict) -> set[str]:
    return {PARENT.get(t, t) for t in p["topics"]}


def newest_first(ids) -> list[str]:
    """The atlas order: newest first, undated last, ties by id."""
    return sorted(ids, key=lambda i: (-(PAPERS[i]["published"].toordinal() if "published" in PAPERS[i] else 0), i))


class Page(html.parser.HTMLParser):
    """Collects meta tags, links, and the rows of tables by class."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: list[tuple[str, str]] = []
        self.head_links: list[dict[str, str]] = []
        self.anchors: list[tuple[str, str]] = []  # (href, text)
        self._a: list[str] | None = None
        self._href = ""
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and "name" in a:
            self.meta.append((a["name"], a.get("content", "")))
        if tag == "link":
            self.head_links.append(a)
        if tag == "a" and "href" in a:
            self._a, self._href = [], a["href"]

    def handle_data(self, data):
        if self._a is not None:
            self._a.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._a is not None:
            self.anchors.append((self._href, "".join(self._a)))
            self._a = None


def section(text: str, start: str, end: str) -> str:
    assert start in text, start
    return text.split(start, 1)[1].split(end, 1)[0]


def linked_papers(fragment: str) -> list[str]:
    """Paper ids linked from an HTML fragment, in order (links like ../../papers/<id>/)."""
    return re.findall(r'href="(?:\.\./)*papers/([a-z0-9-]+)/"', fragment)


def read(site_dir: Path, url: str) -> str:
    return (site_dir / url / "index.html").read_text(encoding="utf-8")


# --- facet value pages and index ----------------------------------------------------------

def test_every_facet_value_has_a_page_listing_exactly_its_papers(site_dir: Path):
    pages = 0
    for kind, entries in REGISTRY.items():
        for value, entry in entries.items():
            page = read(site_dir, f"facets/{kind}/{value}")
            assert f"{entry['name']}</h1>" in page, (kind, value)
            listed = linked_papers(section(page, '<ul class="atlas-paper-list" data-search-exclude>', "</ul>"))
            expected = newest_first(pid for pid, p in PAPERS.items() if value in values(p, kind))
            assert listed == expected, (kind, value)
            pages += 1
    assert pages == sum(len(e) for e in REGISTRY.values()) == 60


def test_facet_index_counts_each_value(site_dir: Path):
    page = read(site_dir, "facets")
    counts = Counter(v for p in PAPERS.values() for v in values(p, "techniques"))
    rows = re.findall(r'<tr><td><a href="techniques/([a-z0-9-]+)/">[^<]+</a></td><td>(\d+)</td>', page)
    assert dict((v, int(n)) for v, n in rows) == dict(counts)
    assert counts["offloading"] >= 8


def test_paper_page_shows_its_facets(site_dir: Path):
    page = read(site_dir, "papers/llamarl")
    block = section(page, '<div class="atlas-paper-facets">', "</div>")
    assert "Up to 10.7x speed-up compared to DeepSpeed-Chat-like systems on a 405B-parameter policy model." in block
    assert '<a href="../../facets/techniques/asynchronous-training/">Asynchronous training</a>' in block
    assert "Parameters: 8B, 70B and 405B" in block
    lightseq = section(read(site_dir, "papers/lightseq"), '<div class="atlas-paper-facets">', "</div>")
    assert '<a href="../../facets/artifact/code-promised/">Code promised</a>' in lightseq
    other = section(read(site_dir, "papers/brain-basis-dynamical-intelligence"), '<div class="atlas-paper-facets">', "</div>")
    assert "Not curated: systems facets describe papers on the atlas's subject" in other
    assert "not stated in the abstract" not in other
    empty = section(read(site_dir, "papers/neurons-sparse-distributed-representations"), '<div class="atlas-paper-facets">', "</div>")
    assert empty.count("not stated in the abstract") == 3


# --- faceted list -------------------------------------------------------------------------

def test_faceted_list_has_every_paper_with_its_facets(site_dir: Path):
    page = read(site_dir, "browse")
    body = section(page, "<tbody>", "</tbody>")
    rows = re.findall(r"<tr (data-id=.*?)>", body)
    assert len(rows) == len(PAPERS)
    ids = [re.search(r'data-id="([^"]+)"', r).group(1) for r in rows]
    assert ids == newest_first(PAPERS)
    for r in rows:
        attrs = dict(re.findall(r'data-([a-z]+)="([^"]*)"', r))
        p = PAPERS[attrs["id"]]
        for kind in REGISTRY:
            assert attrs[kind].split() == values(p, kind), (attrs["id"], kind)
        assert set(attrs["topics"].split()) == set(p["topics"]) | roots(p)
        assert attrs["upvotes"] == (str(p["upvotes"]) if "upvotes" in p else "")
    # Real buttons in the sortable headers, the default order announced with aria-sort.
    head = section(page, "<thead>", "</thead>")
    assert re.findall(r'<button type="button" data-sort="([a-z]+)"', head) == ["date", "title", "upvotes"]
    assert head.count("aria-sort=") == 1 and '<th scope="col" aria-sort="descending"><button' in head
    # Every filter control has a label.
    form = section(page, '<form class="atlas-filters"', "</form>")
    assert form.count("<label>") == form.count("data-filter=") == 7


# --- comparison tables and reading paths --------------------------------------------------

def test_each_subtopic_page_compares_its_papers(site_dir: Path):
    compared = 0
    for sid, parent in PARENT.items():
        page = read(site_dir, f"topics/{sid}")
        table = section(page, '<table class="atlas-table atlas-compare-table">', "</table>")
        expected = newest_first(pid for pid, p in PAPERS.items() if sid in p["topics"])
        assert linked_papers(table) == expected, sid
        compared += len(expected)
    assert compared >= len(PAPERS)
    table = section(read(site_dir, "topics/offloading"), '<table class="atlas-table atlas-compare-table">', "</table>")
    row = section(table, 'href="../../papers/zero-infinity/"', "</tr>")
    assert "<strong>Devices:</strong> 512 NVIDIA V100 GPUs; a single NVIDIA DGX-2 node for fine-tuning" in row
    assert "Sustains over 25 petaflops on 512 NVIDIA V100 GPUs (40% of peak)" in row
    assert '<a href="../../facets/hardware/nvme/">NVMe</a>' in row
    assert '<a href="../../facets/artifact/code/">Code released</a>' in row
    row = section(read(site_dir, "topics/parallelism"), 'href="../../papers/lightseq/"', "</tr>")
    assert '<a href="../../facets/artifact/code-promised/">Code promised</a><br><a href="https://github.com/RulinShao/LightSeq" rel="noopener">repository</a>' in row
    # A paper whose abstract gives no hardware gets a dash, not a guess.
    assert re.search(r'facets/techniques/recomputation/">Recomputation</a></td>\n<td>—</td>', row)


def test_top_level_topic_pages_show_their_reading_path(site_dir: Path):
    for tid, steps in PATHS.items():
        page = read(site_dir, f"topics/{tid}")
        path = section(page, '<ol class="atlas-reading-path">', "</ol>")
        assert linked_papers(path) == [s["paper"] for s in steps], tid
        labels = re.findall(r'<span class="atlas-step">([^<]+)</span>', path)
        assert labels == ["Start here"] + ["Then"] * (len(steps) - 2) + ["Deeper"]
        for s in steps:
            assert f'<span class="atlas-why">{s["why"]}</span>'.replace("'", "&#39;") in path
        assert page.index('id="reading-path"') < page.index('id="papers"')
    assert 'id="reading-path"' not in read(site_dir, "topics/other")


# --- timeline -----------------------------------------------------------------------------

def test_timeline_table_counts_papers_per_year_and_area(site_dir: Path):
    expected: Counter = Counter()
    distinct: Counter = Counter()
    for p in PAPERS.values():
        if "published" in p:
            distinct[p["published"].year] += 1
            for r in roots(p):
                expected[(p["published"].year, r)] += 1
    page = read(site_dir, "timeline")
    rows = re.findall(r'<tr><th scope="row">(\d{4})</th>((?:<td>\d+</td>)+)</tr>', page)
    years = [int(y) for y, _ in rows]
    assert years == list(range(min(distinct), max(distinct) + 1))
    for y, cells in rows:
        nums = [int(n) for n in re.findall(r"<td>(\d+)</td>", cells)]
        assert nums == [expected[(int(y), r)] for r in TOPICS] + [distinct[int(y)]], y
    undated = sum(1 for p in PAPERS.values() if "published" not in p)
    assert undated and f"{undated} papers have no stated date and are not counted." in page
    assert '<img src="../downloads/timeline.svg"' in page


def test_timeline_svg_is_a_deterministic_chart_of_the_same_data(site_dir: Path):
    svg = (site_dir / "downloads" / "timeline.svg").read_bytes()
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = svg.decode("utf-8")
    assert "<dc:date>" not in text  # no build clock
    # Text stays text: every year and topic name is in the SVG as a string.
    for y in range(2016, 2026):
        assert f">{y}<" in text
    for t in TOPICS.values():
        assert f">{t['name']}<" in text
    # No reference to another host (the DTD and namespaces are identifiers, not fetched).
    assert not re.search(r'(?:href|src)="https?://', text)
    from atlas.build import generate

    assert generate(DATA).files["downloads/timeline.svg"] == generate(DATA).files["downloads/timeline.svg"]


# --- feeds --------------------------------------------------------------------------------

def parse_feed(site_dir: Path, name: str) -> ET.Element:
    root = ET.parse(site_dir / name).getroot()
    assert root.tag == f"{ATOM}feed"
    return root


def test_atlas_feed_is_atom_newest_first_dated_by_publication(site_dir: Path):
    feed = parse_feed(site_dir, "feed.xml")
    entries = feed.findall(f"{ATOM}entry")
    dated = [pid for pid in newest_first(PAPERS) if "published" in PAPERS[pid]]
    undated = [pid for pid in PAPERS if "published" not in PAPERS[pid]]
    assert undated and len(dated) == len(PAPERS) - len(undated)
    from atlas.render_facets import FEED_MAX

    dated = dated[:FEED_MAX]  # the newest
    assert [e.findtext(f"{ATOM}id") for e in entries] == [f"{SITE}papers/{pid}/" for pid in dated]
    for e, pid in zip(entries, dated):
        p = PAPERS[pid]
        assert e.findtext(f"{ATOM}title") == p["title"]
        assert e.findtext(f"{ATOM}updated") == f"{p['published'].isoformat()}T00:00:00Z"
        assert [a.findtext(f"{ATOM}name") for a in e.findall(f"{ATOM}author")] == p.get("authors", [])
        assert e.find(f"{ATOM}link[@rel='alternate']").get("href") == f"{SITE}papers/{pid}/"
    newest = PAPERS[dated[0]]["published"].isoformat()
    assert feed.findtext(f"{ATOM}updated") == f"{newest}T00:00:00Z"
    assert feed.findtext(f"{ATOM}id") == f"{SITE}feed.xml"
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == f"{SITE}feed.xml"
    stamps = [dt.date.fromisoformat(e.findtext(f"{ATOM}updated")[:10]) for e in entries]
    assert stamps == sorted(stamps, reverse=True)


def test_a_feed_per_top_level_topic(site_dir: Path):
    for tid in TOPICS:
        feed = parse_feed(site_dir, f"feed-{tid}.xml")
        ids = [e.findtext(f"{ATOM}id")[len(SITE + "papers/"):-1] for e in feed.findall(f"{ATOM}entry")]
        expected = [pid for pid in newest_first(PAPERS) if tid in roots(PAPERS[pid]) and "published" in PAPERS[pid]]
        assert ids == expected, tid
        assert feed.findtext(f"{ATOM}updated") == f"{PAPERS[expected[0]]['published'].isoformat()}T00:00:00Z"
        page = Page(read(site_dir, f"topics/{tid}"))
        feeds = [a["href"] for a in page.head_links if a.get("type") == "application/atom+xml"]
        assert feeds == ["../../feed.xml", f"../../feed-{tid}.xml"], tid


def test_every_page_announces_the_atlas_feed(site_dir: Path):
    for path in sorted(site_dir.rglob("index.html")):
        page = Page(path.read_text(encoding="utf-8"))
        hrefs = [a["href"] for a in page.head_links if a.get("rel") == "alternate" and a.get("type") == "application/atom+xml"]
        assert hrefs and hrefs[0].endswith("feed.xml") and not hrefs[0].startswith("/"), path
    exports = read(site_dir, "exports")
    for name in ("feed.xml", "feed-memory.xml", "downloads/papers.bib", "downloads/papers.json", "downloads/papers.ris"):
        assert f'href="../{name}"' in exports, name


# --- citation exports ---------------------------------------------------------------------

def test_bibtex_parses_into_one_entry_per_paper(site_dir: Path):
    import bibtexparser

    lib = bibtexparser.parse_string((site_dir / "downloads" / "papers.bib").read_text(encoding="utf-8"))
    assert lib.failed_blocks == []
    entries = {e.key: e for e in lib.entries}
    assert sorted(entries) == sorted(PAPERS) and len(lib.entries) == len(PAPERS)
    for pid, p in PAPERS.items():
        e = entries[pid]
        if "arxiv" in p:
            assert e["eprint"] == p["arxiv"] and e["archivePrefix"] == "arXiv", pid
        else:
            assert "eprint" not in e.fields_dict, pid
        if "authors" in p:
            assert e["author"].count(" and ") == len(p["authors"]) - 1, pid
        else:  # only a count of authors is known: no made-up names
            assert "author" not in e.fields_dict and f"{p['author_count']} authors" in e["note"], pid


def test_csl_json_has_one_item_per_paper(site_dir: Path):
    items = json.loads((site_dir / "downloads" / "papers.json").read_text(encoding="utf-8"))
    assert sorted(i["id"] for i in items) == sorted(PAPERS) and len(items) == len(PAPERS)
    for i in items:
        p = PAPERS[i["id"]]
        assert i["type"] == "article" and i["title"] == p["title"]
        assert [a["literal"] for a in i.get("author", [])] == p.get("authors", [])
        if "published" in p:
            d = p["published"]
            assert i["issued"] == {"date-parts": [[d.year, d.month, d.day]]}
        else:
            assert "issued" not in i
        assert i.get("number") == p.get("arxiv")


def parse_ris(text: str) -> list[dict[str, list[str]]]:
    records, current = [], None
    for line in text.splitlines():
        if not line.strip():
            continue
        m = re.fullmatch(r"([A-Z][A-Z0-9])  - ?(.*)", line)
        assert m, f"not a RIS line: {line!r}"
        tag, value = m.groups()
        if tag == "TY":
            assert current is None, "TY before the previous ER"
            current = {}
        assert current is not None, f"{tag} outside a record"
        if tag == "ER":
            records.append(current)
            current = None
        else:
            current.setdefault(tag, []).append(value)
    assert current is None
    return records


def test_ris_has_one_record_per_paper(site_dir: Path):
    records = parse_ris((site_dir / "downloads" / "papers.ris").read_text(encoding="utf-8"))
    assert len(records) == len(PAPERS)
    by_id = {r["ID"][0]: r for r in records}
    assert sorted(by_id) == sorted(PAPERS)
    for pid, p in PAPERS.items():
        r = by_id[pid]
        assert r["TI"] == [p["title"]] and r.get("AU", []) == p.get("authors", [])
        if "published" in p:
            assert r["DA"] == [p["published"].strftime("%Y/%m/%d/")]
        if "arxiv" in p:
            assert r["UR"] == [f"https://arxiv.org/abs/{p['arxiv']}"]


def test_every_paper_page_carries_highwire_citation_tags(site_dir: Path):
    for pid, p in PAPERS.items():
        meta = Page(read(site_dir, f"papers/{pid}")).meta
        tags = {}
        for name, content in meta:
            tags.setdefault(name, []).append(content)
        assert tags["citation_title"] == [p["title"]], pid  # unescaped by the parser: escaped once, exactly
        assert tags.get("citation_author", []) == p.get("authors", []), pid
        if "published" in p:
            assert tags["citation_publication_date"] == [p["published"].strftime("%Y/%m/%d")], pid
        else:
            assert "citation_publication_date" not in tags
        if "arxiv" in p:
            assert tags["citation_arxiv_id"] == [p["arxiv"]], pid
            assert tags["citation_pdf_url"] == [f"https://arxiv.org/pdf/{p['arxiv']}"], pid
        else:
            assert "citation_arxiv_id" not in tags and "citation_pdf_url" not in tags, pid
    assert 'content="Fast &amp; Slow Learning:' in read(site_dir, "papers/fast-slow-neural-memory-controllers")


def test_hostile_text_stays_text_in_meta_tags_feeds_and_exports(tmp_path: Path):
    """A title and author that try to break out of the attribute or inject markup."""
    from atlas.build import build_site

    repo = tmp_path / "repo"
    for name in ("data", "docs", "overrides", "scripts"):
        shutil.copytree(ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "mkdocs.yml", repo / "mkdocs.yml")
    qlora = repo / "data" / "papers" / "qlora.yml"
    hostile_title = 'QLoRA "><script>alert(1)</script> & {{ x }}'
    text = qlora.read_text(encoding="utf-8")
    text = text.replace('title: "QLoRA: Efficient Finetuning of Quantized LLMs"',
                        "title: '" + hostile_title + "'").replace("  - Tim Dettmers", "  - 'Tim \"><b>Dettmers'")
    qlora.write_text(text, encoding="utf-8")
    site = build_site(repo / "mkdocs.yml", tmp_path / "site")
    page = (site / "papers" / "qlora" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page and "<b>Dettmers" not in page
    meta = dict(Page(page).meta)
    assert meta["citation_title"] == hostile_title
    assert ('citation_author', 'Tim "><b>Dettmers') in Page(page).meta
    feed = ET.parse(site / "feed.xml").getroot()
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert hostile_title in titles
    items = json.loads((site / "downloads" / "papers.json").read_text(encoding="utf-8"))
    assert [i["title"] for i in items if i["id"] == "qlora"] == [hostile_title]


def test_new_outputs_do_not_depend_on_the_clock(monkeypatch):
    """Generated twice under different SOURCE_DATE_EPOCH values: byte-identical, and no trace of today."""
    from atlas import render_facets
    from atlas.build import load_atlas

    atlas, _ = load_atlas(DATA)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    first = render_facets.outputs(atlas, SITE)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1760000000")
    second = render_facets.outputs(atlas, SITE)
    assert first == second
    assert sorted(k for k in first if not k.startswith("facets/")) == [
        "browse.md", "downloads/papers.json", "downloads/papers.ris", "downloads/timeline.svg", "exports.md",
        "feed-distributed-training.xml", "feed-hardware.xml", "feed-memory.xml", "feed-other.xml", "feed.xml",
        "timeline.md"]
    today = dt.date.today().isoformat()
    for name, content in first.items():
        assert today.encode() not in content, name


def test_a_paper_without_facets_still_renders_and_says_so(tmp_path: Path):
    from atlas.build import generate

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    qlora = data / "papers" / "qlora.yml"
    qlora.write_text(re.sub(r"\nfacets:\n(?:  .*\n)+", "\n", qlora.read_text(encoding="utf-8")), encoding="utf-8")
    files = generate(data).files
    page = files["papers/qlora.md"].decode("utf-8")
    block = section(page, '<div class="atlas-paper-facets">', "</div>")
    assert block.count("not stated in the abstract") == 3 and "not curated" in block
    browse = files["browse.md"].decode("utf-8")
    row = section(browse, 'data-id="qlora"', ">")
    assert 'data-optimizes=""' in row and 'data-artifact=""' in row
