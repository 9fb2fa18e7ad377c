"""The app's garbage-collector policy (clawtui/tui/heap.py): frozen while busy, nothing lost."""

from __future__ import annotations

import gc
import weakref

from clawtui.tui import heap


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_garbage_frozen_while_busy_is_collected_once_settled() -> None:
    # A reference cycle alive when a busy batch freezes the heap, dropped afterwards: frozen,
    # the collector cannot free it; `settle` at the end of the batch must.
    first, second = _Node(), _Node()
    first.other, second.other = second, first
    gone = weakref.ref(first)
    try:
        heap.freeze_while_busy()
        assert gc.get_freeze_count() > 0
        del first, second
        gc.collect()
        assert gone() is not None  # frozen: out of the collector's reach
        heap.settle()
        assert gone() is None
        assert gc.get_freeze_count() > 0  # what is alive is frozen again
    finally:
        heap.thaw()
