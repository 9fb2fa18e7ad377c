"""A live terminal pane: paints a `TerminalModel` and turns keys, pastes and mouse into bytes.

The widget owns no connection. Its owner feeds it the program's output (`feed`/`feed_async`)
and sends on whatever the widget posts as `TerminalView.Typed`. Painting goes through Textual's
Line API: only rows the model marked dirty are rebuilt, refreshes are coalesced to at most
`MAX_FPS` a second (`FLOOD_FPS` while a whole screen scrolls between frames) by one pending
timer, and an idle pane runs no timer at all (no blinking cursor), so ten idle panes cost
nothing.

Secrets are masked when painting (`mask_secrets`, on by default): the model keeps the real text
for the onboarding flow, the screen and any screenshot show `sk-ant-oat01-•••…AbCd`.

While the pane has focus every key goes to the program, Ctrl+C, Tab and the app's own shortcuts
included, except `RELEASE_KEY` (Ctrl+]), which hands focus back to the app.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterable, Sequence
from itertools import compress, pairwise
from operator import is_not
from time import monotonic
from typing import ClassVar

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from clawtui.keys import MouseButton, encode_key, encode_mouse, encode_paste
from clawtui.redact import BULLET, find_secret_spans
from clawtui.terminal import ClipboardRequest, StyleKey, TerminalModel
from clawtui.tui.heap import freeze_long_lived

__all__ = ["TerminalView"]

# pyte's colour names; "brown" is its name for yellow, and it spells one bright background
# "bfightmagenta".
_ANSI_NUMBERS = {
    "black": 0,
    "red": 1,
    "green": 2,
    "brown": 3,
    "yellow": 3,
    "blue": 4,
    "magenta": 5,
    "cyan": 6,
    "white": 7,
}
# A row as the model gives it: each cell's character(s) and style key.
_Cells = tuple[list[str], list[StyleKey]]
# Style keys are `Cell` fields without the character: where reverse and conceal sit in them.
_REVERSE = 6
_CONCEAL = 8
# Rows of context above and below the visible ones when looking for a wrapped token, so that
# a token starting above the view (or ending below it) is still recognised and masked: enough
# rows for this many characters at the pane's width (tokens seen so far: 79 to 108).
_MASK_CONTEXT_CHARS = 256

# A view row: ("s", screen row, version) or ("b", absolute scrollback row, 0) or None (blank),
# then the masked column spans and the cursor column (or -1).
_RowKey = tuple[str, int, int] | None
_RowState = tuple[_RowKey, tuple[tuple[int, int], ...], int]


def _feed_without_gc(model: TerminalModel, data: bytes) -> None:
    """Feed `data` with Python's cyclic garbage collector paused.

    A coloured flood makes cells, attributes and scrollback rows that live for a while, and
    each 700 of them start a collection that walks every young object, and every few of those
    one that walks the whole heap (Textual's widgets included): 30-40% of a flood's CPU time
    in the model. Feeding makes no reference cycles, so collecting once after the slice (at
    the next allocation) loses nothing; a slice is at most `FEED_SLICE` bytes.
    """
    if not gc.isenabled():
        model.feed(data)
        return
    gc.disable()
    try:
        model.feed(data)
    finally:
        gc.enable()


class _Strip(Strip):
    """A `Strip` that never keeps itself in its own caches.

    Textual's `Strip` caches what `divide`, `crop_extend` and `adjust_cell_length` return, and
    when that is the strip itself (a whole-width row: every row of a pane) the strip and its
    cache form a reference cycle, which only Python's cyclic garbage collector can free. A
    flooded pane throws away 40 rows 60 times a second: some 30,000 objects a second of cyclic
    garbage, collections of them every few frames, each a pause of the event loop. These
    results are cheap to give again: they are not cached when they are the strip itself.
    """

    def divide(self, cuts: Iterable[int]) -> Sequence[Strip]:
        cuts = list(cuts)
        if [cut for cut in cuts if cut <= self.cell_length] == [self.cell_length]:
            return [self]
        return super().divide(cuts)

    def crop_extend(self, start: int, end: int, style: Style | None) -> Strip:
        if start == 0 and end == self.cell_length:
            return self
        return super().crop_extend(start, end, style)

    def adjust_cell_length(self, cell_length: int, style: Style | None = None) -> Strip:
        if cell_length == self.cell_length:
            return self
        return super().adjust_cell_length(cell_length, style)


def _colour(name: str) -> Color | None:
    if name == "default":
        return None
    number = _ANSI_NUMBERS.get(name)
    if number is not None:
        return Color.from_ansi(number)
    if name.startswith(("bright", "bfight")):
        number = _ANSI_NUMBERS.get(name[6:])
        if number is not None:
            return Color.from_ansi(number + 8)
    if len(name) == 6:
        try:
            return Color.from_rgb(int(name[0:2], 16), int(name[2:4], 16), int(name[4:6], 16))
        except ValueError:
            return None
    return None


class TerminalView(Widget, can_focus=True):
    """A terminal pane showing a `TerminalModel`."""

    DEFAULT_CSS = """
    TerminalView {
        width: 1fr;
        height: 1fr;
        background: $surface;
        color: $foreground;
    }
    """

    #: Hands focus back to the app (Textual's name for Ctrl+]; telnet's escape key).
    RELEASE_KEY: ClassVar[str] = "ctrl+right_square_bracket"
    #: Keys that scroll the view through the scrollback instead of going to the program.
    SCROLLBACK_KEYS: ClassVar[dict[str, int]] = {"shift+pageup": -1, "shift+pagedown": 1}
    #: No text selection: the pane's text is the program's, and a selection could copy a token.
    ALLOW_SELECT: ClassVar[bool] = False
    MAX_FPS: ClassVar[int] = 60
    #: Frames a second while the pane floods (a whole screen scrolled since the last frame):
    #: nobody reads that fast, and each frame repaints every row.
    FLOOD_FPS: ClassVar[int] = 30
    FEED_SLICE: ClassVar[int] = 8 * 1024
    #: After input, for this long, feeding pauses `INPUT_PAUSE` after each slice (see feed_async).
    INPUT_GRACE: ClassVar[float] = 1.0
    INPUT_PAUSE: ClassVar[float] = 0.004
    WHEEL_LINES: ClassVar[int] = 3
    #: Rich styles kept for the attributes painted, at most.
    STYLE_CACHE: ClassVar[int] = 4096

    #: Shown in the footer while the pane has focus (the key itself is handled in `_on_key`).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+right_square_bracket", "release_keyboard", "Release keyboard", id="pane.release"
        ),
    ]

    #: Paint tokens masked. The app decides when an operator may reveal them.
    mask_secrets: reactive[bool] = reactive(True)

    class _Message(Message):
        """Base of the pane's messages: `terminal`/`control` is the pane that posted it."""

        terminal: TerminalView | None = None

        @property
        def control(self) -> TerminalView | None:
            return self.terminal

    class Typed(_Message):
        """Bytes for the program: keys, pastes, mouse reports, answers to its queries."""

        def __init__(self, data: bytes) -> None:
            super().__init__()
            self.data = data

        def __repr__(self) -> str:
            # Pastes may carry a token: never show the bytes in logs.
            return f"TerminalView.Typed(<{len(self.data)} bytes>)"

    class Resized(_Message):
        """The pane's size changed: the owner should resize the program's PTY to match."""

        def __init__(self, columns: int, lines: int) -> None:
            super().__init__()
            self.columns = columns
            self.lines = lines

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, TerminalView.Resized) and message.terminal is self.terminal

    class ClipboardRequest(_Message):
        """The program asked to set the clipboard (OSC 52). Nothing was copied: the app decides."""

        def __init__(self, text: str, selection: str = "c") -> None:
            super().__init__()
            self.text = text
            self.selection = selection

        def __repr__(self) -> str:
            return f"TerminalView.ClipboardRequest(<{len(self.text)} chars>)"

    class Released(_Message):
        """The operator pressed the release key: focus left the pane."""

    def __init__(
        self,
        model: TerminalModel | None = None,
        *,
        scrollback: int = 5000,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's parameter name
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.model = model if model is not None else TerminalModel(scrollback=scrollback)
        self.scrollback_offset = 0  # rows scrolled back into the scrollback; 0 is the live screen
        self.painted_fed = 0  # model.fed as of the last frame painted (for tests and benchmarks)
        self._flush_fed = 0
        self._timer: Timer | None = None
        self._last_flush = 0.0
        self._flooding = False  # a whole screen scrolled between the last two frames
        self._versions: dict[int, int] = {}  # screen row → how often it changed
        self._screen_cells: dict[int, _Cells] = {}
        self._screen_grid: dict[int, str] = {}
        self._back_cells: dict[int, _Cells] = {}
        self._back_grid: dict[int, str] = {}
        self._view: list[_RowState] = []
        self._strips: dict[_RowState, Strip] = {}
        self._styles: dict[tuple[object, ...], Style] = {}
        self._base_style: Style | None = None
        self._seen_scrolled = self.model.scrolled_total

    # ----------------------------------------------------------------------------- output

    def feed(self, data: bytes) -> None:
        """Feed the program's output; the screen is repainted at the next frame.

        Raises `DisplayError` if the model failed on it; the pane then shows "display error"."""
        try:
            _feed_without_gc(self.model, data)
        finally:
            self._after_feed()

    async def feed_async(self, data: bytes) -> None:
        """Feed output in slices, letting the UI run between them.

        A box can print faster than pyte emulates, and a bare `sleep(0)` between slices lets
        only one step of the app's message chain run per slice: a key press then takes seconds
        to reach its handler. So while the operator is using the app (input in the last
        `INPUT_GRACE` seconds) each slice is followed by a short pause in which the rest of
        the app runs freely; with nobody at the keyboard the pane feeds at full speed.
        """
        view = memoryview(data)
        for start in range(0, len(view), self.FEED_SLICE):
            try:
                _feed_without_gc(self.model, bytes(view[start : start + self.FEED_SLICE]))
            finally:
                self._after_feed()  # after a `DisplayError` too: the pane shows it
            last_input = getattr(self.app, "last_input_at", None)
            busy = last_input is not None and monotonic() - last_input < self.INPUT_GRACE
            await asyncio.sleep(self.INPUT_PAUSE if busy else 0)

    def model_fed(self) -> None:
        """The owner fed `self.model` itself (e.g. the onboarding Runner): repaint next frame."""
        self._after_feed()

    def attach(self, model: TerminalModel) -> None:
        """Show another model in this pane (a new program started in it)."""
        self.model = model
        self.scrollback_offset = 0
        self._versions.clear()
        self._screen_cells.clear()
        self._screen_grid.clear()
        self._back_cells.clear()
        self._back_grid.clear()
        self._view = []
        self._strips.clear()
        self._seen_scrolled = model.scrolled_total
        if not self.is_mounted:
            return
        columns, lines = self.size.width, self.size.height
        if columns > 0 and lines > 0:
            if (columns, lines) != (model.columns, model.lines):
                model.resize(columns, lines)
            self._post(self.Resized(columns, lines))
        self._flush()
        self.refresh()

    def _after_feed(self) -> None:
        replies = self.model.take_replies()
        if replies:
            self._post(self.Typed(b"".join(replies)))
        for event in self.model.take_events():
            if isinstance(event, ClipboardRequest):
                self._post(self.ClipboardRequest(event.text, event.selection))
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self._timer is not None or not self.is_mounted:
            return
        fps = self.FLOOD_FPS if self._flooding else self.MAX_FPS
        delay = self._last_flush + 1 / fps - monotonic()
        if delay <= 0:
            self._flush()
        else:
            self._timer = self.set_timer(delay, self._flush, name="terminal-frame")

    def _flush(self) -> None:
        """Take the model's dirty rows and refresh the view rows they affect."""
        self._check_base_style()
        self._timer = None
        self._last_flush = monotonic()
        self._flush_fed = self.model.fed
        model = self.model
        for y in model.take_dirty():
            self._versions[y] = self._versions.get(y, 0) + 1
            self._screen_cells.pop(y, None)
            self._screen_grid.pop(y, None)
        scrolled = model.scrolled_total - self._seen_scrolled
        self._seen_scrolled = model.scrolled_total
        self._flooding = scrolled >= model.lines
        if self.scrollback_offset and scrolled:
            # Keep showing the same lines while new output pushes rows into the scrollback.
            self.scrollback_offset = min(self.scrollback_offset + scrolled, model.scrollback_len)
        self._update_view()

    def _update_view(self, *, full: bool = False) -> None:
        height = self.size.height
        width = self.size.width
        old = self._view
        new = self._compute_view(height)
        self._view = new
        changed = [row for row in range(height) if full or row >= len(old) or old[row] != new[row]]
        if len(self._strips) > 4 * max(height, 1):
            keep = set(new)
            self._strips = {state: strip for state, strip in self._strips.items() if state in keep}
        if not changed:
            self.painted_fed = self._flush_fed  # nothing visible changed: already painted
            return
        if len(changed) > height // 2:
            self.refresh()
        else:
            self.refresh(*(Region(0, row, width, 1) for row in changed))

    def _row_keys(self, first: int, count: int) -> list[_RowKey]:
        """Keys of `count` rows starting at `first`, counted from the oldest scrollback row."""
        model = self.model
        kept = model.scrollback_len
        dropped = model.scrolled_total - kept
        keys: list[_RowKey] = []
        for index in range(first, first + count):
            if index < 0:
                keys.append(None)
            elif index < kept:
                keys.append(("b", dropped + index, 0))
            elif index - kept < model.lines:
                y = index - kept
                keys.append(("s", y, self._versions.get(y, 0)))
            else:
                keys.append(None)
        return keys

    def _compute_view(self, height: int) -> list[_RowState]:
        model = self.model
        top = model.scrollback_len - self.scrollback_offset
        context = _MASK_CONTEXT_CHARS // max(model.columns - 1, 1) + 2
        above = min(context, max(top, 0))
        keys = self._row_keys(top - above, above + height + context)
        spans: dict[int, list[tuple[int, int]]] = {}
        if self.mask_secrets:
            grid = [self._grid(key) for key in keys]
            wrapped = [self._wrapped(key) for key in keys]
            for row, start, end in find_secret_spans(grid, model.columns, wrapped):
                spans.setdefault(row - above, []).append((start, end))
        cursor_row = -1
        cursor_x = -1
        if self.scrollback_offset == 0 and self.has_focus and model.cursor_visible:
            cursor_x, cursor_row = model.cursor
        return [
            (
                keys[above + row],
                tuple(spans.get(row, ())),
                cursor_x if row == cursor_row else -1,
            )
            for row in range(height)
        ]

    # ----------------------------------------------------------------------------- cells

    def _cells(self, key: _RowKey) -> _Cells | None:
        if key is None:
            return None
        kind, number, _version = key
        if kind == "s":
            cells = self._screen_cells.get(number)
            if cells is None:
                cells = self._screen_cells[number] = self.model.screen_row(number)
            return cells
        cells = self._back_cells.get(number)
        if cells is None:
            index = number - (self.model.scrolled_total - self.model.scrollback_len)
            if index < 0:
                return None
            if len(self._back_cells) > 8 * max(self.size.height, 16):
                self._back_cells.clear()
                self._back_grid.clear()
            cells = self._back_cells[number] = self.model.scrollback_row(index)
        return cells

    def _wrapped(self, key: _RowKey) -> bool:
        if key is None:
            return False
        if key[0] == "s":
            return self.model.row_wrapped(key[1])
        index = key[1] - (self.model.scrolled_total - self.model.scrollback_len)
        return index >= 0 and self.model.scrollback_wrapped(index)

    def _grid(self, key: _RowKey) -> str:
        """The row as one character per cell, for finding secrets by column."""
        if key is None:
            return ""
        cache = self._screen_grid if key[0] == "s" else self._back_grid
        text = cache.get(key[1])
        if text is None:
            cells = self._cells(key)
            chars = cells[0] if cells is not None else []
            text = "".join(chars)
            if len(text) != len(chars):  # wide or combined characters: one per cell
                text = "".join([char[:1] or " " for char in chars])
            cache[key[1]] = text
        return text

    # ----------------------------------------------------------------------------- painting

    def render_lines(self, crop: Region) -> list[Strip]:
        # Textual styles each row into a new `Strip`, which its compositor's `divide` turns
        # into a reference cycle (see `_Strip`): hand it rows that cannot form one.
        return [_Strip(strip, strip.cell_length) for strip in super().render_lines(crop)]

    def render_line(self, y: int) -> Strip:
        if self._base_style is None:
            self._check_base_style()
        size = self.size  # computed on each access: once per row is enough
        if len(self._view) != size.height:
            self._view = self._compute_view(size.height)
        if y >= len(self._view):
            return Strip.blank(size.width, self._base_style)
        state = self._view[y]
        strip = self._strips.get(state)
        if strip is None:
            strip = self._strips[state] = self._build_strip(state, size.width)
        self.painted_fed = self._flush_fed
        return strip

    def _check_base_style(self) -> None:
        """Colours for the program's "default" come from CSS: follow theme changes."""
        base = self.rich_style
        if base != self._base_style:
            self._base_style = base
            self._styles.clear()
            self._strips.clear()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base_style = None

    def _build_strip(self, state: _RowState, width: int) -> Strip:
        key, spans, cursor_x = state
        base = self._base_style or Style()
        cells = self._cells(key)
        if not cells or not cells[0]:
            return Strip.blank(width, base)
        chars, styles = cells
        if spans or cursor_x >= 0:
            chars = chars[:]
            styles = styles[:]
            for start, end in spans:
                for x in range(start, min(end, len(chars))):
                    chars[x] = BULLET
                    style = styles[x]
                    if style[_CONCEAL]:
                        styles[x] = (*style[:_CONCEAL], False, *style[_CONCEAL + 1 :])
            if 0 <= cursor_x < len(chars):
                style = styles[cursor_x]
                reverse = not style[_REVERSE]
                styles[cursor_x] = (*style[:_REVERSE], reverse, *style[_REVERSE + 1 :])
        segments = []
        style_for = self._style
        # Where the style changes, found with C-level map/compress, not a loop per cell. Keys
        # are shared objects, so identity finds the changes (an unshared equal key only splits
        # a segment in two).
        count = len(chars)
        starts = [0, *compress(range(1, count), map(is_not, styles[1:], styles)), count]
        for start, end in pairwise(starts):
            attrs = styles[start]
            if attrs[_CONCEAL]:  # concealed: blanks of the same width, background kept
                text = " " * (end - start)
            else:
                text = "".join(chars[start:end])
            segments.append(Segment(text, style_for(attrs)))
        # A row of ASCII is one cell per character: Rich need not measure it again.
        joined = "".join(chars)
        ascii_row = len(joined) == count and joined.isascii()
        strip: Strip = _Strip(segments, count if ascii_row else None)
        if strip.cell_length != width:
            strip = strip.adjust_cell_length(width, base)
        return strip

    def _style(self, attrs: tuple[object, ...]) -> Style:
        style = self._styles.get(attrs)
        if style is None:
            if len(self._styles) >= self.STYLE_CACHE:
                self._styles.clear()  # truecolour output can bring new colours without end
            style = self._styles[attrs] = self._make_style(attrs)
        return style

    def _make_style(self, attrs: tuple[object, ...]) -> Style:
        fg, bg, bold, italics, underscore, strikethrough, reverse, blink, _conceal = attrs
        base = self._base_style or Style()
        foreground = _colour(str(fg)) or base.color
        background = _colour(str(bg)) or base.bgcolor
        swap = False
        if reverse:
            if foreground is not None and background is not None:
                foreground, background = background, foreground
            else:
                swap = True  # no colours to swap: let the terminal reverse them
        return Style(
            color=foreground,
            bgcolor=background,
            bold=bool(bold),
            italic=bool(italics),
            underline=bool(underscore),
            strike=bool(strikethrough),
            blink=bool(blink),
            reverse=swap or None,
        )

    def watch_mask_secrets(self, _mask: bool) -> None:
        if self.is_mounted:
            self._strips.clear()
            self._update_view(full=True)

    # ----------------------------------------------------------------------------- size

    def on_mount(self) -> None:
        freeze_long_lived()  # see clawtui/tui/heap.py
        self._flush()

    def on_resize(self, event: events.Resize) -> None:
        columns, lines = self.size.width, self.size.height
        if columns <= 0 or lines <= 0:
            return
        if (columns, lines) != (self.model.columns, self.model.lines):
            self.model.resize(columns, lines)
        self._post(self.Resized(columns, lines))
        self._strips.clear()
        self._back_cells.clear()  # scrollback rows are padded to the width
        self._back_grid.clear()
        self._flush()

    # ----------------------------------------------------------------------------- input

    def check_consume_key(self, key: str, character: str | None) -> bool:
        """Everything the program can receive is the program's, app shortcuts included."""
        if key == self.RELEASE_KEY or key in self.SCROLLBACK_KEYS:
            return key in self.SCROLLBACK_KEYS
        return encode_key(key, character) is not None

    def send(self, data: bytes) -> None:
        """Post bytes for the program (as if typed)."""
        if data:
            self._post(self.Typed(data))

    def _post(self, message: TerminalView._Message) -> None:
        message.terminal = self
        self.post_message(message)

    async def _on_key(self, event: events.Key) -> None:
        # Runs before Widget._on_key, whose key_* dispatch and the bindings that would follow
        # (Tab focus switching, Ctrl+C copy, ...) must not see keys meant for the program.
        if event.key == self.RELEASE_KEY:
            event.stop()
            event.prevent_default()
            self.release()
            return
        direction = self.SCROLLBACK_KEYS.get(event.key)
        if direction is not None:
            event.stop()
            event.prevent_default()
            self.scroll_scrollback(direction * max(1, self.size.height - 1))
            return
        data = encode_key(event.key, event.character, app_cursor=self.model.app_cursor)
        if data is None:
            return  # no encoding: let the app's bindings have it
        event.stop()
        event.prevent_default()
        self._return_to_live()
        self.send(data)

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        self._return_to_live()
        self.send(encode_paste(event.text, bracketed=self.model.bracketed_paste))

    def action_release_keyboard(self) -> None:
        self.release()

    def release(self) -> None:
        """Give focus back to the app: to the next focusable widget, else to nothing."""
        screen = self.screen
        target = screen.focus_next()
        if target is None or target is self:
            screen.set_focus(None)
        self._post(self.Released())

    def on_focus(self, _event: events.Focus) -> None:
        if self.model.focus_events:
            self.send(b"\x1b[I")

    def on_blur(self, _event: events.Blur) -> None:
        if self.model.focus_events:
            self.send(b"\x1b[O")

    def watch_has_focus(self, has_focus: bool) -> None:
        super().watch_has_focus(has_focus)
        if self.is_mounted:
            self._update_view()  # the cursor is drawn only while the pane has focus

    # ----------------------------------------------------------------------------- scrollback

    def scroll_scrollback(self, lines: int) -> None:
        """Move the view `lines` rows (negative: back into the scrollback)."""
        offset = min(max(self.scrollback_offset - lines, 0), self.model.scrollback_len)
        if offset != self.scrollback_offset:
            self.scrollback_offset = offset
            self._update_view()

    def _return_to_live(self) -> None:
        if self.scrollback_offset:
            self.scrollback_offset = 0
            self._update_view()

    # ----------------------------------------------------------------------------- mouse

    def _mouse_report(
        self, event: events.MouseEvent, button: int, *, release: bool = False, motion: bool = False
    ) -> bool:
        """Send a mouse report if the program asked for them (then True: the event is theirs)."""
        if self.model.mouse_tracking is None:
            return False
        offset = event.get_content_offset(self)
        if offset is None:
            return True  # on the border: the program wants the mouse, there is nothing to send
        data = encode_mouse(
            button,
            offset.x,
            offset.y,
            release=release,
            motion=motion,
            shift=event.shift,
            meta=event.meta,
            ctrl=event.ctrl,
            sgr=self.model.mouse_sgr,
        )
        if data is not None:
            self.send(data)
        return True

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if self._mouse_report(event, max(event.button - 1, 0)):
            event.stop()

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._mouse_report(event, max(event.button - 1, 0), release=True):
            event.stop()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        tracking = self.model.mouse_tracking
        if tracking == 1003 or (tracking == 1002 and event.button):
            button = event.button - 1 if event.button else MouseButton.NONE
            self._mouse_report(event, button, motion=True)
            event.stop()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        if not self._mouse_report(event, MouseButton.WHEEL_UP):
            self.scroll_scrollback(-self.WHEEL_LINES)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        if not self._mouse_report(event, MouseButton.WHEEL_DOWN):
            self.scroll_scrollback(self.WHEEL_LINES)
