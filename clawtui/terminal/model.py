"""The screen behind every pane: bytes from a remote program in, what a person would see out.

pyte 0.8.2 does the VT100/xterm emulation, but on the streams clawtui meets it goes wrong in
ways an operator would notice: it draws a literal `u` for the kitty keyboard query, underlines
everything after xterm's `CSI > 4 m`, drops OSC 8 hyperlink targets (the sign-in URL of
`claude setup-token` 2.1.332 lives in one), has no scrollback, no alternate screen, ignores
concealed text (SGR 8) and stops drawing at a zero-width joiner. `TerminalModel` wraps a pyte
screen and fixes these without copying pyte's code (pyte is LGPL), in three parts: the
pre-filter (`escapes`: one regex scan over the decoded text takes out what pyte must not see,
hands complete CSI sequences straight to the screen's handlers), the screen (`screen`: a
`pyte.Screen` subclass that overrides the handlers that need more) and the scrollback
(`scrollback`: rows that scrolled off, kept compactly). This module ties them together.

It also answers the queries programs send (DA1, DSR), keeps hyperlink targets with the cells
they cover, and exposes cells with their attributes so the terminal widget can paint them.
The model never decides what the text means and never imports Textual: the widget paints it,
and the onboarding flow reads `snapshot()`.
"""

from __future__ import annotations

import logging
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from typing import cast

from pyte import modes as pyte_modes

from clawtui.errors import DisplayError
from clawtui.fastscreen import Row, StyleKey, cell_of, style_key
from clawtui.snapshot import Hyperlink, ScreenText

from .cells import BLANK_KEY, Cell, visible_text
from .escapes import EscapeFilter, TerminalEvent
from .screen import PaneScreen
from .scrollback import Scrollback, ScrollbackRow

__all__ = ["DISPLAY_ERROR_TEXT", "TerminalModel", "display_error"]

#: What a pane shows once its model failed on the program's output.
DISPLAY_ERROR_TEXT = "[display error: clawtui stopped showing this program's output]"

