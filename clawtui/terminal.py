"""The screen behind every pane: bytes from a remote program in, what a person would see out.

pyte 0.8.2 does the VT100/xterm emulation, but on the streams clawtui meets it goes wrong in
ways an operator would notice: it draws a literal `u` for the kitty keyboard query, underlines
everything after xterm's `CSI > 4 m`, drops OSC 8 hyperlink targets (the sign-in URL of
`claude setup-token` 2.1.332 lives in one), has no scrollback, no alternate screen, ignores
concealed text (SGR 8) and stops drawing at a zero-width joiner. `TerminalModel` wraps a pyte
screen and fixes these without copying pyte's code (pyte is LGPL): one regex scan over the
decoded text takes out what pyte must not see (OSC, DCS, the private CSI forms it misreads),
hands complete CSI sequences straight to pyte's own handlers (pyte's per-character parser is
most of its cost), and a `pyte.Screen` subclass overrides the handlers that need more.

It also answers the queries programs send (DA1, DSR), keeps hyperlink targets with the cells
they cover, and exposes cells with their attributes so the terminal widget can paint them.
The model never decides what the text means and never imports Textual: the widget paints it,
and the onboarding flow reads `snapshot()`.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import copy
import inspect
import logging
import re
import traceback
import unicodedata
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import compress, pairwise
from operator import itemgetter, ne
from typing import Any, NamedTuple, cast

import pyte
from pyte import charsets as pyte_charsets
from pyte import modes as pyte_modes
from pyte.screens import Char, Cursor, StaticDefaultDict

from clawtui.errors import DisplayError
from clawtui.fastscreen import FastScreen
from clawtui.snapshot import Hyperlink, ScreenText

__all__ = [
    "DISPLAY_ERROR_TEXT",
    "Cell",
    "ClipboardRequest",
    "ScrollbackRow",
    "TerminalEvent",
    "TerminalModel",
    "display_error",
]

#: What a pane shows once its model failed on the program's output.
DISPLAY_ERROR_TEXT = "[display error: clawtui stopped showing this program's output]"


class Cell(NamedTuple):
    """One character cell: pyte's `Char` fields plus `conceal` (SGR 8), which pyte ignores.

    The first nine fields line up with `pyte.screens.Char`, so pyte's own handlers (which only
    ever `_replace` fields on the cursor's attributes) keep producing `Cell`s. The second cell
    of a wide character has `data == ""`.
    """

    data: str
    fg: str = "default"
    bg: str = "default"
    bold: bool = False
    italics: bool = False
    underscore: bool = False
    strikethrough: bool = False
    reverse: bool = False
    blink: bool = False
    conceal: bool = False


BLANK = Cell(" ")
_BLANK_REVERSE = Cell(" ", reverse=True)
_BLANK_CHAR = cast(Char, BLANK)  # the same tuple, typed the way pyte's buffer is


@dataclass(frozen=True, slots=True)
class ClipboardRequest:
    """The program asked the terminal to set the clipboard (OSC 52). Never applied by the model:
    the owner decides whether to honour it."""

    selection: str
    text: str

    def __repr__(self) -> str:
        # The text may be anything the remote side chose to copy: keep it out of logs.
        return f"ClipboardRequest(selection={self.selection!r}, text=<{len(self.text)} chars>)"


TerminalEvent = ClipboardRequest


class ScrollbackRow(NamedTuple):
    """A row that scrolled off the top, kept compactly.

    `cells` is a string holding one character per column when every cell is exactly one code
    point (the common case), otherwise a tuple of per-cell strings (wide-character stubs are
    `""`, combined characters are longer). `runs` gives (number of cells, attributes) in order;
    the `data` of an attributes cell means nothing. Trailing default blanks are not stored.
    """

    cells: str | tuple[str, ...]
    runs: tuple[tuple[int, Cell], ...]
    plain: str  # the text a reader sees, trailing blanks removed
    wrapped: bool = False  # the text ran on into the next row (autowrap)

    def __repr__(self) -> str:
        # The row may hold a token: keep its text out of logs and tracebacks.
        return f"ScrollbackRow(<{len(self.plain)} chars>, {len(self.runs)} runs)"


_EMPTY_ROW = ScrollbackRow("", (), "")
# A scrollback entry: compact, or still the screen row pyte dropped (compacted when read).
_Kept = ScrollbackRow | StaticDefaultDict[int, Char]

# Private modes, shifted the way pyte stores them in `Screen.mode`.
_MODE_APP_CURSOR = 1 << 5
_MODE_MOUSE_X10 = 9 << 5
_MODE_MOUSE_NORMAL = 1000 << 5
_MODE_MOUSE_BUTTON = 1002 << 5
_MODE_MOUSE_ANY = 1003 << 5
_MODE_FOCUS = 1004 << 5
_MODE_MOUSE_SGR = 1006 << 5
_MODE_BRACKETED_PASTE = 2004 << 5
_ALT_SCREEN_MODES = (47, 1047, 1049)
# xterm ignores DECCOLM unless allowColumnMode is set; pyte would resize itself to 132 columns,
# which the program's PTY would not agree with.
_IGNORED_PRIVATE_MODES = (3,)

# Escape sequences handled before pyte sees them. Alternatives all start with ESC, so the scan
# jumps from ESC to ESC; text between matches (and the ESC forms not listed) goes to pyte.
_SPECIAL = re.compile(
    r"\x1b(?:"
    # OSC: the payload. Ended by BEL or ST; an ESC that starts anything else aborts it (xterm).
    r"\](?P<osc>[^\x07\x1b]*)(?:\x07|\x1b\\|(?=\x1b))"
    # DCS, SOS, PM, APC strings (sixel, XTGETTCAP, kitty graphics): pyte would draw them.
    r"|[P_^X][^\x07\x1b]*(?:\x07|\x1b\\|(?=\x1b))"
    # SGR with colon sub-parameters (`38:2::r:g:b`, `4:3`): pyte stops at the colon and draws
    # the rest as text.
    r"|\[(?P<colon_sgr>[0-9;]*:[0-9;:]*)m"
    # CSI < / > / = forms: kitty keyboard protocol, modifyOtherKeys (`> 4 m`, which pyte takes
    # as underline), XTVERSION (`> q`), DA2/DA3. Nothing pyte can use: dropped.
    r"|\[[<=>][\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"
    # CSI ? forms pyte cannot take: it handles ? only with h, l, J, K, n and c; others (the
    # kitty `? u` query, DECRQM `? Ps $ p`, XTSAVE/XTRESTORE `? s`/`? r`) leave stray text or
    # raise inside pyte. Dropped.
    r"|\[\?[\x30-\x3f]*[\x20-\x2f]*(?![hlJKnc])[\x40-\x7e]"
    # CSI with intermediates other than space and `$` (DECSTR `! p`, DECSCA `" q`, ...): pyte
    # takes the intermediate for the final byte and draws the real final byte. Dropped.
    r"|\[[\x30-\x3f]*[!-#%-/][\x20-\x2f]*[\x40-\x7e]"
    # ESC with intermediates pyte does not know (`ESC SP F`, G2/G3 designations). Dropped. So
    # is `ESC # 8` (DECALN, a VT100 alignment test that fills the whole screen for 3 bytes: a
    # flood of it stalled every pane for seconds); pyte ignores the other `ESC #` forms.
    r"|[ !\"#$&'*+\-./][\x20-\x2f]*[\x30-\x7e]"
    # Any other CSI: dispatched to pyte's own handlers, without its per-character parser.
    r"|\[(?P<params>[\x30-\x3f]*)(?P<inter>[ $]*)(?P<final>[\x40-\x7e])"
    # A CSI broken off by anything else (a control, DEL, a non-ASCII character): dropped up to
    # there, so that pyte's own parser never sees a CSI (it raises on 4,300 digits or more).
    r"|\[[\x30-\x3f]*[\x20-\x2f]*"
    r")"
)
# An escape sequence cut off at the end of a chunk: held back until the next chunk.
_INCOMPLETE = re.compile(r"\x1b(?:\[[\x30-\x3f]*[\x20-\x2f]*|[\]P_^X][^\x07]*|[\x20-\x2f]*)")
# The longest OSC/DCS/APC string taken (held back while unterminated); a longer one is thrown
# away. Far more than any link target, title or clipboard request a program sends in earnest.
_MAX_STRING = 1 << 16
# The longest unfinished CSI or escape sequence held back; beyond it the sequence is thrown away.
_MAX_SEQUENCE = 1 << 10
# Combining marks kept on one cell. pyte normalises the whole cell for each mark it adds, so an
# unbounded pile on one cell costs quadratic time; xterm keeps at most 10 of them.
_MAX_COMBINING = 16
# 8-bit introducers of strings and control sequences, as UTF-8 brings them: written the 7-bit
# way so the pre-filter sees them (pyte would parse them itself, without any limits).
_C1_INTRODUCERS = re.compile("[\x90\x98\x9b-\x9f]")
_C1_AS_ESCAPES = str.maketrans(
    {
        "\x90": "\x1bP",
        "\x98": "\x1bX",
        "\x9b": "\x1b[",
        "\x9c": "\x1b\\",
        "\x9d": "\x1b]",
        "\x9e": "\x1b^",
        "\x9f": "\x1b_",
    }
)
# What ends a string being thrown away, and what a sequence being thrown away is made of.
_STRING_END = re.compile("[\x07\x1b]")
_SEQUENCE_REST = re.compile("[\x20-\x3f]*")
_log = logging.getLogger(__name__)
# Characters pyte's draw() gives up on (it stops drawing the rest of the text at the first
# one): C0/C1 controls that reach draw(), zero-width format characters, variation selectors.
_UNDRAWABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufe00-\ufe0f\ufeff"
    "\U000e0000-\U000e007f\U000e0100-\U000e01ef]"
)
_LAT1_MAP = pyte_charsets.LAT1_MAP
_CELL_CACHE_LIMIT = 4096
_LINK_LIMIT = 1000
# How many cells of rows that scrolled off may wait uncompacted (see `_push_scrollback`), a
# `costly` cell counting five: about 1000 full rows of a 120-column pane, some 6 MB (a raw row
# costs ~45 bytes per cell, ~235 when costly; a compact one ~3 per cell plus ~250 per row).
_PENDING_CELLS = 1 << 17


class _CellMap(dict[str, Cell]):
    """Cells with one set of attributes, by character: drawing reuses them instead of building
    a new tuple per character (cells are immutable, so sharing is safe)."""

    __slots__ = ("attrs", "_rest")

    def __init__(self, attrs: Cell) -> None:
        super().__init__()
        self.attrs = attrs
        self._rest = tuple(attrs[1:])

    def __missing__(self, data: str) -> Cell:
        # The tuple constructor directly: NamedTuple._replace costs three times as much.
        cell: Cell = _new_tuple(Cell, (data, *self._rest))
        self[data] = cell
        return cell


_new_tuple = tuple.__new__


class _Row(StaticDefaultDict[int, Char]):
    """A screen row. `wrapped`, as xterm marks it, says its text ran on into the next row by
    autowrap: the row object moves with its text when pyte scrolls or inserts lines.

    `costly` says pyte's own draw() wrote cells into it: it builds a new tuple per cell (and a
    new string for any character past Latin-1), where the ASCII path shares them, so the row
    costs up to five times the memory while it waits in the scrollback uncompacted."""

    wrapped = False
    costly = False


def _mark_wrapped(row: StaticDefaultDict[int, Char] | None, wrapped: bool) -> None:
    if row is not None and (wrapped or getattr(row, "wrapped", False)):
        cast(_Row, row).wrapped = wrapped


def _mark_costly(row: StaticDefaultDict[int, Char] | None) -> None:
    if row is not None:
        cast(_Row, row).costly = True


def _weight(row: StaticDefaultDict[int, Char]) -> int:
    """What a raw row waiting in the scrollback counts against `_PENDING_CELLS`."""
    return len(row) * 5 if getattr(row, "costly", False) else len(row)


class _Stream(pyte.Stream):
    """pyte's stream plus CSI functions pyte lacks (scroll up/down, SCO save/restore, tabs, REP)."""

    csi = {
        **pyte.Stream.csi,
        "S": "scroll_up",
        "T": "scroll_down",
        "s": "sco_save_cursor",
        "u": "sco_restore_cursor",
        "I": "forward_tab",
        "Z": "backward_tab",
        "b": "repeat_last",
    }


