"""Benchmark the atlas on synthetic corpora of 58, 1,000 and 10,000 papers.

    make bench            # all three sizes
    make bench N=1000     # one size

For each size it writes a synthetic corpus into a temporary copy of the project (mkdocs.yml,
docs/, overrides/, scripts/, and data/ with the real schema and registries but generated
papers), runs the real pipeline there and measures, in the same run:

- generate_s        atlas.build.generate() on the data folder (load, validate, model, pages, graph)
- generate_floor_s  reading and parsing the same YAML files with libyaml (yaml.CSafeLoader) and
                    writing as many bytes as generate() produced: the cost no pipeline can avoid
- build_s           the whole `python -m atlas build` (what `make build` runs), as a subprocess;
                    up to 1,000 papers the median of BUILD_RUNS runs alternating with the bare
                    builds below (every time in build_all_s, bare_mkdocs_all_s)
- bare_mkdocs_s     the same site built by MkDocs Material alone: the project's mkdocs.yml without
                    the atlas's hook, over the Markdown that `python -m atlas generate --out` wrote
- graph_ready_s     headless Chromium: navigation start to the global graph drawn on graph/, by the
                    page's own clock (`data-ready-ms`: the first frame drawn, its controls bound);
                    the median of 5 loads, each in a fresh browser context (all in ready_all_s,
                    and the wall times seen by the benchmark, with Playwright's round trips, in
                    ready_wall_all_s)
- local_graph_ready_s  the same on a paper page, where the page has a graph
- full_graph_ready_s   the same for the full map (graph/?map=full) where the graph page opens
                    on the topic-level overview (large corpora)
- paper_page_kb (the median paper page; paper_page_max_kb the largest, paper_pages_over_40kb
  how many exceed 40 kB), graph_page_kb (graph page HTML + the graph data it loads), search_index_kb,
  site_mb, peak_rss_mb (largest resident set of the build subprocess, with the process it starts
  for related papers, and the generate worker), bare_mkdocs_rss_mb (the same for the bare build)
- serve_edit_s      (at 1,000 papers, or with --serve-edit) `mkdocs serve --dirty` running as
                    `make serve` runs it, one paper's title edited in its YAML file: seconds
                    until the served page shows the change, the median of 3 edits
- serve_full_edit_s the same (one edit) with plain `mkdocs serve`, which renders every page again

It prints a table and writes one JSON object per size to bench-results/bench.json; the last
line printed is that file's path. The synthetic papers are made-up text with deliberately
well-formed arXiv ids of the year 2099 and example.org code URLs; they exist only in the temporary
folder and are never written into the repository.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import itertools
import json
import os
import random
import re
import resource
import shutil
import statistics
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zlib
from pathlib import Path

from atlas.new_paper import fold_lines  # the same >- folding as a curator's new entry

ROOT = Path(__file__).resolve().parents[1]
SIZES = (58, 1000, 10000)
SEED = 2024
CHROMIUM = os.environ.get("ATLAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
# Only the local server answers: every other host name fails to resolve, so a page that asked for
# a CDN would get nothing. (Intercepting each request in Playwright instead would send it through
# this Python process and back, which delayed the pages being timed.)
LOCAL_ONLY = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"
KEYS = ("n", "generate_s", "generate_floor_s", "build_s", "bare_mkdocs_s", "graph_ready_s",
        "local_graph_ready_s", "full_graph_ready_s", "paper_page_kb", "paper_page_max_kb", "graph_page_kb", "search_index_kb", "site_mb",
        "peak_rss_mb", "serve_edit_s", "serve_full_edit_s")

# ---------------------------------------------------------------------------------------------
# Synthetic corpus

_WORDS = (
    "memory bandwidth tensor pipeline parallelism sharding optimizer state activation checkpoint "
    "recomputation offloading kernel attention cache prefill decode throughput latency collective "
    "all-reduce gradient compression quantization sparsity expert routing scheduler accelerator "
    "interconnect topology cluster node device host flash storage replica fault tolerance "
    "straggler elastic training inference serving batching token context window sequence model "
    "parameters layers transformer mixture experts overlap communication compute utilization "
    "efficiency scaling workload benchmark hardware wafer dataflow systolic array precision "
    "mixed fp8 bf16 fused operator graph compiler runtime allocator fragmentation paging "
    "prefetching reuse locality hierarchy tiers agents retrieval episodic semantic consolidation "
    "federated decentralized asynchronous synchronous convergence stability variance loss"
).split()

# Real text has a few frequent words and a long tail of rare ones, and it is the rare ones that
# make two papers similar. Drawing words evenly from the domain words above would put most of
# them in every abstract, so every pair of papers would look alike: a dense similarity matrix that
# real text never produces. So words follow Zipf's law (the word of rank r has weight 1/r) over
# _VOCAB_SIZE words: the domain words, then made-up words of three consonant-vowel syllables (no
# "b" onset, so none of them is an English stop word), enumerated by a fixed stride. The _SHARED
# most frequent are the same in every topic; below them each topic rotates the ranking by an
# offset of its own, so a topic's frequent words (its jargon) are rare in most other topics.
_VOCAB_SIZE = 5000
_SHARED = 30  # the most frequent words, shared by every topic
_ONSETS, _VOWELS = "dfgklmnprstvz", "aeiou"
_SYLLABLES = [c + v for c in _ONSETS for v in _VOWELS]


def _made_up_word(i: int) -> str:
    j = (i * 7919 + 17) % len(_SYLLABLES) ** 3  # 7919 is prime to 65**3: distinct for distinct i
    return "".join(_SYLLABLES[j // len(_SYLLABLES) ** k % len(_SYLLABLES)] for k in range(3))


_VOCAB = tuple(_WORDS) + tuple(_made_up_word(i) for i in range(_VOCAB_SIZE - len(_WORDS)))
_RANKS = range(len(_VOCAB))
_ZIPF_CUM = tuple(itertools.accumulate(1.0 / rank for rank in range(1, len(_VOCAB) + 1)))

_FIRST = ("Ada Alan Barbara Chen Dana Elena Farid Grace Hiro Ines Jun Kavya Lena Mateo Nadia Omar "
          "Priya Quinn Rosa Sven Tara Umar Vera Wei Xin Yara Zoe").split()
_LAST = ("Abara Brandt Castillo Dufour Eriksen Fujita Gallo Haddad Ivanova Jensen Kowalski Laine "
         "Moreau Nakamura Okafor Petrov Quispe Rossi Sato Tanaka Ueda Varga Weber Xu Yilmaz Zhou").split()
_NAMES = [f"{first} {last}" for first in _FIRST for last in _LAST]
_REL_TYPES = ("extends", "compares-with", "uses", "alternative-to")


def _sentence(rng: random.Random, lo: int, hi: int, topic: str = "") -> str:
    """Zipf-distributed words; with a topic, the tail is rotated by an offset of the topic's own,
    so papers of one topic share their jargon (a tail word frequent in one topic is rare in most)."""
    ranks = rng.choices(_RANKS, cum_weights=_ZIPF_CUM, k=rng.randint(lo, hi))
    if topic:
        head, tail, shift = _SHARED, len(_VOCAB) - _SHARED, zlib.crc32(topic.encode())
        ranks = [r if r < head else head + (r - head + shift) % tail for r in ranks]
    words = [_VOCAB[r] for r in ranks]
    return words[0].capitalize() + " " + " ".join(words[1:])


def made_up_title(rng: random.Random) -> str:
    """About 80 characters, like a real title (head: subtitle)."""
    head = " ".join(w.capitalize() for w in rng.sample(_WORDS, 2))
    out = head + ": " + _sentence(rng, 6, 8)
    while len(out) < 70:
        out += " " + rng.choices(_VOCAB, cum_weights=_ZIPF_CUM)[0]
    return out[:95].rstrip()


def made_up_abstract(rng: random.Random, topics: list[str] | tuple[str, ...] = ()) -> str:
    """About 1,500 characters of sentences, each in the jargon of one of the paper's topics."""
    out: list[str] = []
    target = rng.randint(1300, 1700)
    while sum(len(s) + 2 for s in out) < target:
        out.append(_sentence(rng, 10, 24, rng.choice(topics) if topics else "") + ".")
    return " ".join(out)


