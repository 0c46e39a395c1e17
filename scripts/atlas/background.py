"""Work for the machine's other core: `python -m atlas.<module>`, bytes in, bytes out.

A large atlas computes its text similarities (related.py) and writes its GraphML (graphdata.py)
this way while the build goes on. A plain process, not a multiprocessing pool: spawning one
re-imports the caller's main module, which a script without a `__main__` guard cannot survive.

Files carry the bytes, not pipes, whose every 64 kB a thread of the build would move, waiting for
Python's lock while pages render (at 10,000 papers the GraphML then took 19 s instead of 6 s).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

# From this many papers the work above goes to a second process (at 1,000 papers the build no
# longer waits 1.5 s for the similarities; the GraphML takes 7 s at 10,000). Below it, starting
# the process costs more than it saves.
FROM = 500


def started(module: str, *args: str) -> tuple[Callable[[bytes | None], None], Callable[[], bytes]]:
    """Start `python -m atlas.<module> *args` now (its imports overlap the caller's work). Return
    `send(payload)`, to be called once (`send(None)` stops the process), and
    `result()`, which waits for what the process printed (or raises with its errors)."""
    temporary = tempfile.TemporaryDirectory(prefix=f"atlas-{module}-")  # removed at the latest when forgotten
    folder = Path(temporary.name)
    path = os.pathsep.join(filter(None, [str(Path(__file__).parents[1]), os.environ.get("PYTHONPATH")]))
    with open(folder / "out", "wb") as out, open(folder / "err", "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", f"atlas.{module}", *args], stdin=subprocess.PIPE, stdout=out,
                                stderr=err, env={**os.environ, "PYTHONPATH": path})

    def send(payload: bytes | None) -> None:
        if payload is None:  # not needed after all
            proc.kill()
            proc.communicate()  # its stdin closed, and its end awaited
            return temporary.cleanup()
        (folder / "in").write_bytes(payload)
        with contextlib.suppress(BrokenPipeError):  # it has ended already: result() says how
            proc.stdin.write(str(folder / "in").encode())
            proc.stdin.close()

    def result() -> bytes:
        try:
            if proc.wait():
                raise RuntimeError(f"python -m atlas.{module} failed:\n{(folder / 'err').read_text(errors='replace')}")
            return (folder / "out").read_bytes()
        finally:
            temporary.cleanup()
    return send, result


def received() -> bytes:
    """In the started process: the payload `send` gave it (its file's path comes on stdin)."""
    return Path(sys.stdin.read()).read_bytes()