_Buffer = dict[int, StaticDefaultDict[int, Char]]
_CharLookup = Callable[[str], Char]


class _Screen(FastScreen):
    """A pyte screen with scrollback, the alternate screen, conceal, link tracking, replies and
    a faster path for plain ASCII text. Owned by one `TerminalModel`."""

    def __init__(self, model: TerminalModel, columns: int, lines: int) -> None:
        # pyte's __init__ calls reset(), which already needs these.
        self._model = model
        self.alternate = False
        self._main_buffer: _Buffer | None = None
        self._alt_kept: _Buffer | None = None  # the ?47 buffer, which survives leaving
        self._alt_saved_cursor: Cursor | None = None
        self._cell_maps: dict[Cell, _CellMap] = {}
        self._sgr_cache: dict[tuple[Char, tuple[int, ...], bool], Char] = {}
        self._last_attrs: Cell | None = None
        self._last_map: _CellMap | None = None
        self._last_char = " "
        self.link_url: str | None = None
        self._drawing = False  # inside pyte's draw(), where a linefeed means an autowrap
        super().__init__(columns, lines)
        self.buffer = self._new_buffer()

    # ----------------------------------------------------------------------------- cells

    @property
    def default_char(self) -> Cell:  # type: ignore[override]
        return _BLANK_REVERSE if pyte_modes.DECSCNM in self.mode else BLANK

    def _new_buffer(self) -> _Buffer:
        return defaultdict(lambda: _Row(cast(Char, self.default_char)))

    def reset(self) -> None:
        if self.alternate and self._main_buffer is not None:
            self.buffer = self._main_buffer
        self.alternate = False
        self._main_buffer = None
        self._alt_kept = None
        self._alt_saved_cursor = None
        super().reset()
        self.cursor.attrs = cast(Char, self.default_char)

    def _cells_for(self, attrs: Cell) -> _CellMap:
        if attrs is self._last_attrs and self._last_map is not None:
            return self._last_map
        cell_map = self._cell_maps.get(attrs)
        if cell_map is None:
            if len(self._cell_maps) >= _CELL_CACHE_LIMIT:
                self._cell_maps.clear()
            cell_map = self._cell_maps[attrs] = _CellMap(attrs)
        self._last_attrs = attrs
        self._last_map = cell_map
        return cell_map

    # ----------------------------------------------------------------------------- drawing

    def draw(self, data: str) -> None:
        if self.link_url is not None:
            self._draw_linked(data)
        elif data:
            self._draw_text(data)

    def _draw_text(self, data: str) -> None:
        if self.fast and self._draws_fast(data):
            self._draw_ascii(data)
        else:
            if _UNDRAWABLE.search(data):
                # pyte stops drawing at the first of these and loses the rest of the text.
                data = _UNDRAWABLE.sub("", data)
                if not data:
                    return
            if any(map(unicodedata.combining, data)):
                data = self._cap_combining(data)
                if not data:
                    return
            self._drawing = True
            try:
                super().draw(data)
            finally:
                self._drawing = False
            _mark_costly(self.buffer.get(self.cursor.y))
        self._last_char = data[-1]

    def _cap_combining(self, data: str) -> str:
        """`data` with at most `_MAX_COMBINING` combining marks on any one cell: the marks
        beyond are dropped. Marks at the start land on the cell before the cursor, as in pyte."""
        x, y = self.cursor.x, self.cursor.y
        if x:
            cell = self.buffer[y].get(x - 1)
        elif y:
            cell = self.buffer[y - 1].get(self.columns - 1)
        else:
            cell = None
        marks = max(0, len(cell.data) - 1) if cell is not None else 0
        combining = unicodedata.combining
        kept = []
        for char in data:
            if combining(char):
                if marks >= _MAX_COMBINING:
                    continue
                marks += 1
            else:
                marks = 0
            kept.append(char)
        return "".join(kept)

    def linefeed(self) -> None:
        if self._drawing:
            # An autowrap: the row pyte drew into moves on, maybe into the scrollback.
            row = self.buffer.get(self.cursor.y)
            _mark_wrapped(row, True)
            _mark_costly(row)
        super().linefeed()

    def can_draw_styled(self) -> bool:
        # Text inside an OSC 8 link goes through `_draw_linked`, which records its cells.
        return self.link_url is None and super().can_draw_styled()

    def _autowrapped(self, row: StaticDefaultDict[int, Char] | None) -> None:
        # FastScreen's ASCII path wraps a row: it ran on into the next one.
        _mark_wrapped(row, True)

    def _draw_linked(self, data: str) -> None:
        """Draw text inside an OSC 8 hyperlink, recording the cells it lands on."""
        url = self.link_url
        assert url is not None
        model = self._model
        for char in _UNDRAWABLE.sub("", data):
            before_x = self.cursor.x
            if before_x >= self.columns:
                before_x = 0 if pyte_modes.DECAWM in self.mode else self.columns - 1
            self._draw_text(char)
            width = 1 if char.isascii() else pyte.screens.wcwidth(char)
            if width > 0:
                row = model.scrolled_total + self.cursor.y
                model._add_link_cells(url, row, before_x, min(before_x + width, self.columns))

    def repeat_last(self, count: int | None = None, *_: Any, **__: Any) -> None:
        """REP: draw the last drawn character again (ncurses uses it with xterm terminfo, for
        runs within a line). At most a row's worth: 8 bytes must not fill a whole screen."""
        self.draw(self._last_char * min(count or 1, self.columns))

    # ----------------------------------------------------------------------------- attributes

    def select_graphic_rendition(self, *attrs: int, **kwargs: Any) -> None:
        # Programs repeat the same few SGR changes: remember (before, parameters) → after.
        key = (self.cursor.attrs, attrs, pyte_modes.DECSCNM in self.mode)
        after = self._sgr_cache.get(key)
        if after is not None:
            self.cursor.attrs = after
            return
        self._apply_sgr(attrs)
        if len(self._sgr_cache) >= _CELL_CACHE_LIMIT:
            self._sgr_cache.clear()
        self._sgr_cache[key] = self.cursor.attrs

    def _apply_sgr(self, attrs: tuple[int, ...]) -> None:
        if 8 not in attrs and 28 not in attrs and 58 not in attrs:
            super().select_graphic_rendition(*attrs)
            return
        # Walk the parameters so that colour arguments (`38;5;8`) are not taken for SGR 8, drop
        # underline colour (58, which pyte would misread), and apply conceal in order.
        pending: list[int] = []
        index = 0
        while index < len(attrs):
            attr = attrs[index]
            if attr in (38, 48, 58) and index + 1 < len(attrs):
                span = 3 if attrs[index + 1] == 5 else 5 if attrs[index + 1] == 2 else 2
                if attr != 58:
                    pending.extend(attrs[index : index + span])
                index += span
                continue
            if attr in (8, 28):
                if pending:
                    super().select_graphic_rendition(*pending)
                    pending = []
                concealed = cast(Cell, self.cursor.attrs)._replace(conceal=attr == 8)
                self.cursor.attrs = cast(Char, concealed)
            else:
                pending.append(attr)
            index += 1
        if pending:
            super().select_graphic_rendition(*pending)

    # ----------------------------------------------------------------------------- scrolling

    def _full_screen_region(self) -> bool:
        margins = self.margins
        return margins is None or (margins.top == 0 and margins.bottom == self.lines - 1)

    def index(self) -> None:
        if not self.alternate and self.cursor.y == self.lines - 1 and self._full_screen_region():
            self._model._push_scrollback(self.buffer.get(0), self.columns)
        super().index()

    def scroll_up(self, count: int | None = None, *_: Any, **__: Any) -> None:
        """SU: scroll the region up; on the main screen the top rows go to scrollback."""
        top, bottom = self.margins or pyte.screens.Margins(0, self.lines - 1)
        saved_y = self.cursor.y
        self.cursor.y = bottom
        for _step in range(min(count or 1, bottom - top + 1)):
            self.index()
        self.cursor.y = saved_y

    def scroll_down(self, count: int | None = None, *_: Any, **__: Any) -> None:
        """SD: scroll the region down, blank rows appear at the top."""
        top, bottom = self.margins or pyte.screens.Margins(0, self.lines - 1)
        saved_y = self.cursor.y
        self.cursor.y = top
        for _step in range(min(count or 1, bottom - top + 1)):
            self.reverse_index()
        self.cursor.y = saved_y

    def sco_save_cursor(self, *_: Any, **__: Any) -> None:
        self.save_cursor()

    def sco_restore_cursor(self, *_: Any, **__: Any) -> None:
        self.restore_cursor()

    def forward_tab(self, count: int | None = None, *_: Any, **__: Any) -> None:
        for _step in range(min(count or 1, self.columns)):
            if self.cursor.x >= self.columns - 1:
                break  # no stop beyond: the rest would change nothing
            self.tab()

    def backward_tab(self, count: int | None = None, *_: Any, **__: Any) -> None:
        for _step in range(min(count or 1, self.columns)):
            if self.cursor.x == 0:
                break  # no stop before: the rest would change nothing
            stops = [stop for stop in self.tabstops if stop < self.cursor.x]
            self.cursor.x = max(stops) if stops else 0

    def erase_in_display(self, how: int = 0, *args: Any, **kwargs: Any) -> None:
        # ED 3 would clear the scrollback in xterm. A pane may hold a token the operator has
        # not yet saved, so the scrollback is kept: only the screen is cleared.
        if how not in (0, 1, 2, 3):
            return  # xterm ignores other values; pyte would raise
        super().erase_in_display(2 if how == 3 else how, *args, **kwargs)
        rows = range(self.lines) if how in (2, 3) else range(self.cursor.y, self.lines)
        if how in (0, 2, 3):
            for y in rows:
                _mark_wrapped(self.buffer.get(y), False)

    def erase_in_line(self, how: int = 0, private: bool = False) -> None:
        if how not in (0, 1, 2):
            return  # xterm ignores other values; pyte would raise
        super().erase_in_line(how, private)
        if how in (0, 2):
            _mark_wrapped(self.buffer.get(self.cursor.y), False)

    # ----------------------------------------------------------------------------- modes

    def set_mode(self, *modes: int, **kwargs: Any) -> None:
        if kwargs.get("private"):
            rest = []
            for mode in modes:
                if mode in _ALT_SCREEN_MODES:
                    self._enter_alternate(mode)
                elif mode not in _IGNORED_PRIVATE_MODES:
                    rest.append(mode)
            if not rest:
                return
            modes = tuple(rest)
        super().set_mode(*modes, **kwargs)

    def reset_mode(self, *modes: int, **kwargs: Any) -> None:
        if kwargs.get("private"):
            rest = []
            for mode in modes:
                if mode in _ALT_SCREEN_MODES:
                    self._leave_alternate(mode)
                elif mode not in _IGNORED_PRIVATE_MODES:
                    rest.append(mode)
            if not rest:
                return
            modes = tuple(rest)
        super().reset_mode(*modes, **kwargs)

    def _enter_alternate(self, mode: int) -> None:
        if mode == 1049:
            self._alt_saved_cursor = copy.copy(self.cursor)
        if self.alternate:
            if mode == 1049:
                self.buffer = self._new_buffer()
                self.dirty.update(range(self.lines))
            return
        self._main_buffer = self.buffer
        if mode == 47 and self._alt_kept is not None:
            self.buffer = self._alt_kept
        else:
            self.buffer = self._new_buffer()
        self.alternate = True
        self.dirty.update(range(self.lines))

    def _leave_alternate(self, mode: int) -> None:
        if not self.alternate or self._main_buffer is None:
            return
        self._alt_kept = self.buffer if mode == 47 else None
        self.buffer = self._main_buffer
        self._main_buffer = None
        self.alternate = False
        if mode == 1049 and self._alt_saved_cursor is not None:
            self.cursor = self._alt_saved_cursor
            self._alt_saved_cursor = None
            self.ensure_hbounds()
            self.ensure_vbounds()
        self.dirty.update(range(self.lines))

    # ----------------------------------------------------------------------------- replies

    def report_device_attributes(self, mode: int = 0, **kwargs: Any) -> None:
        if mode == 0 and not kwargs.get("private"):
            self._model._reply(b"\x1b[?62;22c")  # VT220 with ANSI colour, like xterm's level

    def report_device_status(self, mode: int = 0, **kwargs: Any) -> None:
        if mode == 5:
            self._model._reply(b"\x1b[0n")
        elif mode == 6:
            column = min(self.cursor.x, self.columns - 1) + 1
            line = self.cursor.y + 1
            if pyte_modes.DECOM in self.mode and self.margins is not None:
                line -= self.margins.top
            question = "?" if kwargs.get("private") else ""
            self._model._reply(f"\x1b[{question}{line};{column}R".encode())

    # ----------------------------------------------------------------------------- resizing

    def resize_to(self, columns: int, lines: int) -> None:
        """Resize like xterm: when the height shrinks, the cursor row stays on screen and the
        rows pushed off the top of the main screen go to scrollback."""
        columns = max(1, columns)
        lines = max(1, lines)
        if columns == self.columns and lines == self.lines:
            return
        if self.alternate:
            self.buffer, shift = self._reshape(self.buffer, self.cursor.y, lines, columns, False)
            self.cursor.y -= shift
            main = self._main_buffer
            assert main is not None
            saved = self._alt_saved_cursor
            main_y = saved.y if saved is not None else self.cursor.y
            self._main_buffer, main_shift = self._reshape(main, main_y, lines, columns, True)
            if saved is not None:
                saved.y = max(0, saved.y - main_shift)
                saved.x = min(saved.x, columns - 1)
            self._alt_kept = None
        else:
            self.buffer, shift = self._reshape(self.buffer, self.cursor.y, lines, columns, True)
            self.cursor.y -= shift
        self.lines = lines
        self.columns = columns
        self.cursor.x = min(self.cursor.x, columns - 1)
        self.cursor.y = min(max(self.cursor.y, 0), lines - 1)
        self.margins = None
        self.tabstops = set(range(8, columns, 8))
        self.dirty.clear()
        self.dirty.update(range(lines))

    def _reshape(
        self, buffer: _Buffer, cursor_y: int, lines: int, columns: int, keep: bool
    ) -> tuple[_Buffer, int]:
        shift = max(0, cursor_y - (lines - 1))
        if keep:
            for y in range(shift):
                self._model._push_scrollback(buffer.get(y), self.columns)
        reshaped = self._new_buffer()
        for y, row in buffer.items():
            if shift <= y < shift + lines:
                if columns < self.columns:
                    for x in [x for x in row if x >= columns]:
                        del row[x]
                reshaped[y - shift] = row
        return reshaped, shift


