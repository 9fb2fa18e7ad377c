"""A 2 MB coloured flood through a real PTY: our pane side by side with textual-tty, and bare pyte.

The same file of output (`pane.coloured_output`, ~2 MB of 256-colour and truecolour log lines)
is printed by `cat` in a local pseudo-terminal of 120x40, once into clawtui's `TerminalView`
and once into textual-tty's `Terminal` (its own emulator, bittty), each inside a Textual app
under `App.run_test(size=(120, 40))`, in the same process. Both read the PTY the same way (up
to 64 KB per wake-up, which is textual-tty's own pump); ours then goes through `feed_async`,
exactly as the session screen feeds a pane from SSH. A round ends with the first frame painted
after the last byte reached the screen model.

Rounds are interleaved (ours, theirs, ours, theirs …) and each figure is a median of per-round
ratios, so the drift of a shared machine's speed between rounds cancels out, where timing one
side for a minute and then the other did not (`pane_throughput_ratio` read 0.78, 0.88 and 1.39
minutes apart that way).

- `pane_vs_textual_tty`: textual-tty's wall time over ours, per round (> 1: ours is faster).
- `pane_throughput_ratio`: bare pyte (`pyte.Screen` + `ByteStream`, 4 KB chunks, nothing
  else) against the whole pane fed the same bytes with `feed_async`, CPU time, interleaved.
- `flood_ui_late_ms_max`: how late a 100 ms timer fires on the app's event loop during our
  flood; the worst of each round, median over rounds.
- `flood_first_paint_s`: from the moment our pump reads the flood's last chunk to the frame
  that shows it; median over rounds.
- `pane_rss_mb`: how much a new process's resident memory grew from the moment its pane was
  up to the end of the flood, with the pane's 5,000 rows of scrollback full.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import gc
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual.app import App, ComposeResult  # noqa: E402
from textual.strip import Strip  # noqa: E402

from clawtui.tui import heap  # noqa: E402
from clawtui.tui.widgets.terminal_view import TerminalView  # noqa: E402

COLUMNS, LINES = 120, 40
FLOOD_BYTES = 2_000_000
ROUNDS = 5
READ_SIZE = 65536  # textual-tty's pump reads this much per wake-up; ours does the same here
TIMER_INTERVAL = 0.1
ROUND_TIMEOUT = 120.0
SCROLLBACK = 5000
#: The flood's last line. textual-tty gets a few more characters than `cat` wrote (the PTY
#: echoes what it sends at start), so its end is found by this text, not by counting.
END_MARKER = b"END-OF-FLOOD"


def _flood() -> bytes:
    from pane import coloured_output

    # `\n` line ends: the PTY's ONLCR turns them into `\r\n` for both panes alike.
    return coloured_output(FLOOD_BYTES).replace(b"\r\n", b"\n") + END_MARKER + b"\n"


def _through_pty(data: bytes) -> bytes:
    """What a PTY in its default (cooked) mode delivers for `data` written by `cat`."""
    return data.replace(b"\n", b"\r\n")


@dataclass
class Round:
    wall: float = 0.0
    cpu: float = 0.0
    last_chunk_at: float = 0.0  # perf_counter when the pump got the last chunk
    painted_at: float = 0.0  # perf_counter of the first frame painted after it
    lateness: list[float] = field(default_factory=list)

    @property
    def first_paint(self) -> float:
        return self.painted_at - self.last_chunk_at


class _Lateness:
    """A 100 ms timer on the event loop, as Textual's `set_interval` runs one (a task sleeping
    until the next due time): how late each tick ran."""

    def __init__(self) -> None:
        self.late: list[float] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        due = time.perf_counter()
        while True:
            due += TIMER_INTERVAL
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            now = time.perf_counter()
            self.late.append(now - due)
            if now - due > TIMER_INTERVAL:
                due = now  # a tick this late counts once, like a skipping timer

    def stop(self) -> list[float]:
        if self._task is not None:
            self._task.cancel()
        return self.late


def _spawn_cat(path: Path) -> tuple[subprocess.Popen[bytes], int]:
    """A shell on a new 120x40 PTY that runs `cat path` once it reads a line (`_go`), so that
    process start-up stays out of the time, as for textual-tty's child: (process, master fd)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    flags = fcntl.fcntl(master, fcntl.F_GETFL)
    fcntl.fcntl(master, fcntl.F_SETFL, flags | os.O_NONBLOCK)

    def controlling_terminal() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        _cat_command(path),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        preexec_fn=controlling_terminal,  # noqa: PLW1509 - what a terminal emulator does
    )
    os.close(slave)
    return process, master


