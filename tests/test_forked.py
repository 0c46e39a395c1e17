"""forked.py: the second core's share of a large build gives exactly the serial result."""

from __future__ import annotations

import os

import pytest

from atlas import build, forked
from conftest import DATA


def test_both_returns_the_childs_and_the_parents_results():
    parent_pid = os.getpid()
    theirs, mine = forked.both(lambda: ("child", os.getpid()), lambda: ("parent", os.getpid()))
    assert mine == ("parent", parent_pid)
    assert theirs[0] == "child" and theirs[1] != parent_pid  # it really ran in another process


def test_an_exception_in_the_child_is_raised_with_its_traceback():
    def boom():
        raise ValueError("bad paper 42")

    with pytest.raises(forked.ChildError, match="ValueError: bad paper 42"):
        forked.both(boom, lambda: None)


def test_start_returns_at_once_and_result_waits_for_the_child():
    import time

    t0 = time.monotonic()
    worker = forked.start(lambda: time.sleep(0.5) or os.getpid())
    assert time.monotonic() - t0 < 0.4  # this process went on while the child slept
    assert worker.result() not in (None, os.getpid())
    failing = forked.start(lambda: 1 / 0)
    with pytest.raises(forked.ChildError, match="ZeroDivisionError"):
        failing.result()
    forked.start(lambda: "never read").abandon()  # reaped, no result


def test_serially_both_run_here():
    assert forked.both(lambda: os.getpid(), lambda: os.getpid(), parallel=False) == (os.getpid(), os.getpid())


def test_shared_work_comes_back_in_order_done_by_both_processes():
    """The forked process starts on the last item at once; this one starts on the first after
    `first()` (0.3 s), long before the forked process could have done them all (2 s)."""
    import time

    def work(x):
        time.sleep(0.01)
        return x * 10, os.getpid()

    results, first = forked.shared(list(range(200)), work, lambda: time.sleep(0.3) or "first")
    assert first == "first"
    assert [r for r, _ in results] == [x * 10 for x in range(200)]
    assert results[0][1] == os.getpid() and results[-1][1] != os.getpid()


def test_shared_work_serially_is_a_list_and_first():
    order = []
    results, first = forked.shared([1, 2], lambda x: order.append(x) or -x, lambda: order.append("first") or "f", parallel=False)
    assert (results, first, order) == ([-1, -2], "f", [1, 2, "first"])


def test_only_large_atlases_fork_and_ATLAS_WORKERS_1_turns_it_off(monkeypatch):
    monkeypatch.delenv("ATLAS_WORKERS", raising=False)
    assert not forked.enabled(forked.FROM - 1)
    assert forked.enabled(forked.FROM)
    monkeypatch.setenv("ATLAS_WORKERS", "1")
    assert not forked.enabled(forked.FROM)


def test_generate_in_two_processes_writes_the_same_bytes_as_in_one(monkeypatch):
    monkeypatch.delenv("ATLAS_WORKERS", raising=False)
    serial = build.generate(DATA).files
    monkeypatch.setattr(forked, "FROM", 10)  # the real atlas counts as large
    calls = []
    real_both = forked.both
    monkeypatch.setattr(forked, "both", lambda c, p, parallel=True: calls.append(parallel) or real_both(c, p, parallel))
    parallel = build.generate(DATA).files
    assert calls and all(calls)
    assert list(parallel) == list(serial)
    assert parallel == serial


def test_loading_in_two_processes_finds_the_same_papers_and_problems(monkeypatch, tmp_path):
    """Half the paper files are read in the forked process: same papers, same problems, same
    lines (the positions of a problem are found again from the text the child sent back)."""
    import shutil

    from atlas import data

    data_dir = tmp_path / "data"
    shutil.copytree(DATA, data_dir)
    papers = sorted((data_dir / "papers").glob("*.yml"))
    bad = papers[-1]  # read by the forked process
    assert "upvotes:" not in bad.read_text(encoding="utf-8")
    bad.write_text(bad.read_text(encoding="utf-8") + "upvotes: many\n", encoding="utf-8")
    (data_dir / "papers" / "notes.txt").write_text("not a paper\n", encoding="utf-8")
    monkeypatch.delenv("ATLAS_WORKERS", raising=False)
    serial = data.load(data_dir)
    monkeypatch.setattr(forked, "FROM", 2)
    parallel = data.load(data_dir)
    assert [str(p) for p in parallel[1]] == [str(p) for p in serial[1]]
    assert any(bad.name in str(p) and "upvotes" in str(p) for p in serial[1])
    assert list(parallel[0].papers) == list(serial[0].papers)
    assert {k: v[1].value for k, v in parallel[0].papers.items()} == {k: v[1].value for k, v in serial[0].papers.items()}
