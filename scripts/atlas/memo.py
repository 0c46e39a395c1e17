"""What one `generate()` can hand the next in the same process (`mkdocs serve`): the results of
pure functions whose inputs an edit did not change.

`memo.get(slot, key, compute)` returns `compute()`, computed again only when `key` differs
from the key the slot last saw (`held` and `keep` split that in two, for a result computed in a
forked process). A key holds every input of the function itself (compared with `==`, never by
a hash), so a result is reused only for equal inputs: the build's bytes are those of a fresh
`generate()` (tested). Each slot keeps its latest result only, and `sweep()` (called
when a build succeeds) forgets the slots that build did not ask for, such as a deleted file's.

Without a memo (`generate(memo=None)`: the CLI, `mkdocs build`, the tests) everything is
computed, as before.
"""

from __future__ import annotations

from typing import Any, Callable, Hashable

MISSING = object()


class Memo:
    def __init__(self) -> None:
        self._slots: dict[Hashable, tuple[Any, Any]] = {}
        self._asked: set[Hashable] = set()

    def get(self, slot: Hashable, key: Any, compute: Callable[[], Any]) -> Any:
        value = self.held(slot, key)
        return self.keep(slot, key, compute()) if value is MISSING else value

    def held(self, slot: Hashable, key: Any) -> Any:
        """The slot's result if it was computed for an equal key, else MISSING."""
        self._asked.add(slot)
        held = self._slots.get(slot)
        if held is not None and held[0] == key:
            return held[1]
        return MISSING

    def keep(self, slot: Hashable, key: Any, value: Any) -> Any:
        self._asked.add(slot)
        self._slots[slot] = (key, value)
        return value

    def sweep(self) -> None:
        for slot in self._slots.keys() - self._asked:
            del self._slots[slot]
        self._asked.clear()
