"""The site's "Contribute" section and each paper's "Report a problem" link, in a real build."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from mkdocs.config import load_config

from atlas import rules
from atlas.build import generate
from atlas.render import report_url
from conftest import DATA, ROOT
from sitecheck import parse

SCHEMA = json.loads((DATA / "schema" / "paper.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def repo_url(site_dir) -> str:
    """The repository URL the test build used: mkdocs.yml's, which reads ATLAS_REPO_URL."""
    return load_config(str(ROOT / "mkdocs.yml"))["repo_url"].rstrip("/")


def page(site_dir: Path, path: str) -> str:
    return (site_dir / path / "index.html").read_text(encoding="utf-8")


def test_the_contribute_section_is_in_the_navigation(site_dir):
    links = {link for _, _, link in parse(site_dir / "index.html").links}
    assert "contribute/" in links
    assert "contribute/data-reference/" in links


def test_the_guide_page_is_contributing_md(site_dir, repo_url):
    text = page(site_dir, "contribute")
    assert '<h1 id="contributing-to-the-ml-systems-paper-atlas">Contributing to the ML Systems Paper Atlas' in text
    assert "<pre><code>make new-paper ARXIV=2305.14314\n</code></pre>" in text
    assert f'href="{repo_url}/edit/main/CONTRIBUTING.md"' in text
    for r in rules.RULES:
        assert f"<li><code>{r.id}</code>" in text, r.id
    # Markdown that GitHub and Python-Markdown read alike: each honesty rule is its own list item.
    for rule in ("Verbatim or absent.", "Verified identifiers only.", "Dates say where they come from.",
                 "Edges need the source's words.", "Corrections are welcome."):
        assert re.search(rf"<li>\s*(<p>)?<strong>{re.escape(rule)}</strong>", text), rule


def test_the_data_reference_shows_every_schema_field(site_dir, repo_url):
    text = page(site_dir, "contribute/data-reference")
    assert f'href="{repo_url}/edit/main/data/schema/paper.schema.json"' in text
    for name, node in SCHEMA["properties"].items():
        anchor = name.replace("_", "-")
        heading = re.search(rf'<h2 id="{anchor}"><code>{name}</code> <span class="atlas-muted">([^<]*)</span>', text)
        assert heading, name
        if name in SCHEMA["required"]:
            assert heading.group(1) == "required"
        elif name in ("authors", "author_count"):
            assert heading.group(1).startswith("required unless ")
        else:
            assert heading.group(1) == "optional"
        section = text[heading.end():].split("<h2 ", 1)[0]
        assert f"<p>{node['description']}</p>" in html.unescape(section), name
        for example in node.get("examples", []):
            if isinstance(example, (str, int)):
                assert f"{name}: " in html.unescape(section) and str(example) in html.unescape(section), name
    for sub in SCHEMA["$defs"]["relation"]["properties"]:
        assert f'<h3 id="relations-{sub}"><code>relations[].{sub}</code>' in text
    for r in rules.RULES:
        assert f'<li id="rule-{r.id}"><code>{r.id}</code>' in text


def test_the_data_reference_documents_the_registry_files(site_dir):
    text = page(site_dir, "contribute/data-reference")
    for name, path in (("topics", "data/topics.yml"), ("external", "data/external.yml"),
                       ("facets", "data/facets.yml"), ("reading-paths", "data/reading-paths.yml")):
        schema = json.loads((DATA / "schema" / f"{name}.schema.json").read_text(encoding="utf-8"))
        m = re.search(rf'<h3 id="file-{name}"><code>{re.escape(path)}</code></h3>\n<p>([^<]*)</p>', text)
        assert m and html.unescape(m.group(1)) == schema["description"], name
    evidence = text.split('<h4 id="file-external-evidence">', 1)[1].split("</section>", 1)[0]
    assert "required when arxiv is given, else optional" in evidence
    assert "https URL of the page that verified the arXiv id." in evidence
    assert "Example" not in evidence  # paper `code`'s example is not this field's
    assert '<h4 id="file-reading-paths-paper"><code>&lt;id&gt;[].paper</code> <span class="atlas-muted">required' in text
    assert '<h5 id="file-topics-subtopics-name"><code>&lt;id&gt;.subtopics.&lt;id&gt;.name</code>' in text
    assert "<dt>Keys</dt><dd>the keys optimizes, techniques, hardware, artifact</dd>" in text