def _cat_command(path: Path) -> list[str]:
    return ["sh", "-c", 'read go; exec cat "$0"', str(path)]


async def _readable(fd: int) -> None:
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(fd, wake)
    try:
        await ready
    finally:
        loop.remove_reader(fd)


def _drain(fd: int) -> bytes | None:
    """Up to READ_SIZE bytes available now; None at the end (the child closed the PTY)."""
    parts: list[bytes] = []
    total = 0
    try:
        while total < READ_SIZE:
            data = os.read(fd, READ_SIZE - total)
            if not data:
                break
            parts.append(data)
            total += len(data)
    except BlockingIOError:
        pass
    except OSError as error:
        if error.errno != errno.EIO:
            raise
        if not parts:
            return None
    return b"".join(parts)


# --------------------------------------------------------------------------------- ours


class _OurPane(TerminalView):
    expected = -1  # model.fed once the last chunk was fed (-1: not yet)
    done: asyncio.Future[float] | None = None

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        done = self.done
        if done is not None and not done.done() and 0 <= self.expected <= self.painted_fed:
            done.set_result(time.perf_counter())
        return strip


class _OurApp(App[None]):
    def compose(self) -> ComposeResult:
        yield _OurPane(scrollback=SCROLLBACK)


async def _pump(fd: int, view: _OurPane, result: Round) -> None:
    tail = b""
    while True:
        await _readable(fd)
        data = _drain(fd)
        if data is None:
            return
        if not data:
            continue
        tail = (tail + data[-64:])[-64:]
        last = not result.last_chunk_at and END_MARKER in tail
        if last:
            result.last_chunk_at = time.perf_counter()
            view.expected = view.model.fed + len(data)
        await view.feed_async(data)


async def round_ours(
    path: Path,
    keep: Callable[[TerminalView], None] | None = None,
    on_start: Callable[[], None] | None = None,
) -> Round:
    result = Round()
    gc.collect()  # the last round's app is garbage now: not for this round to collect
    app = _OurApp()
    async with app.run_test(size=(COLUMNS, LINES)) as pilot:
        view = app.query_one(_OurPane)
        await pilot.pause()
        view.done = asyncio.get_running_loop().create_future()
        process, master = _spawn_cat(path)
        pump = asyncio.ensure_future(_pump(master, view, result))
        if on_start is not None:
            on_start()
        timer = _Lateness()
        timer.start()
        start_cpu = time.process_time()
        start = time.perf_counter()
        os.write(master, b"\n")  # go
        try:
            result.painted_at = await asyncio.wait_for(view.done, ROUND_TIMEOUT)
        finally:
            result.wall = time.perf_counter() - start
            result.cpu = time.process_time() - start_cpu
            result.lateness = timer.stop()
            pump.cancel()
            process.kill()
            process.wait()
            os.close(master)
        if keep is not None:
            keep(view)
    # Each round's app is a new one, as in a new process: the next freezes its own heap.
    heap.thaw()
    return result


# --------------------------------------------------------------------------------- theirs


