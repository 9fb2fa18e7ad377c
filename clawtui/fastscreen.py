"""A `pyte.Screen` that gives the same screens as pyte, faster on the output that floods a pane.

A box's build log or `journalctl` is mostly runs of printable ASCII between SGR colour changes.
pyte draws one character at a time (a `wcwidth` call and a `Char._replace` per cell) and
applies each SGR through a dict of keyword arguments and `_replace`, which makes it slower
than the rest of the pane put together. `FastScreen` keeps pyte's parser, buffer and every
other handler, and only does these things in fewer steps:

- `draw` writes a run of printable single-width (ASCII) characters as whole row slices, with
  cells shared per set of attributes (cells are immutable tuples, so sharing them is safe);
  anything else (wide or combining characters, controls, charsets, insert mode) goes to
  pyte's own `draw`, unchanged.
- `draw_styled` takes a whole run of SGR sequences and ASCII text (a coloured log line) in
  one loop, for the terminal model's pre-filter to hand over: a SGR is looked up by
  (attributes, parameter text) instead of being parsed and dispatched each time.

The result is the same as pyte's, cell by cell and attribute by attribute; the tests check it
on every recording, on the flood and on random streams (tests/unit/test_fastscreen.py). The module
imports no Textual and copies no pyte code.
"""

from __future__ import annotations

import re
from typing import Any

import pyte
from pyte import modes as pyte_modes
from pyte.screens import Char

__all__ = ["FastScreen"]

_LAT1_MAP = pyte.charsets.LAT1_MAP
_CACHE_LIMIT = 4096
# A run `draw_styled` takes in one go: printable ASCII and plain SGR sequences (digits and
# semicolons only, short enough that parsing them is bounded), in any order.
_STYLED_RUN = re.compile(r"(?:\x1b\[[0-9;]{0,64}m|[ -~]+)+")
_STYLED_TOKEN = re.compile(r"\x1b\[([0-9;]*)m|([ -~]+)")
_new_tuple = tuple.__new__


class _Cells(dict[str, Char]):
    """The cells of one set of attributes, by character (built once, shared by every row)."""

    __slots__ = ("_rest", "_kind")

    def __init__(self, attrs: Char) -> None:
        super().__init__()
        self._kind = type(attrs)
        self._rest = tuple(attrs[1:])

    def __missing__(self, data: str) -> Char:
        cell: Char = _new_tuple(self._kind, (data, *self._rest))
        self[data] = cell
        return cell

    def add_all(self, data: str) -> None:
        """Build the cells of the characters of `data` (a new map: none built yet)."""
        kind = self._kind
        rest = self._rest
        self.update({char: _new_tuple(kind, (char, *rest)) for char in set(data)})


