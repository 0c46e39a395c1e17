"""Renderers for what the curated facets make possible, and for feeds and citation exports.

In: the `Atlas` model (papers with their `facets`, the facet registries, reading paths).
Out: `outputs(atlas, site_url)` -> {site path: bytes}: a page per facet value, the facet index,
the faceted paper list, the timeline page and its SVG chart, the feeds and exports page,
Atom feeds (whole atlas and one per top-level topic), CSL-JSON and RIS exports. Topic pages
get their reading path and comparison table through `topic_context`, paper pages their
Highwire `citation_*` values in the front matter of paper.md.j2.

Everything is sorted and dated by publication only: no build clock reaches any output.
Feeds are built with xml.etree (escaping is the library's job, not string building) and hold
the newest FEED_MAX papers; the faceted list holds the newest BROWSE_MAX and says so when the
atlas has more. Per-paper values are worked out once per build (the members of each facet
value in one pass, each browse row's data once), not looked up again per page or per cell.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any

from .graphviews import VOCABULARY
from .model import Atlas, Paper
from .render import Links, _render

KINDS = ("optimizes", "techniques", "hardware", "artifact")
KIND_NAMES = {"optimizes": "Optimises", "techniques": "Technique", "hardware": "Hardware", "artifact": "Code"}
KIND_TITLES = {"optimizes": "What it optimises", "techniques": "Technique families",
               "hardware": "Hardware targeted or evaluated on", "artifact": "Code availability (as the abstract states it)"}
SCALE_NAMES = (("devices", "Devices"), ("parameters", "Parameters"), ("context", "Context"))
ATOM = "http://www.w3.org/2005/Atom"
SITE_TITLE = "ML Systems Paper Atlas"


# --- facet access -------------------------------------------------------------------------

def values_of(paper: Paper, kind: str) -> list[str]:
    """The paper's value ids for one facet kind (artifact is a single value)."""
    v = paper.facets.get(kind)
    return list(v) if isinstance(v, list) else [] if v is None else [v]


def facet_src(kind: str, value: str) -> str:
    return f"facets/{kind}/{value}.md"


def papers_with(atlas: Atlas, kind: str, value: str) -> list[Paper]:
    """Papers with `value` for facet `kind`, newest first."""
    return list(_facet_members(atlas).get((kind, value), ()))


def _facet_members(atlas: Atlas) -> dict[tuple[str, str], list[Paper]]:
    """(kind, value) -> its papers, newest first: one pass over the papers, once per build
    (not a scan of every paper for every facet value)."""
    if "_facet_members" not in atlas.__dict__:
        members = atlas.__dict__["_facet_members"] = {}
        for p, kind in itertools.product(atlas.by_date, KINDS):
            for v in values_of(p, kind):
                members.setdefault((kind, v), []).append(p)
    return atlas.__dict__["_facet_members"]


def top_level(atlas: Atlas) -> list[str]:
    return [t.id for t in atlas.topics.values() if t.parent is None]


def facet_cell(atlas: Atlas, paper: Paper, kind: str) -> list[tuple[str, str]]:
    """(value id, display name) pairs for a table cell."""
    return [(v, atlas.facets[kind][v]["name"]) for v in values_of(paper, kind)]


# --- pages --------------------------------------------------------------------------------

def render_facets_index(atlas: Atlas) -> str:
    counts = {k: {v: len(papers_with(atlas, k, v)) for v in atlas.facets.get(k, {})} for k in KINDS}
    return _render("facets_index.md.j2", "facets/index.md", atlas=atlas, kinds=KINDS,
                   kind_titles=KIND_TITLES, counts=counts)


def render_facet_value(atlas: Atlas, kind: str, value: str) -> str:
    return _render("facet_value.md.j2", facet_src(kind, value), atlas=atlas, kind=kind, value=value,
                   entry=atlas.facets[kind][value], kind_name=KIND_NAMES[kind], kind_title=KIND_TITLES[kind],
                   papers=papers_with(atlas, kind, value))


# The faceted list is one table filtered in the browser: at about 1.3 kB a row, 10,000 papers
# would make a 13 MB page. Above this many papers it lists the newest ones and says so.
BROWSE_MAX = 1000