def test_the_data_reference_is_generated_from_the_schema(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    path = data / "schema" / "paper.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["properties"]["doi"] = {"description": "A DOI <for> the test & nothing else.", "type": "string",
                                   "maxLength": 300, "pattern": "^10\\.[0-9]+/<.+>$", "examples": ["10.1000/xyz123"]}
    path.write_text(json.dumps(schema), encoding="utf-8")
    text = generate(data).files["contribute/data-reference.md"].decode()
    section = text.split('<h2 id="doi">', 1)[1].split("</section>", 1)[0]
    assert "<p>A DOI &lt;for&gt; the test &amp; nothing else.</p>" in section
    assert "<dt>Type</dt><dd>text</dd>" in section
    assert "<dt>Limits</dt><dd>at most 300 characters</dd>" in section
    assert "<dt>Pattern</dt><dd><code>^10\\.[0-9]+/&lt;.+&gt;$</code></dd>" in section
    assert "<pre><code>doi: 10.1000/xyz123</code></pre>" in section


def report_href(page_html: str) -> str:
    m = re.search(r'<a href="([^"]+)" rel="noopener">Report a problem with this entry</a>', page_html)
    assert m, "no Report a problem link"
    return html.unescape(m.group(1))


def test_every_paper_page_has_a_prefilled_report_link(site_dir, repo_url):
    for path in sorted((DATA / "papers").glob("*.yml")):
        href = report_href(page(site_dir, f"papers/{path.stem}"))
        assert href.startswith(f"{repo_url}/issues/new?"), path.stem
        assert f"File: data/papers/{path.name}" in parse_qs(urlsplit(href).query)["body"][0]
    query = parse_qs(urlsplit(report_href(page(site_dir, "papers/qlora"))).query)
    assert query["title"] == ["Problem with qlora: QLoRA: Efficient Finetuning of Quantized LLMs"]
    assert query["body"] == ["Paper: QLoRA: Efficient Finetuning of Quantized LLMs\nFile: data/papers/qlora.yml\n"
                             "arXiv: https://arxiv.org/abs/2305.14314\n\n"
                             "What is wrong, and the source that shows the right value:\n"]


def test_a_hostile_title_is_url_encoded_and_escaped(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    path = data / "papers" / "qlora.yml"
    hostile = "\"><script>alert(1)</script> & ?x=1#y"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'title: "QLoRA: Efficient Finetuning of Quantized LLMs"', "title: '" + hostile + "'"), encoding="utf-8")
    text = generate(data, repo_url="https://github.com/someone/fork").files["papers/qlora.md"].decode()
    line = next(line for line in text.split("\n") if "Report a problem" in line)
    raw = re.search(r'<a href="([^"]*)" rel="noopener">Report a problem', line).group(1)
    assert not set('<>"\'') & set(raw)
    assert "script" not in line.replace("%3Cscript%3E", "").replace("%3C%2Fscript%3E", "")
    href = report_href(line)
    assert href.startswith("https://github.com/someone/fork/issues/new?title=Problem%20with%20qlora%3A%20%22%3E%3Cscript")
    assert parse_qs(urlsplit(href).query)["title"] == [f"Problem with qlora: {hostile}"]


def test_the_repository_url_comes_from_configuration(monkeypatch):
    monkeypatch.setenv("ATLAS_REPO_URL", "https://github.com/someone/fork")
    assert load_config(str(ROOT / "mkdocs.yml"))["repo_url"] == "https://github.com/someone/fork"
    assert "atlas-report" not in generate(DATA).files["papers/qlora.md"].decode()
    assert "github.com" not in (ROOT / "scripts" / "atlas" / "templates" / "paper.md.j2").read_text(encoding="utf-8")


@pytest.mark.parametrize("bad", ["", "javascript:alert(1)", "https://github.com/a b", 'https://x/"onmouseover=1'])
def test_no_report_link_without_a_usable_repository_url(bad):
    from atlas.build import load_atlas

    atlas, _ = load_atlas(DATA)
    assert report_url(bad, atlas.papers["qlora"]) is None


def test_contribute_pages_load_cleanly_in_a_browser(watch, site_url):
    for path in ("contribute/", "contribute/data-reference/"):
        watch.page.goto(site_url + path)
        watch.page.wait_for_load_state("networkidle")
        assert watch.page.locator("h1").first.inner_text().startswith(("Contributing to the ML Systems Paper Atlas",
                                                                       "Data reference"))
    watch.assert_clean()