# Private modes, shifted the way pyte stores them in `Screen.mode`.
_MODE_APP_CURSOR = 1 << 5
_MODE_MOUSE_X10 = 9 << 5
_MODE_MOUSE_NORMAL = 1000 << 5
_MODE_MOUSE_BUTTON = 1002 << 5
_MODE_MOUSE_ANY = 1003 << 5
_MODE_FOCUS = 1004 << 5
_MODE_MOUSE_SGR = 1006 << 5
_MODE_BRACKETED_PASTE = 2004 << 5
_LINK_LIMIT = 1000
# The logger keeps the name it had before terminal.py became a package.
_log = logging.getLogger("clawtui.terminal")


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
        self._scrollback = Scrollback(scrollback, columns)
        self._links: deque[Hyperlink] = deque(maxlen=_LINK_LIMIT)
        self._events: list[TerminalEvent] = []
        self._replies: list[bytes] = []
        #: Set when the model failed on the program's output (see `feed`); it takes no more.
        self.error: DisplayError | None = None
        self._screen = PaneScreen(self, max(1, columns), max(1, lines))
        self._filter = self._new_filter()
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
        self._scrollback.clear()
        self._links.clear()
        self._screen = PaneScreen(self, columns, lines)
        self._filter = self._new_filter()
        self._screen.draw(DISPLAY_ERROR_TEXT[:columns])
        self._screen.dirty.clear()
        self._line_cache.clear()
        self._view_dirty = set(range(lines))
        self._text_dirty = set(range(lines))

    def _new_filter(self) -> EscapeFilter:
        return EscapeFilter(self._screen, on_title=self._set_title, on_event=self._add_event)

    def _set_title(self, title: str) -> None:
        self.title = title

    def _add_event(self, event: TerminalEvent) -> None:
        self._events.append(event)  # a method: `take_events` replaces the list

    def _feed(self, data: bytes) -> None:
        self.fed += len(data)
        self._filter.feed(data)
        dirty = self._screen.dirty
        if dirty:
            self._view_dirty |= dirty
            self._text_dirty |= dirty
            dirty.clear()

    # ----------------------------------------------------------------------------- ScreenHost

    def push_scrollback(self, row: Row | None, columns: int) -> None:
        """Keep a row that scrolled off the top of the main screen (called by its screen)."""
        self.scrolled_total += 1
        self._scrollback.push(row, columns)

    def add_link_cells(self, url: str, row: int, start: int, end: int) -> None:
        """Cells `start` to `end` of absolute row `row` show hyperlink `url` (called by its
        screen)."""
        links = self._links
        if links:
            last = links[-1]
            if last.url == url and last.row == row and last.end == start:
                links[-1] = Hyperlink(url, row, last.start, end)
                return
        links.append(Hyperlink(url, row, start, end))

    def reply(self, data: bytes) -> None:
        """An answer to the program's query (called by its screen)."""
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
            text = visible_text(row.cell_data(), row.resolved_styles()) if row else ""
            self._line_cache[y] = text
        return text

    def screen_lines(self) -> list[str]:
        return [self.line_text(y) for y in range(self._screen.lines)]

    def text(self) -> str:
        """Scrollback and screen as plain text, one rstripped line per row."""
        return "\n".join(self._all_lines())

    def _all_lines(self) -> list[str]:
        lines = [row.plain for row in self._scrollback.rows()]
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

    def screen_row(self, y: int) -> tuple[list[str], list[StyleKey]]:
        """Screen row y as two lists as wide as the screen: each cell's character (wide
        characters: the second cell is "") and its style key (see clawtui/fastscreen.py). The
        lists are the caller's: the screen goes on changing, they do not."""
        screen = self._screen
        row = screen.buffer.get(y)
        if row is None:
            return [screen.default_char.data] * screen.columns, [
                style_key(screen.default_char)
            ] * screen.columns
        return row.cell_data(), row.resolved_styles()

    def screen_cells(self, y: int) -> list[Cell]:
        """The `columns` cells of screen row y (wide characters: the second cell is "")."""
        chars, styles = self.screen_row(y)
        return _as_cells(chars, styles)

    def scrollback_row(self, index: int) -> tuple[list[str], list[StyleKey]]:
        """Scrollback row `index` (0 is the oldest kept) as `screen_row` gives a screen row,
        padded with blanks to the screen's width."""
        row = self._scrollback.row(index)
        chars = list(row.cells)
        styles: list[StyleKey] = []
        for count, key in row.runs:
            styles.extend([key] * count)
        missing = self._screen.columns - len(chars)
        if missing > 0:
            chars.extend([" "] * missing)
            styles.extend([BLANK_KEY] * missing)
        return chars, styles

    def scrollback_cells(self, index: int) -> list[Cell]:
        """The cells of scrollback row `index` (0 is the oldest kept), padded with blanks."""
        chars, styles = self.scrollback_row(index)
        return _as_cells(chars, styles)

    def row_wrapped(self, y: int) -> bool:
        """Whether screen row y ran on into row y + 1 by autowrap (not by a newline)."""
        row = self._screen.buffer.get(y)
        return row is not None and row.wrapped

    def scrollback_wrapped(self, index: int) -> bool:
        """Whether scrollback row `index` ran on into the row after it by autowrap."""
        return self._scrollback.row(index).wrapped

    def scrollback_text(self, index: int) -> str:
        return self._scrollback.row(index).plain

    def scrollback_rows(self) -> Iterable[ScrollbackRow]:
        return iter(self._scrollback.rows())


def _as_cells(chars: list[str], styles: list[StyleKey]) -> list[Cell]:
    return [cast(Cell, cell_of(Cell, char, key)) for char, key in zip(chars, styles, strict=True)]


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
