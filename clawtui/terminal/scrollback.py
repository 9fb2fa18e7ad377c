"""The scrollback: rows that scrolled off the top of a pane, kept compactly.

Rows are kept raw (the screen's own row objects) until something reads them, and compacted
then: in a flood nobody reads the scrollback, and most rows are dropped again by the limit.
"""

from __future__ import annotations

from collections import deque
from itertools import compress, pairwise
from operator import is_not
from typing import NamedTuple, cast

from clawtui.fastscreen import Row, StyleKey, style_key

from .cells import BLANK_KEY, CONCEALED, visible_text

__all__ = ["PENDING_CELLS", "Scrollback", "ScrollbackRow", "compact"]


class ScrollbackRow(NamedTuple):
    """A row that scrolled off the top, kept compactly.

    `cells` is a string holding one character per column when every cell is exactly one code
    point (the common case), otherwise a tuple of per-cell strings (wide-character stubs are
    `""`, combined characters are longer). `runs` gives (number of cells, style key) in order.
    Trailing default blanks are not stored. Everything in it but the row itself is plain
    tuples, strings and numbers, which Python's cyclic garbage collector stops tracking.
    """

    cells: str | tuple[str, ...]
    runs: tuple[tuple[int, StyleKey], ...]
    plain: str  # the text a reader sees, trailing blanks removed
    wrapped: bool = False  # the text ran on into the next row (autowrap)

    def __repr__(self) -> str:
        # The row may hold a token: keep its text out of logs and tracebacks.
        return f"ScrollbackRow(<{len(self.plain)} chars>, {len(self.runs)} runs)"


EMPTY_ROW = ScrollbackRow("", (), "")
# A row as it scrolled off, waiting to be compacted: its characters, its style keys (None for a
# cell never written), the key of its default and whether it wrapped. Plain tuples of strings
# and keys, which Python's cyclic garbage collector stops tracking (a list it would walk cell by
# cell at every full collection: 20 ms for a full scrollback).
_Raw = tuple[tuple[str, ...], tuple[StyleKey | None, ...], StyleKey, bool]
# A scrollback entry: compact, or still raw (compacted when read).
_Kept = ScrollbackRow | _Raw
# How many cells of rows that scrolled off may wait uncompacted (see `Scrollback.push`): about
# 3300 full rows of a 120-column pane, some 7 MB (a raw row costs ~17 bytes per cell, a compact
# one ~3 per cell plus ~250 per row). In a flood past the 5,000 rows kept, two rows in three
# then go without ever being compacted.
PENDING_CELLS = 3 << 17


def raw(row: Row) -> _Raw:
    """A screen row that scrolled off, as the scrollback keeps it until it is compacted."""
    return (tuple(row.chars), tuple(row.styles), style_key(row.default), row.wrapped)


def compact(kept: _Raw, columns: int) -> ScrollbackRow:
    """A raw row (pushed when the screen was `columns` wide) in its compact form."""
    chars = list(kept[0][:columns])
    styles = list(kept[1][:columns])
    # Trailing blanks never written, or written with the default attributes, are not stored.
    default = kept[2]
    blanks = (None, default, BLANK_KEY)
    joined = "".join(chars)
    end = len(chars)
    if len(joined) == end:
        end = len(joined.rstrip(" "))
        tail = styles[end:]
        blank = tail.count(None) + tail.count(default)
        if BLANK_KEY != default:
            blank += tail.count(BLANK_KEY)
        if blank != len(tail):
            end = len(chars)  # some blank has other attributes: find the last one below
    while end and chars[end - 1] == " " and styles[end - 1] in blanks:
        end -= 1
    if not end:
        return EMPTY_ROW
    stored: str | tuple[str, ...]
    if len(joined) == len(chars):
        stored = joined[:end]
    else:
        stored = tuple(chars[:end])
        joined = "".join(stored)
    del styles[end:]
    if None in styles:  # a cell never written, inside the text: it shows the default
        styles = [default if key is None else key for key in styles]
    # Where the attributes change, found with C-level map/compress rather than a Python loop.
    # Keys are shared objects, so identity finds the changes (an unshared equal key only
    # splits a run in two).
    keys = cast(list[StyleKey], styles)
    starts = [0, *compress(range(1, end), map(is_not, keys[1:], keys)), end]
    runs = tuple((stop - begin, keys[begin]) for begin, stop in pairwise(starts))
    if any(map(CONCEALED, keys)):
        plain = visible_text(list(stored), keys)
    else:
        plain = joined[:end].rstrip() if isinstance(stored, str) else joined.rstrip()
    return ScrollbackRow(stored, runs, plain, kept[3])


