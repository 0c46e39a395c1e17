"""Hostile entries, one file per case under tests/hostile/, each installed into a copy of the
real data folder as if a stranger's pull request had added it.

Every fixture ends with `# expect:` lines: either the exact error lines the loader must report
(a trailing `...` allows the rest of the line to vary), or `valid; renders as text`. The valid
ones are built together into a real site, which is then scanned for anything that came from
data as markup: elements, attributes, scripts or URL schemes that a clean page does not have.
"""

from __future__ import annotations

import functools
import html
import html.parser
import http.server
import json
import os
import re
import shutil
import threading
from pathlib import Path

import pytest
import yaml

from atlas.data import load
from conftest import DATA, ROOT, SUBPATH, SubPathHandler

HOSTILE = Path(__file__).parent / "hostile"
CASES = sorted(p.stem for p in HOSTILE.glob("*.yml"))
VALID = "valid; renders as text"


def expectations(name: str) -> list[str]:
    lines = (HOSTILE / f"{name}.yml").read_bytes().split(b"\n")
    return [ln.decode("utf-8")[len("# expect: "):] for ln in lines if ln.startswith(b"# expect: ")]


VALID_CASES = [c for c in CASES if expectations(c) == [VALID]]
ERROR_CASES = [c for c in CASES if c not in VALID_CASES]


def install(tmp: Path, names: list[str]) -> Path:
    data = tmp / "data"
    shutil.copytree(DATA, data)
    for name in names:
        shutil.copy(HOSTILE / f"{name}.yml", data / "papers" / f"{name}.yml")
    return data


def test_the_corpus_covers_every_case_class():
    assert len(CASES) >= 70
    assert len(VALID_CASES) >= 6
    for name in CASES:
        assert expectations(name), f"{name}.yml has no '# expect:' line"


@pytest.mark.parametrize("name", ERROR_CASES)
def test_hostile_entry_is_rejected_with_file_line_and_field(name, tmp_path):
    data = install(tmp_path, [name])
    _, problems = load(data, root=data.parent)
    got = sorted(str(p) for p in problems if p.severity == "error")
    want = sorted(expectations(name))
    assert len(got) == len(want), "\n".join(got)
    for g, w in zip(got, want):
        if w.endswith("..."):
            assert g.startswith(w[:-3]), g
        else:
            assert g == w
    for line in got:
        assert re.match(r"^data/papers/[^:]+\.yml:\d+:\d+: \S[^:]*: \S", line), line
        # Nothing a contributor wrote reaches the terminal raw: no escape or bidi characters.
        assert not re.search(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]", line), line


@pytest.mark.parametrize("name", VALID_CASES)
def test_hostile_but_valid_entry_is_accepted(name, tmp_path):
    data = install(tmp_path, [name])
    loaded, problems = load(data, root=data.parent)
    assert [str(p) for p in problems if p.severity == "error"] == []
    assert name in loaded.papers


def test_a_python_tag_constructs_nothing(tmp_path):
    marker = Path("/tmp/atlas-pwned")
    assert b"touch /tmp/atlas-pwned" in (HOSTILE / "python-object-tag.yml").read_bytes()
    data = install(tmp_path, ["python-object-tag"])
    load(data, root=data.parent)
    assert not marker.exists()


def test_billion_laughs_is_refused_at_the_first_anchor():
    from atlas.yamlsafe import YamlError, parse

    raw = (HOSTILE / "billion-laughs.yml").read_bytes()
    with pytest.raises(YamlError) as err:
        parse(raw)
    assert (err.value.line, err.value.col) == (2, 4)  # `&a` on the first bomb line
    # Fully expanded, the last alias would be 9**10 (about 3.5 billion) strings.
    assert raw.count(b"*") == 81 + 1


def test_symbolic_links_and_special_files_are_not_read(tmp_path):
    data = install(tmp_path, [])
    secret = tmp_path / "secret.yml"
    secret.write_text("id: secret\ntitle: do not publish me\n", encoding="utf-8")
    (data / "papers" / "secret.yml").symlink_to(secret)
    (data / "papers" / "dev-zero.yml").symlink_to("/dev/zero")
    (data / "papers" / "folder.yml").mkdir()
    _, problems = load(data, root=data.parent)
    got = [str(p) for p in problems if p.severity == "error"]
    assert got == [
        "data/papers/dev-zero.yml:1:1: (file): is a symbolic link; data files must be regular files",
        "data/papers/folder.yml:1:1: (file): is not a regular file",
        "data/papers/secret.yml:1:1: (file): is a symbolic link; data files must be regular files",
    ]
    assert not any("do not publish" in str(p) for p in problems)