def browse_rows(atlas: Atlas, limit: int | None = None) -> list[dict[str, Any]]:
    """One row per paper (the newest `limit` if given), newest first, with every value the
    table shows already worked out (the template only lays them out)."""
    order = {t: i for i, t in enumerate(atlas.topics)}
    rows = []
    for p in atlas.by_date[:limit]:
        topic_ids = sorted({*p.topics, *(atlas.topics[t].root for t in p.topics)}, key=order.__getitem__)
        cells = {k: facet_cell(atlas, p, k) for k in KINDS}
        rows.append({
            "paper": p, "topic_ids": topic_ids, "topics": " ".join(topic_ids),
            "date": p.published.isoformat() if p.published else "", "year": p.year if p.year else "none",
            "title": p.title.lower(), "upvotes": p.upvotes if p.upvotes is not None else "",
            "text": " ".join([p.title, *p.authors]).lower(),
            "ids": {k: " ".join(v for v, _ in cells[k]) for k in KINDS}, **cells,
        })
    return rows


def render_browse(atlas: Atlas, limit: int = BROWSE_MAX) -> str:
    rows = browse_rows(atlas, limit)
    shown = [r["paper"] for r in rows]
    years = sorted({p.year for p in shown if p.year is not None}, reverse=True)
    options = {k: sorted(((v, e["name"]) for v, e in atlas.facets.get(k, {}).items()), key=lambda x: x[1].lower())
               for k in KINDS}
    # Links from this page to every topic and facet value, worked out once rather than per cell.
    links = Links("browse.md")
    topic_href = {t: links.topic(t) for t in atlas.topics}
    facet_href = {k: {v: links.to(facet_src(k, v)) for v in atlas.facets.get(k, {})} for k in KINDS}
    return _render("browse.md.j2", "browse.md", atlas=atlas, rows=rows, years=years, options=options,
                   kind_names=KIND_NAMES, kinds=KINDS, topic_href=topic_href, facet_href=facet_href,
                   total=len(atlas.papers), undated_shown=any(p.published is None for p in shown),
                   topic_name={t.id: t.name for t in atlas.topics.values()})


# A subtopic's side-by-side table holds its newest COMPARE_MAX papers and says so when it holds
# fewer than all: a table of a thousand rows compares nothing (the faceted list and the facet
# value pages cover every paper).
COMPARE_MAX = 200


def comparison_rows(atlas: Atlas, topic_id: str, limit: int | None = None) -> list[dict[str, Any]]:
    out = []
    for p in atlas.papers_in(topic_id)[:COMPARE_MAX if limit is None else limit]:
        scale = p.facets.get("scale") or {}
        out.append({
            "paper": p,
            **{k: facet_cell(atlas, p, k) for k in KINDS},
            "scale": [(name, scale[key]) for key, name in SCALE_NAMES if key in scale],
            "result": p.facets.get("result"),
        })
    return out


def reading_path(atlas: Atlas, topic_id: str) -> list[dict[str, Any]]:
    steps = atlas.reading_paths.get(topic_id) or []
    return [{"label": "Start here" if i == 0 else ("Deeper" if i == len(steps) - 1 else "Then"),
             "paper": atlas.papers[s["paper"]], "why": s["why"]} for i, s in enumerate(steps)]


def topic_context(atlas: Atlas, topic_id: str) -> dict[str, Any]:
    """Extra context for topic.md.j2: reading path, comparison table, feed."""
    topic = atlas.topics[topic_id]
    is_top = topic.parent is None
    return {
        "reading_path": reading_path(atlas, topic_id) if is_top else [],
        "comparison": comparison_rows(atlas, topic_id) if not is_top else [],
        "topic_feed": feed_path(topic_id) if is_top else None,
        "facet_kind_names": KIND_NAMES,
    }


def year_counts(atlas: Atlas) -> tuple[list[int], list[str], dict[int, dict[str, int]], dict[int, int], int]:
    """Papers per year per top-level topic (a paper in two areas counts in both), the per-year
    total of distinct papers, and how many papers have no date."""
    roots = top_level(atlas)
    dated = [p for p in atlas.papers.values() if p.year is not None]
    years = list(range(min(p.year for p in dated), max(p.year for p in dated) + 1)) if dated else []
    table = {y: {r: 0 for r in roots} for y in years}
    totals: Counter = Counter()
    for p in dated:
        totals[p.year] += 1
        for r in atlas.roots_of(p):
            table[p.year][r] += 1
    return years, roots, table, {y: totals[y] for y in years}, len(atlas.papers) - len(dated)


def _colour(root: str) -> str:
    return VOCABULARY["topics"].get(root, VOCABULARY["uncoloured_topic"])["light"]