class Scrollback:
    """The rows that scrolled off, oldest first, at most `limit` of them.

    A row is pushed raw (`push`) and compacted when read (`row`, `rows`), or as it comes once
    `pending_limit` cells of raw rows wait (0 compacts every row as it scrolls: the tests).
    """

    def __init__(self, limit: int, columns: int) -> None:
        self._rows: deque[_Kept] = deque(maxlen=max(0, limit))
        # The `weight` of the raw rows kept, and the width they were pushed at.
        self._pending_cells = 0
        self.pending_limit = PENDING_CELLS
        self._pending_columns = max(1, columns)

    def __len__(self) -> int:
        return len(self._rows)

    def clear(self) -> None:
        self._rows.clear()
        self._pending_cells = 0

    def push(self, row: Row | None, columns: int) -> None:
        """Keep a row that scrolled off the top, raw: it is compacted only when read.

        In a flood nobody reads the scrollback and most rows are dropped again by the limit, so
        compacting each one as it scrolls is wasted work: the row's lists are copied as plain
        tuples (`raw`), far cheaper than compacting, and which the garbage collector stops
        tracking. Raw rows cost several times their compact form, so at most `PENDING_CELLS`
        cells wait; past that, new rows are compacted as they come. The oldest raw ones stay
        raw, to be dropped by the limit without ever being compacted: compacting the oldest
        instead would only move the work, since in a long flood every row would then be
        compacted before it goes.
        """
        scrollback = self._rows
        if not scrollback.maxlen:
            return
        if len(scrollback) == scrollback.maxlen:
            oldest = scrollback[0]  # about to be dropped by the append below
            if not isinstance(oldest, ScrollbackRow):
                self._pending_cells -= len(oldest[0])
        if row is None:
            scrollback.append(EMPTY_ROW)
            return
        if columns != self._pending_columns:
            # Compaction clips a row at the width it had (pyte may leave a cell past the edge).
            self._compact_pending()
            self._pending_columns = columns
        entry = raw(row)
        size = len(entry[0])
        if self._pending_cells + size > self.pending_limit:
            scrollback.append(compact(entry, columns))
        else:
            self._pending_cells += size
            scrollback.append(entry)

    def row(self, index: int) -> ScrollbackRow:
        """Scrollback row `index`, compacted now if it was still raw (and kept compacted)."""
        entry = self._rows[index]
        if isinstance(entry, ScrollbackRow):
            return entry
        row = compact(entry, self._pending_columns)
        # Assignment in place, not insert/remove: iterators over the deque stay valid.
        self._rows[index] = row
        self._pending_cells -= len(entry[0])
        return row

    def _compact_pending(self) -> None:
        """Compact every raw row in the scrollback, in place."""
        left = self._pending_cells
        if not left:
            return
        scrollback = self._rows
        columns = self._pending_columns
        for index, entry in enumerate(list(scrollback)):
            if not isinstance(entry, ScrollbackRow):
                scrollback[index] = compact(entry, columns)
                left -= len(entry[0])
                if not left:
                    break  # the rest is compact: raw rows never change, nor does their weight
        self._pending_cells = 0

    def rows(self) -> deque[ScrollbackRow]:
        """The whole scrollback, every row compact."""
        self._compact_pending()
        return cast(deque[ScrollbackRow], self._rows)