class FastScreen(pyte.Screen):
    """`pyte.Screen` with a one-step draw for ASCII runs and planned SGR; same screens as pyte.

    Subclasses may hook `autowrapped(row)`, called with the row a run of text wrapped out
    of, right before the cursor moves to the next row.
    """

    #: False turns the fast paths off (pyte's own draw; no styled runs): the tests' reference.
    fast = True

    def __init__(self, columns: int, lines: int) -> None:
        self._cells: dict[Char, _Cells] = {}
        self._cells_attrs: Char | None = None
        self._cells_last: _Cells | None = None
        # (attributes before, SGR parameters as text) → attributes after; one per DECSCNM.
        self._sgr_texts: tuple[dict[tuple[Char, str], Char], ...] = ({}, {})
        self.last_char = " "  # the last character drawn (REP repeats it)
        super().__init__(columns, lines)

    # ----------------------------------------------------------------------------- drawing

    def draw(self, data: str) -> None:
        if self.fast and self.draws_fast(data):
            self.draw_ascii(data)
        else:
            super().draw(data)

    def draws_fast(self, data: str) -> bool:
        """Whether `data` is a run `draw_ascii` draws exactly as pyte would."""
        return (
            data.isascii()
            and data.isprintable()
            and self.charset == 0
            and self.g0_charset is _LAT1_MAP
            and pyte_modes.IRM not in self.mode
        )

    def _fast_cells(self, attrs: Char) -> _Cells:
        if attrs is self._cells_attrs and self._cells_last is not None:
            return self._cells_last
        cells = self._cells.get(attrs)
        if cells is None:
            if len(self._cells) >= _CACHE_LIMIT:
                self._cells.clear()
            cells = self._cells[attrs] = _Cells(attrs)
        self._cells_attrs = attrs
        self._cells_last = cells
        return cells

    def autowrapped(self, row: Any) -> None:
        """The text ran on from `row` into the next row (a hook; nothing by default)."""

    def draw_ascii(self, data: str) -> None:
        """Draw printable ASCII (every character one cell wide): whole row slices at a time.

        Same result as pyte's per-character loop, including the pending-wrap state at the
        right edge and overwriting the last column when autowrap is off.
        """
        if not data:
            return
        cursor = self.cursor
        columns = self.columns
        cells = self._fast_cells(cursor.attrs)
        lookup = cells.__getitem__
        x = cursor.x
        length = len(data)
        if x + length <= columns:
            # The common case: the text fits on the cursor's row.
            self.buffer[cursor.y].update(zip(range(x, x + length), map(lookup, data), strict=True))
            cursor.x = x + length
            self.dirty.add(cursor.y)
            return
        autowrap = pyte_modes.DECAWM in self.mode
        start = 0
        while start < length:
            if cursor.x >= columns:
                if autowrap:
                    self.dirty.add(cursor.y)
                    self.autowrapped(self.buffer.get(cursor.y))
                    self.carriage_return()
                    self.linefeed()
                else:
                    self.buffer[cursor.y][columns - 1] = cells[data[-1]]
                    cursor.x = columns
                    break
            x = cursor.x
            take = min(length - start, columns - x)
            self.buffer[cursor.y].update(
                zip(range(x, x + take), map(lookup, data[start : start + take]), strict=True)
            )
            cursor.x = x + take
            start += take
        self.dirty.add(cursor.y)

    # ----------------------------------------------------------------------------- styled runs

    def styled_run_end(self, text: str, start: int) -> int:
        """Where the run of printable ASCII and plain SGR sequences at `start` ends (`start`
        if there is none). Only meaningful while `can_draw_styled()`."""
        match = _STYLED_RUN.match(text, start)
        return match.end() if match is not None else start

    def can_draw_styled(self) -> bool:
        """Whether `draw_styled` gives what pyte's stream would: no charset shift or insert
        mode in force (subclasses add their own conditions)."""
        return (
            self.fast
            and self.charset == 0
            and self.g0_charset is _LAT1_MAP
            and pyte_modes.IRM not in self.mode
        )

    def draw_styled(self, text: str, start: int, end: int) -> None:
        """Draw `text[start:end]`, a run found by `styled_run_end`: SGR sequences and ASCII
        text as pyte's stream would apply them one by one, in one loop.

        A SGR is looked up by (attributes, parameter text); on a miss it is parsed with
        pyte's conventions (empty is 0, values capped at 9999) and goes through
        `select_graphic_rendition`, subclass overrides included.
        """
        cursor = self.cursor
        columns = self.columns
        buffer = self.buffer
        sgr_texts = self._sgr_texts[pyte_modes.DECSCNM in self.mode]
        cells_for = self._fast_cells
        last_run = ""
        for params, run in _STYLED_TOKEN.findall(text, start, end):
            if run:
                x = cursor.x
                length = len(run)
                if x + length <= columns:
                    cells = cells_for(cursor.attrs)
                    if not cells:
                        cells.add_all(run)  # new attributes: build their cells in one pass
                    lookup = cells.__getitem__
                    row = buffer[cursor.y]
                    row.update(zip(range(x, x + length), map(lookup, run), strict=True))
                    cursor.x = x + length
                    self.dirty.add(cursor.y)
                else:
                    self.draw_ascii(run)
                last_run = run
                continue
            before = cursor.attrs
            after = sgr_texts.get((before, params))
            if after is None:
                numbers = [min(int(number), 9999) if number else 0 for number in params.split(";")]
                self.select_graphic_rendition(*numbers)
                after = cursor.attrs
                if len(sgr_texts) >= _CACHE_LIMIT:
                    sgr_texts.clear()
                sgr_texts[(before, params)] = after
            else:
                cursor.attrs = after
        if last_run:
            self.last_char = last_run[-1]