def _compact(row: StaticDefaultDict[int, Char] | None, columns: int) -> ScrollbackRow:
    if not row:
        return _EMPTY_ROW
    cells = [row[x] for x in range(min(max(row) + 1, columns))]
    default = row.default
    while cells and (cells[-1] == default or cells[-1] == _BLANK_CHAR):
        cells.pop()
    if not cells:
        return _EMPTY_ROW
    datas = [cell.data for cell in cells]
    joined = "".join(datas)
    stored: str | tuple[str, ...] = joined if len(joined) == len(cells) else tuple(datas)
    # Where the attributes change, found with C-level map/compress rather than a Python loop.
    count = len(cells)
    keys = list(map(_STYLE_KEY, cells))
    starts = [0, *compress(range(1, count), map(ne, keys[1:], keys)), count]
    runs = tuple((end - start, cells[start]) for start, end in pairwise(starts))
    plain = _visible_text(cells) if any(map(_CONCEALED, cells)) else joined.rstrip()
    wrapped = bool(getattr(row, "wrapped", False))
    return ScrollbackRow(stored, cast(tuple[tuple[int, Cell], ...], runs), plain, wrapped)


def _visible_text(cells: list[Char]) -> str:
    """What a person reads on a row: concealed (SGR 8) characters are blanks."""
    if any(map(_CONCEALED, cells)):
        return "".join(
            [
                " " if concealed else cell[0]
                for cell, concealed in zip(cells, map(_CONCEALED, cells), strict=True)
            ]
        ).rstrip()
    return "".join([cell[0] for cell in cells]).rstrip()


