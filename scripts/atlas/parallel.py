"""Use a second core for the big, independent parts of a build (parsing files, rendering pages).

`in_child(job)` runs `job()` in a forked copy of this process while the caller goes on with
other work; `result(child)` waits and returns what the job returned (through a temporary
pickle file), or None if the child failed, in which case the caller does the work itself, so
an error is raised where it can be reported. Results are merged in a fixed order, so the
output is the same with one process or two.

Only used for large corpora, on machines with more than one core, and never in a process that
runs other threads (`mkdocs serve` watches files and serves pages from threads; a forked child
could inherit a lock that no thread will ever release). ATLAS_WORKERS=1 turns it off.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import threading
from typing import Any, Callable, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")
MIN_ITEMS = 2000


def available(n_items: int) -> bool:
    return (n_items >= MIN_ITEMS and hasattr(os, "fork") and (os.cpu_count() or 1) > 1
            and threading.active_count() == 1 and os.environ.get("ATLAS_WORKERS") != "1")


def in_child(job: Callable[[], Any]) -> tuple[int, str]:
    fd, path = tempfile.mkstemp(prefix="atlas-part-", suffix=".pickle")
    pid = os.fork()
    if pid == 0:  # the child: compute, write, and leave without running any cleanup
        code = 1
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(job(), fh, protocol=pickle.HIGHEST_PROTOCOL)
            code = 0
        finally:
            os._exit(code)
    os.close(fd)
    return pid, path


def result(child: tuple[int, str]) -> Any | None:
    pid, path = child
    try:
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            return None
        with open(path, "rb") as fh:
            return pickle.load(fh)
    finally:
        os.unlink(path)


def map_split(fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """`[fn(x) for x in items]`, the second half computed in a child process when worthwhile."""
    if not available(len(items)):
        return [fn(x) for x in items]
    half = len(items) // 2
    child = in_child(lambda: [fn(x) for x in items[half:]])
    first = [fn(x) for x in items[:half]]
    second = result(child)
    if second is None:
        second = [fn(x) for x in items[half:]]
    return first + second
