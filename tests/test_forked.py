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


def test_serially_both_run_here():
    assert forked.both(lambda: os.getpid(), lambda: os.getpid(), parallel=False) == (os.getpid(), os.getpid())


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