_STYLE_KEY = itemgetter(slice(1, None))  # a cell's attributes without its character
_CONCEALED = itemgetter(9)  # Cell.conceal


class TerminalModel:
    """A terminal screen fed with bytes: pyte plus the fixes described in the module docstring.

    `respond` receives the bytes a terminal answers with (DA1, DSR); when it is None the answers
    are collected for `take_replies()`. OSC 52 clipboard requests are collected for
    `take_events()`. Not thread-safe: feed it from one task.
    """

    def __init__(
        self,
        columns: int = 80,
        lines: int = 24,
        *,
        scrollback: int = 5000,
        respond: Callable[[bytes], None] | None = None,
    ) -> None:
        self.respond = respond
        self.fed = 0
        self.scrolled_total = 0  # rows ever pushed into scrollback, dropped ones included
        self.title = ""
        self._scrollback: deque[_Kept] = deque(maxlen=max(0, scrollback))
        # The `_weight` of the raw rows in the scrollback, and the width they were pushed at.
        self._pending_cells = 0
        self._pending_limit = _PENDING_CELLS  # 0 compacts every row as it scrolls (tests)
        self._pending_columns = max(1, columns)
        self._links: deque[Hyperlink] = deque(maxlen=_LINK_LIMIT)
        self._events: list[TerminalEvent] = []
        self._replies: list[bytes] = []
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._held = ""  # an escape sequence cut off at the end of the last chunk
        # Inside an over-long OSC/DCS "string" or CSI "sequence" being thrown away.
        self._discarding: str | None = None
        #: Set when the model failed on the program's output (see `feed`); it takes no more.
        self.error: DisplayError | None = None
        self._screen = _Screen(self, max(1, columns), max(1, lines))
        self._stream = _Stream(self._screen)
        # pyte ignores charset designations in "UTF-8 mode"; we decode UTF-8 ourselves, so the
        # stream can honour `ESC ( 0` (DEC line drawing, used by ncurses and dialog boxes).
        self._stream.use_utf8 = False
        self._csi_handlers: dict[str, Callable[..., None]] = {
            final: getattr(self._screen, name) for final, name in _Stream.csi.items()
        }
        self._csi_arity = {final: _arity(handler) for final, handler in self._csi_handlers.items()}
        self._screen.dirty.clear()  # pyte's reset marked every row; our own sets start full
        self._view_dirty: set[int] = set(range(self._screen.lines))
        self._text_dirty: set[int] = set(range(self._screen.lines))
        self._line_cache: dict[int, str] = {}

    # ----------------------------------------------------------------------------- feeding

    def feed(self, data: bytes) -> None:
        """Feed bytes from the program, in whatever chunks they arrived.

        No byte stream should make the model fail. If one does anyway, the model is broken for
        good: it logs the failure (without any of the screen's content), shows only a "display
        error" line, takes no more output, and raises `DisplayError` here, once.
        """
        if self.error is not None:
            return
        failure: DisplayError | None = None
        try:
            self._feed(data)
        except Exception as error:  # noqa: BLE001 - contained: the pane must not die silently
            failure = self._break(error)
        if failure is not None:
            # Raised outside the handler: the original exception, whose message may quote the
            # screen, is not chained to it.
            raise failure

    def _break(self, error: BaseException) -> DisplayError:
        """Stop taking output after `error`: a fresh screen that says so, and a `DisplayError`."""
        failure = display_error(error, "the terminal model")
        self.show_failure(failure)
        return failure

    def show_failure(self, failure: DisplayError) -> None:
        """Take no more output and show only the display-error line: the model failed, or
        the task feeding it did (its owner calls this then)."""
        self.error = failure
        columns, lines = self._screen.columns, self._screen.lines
        self._held = ""
        self._discarding = None
        self._scrollback.clear()
        self._pending_cells = 0
        self._links.clear()
        self._screen = _Screen(self, columns, lines)
        self._stream = _Stream(self._screen)
        self._screen.draw(DISPLAY_ERROR_TEXT[:columns])
        self._screen.dirty.clear()
        self._line_cache.clear()
        self._view_dirty = set(range(lines))
        self._text_dirty = set(range(lines))

    def _feed(self, data: bytes) -> None:
        self.fed += len(data)
        text = self._decoder.decode(data)
        if _C1_INTRODUCERS.search(text):
            text = text.translate(_C1_AS_ESCAPES)
        held = self._held
        if held:
            if (
                held.startswith(_OPENERS)
                and held[-1] != "\x1b"
                and "\x07" not in text
                and "\x1b" not in text
            ):
                # Still inside the same unterminated string: keep it without scanning it again,
                # so that a long string fed in small chunks costs linear time.
                if len(held) + len(text) > _MAX_STRING:
                    self._held = ""
                    self._discarding = "string"
                else:
                    self._held = held + text
                return
            text = held + text
            self._held = ""
        if self._discarding:
            text = self._skip_discarded(text)
        if not text:
            return
        text = self._hold_incomplete_tail(text)
        screen = self._screen
        stream = self._stream
        draw = screen.draw
        position = 0
        for match in _SPECIAL.finditer(text):
            start = match.start()
            if start < position:
                continue  # inside a styled run already drawn
            if start > position:
                segment = text[position:start]
                # Plain text straight to the screen, as pyte's stream would, when pyte is not
                # in the middle of a sequence of its own.
                if segment.isprintable() and stream._taking_plain_text:
                    draw(segment)
                else:
                    stream.feed(segment)
            position = match.end()
            final = match["final"]
            if final == "m" and stream._taking_plain_text and screen.can_draw_styled():
                # Colour changes and the text between them in one go (FastScreen).
                end = screen.styled_run_end(text, start)
                if end > start:
                    screen.draw_styled(text, start, end)
                    position = end
                    continue
            if final is None:
                self._handle_special(match)
            elif stream._taking_plain_text:
                self._dispatch_csi(match["params"], match["inter"], final)
            else:
                stream.feed(match[0])
        if position == 0:
            stream.feed(text)
        elif position < len(text):
            stream.feed(text[position:])
        dirty = screen.dirty
        if dirty:
            self._view_dirty |= dirty
            self._text_dirty |= dirty
            dirty.clear()

    def _dispatch_csi(self, params: str, intermediates: str, final: str) -> None:
        """Call the screen's handler for a complete CSI sequence, with pyte's conventions:
        empty parameters are 0, values are capped at 9999, `?` passes `private=True`."""
        if "$" in intermediates:
            return  # pyte ignores `CSI ... $ x` forms
        handler = self._csi_handlers.get(final)
        if handler is None:
            return
        private = params.startswith("?")
        if private:
            params = params[1:]
        try:
            numbers = [
                int(number) if 0 < len(number) < 5 else _parameter(number)
                for number in params.split(";")
            ]
        except ValueError:
            return  # stray private markers or colons inside: nothing pyte would understand
        limit = self._csi_arity.get(final)
        if limit is not None and len(numbers) > limit:
            del numbers[limit:]  # extra parameters are ignored, as xterm does (pyte would raise)
        if private:
            handler(*numbers, private=True)
        else:
            handler(*numbers)

    def _hold_incomplete_tail(self, text: str) -> str:
        last_escape = text.rfind("\x1b")
        if last_escape == -1:
            return text
        cut = -1
        if last_escape == len(text) - 1:
            # A lone ESC may be the first half of the ST ending a string started earlier.
            string_start = max(text.rfind(opener, 0, last_escape) for opener in _OPENERS)
            if string_start != -1 and "\x07" not in text[string_start:last_escape]:
                if "\x1b" not in text[string_start + 1 : last_escape]:
                    cut = string_start
            if cut == -1:
                cut = last_escape
        elif _INCOMPLETE.fullmatch(text, last_escape):
            cut = last_escape
        if cut == -1:
            return text
        held = text[cut:]
        string = held.startswith(_OPENERS)
        if len(held) > (_MAX_STRING if string else _MAX_SEQUENCE):
            self._discarding = "string" if string else "sequence"
            return text[:cut]
        self._held = held
        return text[:cut]

    def _skip_discarded(self, text: str) -> str:
        """`text` after the rest of the over-long string or sequence being thrown away."""
        if self._discarding == "sequence":
            # Parameters and intermediates, then the final byte.
            end = _SEQUENCE_REST.match(text).end()  # type: ignore[union-attr]
            if end == len(text):
                return ""
            self._discarding = None
            return text[end + 1 :] if "\x40" <= text[end] <= "\x7e" else text[end:]
        match = _STRING_END.search(text)
        if match is None:
            return ""
        index = match.start()
        self._discarding = None
        if text[index] == "\x07":
            return text[index + 1 :]
        return text[index + 2 :] if text[index + 1 : index + 2] == "\\" else text[index:]

    def _handle_special(self, match: re.Match[str]) -> None:
        osc = match["osc"]
        if osc is not None:
            if len(osc) > _MAX_STRING:
                # Too long for anything a program sends in earnest: dropped. An over-long
                # hyperlink target still ends the link before it.
                if osc.startswith("8;"):
                    self._screen.link_url = None
                return
            self._handle_osc(osc)
            return
        sgr = match["colon_sgr"]
        if sgr is not None:
            params = _colon_sgr_to_semicolons(sgr)
            if params is not None:
                self._screen.select_graphic_rendition(*params)

    def _handle_osc(self, payload: str) -> None:
        command, _, rest = payload.partition(";")
        if command == "8":
            _params, _, url = rest.partition(";")
            self._screen.link_url = url or None
        elif command == "52":
            selection, _, encoded = rest.partition(";")
            if encoded == "?" or not encoded:
                return  # a query of our clipboard: never answered
            try:
                decoded = base64.b64decode(encoded, validate=False)
            except (binascii.Error, ValueError):
                return
            self._events.append(
                ClipboardRequest(selection or "c", decoded.decode("utf-8", errors="replace"))
            )
        elif command in ("0", "2"):
            self.title = rest
        # Everything else (1 icon name, 10/11/12 colour queries, 7501, 133 prompts...) is
        # dropped: pyte would misread most of them.

    def _push_scrollback(self, row: StaticDefaultDict[int, Char] | None, columns: int) -> None:
        """Keep a row that scrolled off the top, raw: it is compacted only when read.

        In a flood nobody reads the scrollback and most rows are dropped again by the limit, so
        compacting each one as it scrolls is wasted work. Keeping the row object is safe: pyte
        drops it from the buffer when it scrolls and nothing writes to it afterwards. Raw rows
        cost several times their compact form, so at most `_PENDING_CELLS` cells wait; past
        that, new rows are compacted as they come. The oldest raw ones stay raw, to be dropped
        by the limit without ever being compacted: compacting the oldest instead would only
        move the work, since in a long flood every row would then be compacted before it goes.
        """
        self.scrolled_total += 1
        scrollback = self._scrollback
        if not scrollback.maxlen:
            return
        if len(scrollback) == scrollback.maxlen:
            oldest = scrollback[0]  # about to be dropped by the append below
            if not isinstance(oldest, ScrollbackRow):
                self._pending_cells -= _weight(oldest)
        if not row:
            scrollback.append(_EMPTY_ROW)
            return
        if columns != self._pending_columns:
            # Compaction clips a row at the width it had (pyte may leave a cell past the edge).
            self._compact_pending()
            self._pending_columns = columns
        size = _weight(row)
        if self._pending_cells + size > self._pending_limit:
            scrollback.append(_compact(row, columns))
        else:
            self._pending_cells += size
            scrollback.append(row)

    def _kept(self, index: int) -> ScrollbackRow:
        """Scrollback row `index`, compacted now if it was still raw (and kept compacted)."""
        entry = self._scrollback[index]
        if isinstance(entry, ScrollbackRow):
            return entry
        row = _compact(entry, self._pending_columns)
        # Assignment in place, not insert/remove: iterators over the deque stay valid.
        self._scrollback[index] = row
        self._pending_cells -= _weight(entry)
        return row

    def _compact_pending(self) -> None:
        """Compact every raw row in the scrollback, in place."""
        left = self._pending_cells
        if not left:
            return
        scrollback = self._scrollback
        columns = self._pending_columns
        for index, entry in enumerate(list(scrollback)):
            if not isinstance(entry, ScrollbackRow):
                scrollback[index] = _compact(entry, columns)
                left -= _weight(entry)
                if not left:
                    break  # the rest is compact: raw rows never change, nor does their weight
        self._pending_cells = 0

    def _compacted(self) -> deque[ScrollbackRow]:
        """The whole scrollback, every row compact."""
        self._compact_pending()
        return cast(deque[ScrollbackRow], self._scrollback)

    def _add_link_cells(self, url: str, row: int, start: int, end: int) -> None:
        links = self._links
        if links:
            last = links[-1]
            if last.url == url and last.row == row and last.end == start:
                links[-1] = Hyperlink(url, row, last.start, end)
                return
        links.append(Hyperlink(url, row, start, end))

    def _reply(self, data: bytes) -> None:
        if self.respond is not None:
            self.respond(data)
        else:
            self._replies.append(data)

    def take_replies(self) -> list[bytes]:
        """Answers to the program's queries, when no `respond` callback was given."""
        replies, self._replies = self._replies, []
        return replies

    def take_events(self) -> list[TerminalEvent]:
        """Requests the model does not act on itself (OSC 52 clipboard), oldest first."""
        events, self._events = self._events, []
        return events

    def take_dirty(self) -> set[int]:
        """Screen rows changed since the last call (all of them after a resize or a switch)."""
        dirty, self._view_dirty = self._view_dirty, set()
        return dirty

    # ----------------------------------------------------------------------------- size

    @property
    def columns(self) -> int:
        return int(self._screen.columns)

    @property
    def lines(self) -> int:
        return int(self._screen.lines)

    def resize(self, columns: int, lines: int) -> None:
        """Resize the screen; shrinking the height keeps the cursor row visible."""
        screen = self._screen
        screen.resize_to(columns, lines)
        self._line_cache.clear()
        self._view_dirty = set(range(screen.lines))
        self._text_dirty = set(range(screen.lines))
        screen.dirty.clear()

    # ----------------------------------------------------------------------------- modes

    def _mode(self, mode: int) -> bool:
        return mode in self._screen.mode

    @property
    def bracketed_paste(self) -> bool:
        return self._mode(_MODE_BRACKETED_PASTE)

    @property
    def app_cursor(self) -> bool:
        return self._mode(_MODE_APP_CURSOR)

    @property
    def mouse_tracking(self) -> int | None:
        """The mouse reporting mode on (1003 any motion, 1002 drag, 1000 clicks, 9 X10)."""
        for number, mode in (
            (1003, _MODE_MOUSE_ANY),
            (1002, _MODE_MOUSE_BUTTON),
            (1000, _MODE_MOUSE_NORMAL),
            (9, _MODE_MOUSE_X10),
        ):
            if mode in self._screen.mode:
                return number
        return None

    @property
    def mouse_sgr(self) -> bool:
        return self._mode(_MODE_MOUSE_SGR)

    @property
    def focus_events(self) -> bool:
        return self._mode(_MODE_FOCUS)

    @property
    def cursor_visible(self) -> bool:
        return self._mode(pyte_modes.DECTCEM)

    @property
    def alternate_screen(self) -> bool:
        return self._screen.alternate

    # ----------------------------------------------------------------------------- reading

    @property
    def cursor(self) -> tuple[int, int]:
        """(x, y) on the visible screen; x stays on the screen while a wrap is pending."""
        screen = self._screen
        return min(screen.cursor.x, screen.columns - 1), screen.cursor.y

    @property
    def links(self) -> tuple[Hyperlink, ...]:
        """OSC 8 hyperlinks in drawing order (newest last); rows are absolute."""
        return tuple(self._links)

    def link_at(self, x: int, y: int) -> Hyperlink | None:
        """The newest hyperlink drawn over screen cell (x, y), if any."""
        row = self.scrolled_total + y
        for link in reversed(self._links):
            if link.row == row and link.start <= x < link.end:
                return link
        return None

    @property
    def scrollback_len(self) -> int:
        return len(self._scrollback)

    def line_text(self, y: int) -> str:
        """Plain text of screen row y, trailing blanks removed."""
        if self._text_dirty:
            for dirty in self._text_dirty:
                self._line_cache.pop(dirty, None)
            self._text_dirty.clear()
        text = self._line_cache.get(y)
        if text is None:
            row = self._screen.buffer.get(y)
            text = _visible_text([row[x] for x in range(self._screen.columns)]) if row else ""
            self._line_cache[y] = text
        return text

    def screen_lines(self) -> list[str]:
        return [self.line_text(y) for y in range(self._screen.lines)]

    def text(self) -> str:
        """Scrollback and screen as plain text, one rstripped line per row."""
        return "\n".join(self._all_lines())

    def _all_lines(self) -> list[str]:
        lines = [row.plain for row in self._compacted()]
        lines.extend(self.screen_lines())
        return lines

    def snapshot(self) -> ScreenText:
        """What the pane shows now, as plain data for the parsers and the flow."""
        lines = self._all_lines()
        return ScreenText(
            lines=tuple(lines),
            screen_start=len(self._scrollback),
            columns=self._screen.columns,
            links=tuple(self._links),
            fed=self.fed,
            row_offset=self.scrolled_total - len(self._scrollback),
            cursor=self.cursor,
        )

    # ----------------------------------------------------------------------------- cells

    def screen_cells(self, y: int) -> list[Cell]:
        """The `columns` cells of screen row y (wide characters: the second cell is "")."""
        screen = self._screen
        row = screen.buffer.get(y)
        if not row:
            return [screen.default_char] * screen.columns
        return cast(list[Cell], [row[x] for x in range(screen.columns)])

    def scrollback_cells(self, index: int) -> list[Cell]:
        """The cells of scrollback row `index` (0 is the oldest kept), padded with blanks."""
        row = self._kept(index)
        cells: list[Cell] = []
        position = 0
        text = row.cells
        maps = self._screen._cells_for
        for count, attrs in row.runs:
            # A run's attributes cell holds some character: key the cache on a blank one.
            cell_map = maps(attrs if attrs.data == " " else attrs._replace(data=" "))
            cells.extend(map(cell_map.__getitem__, text[position : position + count]))
            position += count
        columns = self._screen.columns
        if len(cells) < columns:
            cells.extend([BLANK] * (columns - len(cells)))
        return cells

    def row_wrapped(self, y: int) -> bool:
        """Whether screen row y ran on into row y + 1 by autowrap (not by a newline)."""
        return bool(getattr(self._screen.buffer.get(y), "wrapped", False))

    def scrollback_wrapped(self, index: int) -> bool:
        """Whether scrollback row `index` ran on into the row after it by autowrap."""
        return self._kept(index).wrapped

    def scrollback_text(self, index: int) -> str:
        return self._kept(index).plain

    def scrollback_rows(self) -> Iterable[ScrollbackRow]:
        return iter(self._compacted())