def _their_app(command: list[str]) -> Any:
    """An app with textual-tty's `Terminal` running `command` once `go()` is awaited."""
    from textual_tty import Terminal  # the `bench` extra

    marker = END_MARKER.decode()

    class _TheirTerminal(Terminal):  # type: ignore[misc]  # untyped: the bench extra
        def __init__(self) -> None:
            super().__init__(command=command)
            self.fed_chars = 0
            self.tail = ""
            self.last_chunk_at = 0.0
            self.armed = False
            self.done: asyncio.Future[float] = asyncio.get_running_loop().create_future()

        def go(self) -> None:
            self.board.pty.write("\n")

        def feed(self, data: str) -> None:
            super().feed(data)
            self.fed_chars += len(data)
            self.tail = (self.tail + data[-64:])[-64:]
            if not self.last_chunk_at and marker in self.tail:
                self.last_chunk_at = time.perf_counter()

        def _tick(self) -> None:
            # Its frame throttle: a tick after the last chunk schedules the frame showing it.
            if self.last_chunk_at and self._dirty:
                self.armed = True
            super()._tick()

        def render_line(self, y: int) -> Strip:
            strip: Strip = super().render_line(y)
            if self.armed and not self.done.done():
                self.done.set_result(time.perf_counter())
            return strip

    class _TheirApp(App[None]):
        def compose(self) -> ComposeResult:
            yield _TheirTerminal()

    return _TheirApp()


async def round_theirs(path: Path) -> Round:
    result = Round()
    gc.collect()  # the last round's app is garbage now: not for this round to collect
    app = _their_app(_cat_command(path))
    async with app.run_test(size=(COLUMNS, LINES)) as pilot:
        from textual_tty import Terminal

        terminal = app.query_one(Terminal)
        await pilot.pause()
        timer = _Lateness()
        timer.start()
        start_cpu = time.process_time()
        start = time.perf_counter()
        terminal.go()
        try:
            result.painted_at = await asyncio.wait_for(terminal.done, ROUND_TIMEOUT)
        finally:
            result.wall = time.perf_counter() - start
            result.cpu = time.process_time() - start_cpu
            result.lateness = timer.stop()
        result.last_chunk_at = terminal.last_chunk_at
        terminal.board.stop_process()
    return result


def textual_tty_version() -> str:
    from importlib.metadata import version

    return f"textual-tty {version('textual-tty')}, bittty {version('bittty')}"


# --------------------------------------------------------------------------------- figures


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def _rate(data_bytes: int, seconds: float) -> float:
    return data_bytes / seconds / 1e6


async def measure_vs_textual_tty() -> tuple[dict[str, float], list[str]]:
    """pane_vs_textual_tty, flood_ui_late_ms_max and flood_first_paint_s, one interleaved run."""
    try:
        tty_version = textual_tty_version()
        import textual_tty  # noqa: F401
    except Exception as error:  # noqa: BLE001 - say exactly why the comparison cannot run
        from common import BenchError

        raise BenchError(
            f"textual-tty cannot be imported ({type(error).__name__}: {error}); "
            "install the bench extra: pip install -e '.[bench]'"
        ) from None
    data = _flood()
    expected = len(_through_pty(data))
    ours: list[Round] = []
    theirs: list[Round] = []
    with tempfile.TemporaryDirectory(prefix="clawtui-flood-") as folder:
        path = Path(folder) / "flood.log"
        path.write_bytes(data)
        for _ in range(ROUNDS):
            ours.append(await round_ours(path))
            theirs.append(await round_theirs(path))
    ratios = [their.wall / our.wall for our, their in zip(ours, theirs, strict=True)]
    cpu_ratios = [their.cpu / our.cpu for our, their in zip(ours, theirs, strict=True)]
    worst_late = [max(r.lateness, default=0.0) * 1000 for r in ours]
    worst_late_theirs = [max(r.lateness, default=0.0) * 1000 for r in theirs]
    notes = [
        f"pane_vs_textual_tty: {ROUNDS} interleaved rounds of {expected / 1e6:.2f} MB through a "
        f"PTY running cat, 120x40; per-round ratios (theirs/ours wall time) "
        + ", ".join(f"{ratio:.2f}" for ratio in ratios),
        f"pane_vs_textual_tty: ours {_rate(expected, _median([r.wall for r in ours])):.2f} MB/s, "
        f"{tty_version} {_rate(expected, _median([r.wall for r in theirs])):.2f} MB/s "
        f"(medians, wall); CPU-time ratio median {_median(cpu_ratios):.2f}",
        "flood_ui_late_ms_max: worst lateness of a 100 ms timer per round, ours "
        + ", ".join(f"{value:.1f}" for value in worst_late)
        + " ms; textual-tty "
        + ", ".join(f"{value:.1f}" for value in worst_late_theirs)
        + f" ms; median lateness ours "
        f"{_median([v for r in ours for v in r.lateness]) * 1000:.1f} ms, textual-tty "
        f"{_median([v for r in theirs for v in r.lateness]) * 1000:.1f} ms",
        "flood_first_paint_s: last chunk read to the frame showing it, ours "
        + ", ".join(f"{r.first_paint * 1000:.1f}" for r in ours)
        + " ms; textual-tty "
        + ", ".join(f"{r.first_paint * 1000:.1f}" for r in theirs)
        + " ms",
    ]
    values = {
        "pane_vs_textual_tty": _median(ratios),
        "flood_ui_late_ms_max": _median(worst_late),
        "flood_first_paint_s": _median([r.first_paint for r in ours]),
    }
    return values, notes


