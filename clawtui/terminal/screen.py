"""The pyte screen of a pane: scrollback, the alternate screen, conceal, link tracking, replies.

`PaneScreen` sits on `FastScreen` (pyte's own screen, faster on plain text) and overrides the
handlers that need more than pyte does. What it cannot keep itself (rows that scroll off, the
cells a hyperlink covers, answers to the program's queries) it hands to its `ScreenHost`.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from typing import Any, Protocol, cast

import pyte
from pyte import modes as pyte_modes
from pyte.screens import Char, Cursor

from clawtui.fastscreen import FastScreen, Row, RowBuffer

from .cells import BLANK, BLANK_REVERSE, Cell

__all__ = ["PaneScreen", "ScreenHost"]

_ALT_SCREEN_MODES = (47, 1047, 1049)
# xterm ignores DECCOLM unless allowColumnMode is set; pyte would resize itself to 132 columns,
# which the program's PTY would not agree with.
_IGNORED_PRIVATE_MODES = (3,)
# Combining marks kept on one cell. pyte normalises the whole cell for each mark it adds, so an
# unbounded pile on one cell costs quadratic time; xterm keeps at most 10 of them.
_MAX_COMBINING = 16
# Characters pyte's draw() gives up on (it stops drawing the rest of the text at the first
# one): C0/C1 controls that reach draw(), zero-width format characters, variation selectors.
_UNDRAWABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufe00-\ufe0f\ufeff"
    "\U000e0000-\U000e007f\U000e0100-\U000e01ef]"
)
_SGR_CACHE_LIMIT = 4096


class ScreenHost(Protocol):
    """What a `PaneScreen` hands on: its owner (the `TerminalModel`) implements it."""

    @property
    def scrolled_total(self) -> int:
        """Rows ever pushed into the scrollback: the absolute row of screen row 0."""
        ...

    def push_scrollback(self, row: Row | None, columns: int) -> None:
        """Keep a row that scrolled off the top of the main screen, `columns` wide."""
        ...

    def add_link_cells(self, url: str, row: int, start: int, end: int) -> None:
        """Cells `start` to `end` (exclusive) of absolute row `row` show hyperlink `url`."""
        ...

    def reply(self, data: bytes) -> None:
        """Send `data` to the program: a terminal's answer to its query."""
        ...


def _mark_wrapped(row: Row | None, wrapped: bool) -> None:
    if row is not None:
        row.wrapped = wrapped


class PaneScreen(FastScreen):
    """A pyte screen with scrollback, the alternate screen, conceal, link tracking, replies and
    a faster path for plain ASCII text. Owned by one `ScreenHost`."""

    def __init__(self, host: ScreenHost, columns: int, lines: int) -> None:
        # pyte's __init__ calls reset(), which already needs these.
        self._host = host
        self.alternate = False
        self._main_buffer: RowBuffer | None = None
        self._alt_kept: RowBuffer | None = None  # the ?47 buffer, which survives leaving
        self._alt_saved_cursor: Cursor | None = None
        self._sgr_cache: dict[tuple[Char, tuple[int, ...], bool], Char] = {}
        self.last_char = " "
        self.link_url: str | None = None
        self._drawing = False  # inside pyte's draw(), where a linefeed means an autowrap
        super().__init__(columns, lines)

    # ----------------------------------------------------------------------------- cells

    @property
    def default_char(self) -> Cell:  # type: ignore[override]
        return BLANK_REVERSE if pyte_modes.DECSCNM in self.mode else BLANK

    def reset(self) -> None:
        if self.alternate and self._main_buffer is not None:
            self.buffer = self._main_buffer
        self.alternate = False
        self._main_buffer = None
        self._alt_kept = None
        self._alt_saved_cursor = None
        super().reset()
        self.cursor.attrs = cast(Char, self.default_char)

    # ----------------------------------------------------------------------------- drawing

    def draw(self, data: str) -> None:
        if self.link_url is not None:
            self._draw_linked(data)
        elif data:
            self._draw_text(data)

    def _draw_text(self, data: str) -> None:
        if self.fast and self.draws_fast(data):
            self.draw_ascii(data)
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
        self.last_char = data[-1]

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
            _mark_wrapped(self.buffer.get(self.cursor.y), True)
        super().linefeed()

    def can_draw_styled(self) -> bool:
        # Text inside an OSC 8 link goes through `_draw_linked`, which records its cells.
        return self.link_url is None and super().can_draw_styled()

    def autowrapped(self, row: Row | None) -> None:
        # FastScreen's ASCII path wraps a row: it ran on into the next one.
        _mark_wrapped(row, True)

    def _draw_linked(self, data: str) -> None:
        """Draw text inside an OSC 8 hyperlink, recording the cells it lands on."""
        url = self.link_url
        assert url is not None
        host = self._host
        for char in _UNDRAWABLE.sub("", data):
            before_x = self.cursor.x
            if before_x >= self.columns:
                before_x = 0 if pyte_modes.DECAWM in self.mode else self.columns - 1
            self._draw_text(char)
            width = 1 if char.isascii() else pyte.screens.wcwidth(char)
            if width > 0:
                row = host.scrolled_total + self.cursor.y
                host.add_link_cells(url, row, before_x, min(before_x + width, self.columns))

    def repeat_last(self, count: int | None = None, *_: Any, **__: Any) -> None:
        """REP: draw the last drawn character again (ncurses uses it with xterm terminfo, for
        runs within a line). At most a row's worth: 8 bytes must not fill a whole screen."""
        self.draw(self.last_char * min(count or 1, self.columns))

    # ----------------------------------------------------------------------------- attributes

    def select_graphic_rendition(self, *attrs: int, **kwargs: Any) -> None:
        # Programs repeat the same few SGR changes: remember (before, parameters) → after.
        key = (self.cursor.attrs, attrs, pyte_modes.DECSCNM in self.mode)
        after = self._sgr_cache.get(key)
        if after is not None:
            self.cursor.attrs = after
            return
        self._apply_sgr(attrs)
        if len(self._sgr_cache) >= _SGR_CACHE_LIMIT:
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
            self._host.push_scrollback(self.buffer.get(0), self.columns)
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
                self.buffer = self.new_buffer()
                self.dirty.update(range(self.lines))
            return
        self._main_buffer = self.buffer
        if mode == 47 and self._alt_kept is not None:
            self.buffer = self._alt_kept
        else:
            self.buffer = self.new_buffer()
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
            self._host.reply(b"\x1b[?62;22c")  # VT220 with ANSI colour, like xterm's level

    def report_device_status(self, mode: int = 0, **kwargs: Any) -> None:
        if mode == 5:
            self._host.reply(b"\x1b[0n")
        elif mode == 6:
            column = min(self.cursor.x, self.columns - 1) + 1
            line = self.cursor.y + 1
            if pyte_modes.DECOM in self.mode and self.margins is not None:
                line -= self.margins.top
            question = "?" if kwargs.get("private") else ""
            self._host.reply(f"\x1b[{question}{line};{column}R".encode())

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
        self, buffer: RowBuffer, cursor_y: int, lines: int, columns: int, keep: bool
    ) -> tuple[RowBuffer, int]:
        shift = max(0, cursor_y - (lines - 1))
        if keep:
            for y in range(shift):
                self._host.push_scrollback(buffer.get(y), self.columns)
        reshaped = self.new_buffer()
        for y, row in buffer.items():
            if shift <= y < shift + lines:
                row.set_width(columns)
                reshaped[y - shift] = row
        return reshaped, shift