_OPENERS = ("\x1b]", "\x1bP", "\x1b_", "\x1b^", "\x1bX")


def display_error(error: BaseException, what: str) -> DisplayError:
    """Log `error`, which made `what` fail on a program's output, and describe it as a
    `DisplayError`. Only the exception's type and the places in the code (file, line,
    function) are used: its message and the frames' variables may hold the screen's text."""
    frames = traceback.extract_tb(error.__traceback__)
    where = " < ".join(
        f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} {frame.name}"
        for frame in reversed(frames[-4:])
    )
    kind = type(error).__name__
    _log.error("display error in %s: %s at %s", what, kind, where or "?")
    place = f" at {where.split(' < ', 1)[0]}" if where else ""
    return DisplayError(f"display error: {what} failed on the program's output ({kind}{place})")


_ARITIES: dict[object, int | None] = {}


def _arity(handler: Callable[..., None]) -> int | None:
    """How many positional parameters `handler` takes; None when there is no limit."""
    function = getattr(handler, "__func__", handler)
    if function not in _ARITIES:
        _ARITIES[function] = _count_positional(handler)
    return _ARITIES[function]


def _count_positional(handler: Callable[..., None]) -> int | None:
    count = 0
    for parameter in inspect.signature(handler).parameters.values():
        if parameter.kind == parameter.VAR_POSITIONAL:
            return None
        if parameter.name == "private":
            break  # passed by keyword, for `?` forms
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            count += 1
    return count


