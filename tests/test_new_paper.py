"""`make new-paper`: recorded arXiv API responses in, a valid-once-curated entry out."""

from __future__ import annotations

import re

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from atlas.data import load
from atlas.new_paper import NewPaperError, new_paper, parse_id, propose_slug
from atlas.yamlsafe import parse
from conftest import DATA, ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"
SCHEMA_LINE = "# yaml-language-server: $schema=../schema/paper.schema.json"


class Replay:
    """Answers each arXiv API URL with the recorded response for it, and remembers the URLs asked."""

    def __init__(self, **by_id: str) -> None:
        self.by_id = by_id
        self.urls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        asked = url.split("id_list=", 1)[1]
        return (FIXTURES / self.by_id[asked]).read_bytes()


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A copy of the real data folder (schemas, registries and every paper)."""
    d = tmp_path / "data"
    shutil.copytree(DATA, d)
    return d


def real(pid: str) -> dict:
    return parse((DATA / "papers" / f"{pid}.yml").read_bytes()).value


def errors(data_dir: Path) -> list[str]:
    _, problems = load(data_dir, root=data_dir.parent)
    return [str(p) for p in problems if p.severity == "error"]


def files(data_dir: Path) -> list[str]:
    return sorted(p.name for p in (data_dir / "papers").iterdir())


def test_the_recorded_qlora_record_becomes_an_entry_that_validates_once_a_topic_is_added(data_dir):
    (data_dir / "papers" / "qlora.yml").unlink()
    before = files(data_dir)
    replay = Replay(**{"2305.14314": "2305.14314.atom"})
    path = new_paper("2305.14314", data_dir, opener=replay)

    assert replay.urls == ["https://export.arxiv.org/api/query?id_list=2305.14314"]
    assert path == data_dir / "papers" / "qlora.yml"
    assert files(data_dir) == sorted(before + ["qlora.yml"])  # and no temporary file is left
    text = path.read_text(encoding="utf-8")
    assert text.split("\n", 1)[0] == SCHEMA_LINE
    entry = parse(text.encode()).value
    original = real("qlora")
    assert entry == {
        "id": "qlora",
        "title": original["title"],
        "authors": original["authors"],
        "published": "2023-05-23",
        "published_source": "arxiv",
        "arxiv": "2305.14314",
        "topics": None,
        "abstract": original["abstract"],
    }
    # Topic ids are offered in comments under `topics:`; until one is chosen, validate says where.
    assert "  # memory: agent-memory, cognitive-memory, kv-cache-serving" in text
    assert "#   artifact: code | code-promised | project-page | none-stated  # what the abstract says about code" in text
    line = text.split("\n").index("topics:") + 1
    message = f"data/papers/qlora.yml:{line}:8: topics: expected a list, got nothing (blank)"
    found = errors(data_dir)
    assert [e for e in found if e.startswith("data/papers/qlora.yml")] == [message]
    # Until the entry is valid, files that name qlora (a citation, a reading path) report it as unknown.
    others = [e for e in found if e != message]
    assert others and all(re.search(r"unknown paper (or external work |id )'qlora'", e) for e in others), others
    # CONTRIBUTING.md's worked example quotes this very line.
    assert f"        {message}\n" in (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")

    path.write_text(text.replace("topics:\n", "topics:\n  - memory-efficient-training\n"), encoding="utf-8")
    assert errors(data_dir) == []


def test_a_version_suffix_is_fetched_as_asked_and_stored_without_it(data_dir):
    (data_dir / "papers" / "llm-in-a-flash.yml").unlink()
    replay = Replay(**{"2312.11514v2": "2312.11514v2.atom"})
    path = new_paper("2312.11514v2", data_dir, opener=replay)

    assert replay.urls == ["https://export.arxiv.org/api/query?id_list=2312.11514v2"]
    assert path.name == "llm-in-a-flash.yml"
    text = path.read_text(encoding="utf-8")
    assert "from the arXiv API record (2312.11514v2)" in text.split("\n")[1]
    entry = parse(text.encode()).value
    original = real("llm-in-a-flash")
    assert entry["arxiv"] == "2312.11514"
    assert entry["published"] == "2023-12-12"  # <published> is the first version's date, not v2's
    assert entry["title"] == original["title"]  # the title arrives broken over two lines
    assert entry["authors"] == original["authors"]
    assert entry["abstract"] == original["abstract"]


def test_an_arxiv_id_already_in_the_atlas_is_refused_before_any_request(data_dir):
    replay = Replay()
    for asked in ("2305.14314", "2305.14314v3", "arXiv:2305.14314", "https://arxiv.org/abs/2305.14314v1"):
        with pytest.raises(NewPaperError) as exc:
            new_paper(asked, data_dir, opener=replay)
        assert str(exc.value) == "arXiv id 2305.14314 is already in data/papers/qlora.yml; edit that file instead"
    assert replay.urls == []
    assert "`arXiv id 2305.14314 is already in data/papers/qlora.yml; edit that file instead`" in (
        ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")


def test_a_paper_already_present_without_its_arxiv_id_is_found_by_title(data_dir):
    path = data_dir / "papers" / "qlora.yml"
    path.write_text(path.read_text(encoding="utf-8").replace('arxiv: "2305.14314"\n', ""), encoding="utf-8")
    before = files(data_dir)
    with pytest.raises(NewPaperError) as exc:
        new_paper("2305.14314", data_dir, slug="qlora-again", opener=Replay(**{"2305.14314": "2305.14314.atom"}))
    assert str(exc.value) == ("data/papers/qlora.yml already has the title 'QLoRA: Efficient Finetuning of Quantized "
                              "LLMs'; if it is the same paper, add arxiv: \"2305.14314\" there instead")
    assert files(data_dir) == before


def test_an_existing_file_is_never_overwritten(data_dir):
    (data_dir / "papers" / "qlora.yml").unlink()
    target = data_dir / "papers" / "zero-infinity.yml"
    before = target.read_bytes()
    with pytest.raises(NewPaperError) as exc:
        new_paper("2305.14314", data_dir, slug="zero-infinity", opener=Replay(**{"2305.14314": "2305.14314.atom"}))
    assert str(exc.value) == "data/papers/zero-infinity.yml already exists; choose another id with SLUG=<id>"
    assert target.read_bytes() == before


def test_the_api_error_entry_is_reported_and_nothing_is_written(data_dir):
    before = files(data_dir)
    with pytest.raises(NewPaperError) as exc:
        new_paper("0704.00001", data_dir, opener=Replay(**{"0704.00001": "error-0704.00001.atom"}))
    assert str(exc.value) == ("arXiv has no record 0704.00001: the API says 'incorrect id format for 0704.00001'; "
                              "nothing was written")
    assert files(data_dir) == before


def test_an_empty_answer_is_reported_and_nothing_is_written(data_dir):
    before = files(data_dir)
    with pytest.raises(NewPaperError) as exc:
        new_paper("2305.99999", data_dir, opener=Replay(**{"2305.99999": "empty-2305.99999.atom"}))
    assert str(exc.value) == "arXiv has no record 2305.99999; check the id; nothing was written"
    assert files(data_dir) == before


def test_awkward_text_survives_the_trip_into_yaml_exactly(data_dir, tmp_path):
    title = 'A "Quoted" Title: with \\alpha, # and: colons'
    authors = ["Jane O'Neil", "Smith, Jr.: J", "- Dash", "Zoë Ünal", "yes"]
    abstract = "Starts with #hash: then {braces} [brackets] & 50% of ' and \" and a trailing colon:"
    atom = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><entry>
<id>http://arxiv.org/abs/2401.00001v1</id><published>2024-01-01T00:00:00Z</published>
<title>{title.replace('&', '&amp;')}</title>
<summary>  {abstract.replace('&', '&amp;')}
</summary>
{''.join(f'<author><name>{a}</name></author>' for a in authors)}
</entry></feed>""".encode()
    path = new_paper("2401.00001", data_dir, slug="awkward", opener=lambda url: atom)
    entry = parse(path.read_bytes()).value
    assert (entry["title"], entry["authors"], entry["abstract"]) == (title, authors, abstract)