def test_a_symlinked_papers_folder_is_refused(tmp_path):
    data = install(tmp_path, [])
    real = tmp_path / "elsewhere"
    (data / "papers").rename(real)
    (data / "papers").symlink_to(real)
    _, problems = load(data, root=data.parent)
    errors = [str(p) for p in problems if p.severity == "error"]
    assert errors[0] == "data/papers:1:1: (file): is a symbolic link; data/papers must be a real folder"
    # With no paper read, the reading paths name unknown papers; nothing else is reported.
    assert all(e.startswith("data/reading-paths.yml:") for e in errors[1:])


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path):
    data = install(tmp_path, [])
    big = data / "papers" / "big.yml"
    big.write_bytes(b"# " + b"x" * (256 * 1024) + b"\n")
    _, problems = load(data, root=data.parent)
    assert [str(p) for p in problems if p.severity == "error"] == [
        f"data/papers/big.yml:1:1: (file): the file is {256 * 1024 + 3} bytes; the limit is {256 * 1024}"
    ]


def test_a_zero_byte_file_is_empty(tmp_path):
    data = install(tmp_path, [])
    (data / "papers" / "zero-bytes.yml").write_bytes(b"")
    _, problems = load(data, root=data.parent)
    assert [str(p) for p in problems if p.severity == "error"] == [
        "data/papers/zero-bytes.yml:1:1: (file): the file is empty; expected a YAML mapping of fields"
    ]


def test_two_misnamed_files_claiming_one_id_name_each_other(tmp_path):
    data = install(tmp_path, [])
    text = (HOSTILE / "file-name-differs.yml").read_text(encoding="utf-8")
    (data / "papers" / "first-copy.yml").write_text(text, encoding="utf-8")
    (data / "papers" / "second-copy.yml").write_text(text, encoding="utf-8")
    _, problems = load(data, root=data.parent)
    assert [str(p) for p in problems if p.severity == "error"] == [
        "data/papers/first-copy.yml:1:5: id: the id 'some-other-id' must equal the file name 'first-copy' "
        "(duplicate id: data/papers/second-copy.yml also has it)",
        "data/papers/second-copy.yml:1:5: id: the id 'some-other-id' must equal the file name 'second-copy' "
        "(duplicate id: data/papers/first-copy.yml also has it)",
    ]


def test_generated_files_are_never_written_outside_the_output_folder(tmp_path):
    from atlas.build import write_tree

    out = tmp_path / "out"
    for bad in ("../escaped.md", "papers/../../escaped.md", "/tmp/escaped.md"):
        with pytest.raises(ValueError, match="refusing to write outside"):
            write_tree({bad: b"x"}, out)
    assert sorted(p.name for p in tmp_path.rglob("*")) == []


class _IgnoreTags(yaml.SafeLoader):
    """Reads mkdocs.yml, whose `!ENV` tags only matter to MkDocs."""


_IgnoreTags.add_multi_constructor("!", lambda loader, suffix, node: None)


def test_no_markdown_extension_acts_on_content_or_reads_files():
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_IgnoreTags)
    names = {next(iter(e)) if isinstance(e, dict) else e for e in config["markdown_extensions"]}
    risky = {"pymdownx.snippets", "markdown_include.include", "mdx_include",  # read files named in content
             "attr_list", "markdown.extensions.attr_list", "md_in_html", "markdown.extensions.md_in_html",
             "extra", "markdown.extensions.extra"}  # act on content (extra includes both)
    assert names & risky == set()
    assert "toc" in names  # the extensions in use: toc and admonition, on constant headings only


def test_graph_tooltips_never_go_through_pyvis_html_templates():
    """pyvis 0.3.2's HTML template switches tooltips to innerHTML when a title contains
    `href`; the atlas only ships vis-network's script and sets every tooltip as a string,
    which vis-network 9 shows with innerText (checked in Chromium below)."""
    sources = [p.read_text(encoding="utf-8") for p in (ROOT / "scripts").rglob("*.py")]
    sources += [p.read_text(encoding="utf-8") for p in (ROOT / "docs").rglob("*.js")]
    assert not any(re.search(r"pyvis\.network|from pyvis import|htmlTitle", s) for s in sources)


