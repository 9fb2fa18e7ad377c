"""Live panes over SSH: how fast a typed key comes back, and what idle panes cost.

Both figures run Textual headless (`App.run_test`) with real `TerminalView`s, each fed by a login
shell on a simulated box over loopback SSH; the boxes are served by another process, so only
clawtui's side is measured.

- `keystroke_echo_ms`: a key event handed to the app as its terminal driver would, through the
  pane's key handling, its `Input` message, the SSH channel, bash's echo, the pane's model, to
  the frame that paints the echoed cell (`render_line` after the model took the echo). Keys are
  typed at a brisk human pace, one every `KEY_INTERVAL` seconds, the next only after the last
  echo was painted.
- `idle_cpu_percent`: ten panes, each with its own shell prompt, nobody typing: this process's
  CPU time over `IDLE_SECONDS`, as a percentage of one core.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from common import BenchError, fleet, median, spread
from textual import events
from textual.app import App, ComposeResult
from textual.containers import Grid
from textual.strip import Strip

from clawtui.inventory import Box
from clawtui.sim.boxes import DEMO_BOXES
from clawtui.ssh import Output, PtyProcess, SshConnection, connect
from clawtui.tui.widgets.terminal_view import TerminalView

SIZE = (120, 40)
KEYSTROKES = 50
WARM_UP_KEYS = 5
#: Seconds between keystrokes: about 16 keys a second, a fast typist's burst.
KEY_INTERVAL = 0.06
PANES = 10
IDLE_SECONDS = 10.0
PROMPT_TIMEOUT = 20.0


class _Pane(TerminalView):
    """A TerminalView that tells the benchmark when it was fed and when a frame was painted."""

    painted: Callable[[_Pane], None] | None = None
    after_output: Callable[[], None] | None = None

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        if self.painted is not None:
            self.painted(self)
        return strip


class _ShellApp(App[None]):
    """Panes wired to SSH login shells the way the TUI wires them: output in, input out."""

    CSS = """
    Grid { grid-size: 2; grid-gutter: 0; }
    """

    def __init__(self, panes: int) -> None:
        super().__init__()
        self.pane_count = panes
        self.processes: dict[TerminalView, PtyProcess] = {}
        self.written: Callable[[bytes], None] | None = None

    def compose(self) -> ComposeResult:
        if self.pane_count == 1:
            yield _Pane(id="pane-0")
        else:
            with Grid():
                for index in range(self.pane_count):
                    yield _Pane(id=f"pane-{index}")

    def on_terminal_view_typed(self, message: TerminalView.Typed) -> None:
        process = self.processes.get(message.terminal) if message.terminal else None
        if process is not None:
            process.write(message.data)
            if self.written is not None:
                self.written(message.data)

    def on_terminal_view_resized(self, message: TerminalView.Resized) -> None:
        process = self.processes.get(message.terminal) if message.terminal else None
        if process is not None:
            process.resize(message.columns, message.lines)


async def _pump(process: PtyProcess, view: _Pane) -> None:
    async for event in process.events():
        if isinstance(event, Output):
            view.feed(event.data)
            if view.after_output is not None:
                view.after_output()


def _shows_prompt(view: TerminalView) -> bool:
    """The shell's prompt (`ubuntu@box:~$`) is on the cursor's row, and painted."""
    _, y = view.model.cursor
    return view.model.line_text(y).rstrip().endswith("$") and view.painted_fed == view.model.fed


async def _wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Wait on a condition (checked every 10 ms) with a deadline."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(0.01)


async def _open_shells(
    app: _ShellApp, boxes: list[Box], tasks: list[asyncio.Task[None]]
) -> list[SshConnection]:
    connections = [await connect(box) for box in boxes]
    for connection, view in zip(connections, app.query(_Pane), strict=True):
        process = await connection.open_pty(
            None, columns=view.model.columns, lines=view.model.lines
        )
        app.processes[view] = process
        tasks.append(asyncio.ensure_future(_pump(process, view)))
    return connections


async def _close(connections: list[SshConnection], tasks: list[asyncio.Task[None]]) -> None:
    for connection in connections:
        await connection.close()
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


# --------------------------------------------------------------------------------- echo


class _EchoProbe:
    """Follows one keystroke: written to SSH, seen in the model, painted."""

    def __init__(self, view: _Pane, x: int, y: int) -> None:
        self.view = view
        self.cell = (x, y)
        self.key_sent = time.perf_counter()
        self.written: float | None = None
        self.in_model: float | None = None
        self.fed_at_echo = 0
        self.done = asyncio.get_running_loop().create_future()

    def on_written(self, data: bytes) -> None:
        if data == b"x" and self.written is None:
            self.written = time.perf_counter()

    def on_output(self) -> None:
        if self.in_model is not None:
            return
        x, y = self.cell
        if self.view.model.screen_cells(y)[x][0] == "x":
            self.in_model = time.perf_counter()
            self.fed_at_echo = self.view.model.fed

    def on_painted(self, view: _Pane) -> None:
        if self.in_model is not None and view.painted_fed >= self.fed_at_echo:
            if not self.done.done():
                self.done.set_result(time.perf_counter())


async def measure_keystroke_echo() -> tuple[dict[str, float], list[str]]:
    key_to_paint: list[float] = []
    write_to_model: list[float] = []
    model_to_paint: list[float] = []
    key_to_write: list[float] = []
    async with fleet(boxes=1) as fleet_:
        app = _ShellApp(1)
        tasks: list[asyncio.Task[None]] = []
        connections: list[SshConnection] = []
        async with app.run_test(size=SIZE) as pilot:
            view = app.query_one(_Pane)
            try:
                connections = await _open_shells(app, fleet_.boxes[:1], tasks)
                await _wait_until(lambda: _shows_prompt(view), PROMPT_TIMEOUT, "the shell prompt")
                view.focus()
                await pilot.pause()
                driver = app._driver
                assert driver is not None
                for index in range(WARM_UP_KEYS + KEYSTROKES):
                    x, y = view.model.cursor
                    probe = _EchoProbe(view, x, y)
                    app.written = probe.on_written
                    view.after_output = probe.on_output
                    view.painted = probe.on_painted
                    probe.key_sent = time.perf_counter()
                    key = events.Key("x", "x")
                    key.set_sender(app)
                    driver.send_message(key)  # as the terminal driver does for a real key
                    try:
                        painted = await asyncio.wait_for(probe.done, 5.0)
                    except TimeoutError:
                        raise BenchError(
                            f"keystroke {index + 1}: no echo painted within 5 s"
                        ) from None
                    if index >= WARM_UP_KEYS:
                        assert probe.written is not None and probe.in_model is not None
                        key_to_paint.append(painted - probe.key_sent)
                        key_to_write.append(probe.written - probe.key_sent)
                        write_to_model.append(probe.in_model - probe.written)
                        model_to_paint.append(painted - probe.in_model)
                    # A typist's pace, not a wait for anything: the next key is due then.
                    pause = probe.key_sent + KEY_INTERVAL - time.perf_counter()
                    if pause > 0:
                        await asyncio.sleep(pause)
            finally:
                view.painted = view.after_output = None
                await _close(connections, tasks)
    notes = [
        f"keystroke_echo_ms: key event to echo painted {spread(key_to_paint, ' ms', 1000)}",
        f"keystroke_echo_ms: parts (medians): key to SSH write "
        f"{median(key_to_write) * 1000:.2f} ms, write to echo in the model "
        f"{median(write_to_model) * 1000:.2f} ms (loopback SSH, bash), model to painted "
        f"{median(model_to_paint) * 1000:.2f} ms",
    ]
    return {"keystroke_echo_ms": median(key_to_paint) * 1000}, notes


# --------------------------------------------------------------------------------- idle


async def measure_idle_cpu() -> tuple[dict[str, float], list[str]]:
    # One pane per demo box that gets a terminal (the no_pty box runs its shell on pipes).
    usable = [box.name for box in DEMO_BOXES if box.scenario != "no_pty"]
    async with fleet(demo=True) as fleet_:
        boxes = [fleet_.box(name) for name in usable[:PANES]]
        if len(boxes) < PANES:
            raise BenchError(f"the demo fleet has only {len(boxes)} boxes with a terminal")
        app = _ShellApp(PANES)
        tasks: list[asyncio.Task[None]] = []
        connections: list[SshConnection] = []
        async with app.run_test(size=SIZE) as pilot:
            views = list(app.query(TerminalView))
            try:
                connections = await _open_shells(app, boxes, tasks)
                await _wait_until(
                    lambda: all(_shows_prompt(view) for view in views),
                    PROMPT_TIMEOUT,
                    "a prompt in every pane",
                )
                await pilot.pause()
                fed = sum(view.model.fed for view in views)
                cpu = time.process_time()
                wall = time.perf_counter()
                await asyncio.sleep(IDLE_SECONDS)  # the measurement window itself
                cpu = time.process_time() - cpu
                wall = time.perf_counter() - wall
                fed = sum(view.model.fed for view in views) - fed
            finally:
                await _close(connections, tasks)
    size = views[0].model.columns, views[0].model.lines
    notes = [
        f"idle_cpu_percent: {PANES} panes of {size[0]}x{size[1]} (a 2-column grid in a "
        f"{SIZE[0]}x{SIZE[1]} app), {cpu * 1000:.0f} ms CPU in {wall:.1f} s, {fed} bytes of "
        "output meanwhile",
    ]
    return {"idle_cpu_percent": cpu / wall * 100}, notes
