"""memo.py: under `mkdocs serve` each build reuses what the previous one computed from the same
inputs, and writes exactly the bytes a fresh generate() writes, edit after edit."""

from __future__ import annotations

import json
import shutil

import pytest

from atlas import build, data, forked, render_facets
from atlas.memo import Memo
from atlas.related import related_papers
from conftest import DATA


@pytest.fixture
def atlas_copy(tmp_path):
    d = tmp_path / "data"
    shutil.copytree(DATA, d)
    return d


class Counted:
    """Counts the calls of a module function (the real function still runs)."""

    def __init__(self, monkeypatch, module, name):
        self.calls = 0
        real = getattr(module, name)

        def counted(*args, **kwargs):
            self.calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)


def same_as_fresh(data_dir, memo):
    served = build.generate(data_dir, memo=memo)
    fresh = build.generate(data_dir)
    assert list(served.files) == list(fresh.files)
    assert served.files == fresh.files
    assert [str(p) for p in served.problems] == [str(p) for p in fresh.problems]


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_edit_after_edit_the_memo_writes_what_a_fresh_build_writes(atlas_copy, monkeypatch):
    memo = Memo()
    papers = atlas_copy / "papers"
    same_as_fresh(atlas_copy, memo)
    parses = Counted(monkeypatch, data, "parse")
    similar = Counted(monkeypatch, build, "related_papers")
    draws = Counted(monkeypatch, render_facets, "_draw_timeline")

    # A title: that file alone is read again; related papers are computed again (text changed),
    # the timeline is not (same counts).
    edit(papers / "qlora.yml", 'title: "QLoRA:', 'title: "Edited QLoRA:')
    build.generate(atlas_copy, memo=memo)
    assert (parses.calls, similar.calls, draws.calls) == (1, 1, 0)
    same_as_fresh(atlas_copy, memo)

    # A date in another year: the timeline changes, the related papers (texts only) do not.
    text = (papers / "qlora.yml").read_text(encoding="utf-8")
    year = int(text.split("published: ", 1)[1][:4])
    parses.calls = similar.calls = draws.calls = 0
    edit(papers / "qlora.yml", f"published: {year}-", f"published: {year - 3}-")
    build.generate(atlas_copy, memo=memo)
    assert (parses.calls, similar.calls, draws.calls) == (1, 0, 1)
    same_as_fresh(atlas_copy, memo)

    # A topic's name (a registry): the timeline's legend shows it.
    draws.calls = 0
    edit(atlas_copy / "topics.yml", "  name: Memory\n", "  name: Memory systems\n")
    build.generate(atlas_copy, memo=memo)
    assert draws.calls == 1
    same_as_fresh(atlas_copy, memo)

    # A paper added, then another removed.
    shutil.copy(papers / "qlora.yml", papers / "qlora-copy.yml")
    edit(papers / "qlora-copy.yml", "id: qlora", "id: qlora-copy")
    edit(papers / "qlora-copy.yml", 'arxiv: "2305.14314"\n', "")
    same_as_fresh(atlas_copy, memo)
    (papers / "qlora-copy.yml").unlink()
    same_as_fresh(atlas_copy, memo)


def test_an_error_then_its_fix_and_a_schema_change_are_seen(atlas_copy):
    memo = Memo()
    papers = atlas_copy / "papers"
    same_as_fresh(atlas_copy, memo)
    edit(papers / "qlora.yml", "topics:", "topics:\n  - no-such-topic")
    with pytest.raises(build.DataError) as served:
        build.generate(atlas_copy, memo=memo)
    with pytest.raises(build.DataError) as fresh:
        build.generate(atlas_copy)
    assert [str(p) for p in served.value.problems] == [str(p) for p in fresh.value.problems]
    edit(papers / "qlora.yml", "topics:\n  - no-such-topic", "topics:")
    same_as_fresh(atlas_copy, memo)

    # The schema is part of every file's key: a shorter title limit fails files the memo holds.
    schema_file = atlas_copy / "schema" / "paper.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    schema["properties"]["title"]["maxLength"] = 20
    schema_file.write_text(json.dumps(schema), encoding="utf-8")
    with pytest.raises(build.DataError) as served:
        build.generate(atlas_copy, memo=memo)
    assert any("title" in p.field and "limit is 20" in p.message for p in served.value.problems)


def test_with_the_second_core_the_memo_still_holds_the_related_papers(atlas_copy, monkeypatch):
    monkeypatch.delenv("ATLAS_WORKERS", raising=False)
    monkeypatch.setattr(forked, "FROM", 10)  # the real atlas counts as large: it forks
    memo = Memo()
    same_as_fresh(atlas_copy, memo)  # computed in the forked process, kept in this one
    atlas, _ = build.load_atlas(atlas_copy)
    texts = [(p.id, p.title, p.abstract) for p in atlas.papers.values()]
    assert memo.held("related", texts) == related_papers(atlas)
    edit(atlas_copy / "papers" / "qlora.yml", "topics:", "topics:\n  - offloading")
    same_as_fresh(atlas_copy, memo)


def test_the_memo_keeps_one_result_per_slot_and_forgets_unasked_slots():
    memo = Memo()
    assert memo.get("a", 1, lambda: "one") == "one"
    assert memo.get("a", 1, lambda: pytest.fail("computed again")) == "one"
    assert memo.get("a", 2, lambda: "two") == "two"
    memo.get("b", 1, lambda: "b")
    memo.sweep()
    memo.get("a", 2, lambda: pytest.fail("computed again"))
    memo.sweep()  # "b" was not asked for since the last sweep
    assert memo.get("b", 1, lambda: "again") == "again"
