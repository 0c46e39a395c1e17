"""Work for the machine's other core: `python -m atlas.<module>`, bytes in on stdin, bytes out.

A large atlas computes its text similarities (related.py) and writes its GraphML (graphdata.py)
this way while the build goes on with its pages. A plain process, not a multiprocessing pool:
spawning one re-imports the caller's main module, which a script without a `__main__` guard
cannot survive.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# From this many papers the work above goes to a second process (1.9 s of 7.4 s at 1,000
# papers for the similarities, scikit-learn's import included; the GraphML 7 s at 10,000).
# Below it, starting the process costs more than it saves.
FROM = 500


def started(module: str, payload: bytes) -> Callable[[], bytes]:
    """Start `python -m atlas.<module>` with `payload` on stdin; return the function that waits
    for its stdout (and raises, with its stderr, if it failed)."""
    path = os.pathsep.join(filter(None, [str(Path(__file__).parents[1]), os.environ.get("PYTHONPATH")]))
    pool = ThreadPoolExecutor(max_workers=1)  # a thread that only feeds the process and waits
    future = pool.submit(subprocess.run, [sys.executable, "-m", f"atlas.{module}"], input=payload,
                         capture_output=True, env={**os.environ, "PYTHONPATH": path})
    pool.shutdown(wait=False)

    def result() -> bytes:
        done = future.result()
        if done.returncode:
            raise RuntimeError(f"python -m atlas.{module} failed:\n{done.stderr.decode(errors='replace')}")
        return done.stdout
    return result
