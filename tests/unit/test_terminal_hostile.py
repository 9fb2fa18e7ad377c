"""A pane never dies of its output (issue 8, item 4).

A box's output is untrusted. Before this, one escape sequence (`ESC[38:5:` and 5,000 digits,
`ESC[4J`, `ESC[1;2;3G`, a CSI sent as its 8-bit form) raised inside the terminal model: the
pane's task died silently and the onboarding failed 60 s later with a wrong reason. Piles of
combining marks on one cell cost quadratic time, and every box shares one event loop. Each test
here feeds one such stream and checks what the operator would notice: the text after it still
shows, the work stays linear, and when the model fails anyway (a fault injected here) the pane
says "display error", the flow fails at once with that reason, and nothing from the screen
reaches the log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest
from textual.widgets import Static

from clawtui import flow as f
from clawtui.audit import AuditLog
from clawtui.errors import DisplayError
from clawtui.inventory import Box
from clawtui.runner import Runner, RunnerListener
from clawtui.ssh import Output, SshConnection
from clawtui.terminal import DISPLAY_ERROR_TEXT, TerminalModel
from clawtui.terminal.screen import PaneScreen
from clawtui.tui.app import DemoApp
from clawtui.tui.screens.boxes import BoxListScreen
from clawtui.tui.screens.session import SessionScreen
from clawtui.tui.widgets.terminal_view import TerminalView
from clawtui.vault import Vault
from tests.conftest import TEST_TIME_SCALE, wait_for
from tests.unit.test_oauth import new_token

DIGITS = b"9" * 5000


def fed(*chunks: bytes, columns: int = 40, lines: int = 6) -> TerminalModel:
    model = TerminalModel(columns, lines)
    for chunk in chunks:
        model.feed(chunk)
    return model


# --------------------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    "sequence",
    [
        b"\x1b[38:5:" + DIGITS + b"m",  # the one in the issue
        b"\x1b[48:2::" + DIGITS + b":0:0m",
        b"\x1b[4:" + DIGITS + b"m",
        b"\x1b[" + DIGITS + b":1m",
        "\x9b".encode() + DIGITS + b"m",  # CSI as its 8-bit introducer
        "\x9b".encode() + b"1;" + DIGITS + b"H",
        b"\x1b[1\n" + DIGITS + b"m",  # a control inside the parameters
        b"\x1b[4J",  # erase modes pyte does not know
        b"\x1b[7K",
        b"\x1b[?9K",
        b"\x1b[1;2;3G",  # more parameters than pyte's handler takes
        b"\x1b[1;2;3;4d",
        b"\x1b[?1;2;3;4K",
    ],
    ids=lambda sequence: repr(sequence.replace(DIGITS, b"<5000 digits>"))[2:-1],
)
def test_no_escape_sequence_kills_the_pane(sequence: bytes) -> None:
    model = fed(b"before ", sequence, b"\r\nafter")
    assert "after" in model.screen_lines()


def test_huge_parameters_split_across_chunks() -> None:
    stream = b"\x1b[38:5:" + DIGITS + b"mvisible"
    model = TerminalModel(40, 6)
    for start in range(0, len(stream), 100):
        model.feed(stream[start : start + 100])
    assert "visible" in model.screen_lines()[0]


def test_huge_parameters_are_capped_not_dropped() -> None:
    # A cursor move far beyond the screen lands on its last row and column, as 9999 would.
    model = fed(b"\x1b[" + DIGITS + b";" + DIGITS + b"HX", columns=20, lines=5)
    assert model.screen_lines()[4] == " " * 19 + "X"


# --------------------------------------------------------------------------- amplifiers


@pytest.mark.parametrize(
    "sequence",
    [b"\x1b#8", b"x\x1b[9999b"],
    ids=["DECALN", "REP"],
)
def test_a_flood_of_short_screen_wide_sequences_stays_cheap(sequence: bytes) -> None:
    # One 16 KiB slice of the runner's feed: DECALN (3 bytes, fills the screen) took 25 s of
    # CPU, REP 3.5 s, during which every pane and the UI stood still.
    model = TerminalModel(120, 40)
    flood = sequence * (16384 // len(sequence))
    started = time.process_time()
    model.feed(flood)
    spent = time.process_time() - started
    assert spent < 0.5, f"16 KiB of {sequence!r} took {spent:.2f} s of CPU"


def test_repeat_fills_at_most_a_row() -> None:
    model = fed(b"a\x1b[500b", columns=10, lines=3)
    assert model.screen_lines() == ["a" * 10, "a", ""]


# --------------------------------------------------------------------------- combining marks


def test_combining_marks_on_one_cell_are_capped_and_linear() -> None:
    marks = "\u0301" * 40_000
    model = TerminalModel(20, 4)
    started = time.process_time()
    model.feed(("a" + marks + "b").encode())
    spent = time.process_time() - started
    first, second = model.screen_cells(0)[:2]
    assert first.data.startswith("á") and len(first.data) <= 17
    assert second.data == "b"
    # 14.5 s before the cap (pyte normalises the whole cell for every mark added).
    assert spent < 2.0, f"40,000 combining marks took {spent:.1f} s of CPU"


def test_combining_marks_capped_across_chunks() -> None:
    model = TerminalModel(20, 4)
    model.feed(b"a")
    for _ in range(500):
        model.feed("\u0308".encode())
    assert len(model.screen_cells(0)[0].data) <= 17


# --------------------------------------------------------------------------- long strings


def test_an_over_long_hyperlink_target_is_dropped() -> None:
    target = b"https://claude.ai/oauth/authorize?" + b"x" * 200_000
    model = TerminalModel(40, 6)
    stream = b"\x1b]8;;" + target + b"\x07link\x1b]8;;\x07 after"
    for start in range(0, len(stream), 4096):
        model.feed(stream[start : start + 4096])
    assert model.screen_lines()[0] == "link after"
    assert all(len(link.url) <= 1 << 16 for link in model.links)


def test_an_over_long_title_is_dropped() -> None:
    model = fed(b"\x1b]0;" + b"t" * 200_000 + b"\x07shown")
    assert len(model.title) <= 1 << 16
    assert model.screen_lines()[0] == "shown"


def test_an_unterminated_string_in_small_chunks_costs_linear_time() -> None:
    # 1 MB of an APC string (kitty graphics, say) 64 bytes at a time: holding all of it and
    # scanning it again on every chunk took some 20 s.
    model = TerminalModel(40, 6)
    chunk = b"y" * 64
    started = time.process_time()
    model.feed(b"\x1b_G")
    for _ in range(16_000):
        model.feed(chunk)
    model.feed(b"\x1b\\after")
    spent = time.process_time() - started
    assert model.screen_lines()[0] == "after"
    assert spent < 1.0, f"a 1 MB string in 64-byte chunks took {spent:.2f} s of CPU"


def test_an_eight_bit_string_does_not_swallow_the_output() -> None:
    # pyte's own OSC parser would take everything up to a terminator it never sees.
    model = fed("\x9d0;title\x9c".encode() + b"shown")
    assert model.screen_lines()[0] == "shown"
    assert model.title == "title"


# --------------------------------------------------------------------------- when it fails anyway


@pytest.fixture
def broken_draw(monkeypatch: pytest.MonkeyPatch) -> str:
    """Make the model fail on a marker, with a message that quotes the screen (and a token)."""
    secret = new_token(90)
    original = PaneScreen.draw

    def draw(self: Any, data: str) -> None:
        if "FAULT" in data:
            raise ValueError(f"cannot draw {data!r} next to {secret}")
        original(self, data)

    monkeypatch.setattr(PaneScreen, "draw", draw)
    return secret


def test_a_failing_model_says_display_error_once_and_logs_no_content(
    broken_draw: str, caplog: pytest.LogCaptureFixture
) -> None:
    model = TerminalModel(80, 6)
    model.feed(b"sk-ant visible text\r\n")
    with caplog.at_level(logging.DEBUG), pytest.raises(DisplayError) as raised:
        model.feed(b"FAULT here")
    message = str(raised.value)
    assert message.startswith("display error")
    assert "ValueError" in message
    assert raised.value.__context__ is None and raised.value.__cause__ is None
    for text in (message, caplog.text):
        assert broken_draw not in text and "FAULT" not in text and "visible" not in text
    assert "display error" in caplog.text
    assert model.error is raised.value
    assert model.screen_lines()[0] == DISPLAY_ERROR_TEXT
    model.feed(b"more output")  # taken and ignored: no second exception
    model.resize(10, 2)
    assert model.snapshot().text.startswith(DISPLAY_ERROR_TEXT[:10])


class _FakeProcess:
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.closed = asyncio.Event()
        self.written: list[bytes] = []

    async def events(self) -> AsyncIterator[Output]:
        for chunk in self.chunks:
            yield Output(chunk)
        await self.closed.wait()  # the program keeps running until it is closed

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def resize(self, columns: int, lines: int) -> None:
        pass

    async def close(self) -> None:
        self.closed.set()


class _FakeConnection:
    closed = False
    disconnect_reason = None

    def __init__(self, process: _FakeProcess) -> None:
        self.process = process

    async def open_pty(self, command: str, *, columns: int, lines: int) -> _FakeProcess:
        return self.process

    async def close(self) -> None:
        self.closed = True


async def _run_hostile_box(
    tmp_path: Any, process: _FakeProcess, listener: RunnerListener | None = None
) -> tuple[Runner, f.Finished]:
    connection = _FakeConnection(process)

    async def connector(box: Box, **_: Any) -> SshConnection:
        return cast(SshConnection, connection)

    runner = Runner(
        Box(name="hostile", host="127.0.0.1"),
        vault=Vault(tmp_path / "vault"),
        audit=AuditLog(tmp_path / "audit.jsonl", operator="t"),
        listener=listener,
        connector=connector,
        timeouts=f.Timeouts(url=60.0),
    )
    try:
        # Well within the 60 s the flow would otherwise wait for a sign-in link.
        outcome = await asyncio.wait_for(runner.run(), 20)
    finally:
        await runner.close()
    return runner, outcome


async def test_a_failing_pane_fails_the_flow_at_once(
    broken_draw: str, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    process = _FakeProcess([b"Welcome to Claude Code\r\n", b"FAULT\r\n"])
    runner, outcome = await _run_hostile_box(tmp_path, process)
    failure = outcome.failure
    assert failure is not None and failure.reason.startswith("display error")
    assert isinstance(failure.error, DisplayError)
    assert f.Recovery.RESTART in failure.recoveries
    await wait_for(process.closed.is_set, 5, "the program to be stopped")
    logged = (tmp_path / "audit.jsonl").read_text() + caplog.text
    assert "display error" in logged
    assert broken_draw not in logged and "Welcome" not in logged


@pytest.mark.slow
async def test_a_shell_pane_that_fails_says_display_error_and_reconnects(
    broken_draw: str,
) -> None:
    from tests.tui.test_app import pane_lines

    app = DemoApp(time_scale=TEST_TIME_SCALE)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(lambda: isinstance(app.screen, BoxListScreen), 10, "the box list")
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        view = screen.query_one(TerminalView)
        await wait_for(lambda: any("$" in line for line in pane_lines(view)), 10, "a prompt")
        await pilot.press(*"printf 'FA''ULT\\n'", "enter")
        await wait_for(lambda: screen.state == "display error", 10, "the display error")
        await wait_for(lambda: pane_lines(view)[0] == DISPLAY_ERROR_TEXT, 5, "the pane to say so")
        assert "display error" in str(screen.query_one("#session-status", Static).content)
        # A new shell gets a fresh pane.
        await pilot.press("ctrl+right_square_bracket", "r")
        await wait_for(lambda: screen.state == "connected", 10, "the new shell")
        await wait_for(lambda: any("$" in line for line in pane_lines(view)), 10, "a prompt")
        assert view.model.error is None


def test_a_display_error_fails_the_step_the_program_was_serving() -> None:
    from tests.replay import load
    from tests.unit.test_flow import Driver, happy_claude

    driver = Driver()
    driver.begin()
    driver.replay("setup", load("claude-setup-token-80x24-FULL_SIGN_IN_LINK"))
    assert driver.flow.phase == f.Phase.WAITING_CODE
    driver.send(f.PaneFailed(f.SETUP, DisplayError("display error: test")))
    failure = driver.flow.failure
    assert failure is not None and failure.step == f.Step.CODE
    assert failure.reason == "display error: test"
    assert failure.recoveries == (f.Recovery.RESTART,)

    # With the token captured, it can still be pasted from the vault.
    driver, _ = happy_claude("claude-setup-token-80x24-FAKESERVER-200")
    active = driver.flow._active_step()
    driver.send(f.PaneFailed(f.PASTE, DisplayError("display error: test")))
    failure = driver.flow.failure
    assert failure is not None and failure.step == active
    assert f.Recovery.RESUME in failure.recoveries


async def test_a_failing_pump_fails_the_flow_and_the_pane_says_so(tmp_path: Any) -> None:
    class Broken(RunnerListener):
        def on_output(self, runner: Runner, pane: f.PaneName) -> None:
            raise RuntimeError("a face that cannot take output")

    process = _FakeProcess([b"Welcome to Claude Code\r\n"])
    runner, outcome = await _run_hostile_box(tmp_path, process, Broken())
    failure = outcome.failure
    assert failure is not None and failure.reason.startswith("display error: the setup pane")
    assert "RuntimeError" in failure.reason and "cannot take" not in failure.reason
    assert runner.models[f.SETUP].screen_lines()[0] == DISPLAY_ERROR_TEXT[:120]


async def test_the_onboarding_pane_says_display_error(tmp_path: Any) -> None:
    from tests.tui.test_app import pane_lines
    from tests.tui.test_onboard_ui import ReplayApp, Replayer

    app = ReplayApp(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        replay = Replayer(app)
        app.show_onboarding("acme-prod")
        replay.handle(f.Begin(None))
        replay.handle(f.Connected())
        replay.play(f.SETUP, "claude-setup-token-80x24-FULL_SIGN_IN_LINK", until_input=0)
        await pilot.pause()
        # What the Runner does when the pane's model or pump fails.
        failure = DisplayError("display error: the terminal model failed (ValueError)")
        replay.models[f.SETUP].show_failure(failure)
        replay.onboarding.on_output(replay.runner, f.SETUP)
        replay.handle(f.PaneFailed(f.SETUP, failure))
        view = app.screen.query_one("#setup-pane", TerminalView)
        await wait_for(lambda: view.border_subtitle == "display error", 5, "the pane's label")
        await wait_for(lambda: pane_lines(view)[0] == DISPLAY_ERROR_TEXT, 5, "the pane's text")
        assert replay.runner.flow.failure is not None
        assert replay.runner.flow.failure.step == f.Step.CODE