def test_json_for_a_script_element_cannot_close_it():
    from atlas.render import json_script

    value = {"t": "</script><script>alert(1)</script><!-- \u2028 & '\""}
    out = str(json_script(value))
    assert "<" not in out and ">" not in out and "&" not in out and "\u2028" not in out
    assert json.loads(out) == value


# --- the valid hostile entries, built into a real site -------------------------------------


HOSTILE_TOPIC_DESCRIPTION = 'Everything else <script>alert("topic")</script> & "quotes" <!--'
HOSTILE_WORK_NAME = '<img src=x onerror=alert("work")></script>'
HOSTILE_EVIDENCE = "<svg onload=alert(1)> uses it"


def hostile_data(tmp: Path) -> Path:
    """The real data plus every hostile-but-valid entry, under `tmp`; returns its data folder.
    The registries are data too: a hostile topic description and outside work, named by a paper."""
    data = install(tmp, VALID_CASES)
    topics = (data / "topics.yml").read_text(encoding="utf-8")
    hostile = re.sub(r"(\nother:\n  name: Other\n  description: )>-\n(    .*\n)+",
                     lambda m: m.group(1) + json.dumps(HOSTILE_TOPIC_DESCRIPTION) + "\n", topics)
    assert hostile != topics
    (data / "topics.yml").write_text(hostile, encoding="utf-8")
    with (data / "external.yml").open("a", encoding="utf-8") as f:
        f.write(f"zz-hostile-work:\n  name: {json.dumps(HOSTILE_WORK_NAME)}\n  note: '<b onmouseover=alert(1)>note</b>'\n")
    (data / "papers" / "names-a-hostile-work.yml").write_text(
        "id: names-a-hostile-work\ntitle: Names a hostile work\nauthors: [Test Author]\ntopics: [other]\n"
        "mentions: [zz-hostile-work]\nrelations:\n  - type: uses\n    target: zz-hostile-work\n"
        f"    evidence: {json.dumps(HOSTILE_EVIDENCE)}\nabstract: A fixture naming a hostile outside work.\n", encoding="utf-8")
    return data


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    """A real `mkdocs build` of the real data plus every hostile-but-valid entry."""
    from atlas.build import build_site

    tmp = tmp_path_factory.mktemp("hostile")
    data = hostile_data(tmp)
    saved = {k: os.environ.get(k) for k in ("ATLAS_DATA_DIR", "ATLAS_SITE_URL")}
    os.environ["ATLAS_DATA_DIR"] = str(data)
    os.environ["ATLAS_SITE_URL"] = "https://example.invalid" + SUBPATH
    try:
        return build_site(ROOT / "mkdocs.yml", tmp / "site")
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def hostile_papers():
    """The hostile entries as the loader reads them (what the site must show literally)."""
    from atlas.yamlsafe import parse

    return {name: parse((HOSTILE / f"{name}.yml").read_bytes()).value for name in VALID_CASES}


