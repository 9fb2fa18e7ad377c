"""The app's long-lived objects, kept out of Python's cyclic garbage collector's walks.

A full collection walks every object of the process: the imports, Textual's and Rich's tables,
the app and its widgets, some 100,000 to 160,000 objects, for 30 ms to a second, on the event
loop that draws the UI and feeds every pane. Panes that flood and batches of a hundred boxes
make objects fast enough to start one every second or so. What exists once the app is up lives
as long as the process, so it is frozen out of the collector's sight (`gc.freeze()`), once per
process: by the app after its first frame, or by the first terminal pane to mount in any app.
Garbage already there is collected first, so nothing unreachable is kept.

A batch of a hundred onboardings builds long-lived objects of its own (screens, panes, runners,
some 100,000 of them) and full collections of 100-150 ms while it runs. While onboardings run,
what is alive is frozen every `BUSY_FREEZE_SECONDS` without a collection (`freeze_while_busy`,
no cost); garbage frozen with it waits for the end of the batch, when `settle` thaws everything
and collects once, then freezes what is left.
"""

from __future__ import annotations

import gc

__all__ = ["BUSY_FREEZE_SECONDS", "freeze_long_lived", "freeze_while_busy", "settle", "thaw"]

#: While onboardings run, how often what is alive is frozen (`freeze_while_busy`).
BUSY_FREEZE_SECONDS = 2.0

_frozen = False


def freeze_long_lived() -> None:
    """Collect, then freeze every object alive now; once per process (later calls do nothing)."""
    global _frozen  # noqa: PLW0603 - once per process, by design
    if _frozen:
        return
    _frozen = True
    gc.collect()
    gc.freeze()


def thaw() -> None:
    """Undo `freeze_long_lived`, for a process that runs one app after another (a benchmark):
    the next call freezes the objects of the next app."""
    global _frozen  # noqa: PLW0603 - see freeze_long_lived
    _frozen = False
    gc.unfreeze()


def freeze_while_busy() -> None:
    """Freeze what is alive now, without collecting: for busy stretches, ended by `settle`."""
    gc.freeze()


def settle() -> None:
    """Thaw everything, collect once (garbage frozen while busy included), freeze the rest."""
    global _frozen  # noqa: PLW0603 - see freeze_long_lived
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    _frozen = True
