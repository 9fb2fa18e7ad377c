"""A `pyte.Screen` that gives the same screens as pyte, faster on the output that floods a pane.

A box's build log or `journalctl` is mostly runs of printable ASCII between SGR colour changes.
pyte keeps each row as a dict of per-cell `Char` namedtuples, draws one character at a time (a
`wcwidth` call and a `Char._replace` per cell) and applies each SGR through a dict of keyword
arguments and `_replace`. `FastScreen` keeps pyte's parser and every handler, and changes two
things:

- **Rows are dense**: a `Row` holds two lists as wide as the screen, the characters and their
  styles (a cell's attributes without its character, as a plain tuple shared by every cell
  with those attributes). It answers pyte's handlers as the dict would (`row[x]` builds the
  `Char`), so pyte's own code runs on it unchanged; but drawing a run is two list slice
  assignments, and no object is made per cell. Plain tuples of strings and booleans are objects
  Python's cyclic garbage collector stops tracking, where pyte's namedtuple cells are tracked
  for ever: a flood then kept it walking hundreds of thousands of cells, for up to a second at
  a time, on the event loop that paints every pane.
- `draw` writes a run of printable ASCII as whole slices, and `draw_styled` takes a whole run
  of SGR sequences and ASCII text (a coloured log line) in one loop, for the terminal model's
  pre-filter to hand over: a SGR is looked up by (attributes, parameter text) instead of being
  parsed and dispatched each time. Anything else (wide or combining characters, controls,
  charsets, insert mode) goes to pyte's own `draw`, unchanged.

The result is the same as pyte's, cell by cell and attribute by attribute; the tests check it
on every recording, on the flood and on random streams (tests/unit/test_fastscreen.py). The module
imports no Textual and copies no pyte code.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any, cast

import pyte
from pyte import modes as pyte_modes
from pyte.screens import Char

__all__ = ["FastScreen", "Row", "RowBuffer", "StyleKey", "cell_of", "style_key"]

_LAT1_MAP = pyte.charsets.LAT1_MAP
_CACHE_LIMIT = 4096
# Cells built for reading (pyte's handlers, the model's readers), at most 128 characters of
# 1024 styles: rows store characters and keys, so these are few and short-lived.
_CELL_MAPS_LIMIT = 1024
_CELLS_PER_KEY = 128
# A run `draw_styled` takes in one go: printable ASCII and plain SGR sequences (digits and
# semicolons only, short enough that parsing them is bounded), in any order.
_STYLED_RUN = re.compile(r"(?:\x1b\[[0-9;]{0,64}m|[ -~]+)+")
_STYLED_TOKEN = re.compile(r"\x1b\[([0-9;]*)m|([ -~]+)")
_new_tuple = tuple.__new__
# Truecolour foreground or background alone, as pyte reads it (`38;2;r;g;b`, `48;2;r;g;b`).
_TRUECOLOUR = re.compile(r"([34])8;2;([0-9]+);([0-9]+);([0-9]+)")
_PROBES: dict[type, tuple[Char, Char]] = {}


def _probes(kind: type) -> tuple[Char, Char]:
    """Two attributes of type `kind` that differ in every field (see `_learn_sgr`)."""
    probes = _PROBES.get(kind)
    if probes is None:
        size = len(kind._fields)  # type: ignore[attr-defined]  # a namedtuple type
        first: Char = _new_tuple(kind, ("a", "default", "default", *[False] * (size - 3)))
        second: Char = _new_tuple(kind, ("b", "\x00fg", "\x00bg", *[True] * (size - 3)))
        probes = _PROBES[kind] = (first, second)
    return probes


#: A cell's attributes without its character (`cell[1:]`): a plain tuple, shared by every cell
#: with the same attributes while the cache below keeps it.
StyleKey = tuple[Any, ...]

_SHARED: dict[StyleKey, StyleKey] = {}  # key → the one shared object equal to it
_BY_CELL: dict[tuple[Any, ...], StyleKey] = {}  # cell → its shared key
_TEXTS: dict[str, str] = {}  # a cell's text past ASCII → the one string shared for it


class _SingleWidth(dict[str, bool]):
    """Whether a character takes exactly one cell, as pyte measures it (`wcwidth`)."""

    def __missing__(self, char: str) -> bool:
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        single = self[char] = pyte.screens.wcwidth(char) == 1
        return single


_SINGLE_WIDTH = _SingleWidth()


def _shared_texts(data: str) -> list[str]:
    """The characters of `data`, each as the one string shared for it."""
    if len(_TEXTS) > _CACHE_LIMIT:
        _TEXTS.clear()
    return list(map(_TEXTS.setdefault, data, data))


_CELLS: dict[tuple[type, StyleKey], dict[str, Char]] = {}  # (cell type, key) → cells by character


def style_key(cell: tuple[Any, ...]) -> StyleKey:
    """The shared style key of `cell` (its attributes without its character)."""
    key = _BY_CELL.get(cell)
    if key is None:
        if len(_BY_CELL) >= _CACHE_LIMIT:
            _BY_CELL.clear()  # keys stay correct, only less shared
            _SHARED.clear()
        attributes = cell[1:]
        key = _BY_CELL[cell] = _SHARED.setdefault(attributes, attributes)
    return key


def cell_of(kind: type, data: str, key: StyleKey) -> Char:
    """The cell of type `kind` (pyte's `Char` or a subclass's) showing `data` with `key`."""
    cells = _CELLS.get((kind, key))
    if cells is None:
        if len(_CELLS) >= _CELL_MAPS_LIMIT:
            _CELLS.clear()
        cells = _CELLS[(kind, key)] = {}
    cell = cells.get(data)
    if cell is None:
        if len(cells) >= _CELLS_PER_KEY:
            cells.clear()
        cell = cells[data] = _new_tuple(kind, (data, *key))
    return cell


class Row:
    """One screen row, dense: `chars[x]` (one string per cell; `""` for the second cell of a
    wide character, longer with combining marks) and `styles[x]` (its `StyleKey`, or None for
    a cell never written, which shows the row's `default`).

    It behaves as pyte's row dict for pyte's handlers, never-written cells included (pyte's
    `ED` and `DECSCNM` touch only the cells a row holds): reading `row[x]` builds the `Char`.
    `wrapped`, as xterm marks it, says the row's text ran on into the next row by autowrap; the
    row object moves with its text when pyte scrolls or inserts lines.
    """

    __slots__ = ("chars", "default", "styles", "wrapped")

    def __init__(self, default: Char, columns: int) -> None:
        self.default = default
        self.chars: list[str] = [" "] * columns
        self.styles: list[StyleKey | None] = [None] * columns
        self.wrapped = False

    def __repr__(self) -> str:
        # The row may hold a token: keep its text out of logs and tracebacks.
        return f"Row(<{len(self.chars)} cells>)"

    def resolved_styles(self) -> list[StyleKey]:
        """`styles` with the default's key for cells never written: what each cell shows."""
        styles = self.styles
        if None not in styles:
            return cast(list[StyleKey], styles[:])
        default = style_key(self.default)
        return [default if key is None else key for key in styles]

    def cell_data(self) -> list[str]:
        """`chars` with the default's character for cells never written."""
        styles = self.styles
        if None not in styles or self.default[0] == " ":
            return self.chars[:]
        blank = self.default[0]
        return [
            blank if key is None else char for char, key in zip(self.chars, styles, strict=True)
        ]

    # pyte's row interface (a StaticDefaultDict[int, Char]: present cells, and the default)

    def __getitem__(self, x: int) -> Char:
        if 0 <= x < len(self.chars):
            key = self.styles[x]
            if key is not None:
                return cell_of(type(self.default), self.chars[x], key)
        return self.default

    def __setitem__(self, x: int, cell: Char) -> None:
        if 0 <= x < len(self.chars):  # pyte never shows a cell past the edge
            data = cell[0]
            if not data.isascii():
                # pyte makes a new string per character past Latin-1: share one instead, or
                # a row of box drawing costs five times a row of ASCII.
                data = _TEXTS.setdefault(data, data)
                if len(_TEXTS) > _CACHE_LIMIT:
                    _TEXTS.clear()
            self.chars[x] = data
            self.styles[x] = style_key(cell)

    def __delitem__(self, x: int) -> None:
        if x not in self:
            raise KeyError(x)
        self.chars[x] = " "
        self.styles[x] = None

    def get(self, x: int, default: Char | None = None) -> Char | None:
        return self[x] if x in self else default

    def pop(self, x: int, *default: Char | None) -> Char | None:
        if x in self:
            cell = self[x]
            del self[x]
            return cell
        if default:
            return default[0]
        raise KeyError(x)

    def __contains__(self, x: object) -> bool:
        return isinstance(x, int) and 0 <= x < len(self.styles) and self.styles[x] is not None

    def __iter__(self) -> Iterator[int]:
        return (x for x, key in enumerate(self.styles) if key is not None)

    def __len__(self) -> int:
        return len(self.styles) - self.styles.count(None)

    def keys(self) -> list[int]:
        return list(self)

    def items(self) -> list[tuple[int, Char]]:
        return [(x, self[x]) for x in self]

    def values(self) -> list[Char]:
        return [self[x] for x in self]

    def set_width(self, columns: int) -> None:
        """Clip the row to `columns` cells, or pad it with cells never written."""
        missing = columns - len(self.chars)
        if missing < 0:
            del self.chars[columns:]
            del self.styles[columns:]
        elif missing:
            self.chars.extend([" "] * missing)
            self.styles.extend([None] * missing)


RowBuffer = defaultdict[int, Row]


class FastScreen(pyte.Screen):
    """`pyte.Screen` on dense rows, with a one-step draw for ASCII runs and planned SGR; same
    screens as pyte.

    Subclasses may hook `autowrapped(row)`, called with the row a run of text wrapped out
    of, right before the cursor moves to the next row.
    """

    #: False turns the fast paths off (pyte's own draw; no styled runs): the tests' reference.
    fast = True
    buffer: RowBuffer  # type: ignore[assignment]  # pyte's handlers use Row as their dict

    def __init__(self, columns: int, lines: int) -> None:
        self._key_attrs: Char | None = None  # the attributes `_key` belongs to
        self._key: StyleKey = ()
        # (attributes before, SGR parameters as text) → attributes after; one per DECSCNM.
        self._sgr_texts: tuple[dict[tuple[Char, str], Char], ...] = ({}, {})
        # (attributes' type, SGR parameters as text) → the fields it sets; one per DECSCNM.
        self._sgr_plans: tuple[dict[tuple[type, str], tuple[tuple[int, Any], ...]], ...] = (
            {},
            {},
        )
        self.last_char = " "  # the last character drawn (REP repeats it)
        super().__init__(columns, lines)
        self.buffer = self.new_buffer()

    def new_buffer(self) -> RowBuffer:
        """An empty buffer whose rows are made when first used, with the default of then."""
        return defaultdict(lambda: Row(self.default_char, self.columns))

    def resize(self, lines: int | None = None, columns: int | None = None) -> None:
        super().resize(lines, columns)
        for row in self.buffer.values():
            row.set_width(self.columns)

    def cursor_key(self) -> StyleKey:
        """The style key of the cursor's attributes (what drawing now writes)."""
        attrs = self.cursor.attrs
        if attrs is not self._key_attrs:
            self._key_attrs = attrs
            self._key = style_key(attrs)
        return self._key

    # ----------------------------------------------------------------------------- drawing

    def draw(self, data: str) -> None:
        if self.fast and self.draws_fast(data):
            self.draw_ascii(data)
        else:
            super().draw(data)

    def draws_fast(self, data: str) -> bool:
        """Whether `data` is a run `draw_ascii` draws exactly as pyte would: printable
        characters one cell wide each (ASCII, box drawing, most symbols), no charset shift,
        no insert mode."""
        return (
            data.isprintable()
            and (data.isascii() or all(map(_SINGLE_WIDTH.__getitem__, data)))
            and self.charset == 0
            and self.g0_charset is _LAT1_MAP
            and pyte_modes.IRM not in self.mode
        )

    def autowrapped(self, row: Row | None) -> None:
        """The text ran on from `row` into the next row (a hook; nothing by default)."""

    def draw_ascii(self, data: str) -> None:
        """Draw printable text whose every character is one cell wide (see `draws_fast`):
        whole row slices at a time.

        Same result as pyte's per-character loop, including the pending-wrap state at the
        right edge and overwriting the last column when autowrap is off.
        """
        if not data:
            return
        # Past ASCII, each character as the one string shared for it (pyte makes a new one per
        # character past Latin-1, five times the memory of a row of ASCII).
        chars = data if data.isascii() else _shared_texts(data)
        cursor = self.cursor
        columns = self.columns
        key = self.cursor_key()
        x = cursor.x
        length = len(data)
        if x + length <= columns:
            # The common case: the text fits on the cursor's row.
            row = self.buffer[cursor.y]
            row.chars[x : x + length] = chars
            row.styles[x : x + length] = [key] * length
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
                    row = self.buffer[cursor.y]
                    row.chars[columns - 1] = chars[-1]
                    row.styles[columns - 1] = key
                    cursor.x = columns
                    break
            x = cursor.x
            take = min(length - start, columns - x)
            row = self.buffer[cursor.y]
            row.chars[x : x + take] = chars[start : start + take]
            row.styles[x : x + take] = [key] * take
            cursor.x = x + take
            start += take
        self.dirty.add(cursor.y)

    # ----------------------------------------------------------------------------- erasing

    def _fill(self, row: Row, start: int, stop: int) -> None:
        """Write the cursor's attributes (a blank, as a typewriter erases) to `start:stop`."""
        stop = min(stop, len(row.chars))
        if start < stop:
            row.chars[start:stop] = [self.cursor.attrs[0]] * (stop - start)
            row.styles[start:stop] = [self.cursor_key()] * (stop - start)

    def erase_characters(self, count: int | None = None) -> None:
        cursor = self.cursor
        self.dirty.add(cursor.y)
        self._fill(self.buffer[cursor.y], cursor.x, cursor.x + (count or 1))

    def erase_in_line(self, how: int = 0, private: bool = False) -> None:
        cursor = self.cursor
        if how == 0:
            start, stop = cursor.x, self.columns
        elif how == 1:
            start, stop = 0, cursor.x + 1
        elif how == 2:
            start, stop = 0, self.columns
        else:
            super().erase_in_line(how, private)  # as pyte does with it
            return
        self.dirty.add(cursor.y)
        self._fill(self.buffer[cursor.y], start, stop)

    def erase_in_display(self, how: int = 0, *args: Any, **kwargs: Any) -> None:
        if how == 0:
            rows = range(self.cursor.y + 1, self.lines)
        elif how == 1:
            rows = range(self.cursor.y)
        elif how in (2, 3):
            rows = range(self.lines)
        else:
            super().erase_in_display(how, *args, **kwargs)  # as pyte does with it
            return
        self.dirty.update(rows)
        data, key = self.cursor.attrs[0], self.cursor_key()
        for y in rows:
            # pyte erases the cells a row holds; a cell never written stays the default.
            row = self.buffer[y]
            styles = row.styles
            if None not in styles:
                self._fill(row, 0, len(styles))
            elif styles.count(None) != len(styles):
                for x, old in enumerate(styles):
                    if old is not None:
                        row.chars[x] = data
                        styles[x] = key
        if how in (0, 1):
            self.erase_in_line(how)

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

    def _sgr_after(self, before: Char, params: str) -> Char:
        """The attributes SGR `params` turns `before` into, as `select_graphic_rendition`
        (subclass overrides included) would, with pyte's conventions for the parameters
        (empty is 0, values capped at 9999).

        Every SGR sets some attributes to values of its own and leaves the others, so what it
        does is learnt once per parameter text (its `_SgrPlan`) and then applied to any
        attributes; truecolour (`38;2;r;g;b`), whose parameters rarely repeat, is read
        directly, as pyte reads it."""
        colour = _TRUECOLOUR.fullmatch(params)
        if colour is not None:
            red, green, blue = (min(int(value), 9999) for value in colour.group(2, 3, 4))
            index = 1 if colour[1] == "3" else 2
            value = f"{red:02x}{green:02x}{blue:02x}"
            return _new_tuple(type(before), (*before[:index], value, *before[index + 1 :]))
        plans = self._sgr_plans[pyte_modes.DECSCNM in self.mode]
        plan = plans.get((type(before), params))
        if plan is None:
            plan = self._learn_sgr(type(before), params)
            if len(plans) >= _CACHE_LIMIT:
                plans.clear()
            plans[(type(before), params)] = plan
        fields = list(before)
        for index, value in plan:
            fields[index] = value
        return _new_tuple(type(before), fields)

    def _learn_sgr(self, kind: type, params: str) -> tuple[tuple[int, Any], ...]:
        """Which fields SGR `params` sets, and to what: applied to two attributes that differ
        in every field, a field it sets comes out the same in both."""
        numbers = [min(int(number), 9999) if number else 0 for number in params.split(";")]
        cursor = self.cursor
        saved = cursor.attrs
        results = []
        try:
            for probe in _probes(kind):
                cursor.attrs = probe
                self.select_graphic_rendition(*numbers)
                results.append(tuple(cursor.attrs))
        finally:
            cursor.attrs = saved
        first, second = results
        return tuple(
            (index, value)
            for index, (value, other) in enumerate(zip(first, second, strict=True))
            if value == other
        )

    def draw_styled(self, text: str, start: int, end: int) -> None:
        """Draw `text[start:end]`, a run found by `styled_run_end`: SGR sequences and ASCII
        text as pyte's stream would apply them one by one, in one loop.

        A SGR is looked up by (attributes, parameter text); on a miss `_sgr_after` works it
        out as `select_graphic_rendition` would.
        """
        cursor = self.cursor
        columns = self.columns
        buffer = self.buffer
        sgr_texts = self._sgr_texts[pyte_modes.DECSCNM in self.mode]
        # The cursor and the row it is on, in locals until the run is drawn: text runs hold
        # no line ends, so only a wrap (`draw_ascii`) moves the cursor to another row.
        x, y = cursor.x, cursor.y
        row = buffer[y]
        chars, styles = row.chars, row.styles
        attrs = cursor.attrs
        key_attrs, key = self._key_attrs, self._key
        drew = False
        last_run = ""
        for params, run in _STYLED_TOKEN.findall(text, start, end):
            if run:
                stop = x + len(run)
                if stop <= columns:
                    if attrs is not key_attrs:
                        key_attrs, key = attrs, style_key(attrs)
                    chars[x:stop] = run
                    styles[x:stop] = [key] * len(run)
                    x = stop
                    drew = True
                else:
                    if drew:
                        self.dirty.add(y)
                        drew = False
                    cursor.x, cursor.attrs = x, attrs
                    self._key_attrs, self._key = key_attrs, key
                    self.draw_ascii(run)
                    key_attrs, key = self._key_attrs, self._key
                    x, y = cursor.x, cursor.y
                    row = buffer[y]
                    chars, styles = row.chars, row.styles
                last_run = run
                continue
            after = sgr_texts.get((attrs, params))
            if after is None:
                cursor.attrs = attrs
                after = self._sgr_after(attrs, params)
                if len(sgr_texts) >= _CACHE_LIMIT:
                    sgr_texts.clear()
                sgr_texts[(attrs, params)] = after
            attrs = after
        cursor.x, cursor.attrs = x, attrs
        self._key_attrs, self._key = key_attrs, key
        if drew:
            self.dirty.add(y)
        if last_run:
            self.last_char = last_run[-1]