class Page(html.parser.HTMLParser):
    """Every element with its attributes, and the text inside elements picked by a predicate."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[tuple[str | None, str]] = []
        self.json_blocks: list[str] = []
        self._script_type: str | None = None
        self.texts: dict[str, list[str]] = {}
        self._open: list[tuple[str, str | None, int | None]] = []  # (tag, capture key, buffer)
        self._script: str | None = None
        self._script_src: str | None = None
        self.feed(text)
        self.close()

    def key_for(self, tag: str, attrs: dict[str, str | None]) -> str | None:
        classes = (attrs.get("class") or "").split()
        if tag in ("title", "h1"):
            return tag
        for c in ("atlas-authors", "atlas-abstract", "atlas-evidence", "md-header__topic", "md-ellipsis"):
            if c in classes:
                return c
        return None

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))
        if tag == "script" or (tag == "template" and dict(attrs).get("id", "").endswith("-data")):
            self._script, self._script_src = "", dict(attrs).get("src")
            self._script_type = "application/json" if tag == "template" else dict(attrs).get("type")
        if tag in ("br", "img", "meta", "link", "input", "hr", "source", "wbr"):
            return
        key = self.key_for(tag, dict(attrs))
        index = None
        if key:
            self.texts.setdefault(key, []).append("")
            index = len(self.texts[key]) - 1
        self._open.append((tag, key, index))

    def handle_endtag(self, tag):
        if tag in ("script", "template") and self._script is not None:
            if self._script_type == "application/json":
                # Graph data embedded for a local graph (a <template>): data, not code. It must
                # parse as JSON and hold no literal '<' that could end the element early.
                json.loads(self._script)
                assert "<" not in self._script
                self.json_blocks.append(self._script)
            else:
                self.scripts.append((self._script_src, self._script))
            self._script = None
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        if self._script is not None:
            self._script += data
        for _, key, index in self._open:
            if key:
                self.texts[key][index] += data


def page_of(site: Path, rel: str) -> Page:
    return Page((site / rel).read_text(encoding="utf-8"))


def signature(page: Page) -> set[tuple[str, tuple[str, ...]]]:
    return {(tag, tuple(sorted(n for n, _ in attrs))) for tag, attrs in page.elements}


URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "data", "background"}


def test_hostile_pages_are_built(hostile_site):
    for name in VALID_CASES:
        assert (hostile_site / "papers" / name / "index.html").is_file(), name


def test_no_markup_from_data_in_any_built_page(hostile_site, site_dir):
    """Every element/attribute combination in the hostile build also occurs in the clean build."""
    clean: set = set()
    for path in site_dir.rglob("*.html"):
        clean |= signature(page_of(site_dir, str(path.relative_to(site_dir))))
    clean_scripts = page_of(hostile_site, "papers/qlora/index.html").scripts
    for path in sorted(hostile_site.rglob("*.html")):
        rel = str(path.relative_to(hostile_site))
        page = page_of(hostile_site, rel)
        new = signature(page) - clean
        assert new == set(), f"{rel}: elements or attributes that no clean page has: {new}"
        for tag, attrs in page.elements:
            for name, value in attrs:
                assert not name.startswith("on"), f"{rel}: <{tag} {name}=...>"
                if name in URL_ATTRS and value:
                    scheme = re.sub(r"[\s\x00-\x1f]", "", html.unescape(value)).lower()
                    assert not scheme.startswith(("javascript:", "data:", "vbscript:")), f"{rel}: {name}={value}"
        # Scripts (inline ones included) are exactly the theme's: those of the same page in the
        # clean build, or of a clean paper page for the hostile papers' own pages.
        same = site_dir / rel
        expected = page_of(site_dir, rel).scripts if same.exists() else clean_scripts
        assert page.scripts == expected, f"{rel}: scripts differ from the clean build"


def test_hostile_text_appears_literally(hostile_site, hostile_papers):
    site_name = "ML Systems Paper Atlas"
    for name, entry in hostile_papers.items():
        page = page_of(hostile_site, f"papers/{name}/index.html")
        title = entry["title"]
        assert page.texts["title"] == [f"{title} - {site_name}"], name
        assert page.texts["h1"] == [title], name
        assert title in [t.strip() for t in page.texts["md-ellipsis"]], name  # the header's page title
        authors = page.texts["atlas-authors"][0]
        assert authors == "Authors " + ", ".join(entry["authors"]), name
        abstract = " ".join(page.texts["atlas-abstract"][0].split())
        assert abstract == " ".join(entry["abstract"].split()), name
        for rel, text in zip(entry.get("relations", []), page.texts.get("atlas-evidence", [])):
            assert text == f"Evidence: “{rel['evidence']}”", name


def test_hostile_registry_text_appears_literally(hostile_site):
    page = page_of(hostile_site, "papers/names-a-hostile-work/index.html")
    text = _all_text(hostile_site / "papers" / "names-a-hostile-work" / "index.html")
    flat = " ".join(text.split())
    assert HOSTILE_WORK_NAME in flat  # in the local graph's text twin and "Works it names"
    assert f"{HOSTILE_WORK_NAME} (no verified arXiv id)" in flat
    assert page.texts["atlas-evidence"] == [f"Evidence: “{HOSTILE_EVIDENCE}”"]
    topic = _all_text(hostile_site / "topics" / "other" / "index.html")
    assert HOSTILE_TOPIC_DESCRIPTION in topic
    assert HOSTILE_TOPIC_DESCRIPTION in _all_text(hostile_site / "topics" / "index.html")
    graph = json.loads((hostile_site / "downloads" / "graph.json").read_text(encoding="utf-8"))
    assert {n["id"]: n["label"] for n in graph["nodes"]}["work:zz-hostile-work"] == HOSTILE_WORK_NAME


def test_non_ascii_names_render_exactly(hostile_site, hostile_papers):
    raw = (hostile_site / "papers" / "non-ascii-names" / "index.html").read_text(encoding="utf-8")
    for name in hostile_papers["non-ascii-names"]["authors"]:
        assert name in raw, name  # byte for byte: no normalisation, no entity encoding
    assert "Jose\u0301" in raw and "👩‍🔬" in raw


def test_hostile_titles_are_text_on_index_and_topic_pages(hostile_site, hostile_papers):
    for rel in ("papers/index.html", "topics/offloading/index.html", "topics/memory/index.html"):
        text = _all_text(hostile_site / rel)
        for entry in hostile_papers.values():
            assert entry["title"] in text, (rel, entry["title"])


def _all_text(path: Path) -> str:
    out: list[str] = []

    class T(html.parser.HTMLParser):
        def handle_data(self, data):
            out.append(data)

    T(convert_charrefs=True).feed(path.read_text(encoding="utf-8"))
    return "".join(out)


def test_search_index_holds_data_as_escaped_text(hostile_site, hostile_papers):
    """Material renders index titles and texts as HTML: data must be escaped there, and only
    the index's own formatting tags may occur."""
    index = json.loads((hostile_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    by_location = {d["location"]: d for d in index["docs"]}
    for name, entry in hostile_papers.items():
        doc = by_location[f"papers/{name}/"]
        title = Page(doc["title"])
        assert title.elements == [] and html.unescape(doc["title"]) == entry["title"], name
        for d in index["docs"]:
            if d["location"].startswith(f"papers/{name}/"):
                for tag, attrs in Page(d["text"]).elements:
                    assert tag in ("p", "code", "pre", "ul", "li", "span", "em", "strong"), (name, tag)
                    assert attrs == [], (name, tag, attrs)
        abstract = by_location[f"papers/{name}/#abstract"]["text"]
        assert " ".join(entry["abstract"].split()) in " ".join(html.unescape(re.sub("<[^>]+>", "", abstract)).split())


def test_graph_data_and_bibliography_carry_text_exactly(hostile_site, hostile_papers):
    import bibtexparser

    graph = json.loads((hostile_site / "downloads" / "graph.json").read_text(encoding="utf-8"))
    labels = {n["id"]: n["label"] for n in graph["nodes"]}
    evidence = {(e["source"], e["target"]): e.get("evidence") for e in graph["edges"]}
    for name, entry in hostile_papers.items():
        assert labels[f"paper:{name}"] == entry["title"]
        for rel in entry.get("relations", []):
            target = f"work:{rel['target']}" if f"work:{rel['target']}" in labels else f"paper:{rel['target']}"
            assert evidence[(f"paper:{name}", target)] == rel["evidence"]
    lib = bibtexparser.parse_string((hostile_site / "downloads" / "papers.bib").read_text(encoding="utf-8"))
    assert lib.failed_blocks == []
    by_key = {e.key: e for e in lib.entries}
    for name in hostile_papers:
        assert set(by_key[name].fields_dict) <= {"title", "author", "year", "month", "eprint", "archivePrefix", "url", "note"}
    assert set(by_key["bibtex-breakout"].fields_dict) == {"title", "author"}
    # Three names stay three: BibTeX splits at " and " outside braces.
    assert by_key["bibtex-breakout"]["author"] == (
        r"{Ann and Bob} and Carol \textbraceleft{}D\textbraceright{} \textbackslash{}relax and {Dana AND Eve}")


def test_every_bibtex_field_keeps_its_braces_balanced(hostile_site):
    """BibTeX counts every brace, escaped or not: a field must close exactly at its end."""
    for line in (hostile_site / "downloads" / "papers.bib").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^  (\w+) = (\{.*\}),?$", line)
        if not m:
            assert line.startswith("@misc{") or line in ("}", ""), line
            continue
        depth = 0
        for i, ch in enumerate(m.group(2)):
            depth += {"{": 1, "}": -1}.get(ch, 0)
            assert depth > 0 or i == len(m.group(2)) - 1, f"field closes early: {line}"
        assert depth == 0, line


# --- in a real browser ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_url(hostile_site):
    handler = functools.partial(SubPathHandler, directory=str(hostile_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}{SUBPATH}"
    server.shutdown()


INJECTED = "img[src='x'], svg[onload], [onerror], [onclick], [onmouseover], iframe, .md-search-result script"


def test_search_results_show_hostile_titles_as_text(watch, hostile_url):
    page = watch.page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(hostile_url + "papers/")
    # Material's search highlights matches by rewriting the result's HTML: the worst place for
    # data to be markup. (Titles that start with `<` are one token beginning `&lt;`, so the
    # queries are words inside them.)
    for query, title in (("onerror", "<img src=x onerror=alert(1)>"), ("href", '<a href="javascript:alert(1)">href me</a>')):
        box = page.locator("input.md-search__input")
        box.click()
        box.fill("")
        box.type(query, delay=20)
        page.wait_for_function(
            "(t) => [...document.querySelectorAll('.md-search-result__item h1')].some(h => h.innerText.includes(t))",
            arg=title, timeout=20000)
        texts = page.locator(".md-search-result__item h1").all_inner_texts()
        assert any(title in t for t in texts), (query, texts)
        assert page.locator(INJECTED).count() == 0, query
        page.keyboard.press("Escape")
    assert dialogs == []
    watch.assert_clean()


def test_hostile_pages_run_no_data_in_the_browser(watch, hostile_url):
    page = watch.page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for name in VALID_CASES:
        page.goto(hostile_url + f"papers/{name}/")
        page.wait_for_load_state("networkidle")
        assert page.locator(INJECTED).count() == 0, name
    page.goto(hostile_url + "papers/")
    page.wait_for_load_state("networkidle")
    assert page.locator(INJECTED).count() == 0
    # A search result link highlights its terms in the page it opens (search.highlight).
    page.goto(hostile_url + "papers/html-in-text/?h=onerror+script+img")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("article mark", timeout=10000)
    assert page.locator(INJECTED).count() == 0
    assert page.locator("h1").inner_text() == '<img src=x onerror=alert(1)><script>alert("t")</script>'
    assert dialogs == []
    watch.assert_clean()


def test_graph_tooltip_shows_a_hostile_title_as_text(watch, hostile_url):
    page = watch.page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(hostile_url + "graph/")
    page.wait_for_selector(".atlas-graph[data-ready=true]", timeout=15000)
    for node in ("paper:html-in-text", "paper:href-in-title"):
        pos = page.evaluate("""(id) => {
            const c = document.querySelector('.atlas-graph'); const net = c.atlasNetwork;
            net.moveTo({position: net.getPositions([id])[id], scale: 1.5, animation: false});
            const p = net.canvasToDOM(net.getPositions([id])[id]); const r = c.getBoundingClientRect();
            return {x: r.left + p.x, y: r.top + p.y};
        }""", node)
        page.mouse.move(pos["x"] - 40, pos["y"] - 40)
        page.mouse.move(pos["x"], pos["y"])
        tip = page.locator(".vis-tooltip")
        tip.wait_for(state="visible", timeout=5000)
        label = page.evaluate("(id) => document.querySelector('.atlas-graph').atlasData.nodes.find(n => n.id === id).label", node)
        assert tip.inner_text().split("\n")[0] == label
        # Set as innerText: its only elements are the <br>s for its line breaks.
        tags = page.evaluate("[...document.querySelectorAll('.vis-tooltip *')].map(e => e.tagName)")
        assert set(tags) <= {"BR"}, tags
    assert page.locator(INJECTED).count() == 0
    assert dialogs == []
    watch.assert_clean()


def test_a_local_graph_reads_hostile_names_from_its_twin_as_text(watch, hostile_url):
    """A paper page's graph is read from its text twin (atlas-graph.js twinData): the names it
    draws and shows on hover are the titles, character for character, and nothing runs."""
    page = watch.page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for name in ("html-in-text", "href-in-title"):
        page.goto(hostile_url + f"papers/{name}/")
        page.wait_for_selector("#paper-graph[data-ready=true]", timeout=15000)
        labels = page.evaluate("Object.fromEntries(document.querySelector('#paper-graph').atlasData.nodes.map(n => [n.id, n.label]))")
        assert labels[f"paper:{name}"] == page.locator("h1").inner_text()
        assert labels[f"paper:{name}"].startswith("<"), labels
        assert page.locator(INJECTED).count() == 0, name
    assert dialogs == []
    watch.assert_clean()
