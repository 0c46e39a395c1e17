"""Work for the machine's other core: `python -m atlas.<module>`, bytes in on stdin, bytes out.

A large atlas computes its text similarities (related.py) and writes its GraphML (graphdata.py)
this way while the build goes on. A plain process, not a multiprocessing pool: spawning one
re-imports the caller's main module, which a script without a `__main__` guard cannot survive.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

# From this many papers the work above goes to a second process (at 1,000 papers the build no
# longer waits 1.5 s for the similarities; the GraphML takes 7 s at 10,000). Below it, starting
# the process costs more than it saves.
FROM = 500


def started(module: str, *args: str) -> tuple[Callable[[bytes], None], Callable[[], bytes]]:
    """Start `python -m atlas.<module> *args` now (its imports overlap the caller's work). Return
    `send(payload)`, its stdin, to be called once even on failure (a thread waits for it), and
    `result()`, which waits for its stdout (or raises with its stderr)."""
    path = os.pathsep.join(filter(None, [str(Path(__file__).parents[1]), os.environ.get("PYTHONPATH")]))
    proc = subprocess.Popen([sys.executable, "-m", f"atlas.{module}", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": path})
    payload: Future[bytes] = Future()
    pool = ThreadPoolExecutor(max_workers=1)  # a thread that only feeds the process and waits
    future = pool.submit(lambda: proc.communicate(payload.result()))
    pool.shutdown(wait=False)

    def result() -> bytes:
        out, err = future.result()
        if proc.returncode:
            raise RuntimeError(f"python -m atlas.{module} failed:\n{err.decode(errors='replace')}")
        return out
    return payload.set_result, result
