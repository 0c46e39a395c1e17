"""Builds are deterministic and atomic: the same commit gives the same bytes, and a build that
fails leaves the previous site and every other file exactly as they were.

Each test works on a copy of the parts of the repository a build reads (mkdocs.yml, docs/,
overrides/, scripts/, data/), so it can break the data or the docs without touching the
checkout.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from datafixture import GOOD

HOSTILE = Path(__file__).parent / "hostile"
PARTS = ("mkdocs.yml", "docs", "overrides", "scripts", "data")


def copy_repo(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for part in PARTS:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(src, dest / part)
    return dest


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under `folder` with a hash of its bytes and its mode.

    Python's own bytecode caches (__pycache__, ignored by git) are the one thing left out.
    """
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if "__pycache__" in path.parts:
            continue
        if path.is_symlink():
            out[rel] = "link:" + os.readlink(path)
        elif path.is_dir():
            out[rel] = f"dir:{path.stat().st_mode:o}"
        else:
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest() + f":{path.stat().st_mode:o}"
    return out


def run_build(repo: Path, site: Path, epoch: str = "1700000000") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(repo / "scripts"), "SOURCE_DATE_EPOCH": epoch,
           "ATLAS_SITE_URL": "https://example.invalid/ml-systems-paper-atlas/"}  # as the sitemap test expects
    env.pop("ATLAS_DATA_DIR", None)
    return subprocess.run([sys.executable, "-m", "atlas", "build", "--config", str(repo / "mkdocs.yml"),
                           "--site-dir", str(site)], cwd=repo, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A repository copy with one successful build in out/site."""
    repo = copy_repo(tmp_path_factory.mktemp("integrity") / "repo")
    result = run_build(repo, repo / "out" / "site")
    assert result.returncode == 0, result.stderr
    return repo


def test_two_builds_of_the_same_commit_are_byte_identical(built, tmp_path):
    first = snapshot(built / "out" / "site")
    result = run_build(built, tmp_path / "again" / "site")
    assert result.returncode == 0, result.stderr
    second = snapshot(tmp_path / "again" / "site")
    assert len(first) > 100
    assert sorted(first) == sorted(second)
    differing = [k for k in first if first[k] != second[k]]
    assert differing == []
    # The build date comes from SOURCE_DATE_EPOCH, not the clock: the one place it shows is the
    # time in sitemap.xml.gz's gzip header, the start of that day (2023-11-14).
    assert gzip_mtime(built / "out" / "site" / "sitemap.xml.gz") == 1700000000 - 1700000000 % 86400


def gzip_mtime(path: Path) -> int:
    return int.from_bytes(path.read_bytes()[4:8], "little")  # RFC 1952: MTIME, bytes 4 to 7


def test_the_build_date_follows_source_date_epoch(built, tmp_path):
    result = run_build(built, tmp_path / "other" / "site", epoch="86400")
    assert result.returncode == 0, result.stderr
    assert gzip_mtime(tmp_path / "other" / "site" / "sitemap.xml.gz") == 86400


def test_the_sitemap_lists_every_page_once_and_claims_no_modification_date(built):
    """MkDocs would give every page the build's date as <lastmod> (1970-01-01 by default), which is
    not when the page changed: overrides/sitemap.xml leaves it out."""
    import gzip
    import xml.etree.ElementTree as ET

    site = built / "out" / "site"
    raw = (site / "sitemap.xml").read_bytes()
    assert gzip.decompress((site / "sitemap.xml.gz").read_bytes()) == raw
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ET.fromstring(raw)
    assert root.findall(".//s:lastmod", ns) == []
    locs = [u.find("s:loc", ns).text for u in root.findall("s:url", ns)]
    assert len(root) == len(locs) and len(set(locs)) == len(locs)
    pages = sorted(p.parent.relative_to(site).as_posix() for p in site.rglob("index.html"))
    base = "https://example.invalid/ml-systems-paper-atlas/"  # run_build's site URL
    assert sorted(loc[len(base):].rstrip("/") for loc in locs) == sorted(p if p != "." else "" for p in pages)


@pytest.mark.parametrize("fixture", ["latex-alpha", "billion-laughs", "latin1-bytes", "code-javascript"])
def test_a_build_with_bad_data_changes_nothing(built, fixture):
    before = snapshot(built)
    bad = built / "data" / "papers" / f"{fixture}.yml"
    shutil.copy(HOSTILE / f"{fixture}.yml", bad)
    try:
        result = run_build(built, built / "out" / "site")
    finally:
        bad.unlink()
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    expected = [line[len("# expect: "):] for line in (HOSTILE / f"{fixture}.yml").read_text(
        encoding="utf-8", errors="replace").splitlines() if line.startswith("# expect: ")]
    for line in expected:
        assert line in result.stderr.splitlines()
    assert "the previous site was left as it was" in result.stderr
    assert snapshot(built) == before  # the site, the data, the docs, and no leftover folders


def test_a_strict_mode_warning_changes_nothing(built):
    before = snapshot(built)
    page = built / "docs" / "broken.md"
    page.write_text("# Broken\n\n[nowhere](missing.md)\n", encoding="utf-8")
    try:
        result = run_build(built, built / "out" / "site")
    finally:
        page.unlink()
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "missing.md" in result.stderr
    assert "Aborted with 1 warnings in strict mode" in result.stderr
    assert snapshot(built) == before


def test_a_successful_build_replaces_only_the_site(built):
    before = snapshot(built)
    marker = built / "out" / "site" / "stale.html"
    marker.write_text("from the previous build", encoding="utf-8")
    sibling = built / "out" / "site.old"  # a user's folder that merely looks like a backup
    sibling.mkdir()
    (sibling / "keep.txt").write_text("mine", encoding="utf-8")
    try:
        result = run_build(built, built / "out" / "site")
        assert result.returncode == 0, result.stderr
        assert not marker.exists()
        assert (sibling / "keep.txt").read_text(encoding="utf-8") == "mine"
        assert sorted(p.name for p in (built / "out").iterdir()) == ["site", "site.old"]
        shutil.rmtree(sibling)
        assert snapshot(built) == before
    finally:
        shutil.rmtree(sibling, ignore_errors=True)


def test_the_site_folder_is_world_readable(built):
    assert (built / "out" / "site").stat().st_mode & 0o755 == 0o755


def test_generate_after_an_edit_gives_the_bytes_of_a_fresh_generate(tmp_path):
    """`mkdocs serve` calls generate() again in the same process, where parsed files, related
    papers, the layout, paper and topic pages are remembered by their inputs: what it makes after an
    edit must be exactly what a process that never saw the old data makes. Two edits: a new paper
    filed under a topic (a new node and link: a new layout), then two titles (the links stay, so the
    layout is the remembered one), one of them shown on a topic page the paper is not filed under."""
    from atlas.build import generate

    shutil.copytree(ROOT / "data", tmp_path / "data")
    before = generate(tmp_path / "data", remember=True).files
    paper = tmp_path / "data" / "papers" / "qlora.yml"
    text = paper.read_text(encoding="utf-8")
    assert 'title: "QLoRA: Efficient Finetuning of Quantized LLMs"' in text

    def fresh(name: str) -> dict[str, bytes]:
        subprocess.run([sys.executable, "-m", "atlas", "generate", "--data", str(tmp_path / "data"), "--out", str(tmp_path / name)],
                       check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT / "scripts")})
        return {p.relative_to(tmp_path / name).as_posix(): p.read_bytes() for p in (tmp_path / name).rglob("*") if p.is_file()}

    (tmp_path / "data" / "papers" / "good-paper.yml").write_text(GOOD, encoding="utf-8")
    grown = generate(tmp_path / "data", remember=True).files
    assert grown == fresh("fresh-grown") and "papers/good-paper.md" in grown
    paper.write_text(text.replace('title: "QLoRA: ', 'title: "Edited QLoRA: ', 1), encoding="utf-8")
    # Megatron-LM is not in the Communication topic, but that topic's page names it among its foundations.
    cited = tmp_path / "data" / "papers" / "megatron-lm.yml"
    cited.write_text(cited.read_text(encoding="utf-8").replace('title: "Megatron-LM: ', 'title: "Edited Megatron-LM: ', 1), encoding="utf-8")
    after = generate(tmp_path / "data", remember=True).files
    assert after == fresh("fresh")
    assert after["downloads/graph.json"] != grown["downloads/graph.json"]  # the new label, at the same place
    assert b"Edited QLoRA" in after["papers/qlora.md"] and after != before
    assert b"Edited Megatron-LM" in after["topics/communication.md"] and b"Edited Megatron-LM" not in grown["topics/communication.md"]


def test_bad_data_with_a_second_process_started_leaves_nothing_running(tmp_path, monkeypatch):
    """A large atlas starts its similarity process before reading the data; when the data is bad,
    the process is stopped (background's send(None)): no process of it runs on, and its folder of
    files is gone."""
    import tempfile

    from atlas import background
    from atlas.build import DataError, generate

    def children() -> list[str]:
        """This process's children that run python -m atlas.<module> (from /proc)."""
        out = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                stat = (Path("/proc") / pid / "stat").read_text().rsplit(")", 1)[1].split()
                cmd = (Path("/proc") / pid / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat[1]) == os.getpid() and stat[0] != "Z" and b"atlas." in cmd:
                out.append(pid)
        return out

    monkeypatch.setattr(background, "FROM", 1)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    shutil.copytree(ROOT / "data", tmp_path / "data")
    (tmp_path / "data" / "papers" / "broken.yml").write_text("id: broken\ntitle: [unclosed\n", encoding="utf-8")
    before = children()
    with pytest.raises(DataError):
        generate(tmp_path / "data")
    assert children() == before
    assert list((tmp_path / "tmp").iterdir()) == []