def _parameter(text: str) -> int:
    """A numeric parameter as pyte takes it: empty is 0, anything above 9999 is 9999.

    Never `int()` on the whole text: past 4,300 digits it raises, and below it costs time
    quadratic in the digits. Raises ValueError for anything but ASCII digits, as int() does.
    """
    digits = text.lstrip("0")
    if len(digits) > 4:
        if not (digits.isascii() and digits.isdigit()):
            raise ValueError("not a number")
        return 9999
    return int(digits) if digits else 0


def _colon_sgr_to_semicolons(params: str) -> list[int] | None:
    """`38:2::255:0:0;4:3` → [38, 2, 255, 0, 0, 4]: what pyte understands of ITU T.416 SGR."""
    result: list[int] = []
    for group in params.split(";"):
        if ":" not in group:
            result.append(_parameter(group) if group.isdigit() else 0)
            continue
        parts = group.split(":")
        head = _parameter(parts[0]) if parts[0].isdigit() else 0
        numbers = [_parameter(part) if part.isdigit() else 0 for part in parts[1:]]
        if head in (38, 48) and numbers:
            if numbers[0] == 5 and len(numbers) >= 2:
                result.extend([head, 5, numbers[1]])
            elif numbers[0] == 2 and len(numbers) >= 4:
                result.extend([head, 2, *numbers[-3:]])
        elif head == 4:
            result.append(24 if numbers and numbers[0] == 0 else 4)
        elif head != 58:
            result.append(head)
    return result or None