def test_a_paper_that_was_an_outside_work_gets_a_note(data_dir):
    ext = data_dir / "external.yml"
    ext.write_text(ext.read_text(encoding="utf-8") + 'zz-work:\n  name: ZZ\n  arxiv: "2401.00001"\n'
                   "  evidence: https://arxiv.org/abs/2401.00001\n", encoding="utf-8")
    atom = (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2401.00001v1</id>'
            b"<published>2024-01-01T00:00:00Z</published><title>ZZ: A Work</title><summary>Text.</summary>"
            b"<author><name>A B</name></author></entry></feed>")
    notes: list[str] = []
    path = new_paper("2401.00001", data_dir, opener=lambda url: atom, notes=notes)
    assert path.name == "zz.yml"
    assert notes == ["data/external.yml lists this arXiv id as the outside work 'zz-work': now that the paper is in "
                     "the atlas, make the papers that mention or relate to 'zz-work' point at 'zz', then remove "
                     "'zz-work' from data/external.yml"]


def test_without_network_it_fails_in_one_line_and_writes_nothing(data_dir):
    """The real urllib path, with every connection sent to a closed local port."""
    (data_dir / "papers" / "qlora.yml").unlink()
    before = files(data_dir)
    env = dict(os.environ, https_proxy="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9",
               no_proxy="", NO_PROXY="", PYTHONPATH=str(ROOT / "scripts"))
    result = subprocess.run([sys.executable, "-m", "atlas.new_paper", "2305.14314", "--data", str(data_dir)],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("new-paper: cannot reach export.arxiv.org (")
    assert lines[0].endswith("check the network and try again; nothing was written")
    assert files(data_dir) == before


def test_make_new_paper_on_this_repository_refuses_a_paper_it_already_has():
    """The Makefile target end to end; the duplicate check comes before any request, so no network is needed."""
    before = sorted(p.name for p in (DATA / "papers").iterdir())
    result = subprocess.run(["make", "-s", "new-paper", "ARXIV=2305.14314v2"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode != 0
    assert ("new-paper: arXiv id 2305.14314 is already in data/papers/qlora.yml; edit that file instead"
            in result.stderr.splitlines())
    assert sorted(p.name for p in (DATA / "papers").iterdir()) == before


def test_make_new_paper_needs_an_id():
    result = subprocess.run(["make", "-s", "new-paper"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "usage: make new-paper ARXIV=2305.14314" in result.stdout + result.stderr


@pytest.mark.parametrize("text, expected", [
    ("2305.14314", ("2305.14314", None)),
    ("2312.11514v2", ("2312.11514", "v2")),
    ("arXiv:2305.14314v1", ("2305.14314", "v1")),
    ("https://arxiv.org/pdf/2305.14314v2.pdf", ("2305.14314", "v2")),
    ("hep-th/9901001", ("hep-th/9901001", None)),
])
def test_id_forms(text, expected):
    assert parse_id(text) == expected


def test_a_malformed_id_is_refused_with_the_expected_forms():
    with pytest.raises(NewPaperError) as exc:
        parse_id("2305.143")
    assert str(exc.value) == ("'2305.143' is not an arXiv id; expected a form like 2305.14314, 2305.14314v2 "
                              "or hep-th/9901001")


@pytest.mark.parametrize("title, expected", [
    ("QLoRA: Efficient Finetuning of Quantized LLMs", "qlora"),
    ("LLM in a flash: Efficient Large Language Model Inference with Limited Memory", "llm-in-a-flash"),
    ("Ladder-residual: parallelism-aware architecture for accelerating large model inference with communication overlapping", "ladder-residual"),
    ("Efficient Training of Large Language Models on Distributed Infrastructures", "efficient-training-large-language-models"),
    ("Index: A Thing", "index-paper"),
    ("Ünïcode Names: x", "unicode-names"),
])
def test_proposed_slugs(title, expected):
    assert propose_slug(title, "2401.00001") == expected
