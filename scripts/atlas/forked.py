"""Use the machine's second core for a large atlas: run one function in a forked process.

In: two functions of no arguments. Out: both results. `both(child, parent)` forks; the child
process runs `child()` and sends its result back pickled through a pipe, while this process
runs `parent()`. The forked child starts with a copy of this process's memory (the model, the
templates, the caches), so nothing but the result crosses the pipe.

Used only where it pays and is safe: on Linux, for atlases of at least `FROM` papers, unless
`ATLAS_WORKERS=1`. Otherwise, or if the fork fails, both functions run here one after the
other, so results never depend on it. An exception in the child is raised here, with the
child's traceback as its message.
"""

from __future__ import annotations

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


def both(child: Callable[[], Any], parent: Callable[[], Any], parallel: bool = True) -> tuple[Any, Any]:
    if not parallel:
        return child(), parent()
    try:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
    except OSError:
        return child(), parent()
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
    try:
        mine = parent()
    except BaseException:
        os.close(read_fd)
        os.waitpid(pid, 0)
        raise
    with os.fdopen(read_fd, "rb") as inp:
        try:
            ok, theirs = pickle.load(inp)  # read as it arrives: the pickle is never held whole
        except (EOFError, pickle.UnpicklingError):
            ok, theirs = False, "the forked worker exited without a result"
    os.waitpid(pid, 0)
    if not ok:
        raise ChildError(theirs)
    return theirs, mine