def timeline_svg(atlas: Atlas) -> bytes:
    """Grouped bars: papers per year per top-level topic, as SVG from a template (deterministic,
    text kept as text)."""
    years, roots, table, _, _ = year_counts(atlas)
    width, height, left, right, top, bottom = 900, 360, 60, 885, 60, 330
    peak = max([table[y][r] for y in years for r in roots] + [1])
    step = max(1, -(-peak // 5))  # about five whole-number gridlines
    scale = (bottom - top) / (step * -(-peak // step))
    slot = (right - left) / max(len(years), 1)
    bar = 0.8 * slot / max(len(roots), 1)
    bars = [(round(left + j * slot + 0.1 * slot + i * bar, 1), round(bottom - table[y][r] * scale, 1), round(bar, 1),
             round(table[y][r] * scale, 1), _colour(r), f"{y}, {atlas.topics[r].name}: {table[y][r]}")
            for j, y in enumerate(years) for i, r in enumerate(roots)]
    chart = dict(width=width, height=height, left=left, right=right, top=top, bottom=bottom, bars=bars,
                 title="Atlas papers per year of publication, by top-level topic",
                 legend=[(i, atlas.topics[r].name, _colour(r)) for i, r in enumerate(roots)],
                 ticks=[(v, round(bottom - v * scale, 1)) for v in range(0, peak + step, step) if bottom - v * scale >= top - 1],
                 years=[(y, round(left + (j + 0.5) * slot, 1)) for j, y in enumerate(years)])
    return _render("timeline.svg.j2", "downloads/timeline.svg", c=chart).encode("utf-8")


def render_timeline(atlas: Atlas) -> str:
    years, roots, table, totals, undated = year_counts(atlas)
    return _render("timeline.md.j2", "timeline.md", atlas=atlas, years=years, roots=roots, table=table,
                   totals=totals, undated=undated)


def render_exports_page(atlas: Atlas) -> str:
    feeds = [(feed_path(None), None, "All papers")] + [(feed_path(t), t, atlas.topics[t].name) for t in top_level(atlas)]
    undated = sorted((p for p in atlas.papers.values() if p.published is None), key=lambda p: p.id)
    return _render("exports.md.j2", "exports.md", atlas=atlas, feeds=feeds, undated=undated,
                   feed_max=FEED_MAX, capped=any(feed_is_capped(atlas, tid) for _, tid, _ in feeds))


# --- feeds --------------------------------------------------------------------------------

def feed_path(topic_id: str | None) -> str:
    """Feeds sit at the site root: Material fetches `sitemap.xml` next to every
    <link rel=alternate> it finds, and the only sitemap is the root one."""
    return f"feed-{topic_id}.xml" if topic_id else "feed.xml"


def _stamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


# A feed holds the newest papers only: a feed reader polls the whole file again and again, and
# a feed of every paper would be megabytes at 10,000 papers (the bibliography exports hold them all).
FEED_MAX = 100


def feed_papers(atlas: Atlas, topic_id: str | None, limit: int = FEED_MAX) -> list[Paper]:
    """The newest `limit` dated papers, newest first (ties by id). Papers without a publication
    date are left out: every Atom entry needs a date, and the atlas does not invent one."""
    papers = atlas.papers_in(topic_id) if topic_id else atlas.by_date  # newest first, undated last
    return list(itertools.islice(itertools.takewhile(lambda p: p.published is not None, papers), limit))


def feed_is_capped(atlas: Atlas, topic_id: str | None, limit: int = FEED_MAX) -> bool:
    papers = atlas.papers_in(topic_id) if topic_id else atlas.by_date
    return sum(1 for p in papers if p.published is not None) > limit


def atom_feed(atlas: Atlas, topic_id: str | None, site_url: str, limit: int = FEED_MAX) -> bytes:
    base = site_url if site_url.endswith("/") else site_url + "/"
    name = feed_path(topic_id)
    papers = feed_papers(atlas, topic_id, limit)
    ET.register_namespace("", ATOM)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    feed = ET.Element(f"{{{ATOM}}}feed")
    topic = atlas.topics[topic_id] if topic_id else None
    sub(feed, "title", f"{SITE_TITLE}: {topic.name}" if topic else SITE_TITLE)
    if feed_is_capped(atlas, topic_id, limit):
        lead = (f"The {limit} newest papers on {topic.name.lower()} in the atlas." if topic else
                f"The {limit} newest dated papers in the atlas.")
    else:
        lead = (f"Papers on {topic.name.lower()} in the atlas, newest first." if topic else
                "Every dated paper in the atlas, newest first.")
    sub(feed, "subtitle", lead + " Entries are dated by publication; papers without a stated date are not in the feed.")
    sub(feed, "id", base + name)
    sub(feed, "link", rel="self", type="application/atom+xml", href=base + name)
    sub(feed, "link", rel="alternate", type="text/html", href=base + (f"topics/{topic_id}/" if topic_id else ""))
    sub(feed, "updated", _stamp(papers[0].published) if papers else "1970-01-01T00:00:00Z")
    author = sub(feed, "author")
    sub(author, "name", SITE_TITLE)
    for p in papers:
        e = sub(feed, "entry")
        sub(e, "title", p.title, type="text")
        url = f"{base}papers/{p.id}/"
        sub(e, "id", url)
        sub(e, "link", rel="alternate", type="text/html", href=url)
        if p.arxiv:
            sub(e, "link", rel="related", type="text/html", href=f"https://arxiv.org/abs/{p.arxiv}")
        sub(e, "published", _stamp(p.published))
        sub(e, "updated", _stamp(p.published))
        for a in p.authors:
            sub(sub(e, "author"), "name", a)
        for t in p.topics:
            sub(e, "category", term=t, label=atlas.topics[t].name)
        sub(e, "summary", p.abstract, type="text")
    ET.indent(feed, space=" ")
    out = io.BytesIO()
    ET.ElementTree(feed).write(out, encoding="utf-8", xml_declaration=True)
    return out.getvalue() + b"\n"


# --- citation exports ---------------------------------------------------------------------

def csl_item(p: Paper) -> dict[str, Any]:
    """CSL-JSON for one paper. Names are kept whole (`literal`): the atlas does not split them."""
    item: dict[str, Any] = {"id": p.id, "type": "article", "title": p.title}
    if p.authors:
        item["author"] = [{"literal": a} for a in p.authors]
    if p.published:
        item["issued"] = {"date-parts": [[p.published.year, p.published.month, p.published.day]]}
    if p.arxiv:
        item.update(URL=f"https://arxiv.org/abs/{p.arxiv}", archive="arXiv", number=p.arxiv)
    if not p.authors and p.author_count:
        item["note"] = f"{p.author_count} authors; names not recorded in the atlas"
    item["abstract"] = " ".join(p.abstract.split())
    return item


def render_csl_json(atlas: Atlas) -> str:
    """Every paper's CSL-JSON item, one item per line: a diff of two versions shows which papers
    changed, and without `indent` json.dumps runs its C encoder (json's indenting encoder is pure
    Python, and was most of this export's time at 10,000 papers)."""
    items = (json.dumps(csl_item(p), ensure_ascii=False, sort_keys=True) for p in atlas.papers.values())
    return "[\n" + ",\n".join(items) + "\n]\n"


def _ris_value(text: str) -> str:
    return " ".join(text.split())


def ris_record(p: Paper) -> str:
    lines = [("TY", "GEN"), ("ID", p.id), ("TI", _ris_value(p.title))]
    lines += [("AU", _ris_value(a)) for a in p.authors]
    if p.published:
        lines += [("PY", str(p.published.year)), ("DA", p.published.strftime("%Y/%m/%d/"))]
    if p.arxiv:
        lines += [("UR", f"https://arxiv.org/abs/{p.arxiv}"), ("L1", f"https://arxiv.org/pdf/{p.arxiv}"),
                  ("DB", "arXiv"), ("AN", p.arxiv)]
    if not p.authors and p.author_count:
        lines.append(("N1", f"{p.author_count} authors; names not recorded in the atlas"))
    lines += [("AB", _ris_value(p.abstract)), ("ER", "")]
    return "".join(f"{tag}  - {value}".rstrip() + "\n" for tag, value in lines)


def render_ris(atlas: Atlas) -> str:
    return "\n".join(ris_record(p) for p in atlas.papers.values())


# --- everything ---------------------------------------------------------------------------

def outputs(atlas: Atlas, site_url: str) -> dict[str, bytes]:
    pages: dict[str, str] = {
        "facets/index.md": render_facets_index(atlas),
        "browse.md": render_browse(atlas),
        "timeline.md": render_timeline(atlas),
        "exports.md": render_exports_page(atlas),
    }
    pages.update((facet_src(k, v), render_facet_value(atlas, k, v)) for k in KINDS for v in atlas.facets.get(k, {}))
    files = {path: text.encode("utf-8") for path, text in pages.items()}
    files["downloads/timeline.svg"] = timeline_svg(atlas)
    files.update((feed_path(t), atom_feed(atlas, t, site_url)) for t in [None, *top_level(atlas)])
    files["downloads/papers.json"] = render_csl_json(atlas).encode("utf-8")
    files["downloads/papers.ris"] = render_ris(atlas).encode("utf-8")
    return files