def _topic_ids(data_dir: Path) -> tuple[list[str], list[str]]:
    import yaml

    topics = yaml.load((data_dir / "topics.yml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    subs = [sid for t in topics.values() for sid in (t.get("subtopics") or {})]
    return subs, list(topics)


def write_corpus(data_dir: Path, n: int, seed: int = SEED) -> None:
    """Write `n` synthetic paper files into data_dir/papers (registries must already be there)."""
    import yaml

    rng = random.Random(seed + n)
    subs, roots = _topic_ids(data_dir)
    external = sorted(yaml.load((data_dir / "external.yml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader))
    facets_file = data_dir / "facets.yml"
    vocab = yaml.load(facets_file.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) if facets_file.exists() else {}
    vocab = {k: sorted(v) for k, v in (vocab or {}).items()}
    papers = data_dir / "papers"
    papers.mkdir(parents=True, exist_ok=True)
    width = max(5, len(str(n)))
    ids = [f"synthetic-{i:0{width}d}" for i in range(n)]
    by_topic: dict[str, list[int]] = {}
    for i, pid in enumerate(ids):
        # Most papers sit in one or two subtopics; a few are filed under a top-level topic.
        k = rng.choice((1, 1, 2, 2, 2, 3))
        topics = rng.sample(subs, k) if rng.random() > 0.05 else [rng.choice(roots)]
        for t in topics:
            by_topic.setdefault(t, []).append(i)
        n_auth = rng.randint(3, 14)
        authors = rng.sample(_NAMES, n_auth)
        # Cites earlier papers, mostly in the same topic (a corpus grows forward in time).
        cites: set[str] = set()
        for _ in range(rng.choice((0, 0, 1, 2, 3, 4, 6))):
            pool = by_topic.get(rng.choice(topics), [])
            pool = [j for j in pool[-200:] if j < i] or list(range(max(0, i - 50), i))
            if pool:
                cites.add(ids[rng.choice(pool)])
        mentions = sorted(set(rng.sample(external, rng.choice((0, 1, 2, 3, 4)))))
        relations = []
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            target = rng.choice(mentions) if mentions and rng.random() < 0.6 else (ids[rng.randrange(i)] if i else None)
            if target:
                relations.append((rng.choice(_REL_TYPES), target, _sentence(rng, 8, 16).lower()))
        day = f"20{rng.randint(18, 25):02d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        lines = [
            "# yaml-language-server: $schema=../schema/paper.schema.json",
            "# SYNTHETIC benchmark entry: made-up text, a well-formed arXiv id of the year 2099.",
            f"id: {pid}",
            f'title: "{made_up_title(rng)}"',
            "authors:",
            *[f"  - {a}" for a in authors],
            f"published: {day}",
            f'arxiv: "99{i // 99999 % 12 + 1:02d}.{i % 99999 + 1:05d}"',
        ]
        if rng.random() < 0.3:
            lines.append(f"code: https://example.org/synthetic/{pid}")
        if rng.random() < 0.7:
            lines.append(f"upvotes: {rng.randint(0, 300)}")
        lines += ["topics:", *[f"  - {t}" for t in topics]]
        if cites or rng.random() < 0.5:  # half the papers have their bibliography read
            lines += ["references:", "  version: arXiv v1", "  cites:" + ("" if cites else " []")]
            for n, c in enumerate(sorted(cites), 1):
                lines += [f"    - target: {c}", f'      ref: "[{n}] {_sentence(rng, 12, 24)}"']
        if mentions:
            lines += ["mentions:", *[f"  - {m}" for m in mentions]]
        if relations:
            lines.append("relations:")
            for typ, target, ev in relations:
                lines += [f"  - type: {typ}", f"    target: {target}", f"    evidence: {ev}"]
        if vocab and rng.random() < 0.8 and "other" not in topics:  # most papers carry systems facets, as the curated ones do
            lines.append("facets:")
            for key in ("optimizes", "techniques", "hardware"):
                if vocab.get(key):
                    picked = sorted(set(rng.sample(vocab[key], min(len(vocab[key]), rng.randint(1, 3)))))
                    lines.append(f"  {key}: [{', '.join(picked)}]")
            lines.append(f'  result: "{_sentence(rng, 10, 24)}"')
            if vocab.get("artifact"):
                lines.append(f"  artifact: {rng.choice(vocab['artifact'])}")
        lines += ["abstract: >-", "\n".join(fold_lines(made_up_abstract(rng, topics), width=98))]
        (papers / f"{pid}.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if (data_dir / "reading-paths.yml").exists():
        # The curated reading paths name curated papers: replace them with paths of synthetic ones.
        topics = yaml.load((data_dir / "topics.yml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        root_of = {sid: root for root, t in topics.items() for sid in [root, *(t.get("subtopics") or {})]}
        out = ["# SYNTHETIC benchmark reading paths: made-up reasons."]
        for root in roots:
            members = sorted({ids[i] for t, idx in by_topic.items() if root_of.get(t) == root for i in idx})[:7]
            if len(members) >= 2:
                out.append(f"{root}:")
                for pid in members:
                    out += [f"  - paper: {pid}", f'    why: "{_sentence(rng, 8, 16)}"']
        (data_dir / "reading-paths.yml").write_text("\n".join(out) + "\n", encoding="utf-8")


def make_project(n: int, where: Path) -> Path:
    """A temporary copy of the project whose data/papers holds `n` synthetic papers."""
    proj = where / f"atlas-{n}"
    for name in ("docs", "overrides", "scripts"):
        shutil.copytree(ROOT / name, proj / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "mkdocs.yml", proj / "mkdocs.yml")
    (proj / "data").mkdir()
    shutil.copytree(ROOT / "data" / "schema", proj / "data" / "schema")
    for reg in sorted((ROOT / "data").glob("*.yml")):  # topics, external, facets, ... as present
        shutil.copy2(reg, proj / "data" / reg.name)
    write_corpus(proj / "data", n)
    return proj


# ---------------------------------------------------------------------------------------------
# Measurements


def _python() -> str:
    return sys.executable


def _env(proj: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(proj / "scripts")
    env.setdefault("SOURCE_DATE_EPOCH", "0")
    return env


def _run_child(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, str]:
    """Run `cmd`; return (seconds, peak RSS in kB of that process, stdout). The CPU seconds it
    used (with its own children) are kept in _run_child.cpu."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out_chunks: list[bytes] = []
    err_chunks: list[bytes] = []
    t_out = threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()))
    t_err = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()))
    t_out.start(), t_err.start()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    t_out.join(), t_err.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    _run_child.cpu = usage.ru_utime + usage.ru_stime
    if proc.returncode != 0:
        sys.stderr.write(b"".join(err_chunks).decode(errors="replace")[-4000:])
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss, b"".join(out_chunks).decode()


def worker_generate(data_dir: Path) -> dict:
    """Run in a fresh process: time generate() and its floor on the same files."""
    import yaml

    from atlas.build import generate

    c0 = _cpu()
    t0 = time.perf_counter()
    result = generate(data_dir)
    generate_s = time.perf_counter() - t0
    generate_cpu = _cpu() - c0  # this process and the worker it may fork
    out_bytes = sum(len(b) for b in result.files.values())
    del result

    files = sorted(data_dir.glob("*.yml")) + sorted((data_dir / "papers").glob("*.yml"))
    with tempfile.TemporaryDirectory() as tmp:
        c0 = _cpu()
        t0 = time.perf_counter()
        for f in files:
            yaml.load(f.read_bytes(), Loader=yaml.CSafeLoader)
        with open(Path(tmp) / "out.bin", "wb") as fh:
            chunk = b"x" * (1 << 20)
            left = out_bytes
            while left > 0:
                fh.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)
        floor_s = time.perf_counter() - t0
        floor_cpu = _cpu() - c0
    return {"generate_s": generate_s, "generate_floor_s": floor_s, "generated_bytes": out_bytes,
            "files_read": len(files), "generate_cpu_s": generate_cpu, "generate_floor_cpu_s": floor_cpu}


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished children."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def bare_config(proj: Path, docs: Path, site: Path) -> str:
    """The project's own mkdocs.yml (theme, features, nav, extensions, overrides, assets) without
    the atlas's hook: MkDocs Material building the same pages, Markdown already generated."""
    text = (proj / "mkdocs.yml").read_text(encoding="utf-8")
    text = re.sub(r"^(hooks|watch):\n(  - .*\n)+", "", text, flags=re.M)
    text = re.sub(r"^docs_dir: .*$", f"docs_dir: {docs}\nsite_dir: {site}", text, flags=re.M)
    text = text.replace("custom_dir: overrides", f"custom_dir: {proj / 'overrides'}")
    assert "hooks:" not in text and f"docs_dir: {docs}" in text
    return text


# Up to 1,000 papers, builds and bare builds alternate this many times and the medians are kept:
# each one alone moves by a fifth on a shared machine (at 1,000 papers, bare builds of the same
# pages have taken 16 to 29 s), and a median of 3 still moved the ratio by 0.2 from run to run.
# 10,000 papers take one of each.
BUILD_RUNS = 5


def measure_builds(proj: Path, work: Path, runs: int = 1) -> dict:
    env = _env(proj)
    site = proj / "site"
    md = work / "generated-md"
    _run_child([_python(), "-m", "atlas", "generate", "--data", str(proj / "data"), "--out", str(md)], proj, env)
    shutil.copytree(proj / "docs", md, dirs_exist_ok=True)  # the hand-written assets beside the pages
    cfg = work / "bare-mkdocs.yml"
    cfg.write_text(bare_config(proj, md, work / "bare-site"), encoding="utf-8")
    mkdocs = str(Path(_python()).with_name("mkdocs"))
    builds, bares = [], []
    # Alternating, so slow spells of the machine fall on both. Both treat their site folder alike:
    # from the second run on, each replaces the site its previous run left, within its time.
    for _ in range(runs):
        build_s, build_rss, _ = _run_child([_python(), "-m", "atlas", "build", "--config", str(proj / "mkdocs.yml"),
                                            "--site-dir", str(site)], proj, env)
        builds.append((build_s, build_rss, _run_child.cpu))
        bare_s, bare_rss, _ = _run_child([mkdocs, "build", "--quiet", "--config-file", str(cfg)], proj, env)
        bares.append((bare_s, bare_rss, _run_child.cpu))
    shutil.rmtree(work / "bare-site", ignore_errors=True)
    build, bare = (sorted(runs_)[len(runs_) // 2] for runs_ in (builds, bares))
    return {"build_s": build[0], "bare_mkdocs_s": bare[0], "build_rss_kb": max(r[1] for r in builds),
            "bare_rss_kb": max(r[1] for r in bares), "site": site, "build_cpu_s": build[2], "bare_mkdocs_cpu_s": bare[2],
            "build_all_s": [round(r[0], 2) for r in builds], "bare_mkdocs_all_s": [round(r[0], 2) for r in bares]}


def _dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        # A page closed while the search index was still downloading: not an error here.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(site: Path):
    handler = functools.partial(_Quiet, directory=str(site))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


def _first_paper(site: Path) -> str:
    return sorted(p.name for p in (site / "papers").iterdir() if (p / "index.html").is_file())[0]


def measure_sizes(site: Path, graph_urls: list[str]) -> dict:
    # Paper pages differ in size with their number of links (an early, much-cited paper has
    # the largest local graph): the median page, and the largest.
    pages = sorted(f.stat().st_size for f in (site / "papers").glob("*/index.html"))
    graph_html = site / "graph" / "index.html"
    graph_bytes = graph_html.stat().st_size
    for url in graph_urls:  # the data files the graph page fetched (site-relative)
        f = site / url
        if f.is_file():
            graph_bytes += f.stat().st_size
    return {
        "paper_page_kb": pages[len(pages) // 2] / 1024,
        "paper_page_max_kb": pages[-1] / 1024,
        "paper_pages_over_40kb": sum(1 for b in pages if b > 40 * 1024),
        "graph_page_kb": graph_bytes / 1024,
        "search_index_kb": (site / "search" / "search_index.json").stat().st_size / 1024,
        "site_mb": _dir_bytes(site) / 2**20,
    }


READY_LOADS = 5  # page loads per graph timing; the median is reported, every time kept in the JSON
# The page records `data-ready-ms` (performance.now(), i.e. milliseconds since navigation start)
# when vis-network has drawn the first frame and the controls are bound. A MutationObserver
# installed before the page's own scripts hands that number over; Playwright's wait_for_selector
# would instead run a querySelectorAll over the whole page on every animation frame, on the
# page's main thread, which slowed the 1,000-paper graph page it was timing by 0.1-0.3 s.
READY_WATCH = """new MutationObserver((records, observer) => {
  for (const r of records) {
    if (r.target.getAttribute('data-ready') === 'true') {
      window.__atlasReadyMs = Number(r.target.getAttribute('data-ready-ms'));
      observer.disconnect();
      return;
    }
  }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-ready']});"""


def measure_browser(site: Path) -> dict:
    """Seconds from navigation to a drawn graph, and which data files the graph page fetched."""
    from playwright.sync_api import sync_playwright

    out: dict = {"graph_ready_s": None, "local_graph_ready_s": None, "full_graph_ready_s": None, "graph_data": []}
    with serve(site) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, LOCAL_ONLY])
        try:
            def ready(url: str, record: list[str] | None = None) -> tuple[float, float] | None:
                """The page's own time from navigation start to its graph drawn, and the wall time
                seen from here, which adds Playwright's round trips (None: the page has no graph)."""
                ctx = browser.new_context(viewport={"width": 1280, "height": 900})
                ctx.add_init_script(READY_WATCH)
                page = ctx.new_page()
                if record is not None:
                    page.on("request", lambda r: r.url.endswith(".json") and "search_index" not in r.url
                            and record.append(r.url[len(base):].split("?")[0]))
                t0 = time.perf_counter()
                page.goto(url, wait_until="commit")
                page.wait_for_load_state("domcontentloaded")
                if page.locator(".atlas-graph").count() == 0:
                    ctx.close()
                    return None
                page.wait_for_function("() => window.__atlasReadyMs", polling=100, timeout=180_000)
                wall = time.perf_counter() - t0
                ms = page.evaluate("() => window.__atlasReadyMs")
                ctx.close()
                return ms / 1000, wall

            def median(url: str, record: list[str] | None = None) -> float | None:
                """The median of READY_LOADS loads, each in a fresh context (no cache)."""
                loads = [ready(url, record if i == 0 else None) for i in range(READY_LOADS)]
                if None in loads:
                    return None
                out.setdefault("ready_all_s", {})[url[len(base):]] = [t for t, _ in loads]
                out.setdefault("ready_wall_all_s", {})[url[len(base):]] = [round(w, 3) for _, w in loads]
                return statistics.median(t for t, _ in loads)

            ready(base + "graph/")  # warm-up: first launch, disk cache of the server files
            out["graph_ready_s"] = median(base + "graph/", out["graph_data"])
            out["local_graph_ready_s"] = median(base + f"papers/{_first_paper(site)}/")
            if 'data-graph-overview="' in (site / "graph" / "index.html").read_text(encoding="utf-8"):
                out["full_graph_ready_s"] = median(base + "graph/?map=full")  # the opt-in full map
        finally:
            browser.close()
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure_serve_edit(proj: Path, timeout: float = 300, dirty: bool = True, edits: int = 3) -> float:
    """Seconds from saving a one-paper YAML edit to `mkdocs serve` serving the changed page: the
    median of `edits` edits to one running server (every time is kept in `.all`).

    `dirty`: as `make serve` runs it (`--dirty`: only the pages the edit changed are rendered
    again); otherwise every page is, as plain `mkdocs serve` does."""
    port = _free_port()
    mkdocs = str(Path(_python()).with_name("mkdocs"))
    proc = subprocess.Popen([mkdocs, "serve", *(["--dirty"] if dirty else []), "--dev-addr", f"127.0.0.1:{port}",
                             "--config-file", str(proj / "mkdocs.yml")], cwd=proj, env=_env(proj),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pid = sorted(p.stem for p in (proj / "data" / "papers").glob("*.yml"))[0]
    url = f"http://127.0.0.1:{port}/papers/{pid}/"

    def fetch(page: str = url) -> str:
        try:
            with urllib.request.urlopen(page, timeout=10) as r:
                return r.read().decode("utf-8", errors="replace")
        except OSError:
            return ""

    try:
        deadline = time.monotonic() + timeout
        while "<h1>" not in fetch():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("mkdocs serve did not come up")
            time.sleep(0.2)
        times = []
        f = proj / "data" / "papers" / f"{pid}.yml"
        original = f.read_text(encoding="utf-8")
        for _ in range(edits):
            time.sleep(1.5)  # let the watcher settle after the previous build
            marker = f"Benchmark edit {time.time_ns()}"  # new on every edit: never on the page before
            f.write_text(original.replace('title: "', f'title: "{marker} ', 1), encoding="utf-8")
            t0 = time.perf_counter()
            while marker not in fetch():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the edit never showed up under mkdocs serve")
                time.sleep(0.1)
            times.append(time.perf_counter() - t0)
            # The other pages that show the title (the list of all papers) changed with it.
            if marker not in fetch(f"http://127.0.0.1:{port}/papers/"):
                raise SystemExit("mkdocs serve showed the edited paper but a stale list of papers")
        f.write_text(original, encoding="utf-8")
        measure_serve_edit.all = times
        return statistics.median(times)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def real_serve_edit(work_root: Path) -> dict:
    """A one-paper edit under `make serve` on a copy of the project with its real data."""
    proj = work_root / "real"
    for name in ("docs", "overrides", "scripts", "data"):
        shutil.copytree(ROOT / name, proj / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "mkdocs.yml", proj / "mkdocs.yml")
    try:
        seconds = measure_serve_edit(proj)
        return {"n": len(list((proj / "data" / "papers").glob("*.yml"))), "corpus": "real",
                "serve_edit_s": seconds, "serve_edit_all_s": measure_serve_edit.all}
    finally:
        shutil.rmtree(proj, ignore_errors=True)


def bench_one(n: int, work_root: Path, serve_edit: bool) -> dict:
    work = work_root / f"n{n}"
    work.mkdir()
    t0 = time.perf_counter()
    proj = make_project(n, work)
    print(f"[{n}] corpus written in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)

    _, gen_rss, out = _run_child([_python(), str(proj / "scripts" / "bench.py"), "--worker-generate",
                                  str(proj / "data")], proj, _env(proj))
    gen = json.loads(out.strip().splitlines()[-1])
    print(f"[{n}] generate {gen['generate_s']:.2f} s, floor {gen['generate_floor_s']:.2f} s",
          file=sys.stderr, flush=True)
    builds = measure_builds(proj, work, runs=BUILD_RUNS if n <= 1000 else 1)
    print(f"[{n}] build {builds['build_s']:.1f} s, bare mkdocs {builds['bare_mkdocs_s']:.1f} s",
          file=sys.stderr, flush=True)
    site = builds["site"]
    browser = measure_browser(site)
    sizes = measure_sizes(site, browser["graph_data"])
    row = {
        "n": n,
        "generate_s": gen["generate_s"],
        "generate_floor_s": gen["generate_floor_s"],
        "build_s": builds["build_s"],
        "bare_mkdocs_s": builds["bare_mkdocs_s"],
        "build_all_s": builds["build_all_s"],
        "bare_mkdocs_all_s": builds["bare_mkdocs_all_s"],
        "graph_ready_s": browser["graph_ready_s"],
        "local_graph_ready_s": browser["local_graph_ready_s"],
        "full_graph_ready_s": browser["full_graph_ready_s"],
        **sizes,
        "graph_data": browser["graph_data"],
        "ready_all_s": browser.get("ready_all_s"),
        "ready_wall_all_s": browser.get("ready_wall_all_s"),
        "peak_rss_mb": max(builds["build_rss_kb"], gen_rss) / 1024,
        "bare_mkdocs_rss_mb": builds["bare_rss_kb"] / 1024,
        "serve_edit_s": None,
        "serve_full_edit_s": None,
        # CPU seconds (with children): the same comparisons, less sensitive to other load.
        "generate_cpu_s": gen["generate_cpu_s"],
        "generate_floor_cpu_s": gen["generate_floor_cpu_s"],
        "build_cpu_s": builds["build_cpu_s"],
        "bare_mkdocs_cpu_s": builds["bare_mkdocs_cpu_s"],
        "load_average": os.getloadavg()[0],
    }
    if serve_edit:
        shutil.rmtree(site)
        row["serve_edit_s"] = measure_serve_edit(proj)
        row["serve_edit_all_s"] = measure_serve_edit.all
        row["serve_full_edit_s"] = measure_serve_edit(proj, dirty=False, edits=1)
        print(f"[{n}] serve edit {row['serve_edit_s']:.1f} s (make serve), full rebuild {row['serve_full_edit_s']:.1f} s",
              file=sys.stderr, flush=True)
    return row


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.2f}" if v < 100 else f"{v:.0f}"
    return str(v)


def table(rows: list[dict]) -> str:
    head = "| " + " | ".join(KEYS) + " |"
    sep = "|" + "|".join("---:" for _ in KEYS) + "|"
    body = ["| " + " | ".join(_fmt(r.get(k)) for k in KEYS) + " |" for r in rows]
    return "\n".join([head, sep, *body])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, action="append", help="corpus size (repeatable; default 58, 1000, 10000)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench-results" / "bench.json")
    ap.add_argument("--serve-edit", action="store_true", help="also time a YAML edit under mkdocs serve at every size")
    ap.add_argument("--keep", action="store_true", help="keep the temporary projects (path printed)")
    ap.add_argument("--worker-generate", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker_generate:
        print(json.dumps(worker_generate(args.worker_generate)))
        return 0

    sizes = args.n or list(SIZES)
    work_root = Path(tempfile.mkdtemp(prefix="atlas-bench-"))
    rows = []
    try:
        for n in sizes:
            rows.append(bench_one(n, work_root, serve_edit=args.serve_edit or n == 1000))
            if not args.keep:
                shutil.rmtree(work_root / f"n{n}", ignore_errors=True)
    finally:
        if args.keep:
            print(f"kept {work_root}", file=sys.stderr)
        else:
            shutil.rmtree(work_root, ignore_errors=True)
    if not args.n:
        rows.append(real_serve_edit(work_root))
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(table(rows))
    print(f"(largest child process resident set: {usage.ru_maxrss / 1024:.0f} MB)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
