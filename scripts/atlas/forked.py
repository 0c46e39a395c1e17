"""Use the machine's second core for a large atlas: run one function in a forked process.

In: two functions of no arguments. Out: both results. `both(child, parent)` forks; the child
process runs `child()` and sends its result back pickled through a pipe, while this process
runs `parent()`. The forked child starts with a copy of this process's memory (the model, the
templates, the caches), so nothing but the result crosses the pipe. `shared(items, work, first)`
shares a list out between the two processes as they come free (see there); `start(child)`
forks and returns at once, to collect the result later.

Used only where it pays and is safe: on Linux, for atlases of at least `FROM` papers, unless
`ATLAS_WORKERS=1`. Otherwise, or if the fork fails, both functions run here one after the
other, so results never depend on it. An exception in the child is raised here, with the
child's traceback as its message.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
import traceback
from typing import Any, Callable

FROM = 1000


def enabled(size: int) -> bool:
    return sys.platform == "linux" and size >= FROM and os.environ.get("ATLAS_WORKERS", "") != "1"


class ChildError(RuntimeError):
    """The forked child raised; the message is its traceback."""


class Forked:
    """`child()` running in a forked process (see `start`)."""

    def __init__(self, pid: int, read_fd: int) -> None:
        self._pid, self._read_fd = pid, read_fd

    def result(self) -> Any:
        """Wait for the child; its result, or ChildError with its traceback."""
        with os.fdopen(self._read_fd, "rb") as inp:
            try:
                ok, value = pickle.load(inp)  # read as it arrives: the pickle is never held whole
            except (EOFError, pickle.UnpicklingError):
                ok, value = False, "the forked worker exited without a result"
        os.waitpid(self._pid, 0)
        if not ok:
            raise ChildError(value)
        return value

    def abandon(self) -> None:
        """Stop listening and wait for the child (it cannot deliver its result)."""
        os.close(self._read_fd)
        os.waitpid(self._pid, 0)


def start(child: Callable[[], Any]) -> Forked:
    """Run `child()` in a forked process; this one goes on at once. OSError if it cannot fork."""
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        raise
    if pid == 0:  # the child: never returns
        os.close(read_fd)
        code = 0
        try:
            try:
                result = (True, child())
            except BaseException:  # noqa: BLE001 - everything goes back to the parent
                result, code = (False, traceback.format_exc()), 1
            with os.fdopen(write_fd, "wb") as out:  # pickled straight into the pipe: no copy
                pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            os._exit(code)
    os.close(write_fd)
    return Forked(pid, read_fd)


def both(child: Callable[[], Any], parent: Callable[[], Any], parallel: bool = True) -> tuple[Any, Any]:
    if not parallel:
        return child(), parent()
    try:
        forked = start(child)
    except OSError:
        return child(), parent()
    try:
        mine = parent()
    except BaseException:
        forked.abandon()
        raise
    return forked.result(), mine


def shared(items: list, work: Callable[[Any], Any], first: Callable[[], Any], parallel: bool = True) -> tuple[list, Any]:
    """`[work(x) for x in items]` and `first()`, the items shared out as the two processes come
    free: the forked process works from the end of the list while this one runs `first()`, then
    this one works from the start, and each stops where they meet. So the split follows the
    work, whatever the size of the atlas or the load of the machine. Out: the results in the
    order of `items`, and `first()`'s."""
    if not parallel:
        return [work(x) for x in items], first()
    bounds = multiprocessing.Array("q", [0, len(items)])  # the next item from the start; the end of what is left

    def take(from_end: bool) -> int | None:
        with bounds.get_lock():
            lo, hi = bounds[0], bounds[1]
            if lo >= hi:
                return None
            if from_end:
                bounds[1] = hi - 1
                return hi - 1
            bounds[0] = lo + 1
            return lo

    def drain(from_end: bool) -> dict[int, Any]:
        out = {}
        while (i := take(from_end)) is not None:
            out[i] = work(items[i])
        return out

    def mine() -> tuple[Any, dict[int, Any]]:
        result = first()
        return result, drain(False)

    theirs, (result, ours) = both(lambda: drain(True), mine)
    ours.update(theirs)
    return [ours[i] for i in range(len(items))], result