def measure_throughput_ratio() -> tuple[dict[str, float], list[str]]:
    """pane_throughput_ratio: pane over bare pyte, CPU time, in interleaved rounds."""
    from pane import coloured_output, measure_pyte, measure_widget

    data = coloured_output(FLOOD_BYTES)
    pyte_rates: list[float] = []
    pane_rates: list[float] = []
    for _ in range(ROUNDS):
        pyte_rates.append(measure_pyte(data))
        pane_rates.append(asyncio.run(measure_widget(data)))
    ratios = [pane / bare for pane, bare in zip(pane_rates, pyte_rates, strict=True)]
    notes = [
        f"pane_throughput_ratio: {ROUNDS} interleaved rounds (bare pyte, pane) of "
        f"{len(data) / 1e6:.2f} MB, CPU time; ratios "
        + ", ".join(f"{ratio:.2f}" for ratio in ratios)
        + f"; pane {_median(pane_rates):.2f} MB/s, bare pyte {_median(pyte_rates):.2f} MB/s",
    ]
    return {"pane_throughput_ratio": _median(ratios)}, notes


def _rss_now_mb() -> float:
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20


async def _pane_rss_round() -> dict[str, float]:
    """One round of ours in this (fresh) process: resident memory when the pane is up and
    idle, and after the flood with its scrollback full."""
    data = _flood()
    kept: dict[str, float] = {}

    def keep(view: TerminalView) -> None:
        gc.collect()
        kept["after"] = _rss_now_mb()
        kept["scrollback"] = view.model.scrollback_len

    with tempfile.TemporaryDirectory(prefix="clawtui-flood-") as folder:
        path = Path(folder) / "flood.log"
        path.write_bytes(data)
        await round_ours(path, keep, on_start=lambda: kept.update(before=_rss_now_mb()))
    return kept


async def measure_pane_rss() -> tuple[dict[str, float], list[str]]:
    """pane_rss_mb: resident memory one pane adds, after the flood with its scrollback full.

    Measured in a new process, from the moment the pane is up to the end of the flood: in a
    process that ran other rounds, the flood would reuse memory they freed."""
    import json

    process = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--pane-rss", stdout=asyncio.subprocess.PIPE
    )
    output, _ = await process.communicate()
    if process.returncode != 0:
        from common import BenchError

        raise BenchError(f"the pane_rss_mb round failed (exit {process.returncode})")
    kept = json.loads(output)
    grown = kept["after"] - kept["before"]
    notes = [
        f"pane_rss_mb: resident memory {kept['before']:.1f} MB with the pane up, "
        f"{kept['after']:.1f} MB after a {len(_through_pty(_flood())) / 1e6:.2f} MB flood with "
        f"{kept['scrollback']:.0f} rows of scrollback kept (limit {SCROLLBACK}), 120x40, "
        "in a new process",
    ]
    return {"pane_rss_mb": grown}, notes


def main() -> None:
    for function in (measure_vs_textual_tty, measure_pane_rss):
        values, notes = asyncio.run(function())
        for name, value in values.items():
            print(f"{name}={value:.3f}")
        for note in notes:
            print(f"# {note}")
    values, notes = measure_throughput_ratio()
    for name, value in values.items():
        print(f"{name}={value:.3f}")
    for note in notes:
        print(f"# {note}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--pane-rss"]:
        import json

        print(json.dumps(asyncio.run(_pane_rss_round())))
    else:
        main()
