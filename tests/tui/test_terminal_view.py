"""The terminal pane in a real Textual app (App.run_test + Pilot): what it paints, what it sends.

Nothing is mocked: the model is the real pyte-backed one, Textual renders headless, keys go
through Textual's own key routing (bindings included).
"""

from __future__ import annotations

import asyncio
import re
import secrets

from rich.color import Color
from rich.style import Style
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Button

from clawtui.redact import BULLET, TOKEN_PREFIX
from clawtui.tui.widgets.terminal_view import TerminalView
from tests.conftest import wait_for


class PaneApp(App[None]):
    """A pane and a button, with the app shortcuts a real app would have."""

    BINDINGS = [
        Binding("ctrl+q", "quit_attempt", "Quit", priority=True),
        Binding("f2", "app_f2", "F2"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[bytes] = []
        self.resized: list[tuple[int, int]] = []
        self.clipboard_requests: list[str] = []
        self.called_actions: list[str] = []
        self.released_count = 0

    def compose(self) -> ComposeResult:
        yield TerminalView(id="pane")
        yield Button("other", id="other")

    def on_terminal_view_typed(self, message: TerminalView.Typed) -> None:
        assert message.control is self.query_one(TerminalView)
        self.inputs.append(message.data)

    def on_terminal_view_resized(self, message: TerminalView.Resized) -> None:
        self.resized.append((message.columns, message.lines))

    def on_terminal_view_clipboard_request(self, message: TerminalView.ClipboardRequest) -> None:
        self.clipboard_requests.append(message.text)

    def on_terminal_view_released(self, _message: TerminalView.Released) -> None:
        self.released_count += 1

    def action_quit_attempt(self) -> None:
        self.called_actions.append("quit")

    def action_app_f2(self) -> None:
        self.called_actions.append("f2")


async def painted(view: TerminalView) -> None:
    """Wait until the frame holding everything fed so far has been painted."""
    await wait_for(
        lambda: view.painted_fed == view.model.fed and view._timer is None,
        what="the frame to be painted",
    )


def rendered(view: TerminalView) -> list[str]:
    return [view.render_line(y).text for y in range(view.size.height)]


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(70)


async def test_fed_text_appears_in_rendered_lines() -> None:
    app = PaneApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(TerminalView)
        view.feed(b"\x1b[2J\x1b[H\x1b[1mWelcome\x1b[0m\x1b[9Gto the\x1b[16Gpane\r\nsecond line")
        await painted(view)
        await pilot.pause()
        lines = rendered(view)
        assert lines[0].rstrip() == "Welcome to the pane"
        assert lines[1].rstrip() == "second line"
        assert all(len(line) == view.size.width for line in lines)
        svg = app.export_screenshot().replace("&#160;", " ")
        assert "Welcome" in svg and "to the pane" in svg and "second line" in svg


async def test_colours_and_attributes_map_to_rich_styles() -> None:
    app = PaneApp()
    async with app.run_test(size=(80, 24)):
        view = app.query_one(TerminalView)
        view.feed(
            b"\x1b[31mR\x1b[92mG\x1b[38;5;196mX\x1b[38;2;1;2;3mT\x1b[43mY\x1b[0m"
            b"\x1b[1;3;4;9mS\x1b[0m\x1b[31;7mV\x1b[0m\x1b[8mH\x1b[0m"
        )
        await painted(view)
        segments = [seg for seg in view.render_line(0) if seg.text.strip()]
        styles = {seg.text: seg.style or Style() for seg in segments}
        assert styles["R"].color == Color.from_ansi(1)
        assert styles["G"].color == Color.from_ansi(10)
        assert styles["X"].color == Color.from_rgb(255, 0, 0)
        assert styles["T"].color == Color.from_rgb(1, 2, 3)
        assert styles["Y"].bgcolor == Color.from_ansi(3)
        assert styles["S"].bold and styles["S"].italic and styles["S"].underline
        assert styles["S"].strike
        # Reverse swaps red and the pane's background.
        assert styles["V"].bgcolor == Color.from_ansi(1)
        assert styles["V"].color == view.rich_style.bgcolor
        # Concealed text is painted as a blank.
        assert view.render_line(0).text.rstrip() == "RGXTYSV"
        assert "H" not in view.render_line(0).text


async def test_wide_characters_keep_the_row_width() -> None:
    app = PaneApp()
    async with app.run_test(size=(40, 10)):
        view = app.query_one(TerminalView)
        view.feed("日本語 ok".encode())
        await painted(view)
        strip = view.render_line(0)
        assert strip.text.startswith("日本語 ok")
        assert strip.cell_length == view.size.width


async def test_token_is_masked_on_screen_and_in_screenshots() -> None:
    app = PaneApp()
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.query_one(TerminalView)
        token = new_token()
        # As claude prints it: hard-wrapped at 80 columns with a leading space.
        wrapped = " " + token[:79] + "\r\n " + token[79:]
        view.feed(f" Your OAuth token (valid for 1 year):\r\n\r\n{wrapped}\r\n\r\n Store".encode())
        await painted(view)
        await pilot.pause()

        svg = app.export_screenshot().replace("&#160;", " ")
        middle = token[len(TOKEN_PREFIX) : -4]
        assert token not in svg
        assert not any(middle[i : i + 8] in svg for i in range(0, len(middle) - 8))
        assert TOKEN_PREFIX in svg and BULLET in svg and token[-4:] in svg
        lines = rendered(view)
        assert lines[2].startswith(" " + TOKEN_PREFIX + BULLET)
        assert re.fullmatch(f" {BULLET}+{re.escape(token[-4:])} *", lines[3])
        # The model keeps the real text for the flow.
        assert token in view.model.text().replace("\n ", "")

        # Revealing (the app gates this) paints the real token.
        view.mask_secrets = False
        await pilot.pause()
        assert token[:79] in rendered(view)[2]
        assert middle[10:30] in app.export_screenshot()


async def test_token_scrolled_partly_off_screen_stays_masked() -> None:
    app = PaneApp()
    async with app.run_test(size=(60, 12)) as pilot:
        view = app.query_one(TerminalView)
        token = new_token()  # 83 characters: the terminal wraps it onto a second row
        view.feed(f"{token}\r\n".encode())
        await painted(view)
        # Scroll until only the token's second row is left on the screen.
        view.feed(b"\r\n" * (view.size.height - 2) + b"last")
        await painted(view)
        await pilot.pause()
        assert view.model.scrollback_len == 1
        tail = token[60:]
        assert rendered(view)[0].rstrip() == BULLET * (len(tail) - 4) + token[-4:]
        assert tail[:-4] not in app.export_screenshot()


async def test_token_printed_narrower_than_the_pane_stays_masked() -> None:
    # claude wrapped the token for 80 columns; then the operator widened the window.
    app = PaneApp()
    async with app.run_test(size=(120, 20)) as pilot:
        view = app.query_one(TerminalView)
        token = new_token()
        view.feed(f" {token[:79]}\r\n {token[79:]}\r\n".encode())
        await painted(view)
        await pilot.pause()
        lines = rendered(view)
        assert token[79:-4] not in lines[1]
        assert lines[1].rstrip() == " " + BULLET * (len(token) - 79 - 4) + token[-4:]
        assert token[79:-4] not in app.export_screenshot()


async def test_keys_go_to_the_program_not_to_app_bindings() -> None:
    app = PaneApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(TerminalView)
        view.focus()
        await pilot.pause()
        await pilot.press("ctrl+c", "h", "i", "enter", "tab", "ctrl+q", "ctrl+p", "f2", "escape")
        await wait_for(lambda: len(app.inputs) == 9)
        assert app.inputs == [
            b"\x03",
            b"h",
            b"i",
            b"\r",
            b"\t",
            b"\x11",
            b"\x10",
            b"\x1bOQ",
            b"\x1b",
        ]
        assert app.called_actions == []  # neither the priority ctrl+q nor f2 fired
        assert app.focused is view  # tab did not move focus


async def test_application_cursor_mode_changes_arrow_keys() -> None:
    app = PaneApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(TerminalView)
        view.focus()
        await pilot.press("up")
        view.feed(b"\x1b[?1h")
        await pilot.press("up", "ctrl+up")
        await wait_for(lambda: len(app.inputs) == 3)
        assert app.inputs == [b"\x1b[A", b"\x1bOA", b"\x1b[1;5A"]


async def test_paste_is_bracketed_only_when_the_program_asked() -> None:
    app = PaneApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(TerminalView)
        view.focus()
        await pilot.pause()
        token = new_token()
        app.post_message(events.Paste(token + "\n"))
        await wait_for(lambda: len(app.inputs) == 1)
        view.feed(b"\x1b[?2004h")
        app.post_message(events.Paste("a\x1b[201~b"))
        await wait_for(lambda: len(app.inputs) == 2)
        assert app.inputs == [token.encode() + b"\r", b"\x1b[200~a[201~b\x1b[201~"]


async def test_release_key_hands_focus_back() -> None:
    app = PaneApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(TerminalView)
        view.focus()
        await pilot.pause()
        assert app.focused is view
        await pilot.press(TerminalView.RELEASE_KEY)
        await wait_for(lambda: app.released_count == 1)
        assert app.focused is not view
        assert app.inputs == []
        # Once released, app shortcuts work again.
        await pilot.press("ctrl+q")
        await wait_for(lambda: app.called_actions == ["quit"])


async def test_release_key_with_nothing_else_to_focus() -> None:
    class Alone(App[None]):
        def compose(self) -> ComposeResult:
            yield TerminalView()

    app = Alone()
    async with app.run_test(size=(40, 10)) as pilot:
        view = app.query_one(TerminalView)
        view.focus()
        await pilot.pause()
        await pilot.press(TerminalView.RELEASE_KEY)
        await wait_for(lambda: app.focused is None)


async def test_resize_posts_the_widget_size_and_resizes_the_model() -> None:
    app = PaneApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(TerminalView)
        await wait_for(lambda: bool(app.resized))
        assert app.resized[-1] == (view.size.width, view.size.height)
        assert (view.model.columns, view.model.lines) == app.resized[-1]

        await pilot.resize_terminal(100, 40)
        await wait_for(lambda: app.resized[-1][0] == 100)
        assert app.resized[-1] == (view.size.width, view.size.height) == (100, 37)
        assert (view.model.columns, view.model.lines) == (100, 37)


async def test_replies_and_clipboard_requests_become_messages() -> None:
    app = PaneApp()
    async with app.run_test(size=(80, 24)):
        view = app.query_one(TerminalView)
        view.feed(b"\x1b[c\x1b[6n")
        view.feed(b"\x1b]52;c;aHR0cHM6Ly9leGFtcGxlLmNvbQ==\x07")
        await wait_for(lambda: bool(app.inputs) and bool(app.clipboard_requests))
        assert app.inputs == [b"\x1b[?62;22c\x1b[1;1R"]
        assert app.clipboard_requests == ["https://example.com"]


async def test_focus_events_reported_when_enabled() -> None:
    app = PaneApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(TerminalView)
        view.focus()
        await pilot.pause()
        assert app.inputs == []  # mode 1004 is off
        view.feed(b"\x1b[?1004h")
        app.query_one(Button).focus()
        await wait_for(lambda: app.inputs == [b"\x1b[O"])
        view.focus()
        await wait_for(lambda: app.inputs == [b"\x1b[O", b"\x1b[I"])


def style_at(view: TerminalView, x: int, y: int) -> Style:
    """The style painted in cell (x, y) of the pane."""
    column = 0
    for segment in view.render_line(y):
        column += segment.cell_length
        if column > x:
            return segment.style or Style()
    raise AssertionError(f"no cell {x} on row {y}")


async def test_cursor_is_drawn_only_when_focused_and_visible() -> None:
    app = PaneApp()
    async with app.run_test(size=(40, 10)) as pilot:
        view = app.query_one(TerminalView)
        view.feed(b"ab")
        app.query_one(Button).focus()
        await painted(view)
        await pilot.pause()
        base = view.rich_style

        def cursor_drawn() -> bool:
            # The cursor cell (after "ab") is painted in reverse: the pane's colours swapped.
            return style_at(view, 2, 0).bgcolor == base.color

        assert not cursor_drawn()
        assert style_at(view, 2, 0).bgcolor == base.bgcolor
        view.focus()
        await wait_for(cursor_drawn)
        assert style_at(view, 1, 0).bgcolor == base.bgcolor  # only that one cell
        view.feed(b"\x1b[?25l")  # the program hides its cursor
        await wait_for(lambda: not cursor_drawn())
        view.feed(b"\x1b[?25h")
        await wait_for(cursor_drawn)
        view.blur()
        await wait_for(lambda: not cursor_drawn())


async def test_scrollback_view_and_return_to_live() -> None:
    app = PaneApp()
    async with app.run_test(size=(40, 10)) as pilot:
        view = app.query_one(TerminalView)
        view.focus()
        view.feed(b"\r\n".join(f"line {n}".encode() for n in range(40)))
        await painted(view)
        assert rendered(view)[-1].rstrip() == "line 39"

        page = view.size.height - 1
        await pilot.press("shift+pageup")
        await pilot.pause()
        assert view.scrollback_offset == page
        assert rendered(view)[-1].rstrip() == f"line {39 - page}"

        # Wheel scrolling (the program has no mouse tracking on).
        view.post_message(events.MouseScrollUp(view, 1, 1, 0, -1, 0, False, False, False))
        await wait_for(lambda: view.scrollback_offset == page + 3)
        assert rendered(view)[-1].rstrip() == f"line {36 - page}"

        # New output keeps the view on the same lines.
        view.feed(b"\r\nline 40")
        await painted(view)
        assert rendered(view)[-1].rstrip() == f"line {36 - page}"

        await pilot.press("shift+pagedown")
        await pilot.pause()
        assert rendered(view)[-1].rstrip() == "line 36"  # 4 rows back from line 40

        # Any key goes back to the live screen (and to the program).
        await pilot.press("x")
        await wait_for(lambda: view.scrollback_offset == 0)
        await pilot.pause()
        assert rendered(view)[-1].rstrip() == "line 40"
        assert app.inputs == [b"x"]


async def test_mouse_reports_when_the_program_tracks_the_mouse() -> None:
    app = PaneApp()
    async with app.run_test(size=(40, 10)) as pilot:
        view = app.query_one(TerminalView)
        view.feed(b"\x1b[?1000h\x1b[?1006h")
        await pilot.click(TerminalView, offset=(4, 2))
        await wait_for(lambda: len(app.inputs) >= 2)
        assert app.inputs[:2] == [b"\x1b[<0;5;3M", b"\x1b[<0;5;3m"]
        view.post_message(events.MouseScrollDown(view, 1, 1, 0, 1, 0, False, False, False))
        await wait_for(lambda: len(app.inputs) >= 3)
        assert app.inputs[2] == b"\x1b[<65;2;2M"
        assert view.scrollback_offset == 0


async def test_refreshes_are_coalesced_and_idle_panes_run_no_timer() -> None:
    app = PaneApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(TerminalView)
        await painted(view)
        flushes = 0
        original = view._flush

        def counting_flush() -> None:
            nonlocal flushes
            flushes += 1
            original()

        view._flush = counting_flush  # type: ignore[method-assign]
        for number in range(200):
            view.feed(f"chunk {number}\r\n".encode())
        await painted(view)
        await pilot.pause()
        assert flushes <= 2  # one frame now, at most one more for the rest
        assert rendered(view)[-2].rstrip() == "chunk 199"
        assert view._timer is None  # idle: nothing scheduled


async def test_feed_async_keeps_the_ui_responsive() -> None:
    app = PaneApp()
    async with app.run_test(size=(80, 24)):
        view = app.query_one(TerminalView)
        ticks = 0
        done = False

        async def ticker() -> None:
            nonlocal ticks
            while not done:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        data = b"".join(f"\x1b[3{n % 8}mline {n}\x1b[0m\r\n".encode() for n in range(20000))
        await view.feed_async(data)
        done = True
        await task
        assert ticks >= len(data) // TerminalView.FEED_SLICE  # the loop ran between slices
        await painted(view)
        assert rendered(view)[-2].rstrip() == "line 19999"


class _LonePaneApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TerminalView(id="pane")


async def test_a_flooded_pane_leaves_no_cyclic_garbage() -> None:
    # A flood repaints every row every frame. Rows Textual's `Strip` caches within themselves
    # are freed only by the cyclic garbage collector, whose collections pause the app; the
    # pane's rows must be freed as soon as they are replaced.
    import gc

    app = _LonePaneApp()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(TerminalView)
        await pilot.pause()
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            for frame in range(20):
                lines = "".join(
                    f"\x1b[3{n % 8}mframe {frame} line {n}\x1b[0m\r\n" for n in range(30)
                )
                pane.feed(lines.encode())
                fed = pane.model.fed
                await wait_for(lambda fed=fed: pane.painted_fed >= fed, 5, "the frame")  # type: ignore[misc]
            gc.collect()
            strips = [item for item in gc.garbage if type(item).__name__.endswith("Strip")]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
    assert strips == []


async def test_a_truecolour_flood_keeps_the_style_cache_bounded() -> None:
    # Every word in a new colour: the pane must not keep a Rich style for each for ever.
    app = _LonePaneApp()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(TerminalView)
        await pilot.pause()
        for frame in range(40):
            words = "".join(f"\x1b[38;2;{frame};{n};{n * 2 % 256}mw{n}" for n in range(250))
            pane.feed(words.encode() + b"\x1b[0m\r\n")
            fed = pane.model.fed
            await wait_for(lambda fed=fed: pane.painted_fed >= fed, 5, "the frame")  # type: ignore[misc]
        assert len(pane._styles) <= TerminalView.STYLE_CACHE
        assert app.query_one(TerminalView).model.line_text(0)  # it did paint
