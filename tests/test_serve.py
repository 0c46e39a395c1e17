"""`make serve`: a real `mkdocs serve --dirty` on a copy of the project picks up YAML edits."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MKDOCS = str(Path(sys.executable).with_name("mkdocs"))


def serve_args() -> list[str]:
    """The arguments `make serve` gives `mkdocs serve`, read from the Makefile."""
    recipe = re.search(r"^serve:.*\n\t(.+)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M).group(1)
    words = recipe.split()
    assert words[0] == "$(BIN)/mkdocs" and words[1] == "serve", recipe
    return words[2:]


def test_make_serve_rebuilds_only_what_an_edit_changes():
    assert serve_args() == ["--dirty", "--dev-addr", "127.0.0.1:8000"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.read().decode("utf-8")
    except OSError:
        return ""


def _wait_for(check, proc: subprocess.Popen, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if proc.poll() is not None:
            pytest.fail(f"mkdocs serve exited ({proc.returncode}) waiting for {what}:\n{proc.log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}:\n{proc.log.read_text()[-3000:]}")
        time.sleep(0.2)


def copy_project(tmp_path: Path) -> Path:
    proj = tmp_path / "atlas"
    for name in ("data", "docs", "overrides", "scripts"):
        shutil.copytree(ROOT / name, proj / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("mkdocs.yml", "CONTRIBUTING.md"):
        shutil.copy2(ROOT / name, proj / name)
    return proj


@pytest.fixture
def served(tmp_path: Path):
    """The project copied to a temporary folder and served as `make serve` serves it."""
    proj = copy_project(tmp_path)
    port = _free_port()
    args = [a if a != "127.0.0.1:8000" else f"127.0.0.1:{port}" for a in serve_args()]
    log = tmp_path / "serve.log"
    with log.open("w") as err:
        # As on a curator's machine: no site URL (MkDocs would serve under its path), no other data.
        env = {k: v for k, v in os.environ.items() if k not in ("ATLAS_SITE_URL", "ATLAS_DATA_DIR")}
        proc = subprocess.Popen([MKDOCS, "serve", *args], cwd=proj, stdout=subprocess.DEVNULL, stderr=err, env=env)
    proc.log = log
    try:
        yield proj, f"http://127.0.0.1:{port}/", proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_a_yaml_edit_shows_on_the_paper_page_and_the_lists_under_serve(served):
    proj, url, proc = served
    _wait_for(lambda: "QLoRA: Efficient Finetuning" in _fetch(url + "papers/qlora/"), proc, "the first build")
    time.sleep(1.5)  # let the file watcher settle after the first build
    marker = f"Served edit {time.time_ns()}"
    f = proj / "data" / "papers" / "qlora.yml"
    text = f.read_text(encoding="utf-8")
    assert 'title: "QLoRA: Efficient' in text
    f.write_text(text.replace('title: "QLoRA:', f'title: "{marker} QLoRA:', 1), encoding="utf-8")
    _wait_for(lambda: marker in _fetch(url + "papers/qlora/"), proc, "the edited paper page")
    # The pages that list the paper changed with it; a page that does not show it is unchanged.
    assert marker in _fetch(url + "papers/")
    assert marker in _fetch(url + "topics/memory-efficient-training/")
    assert marker not in _fetch(url + "papers/waferllm/")
    assert marker in _fetch(url + "search/search_index.json")
    # Strict mode stays on (mkdocs.yml): the dirty build's own notice is not a warning, and
    # there was none.
    log = proc.log.read_text(encoding="utf-8")
    assert "A 'dirty' build is being performed" in log
    assert not re.search(r"WARNING\s+-", log) and "Aborted" not in log, log[-3000:]


# Builds as `mkdocs serve --dirty` makes them (the first, then one after an edit), in a fresh
# process; or, after the same edit, one fresh build as `mkdocs build` makes it.
SERVE_BUILDS = """
import sys
from pathlib import Path
from mkdocs.commands.build import build
from mkdocs.config import load_config

proj, site, mode = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
paper = proj / "data" / "papers" / "qlora.yml"
edited = paper.read_text(encoding="utf-8").replace('title: "QLoRA:', 'title: "Served edit QLoRA:', 1)
if mode == "fresh":
    paper.write_text(edited, encoding="utf-8")
    build(load_config(str(proj / "mkdocs.yml"), site_dir=site))
    sys.exit()
config = load_config(str(proj / "mkdocs.yml"), site_dir=site)
hook = sys.modules["scripts/mkdocs_hook.py"]  # the name MkDocs loads the hook under
config.plugins.on_startup(command="serve", dirty=True)
build(config, dirty=True, serve_url="http://127.0.0.1:8000/")
first = len(hook.State.rendered)
paper.write_text(edited, encoding="utf-8")
config = load_config(str(proj / "mkdocs.yml"), site_dir=site)
build(config, dirty=True, serve_url="http://127.0.0.1:8000/")
print(first, len(hook.State.rendered), "papers/qlora/" in hook.State.rendered, "papers/waferllm/" in hook.State.rendered)
"""


def test_the_served_search_index_is_the_one_a_fresh_build_writes(tmp_path):
    """After an edit under `mkdocs serve --dirty` only the pages the edit changed are rendered
    again, and every page has the search entries of its latest rendering (Material alone keeps
    the old ones of all but one page): the index a fresh build writes."""
    sites = {}
    for mode in ("serve", "fresh"):
        proj = copy_project(tmp_path / mode)
        env = {k: v for k, v in os.environ.items() if k not in ("ATLAS_SITE_URL", "ATLAS_DATA_DIR")}
        env["PYTHONPATH"] = str(proj / "scripts")
        out = subprocess.run([sys.executable, "-c", SERVE_BUILDS, str(proj), str(tmp_path / mode / "site"), mode],
                             cwd=proj, capture_output=True, text=True, timeout=600, env=env)
        assert out.returncode == 0, out.stderr[-3000:]
        if mode == "serve":
            first, again, qlora, waferllm = out.stdout.split()
            assert int(first) > 100 and 3 <= int(again) < int(first) / 3, out.stdout
            assert (qlora, waferllm) == ("True", "False")
        sites[mode] = tmp_path / mode / "site"
    index = (sites["fresh"] / "search" / "search_index.json").read_bytes()
    titles = [e["title"] for e in json.loads(index)["docs"] if e["location"] == "papers/qlora/"]
    assert titles == ["Served edit QLoRA: Efficient Finetuning of Quantized LLMs"]
    assert (sites["serve"] / "search" / "search_index.json").read_bytes() == index
