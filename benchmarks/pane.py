"""How fast a terminal pane takes a flood of coloured output, compared with bare pyte.

A pane must keep up when a program floods it (a build log, `ls --color` over a big tree):
pyte's `Screen` alone manages about 0.5 MB/s on the CI machines, and the whole pane (our model,
masking, Strip building, Textual's refresh) should stay close to that. This measures both on
the same ~2 MB of output:

(a) `pyte.Screen` + `pyte.ByteStream`, nothing else;
(b) a `TerminalView` inside a Textual app under `App.run_test(size=(120, 40))`, fed through
    `feed_async` in 4 KB chunks, until the frame showing the last byte has been painted.

Run `python benchmarks/pane.py` for `name=value` lines; the ratio b/a should be at least 0.8.
Times are this process's CPU time (`time.process_time`), so other work on a shared CI machine
does not skew the ratio; the pane pipeline spends no time idle while it is being fed.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from pathlib import Path

import pyte

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual.app import App, ComposeResult  # noqa: E402

from clawtui.terminal import TerminalModel  # noqa: E402
from clawtui.tui.widgets.terminal_view import TerminalView  # noqa: E402

COLUMNS = 120
LINES = 40
CHUNK = 4096
_WORDS = (
    "build compile link src lib include main test util config index parser render widget "
    "terminal session token vault audit flow runner oauth inventory snapshot"
).split()


def coloured_output(total_bytes: int = 2_000_000, *, seed: int = 7) -> bytes:
    """Log-flood / `ls --color` style lines: 256-colour, truecolour, bold, resets, ~60-110 cols."""
    rng = random.Random(seed)
    parts: list[bytes] = []
    size = 0
    line_number = 0
    while size < total_bytes:
        line_number += 1
        fields = [f"\x1b[38;5;{rng.randrange(16, 256)}m{line_number:07d}\x1b[0m"]
        level = rng.choice(
            ("\x1b[1;32mINFO ", "\x1b[1;33mWARN ", "\x1b[1;31mERROR", "\x1b[2mDEBUG")
        )
        fields.append(f"{level}\x1b[0m")
        width = 16
        while width < rng.randrange(60, 110):
            word = rng.choice(_WORDS)
            red, green, blue = rng.randrange(256), rng.randrange(256), rng.randrange(256)
            style = rng.choice(
                (f"\x1b[38;2;{red};{green};{blue}m", f"\x1b[38;5;{rng.randrange(256)}m", "\x1b[0m")
            )
            fields.append(f"{style}{word}/{word}.py")
            width += len(word) * 2 + 5
        line = (" ".join(fields) + "\x1b[0m\r\n").encode()
        parts.append(line)
        size += len(line)
    return b"".join(parts)


def measure_pyte(data: bytes) -> float:
    """MB/s of bare pyte on `data`, fed in CHUNK-sized pieces."""
    screen = pyte.Screen(COLUMNS, LINES)
    stream = pyte.ByteStream(screen)
    start = time.process_time()
    for offset in range(0, len(data), CHUNK):
        stream.feed(data[offset : offset + CHUNK])
    return len(data) / (time.process_time() - start) / 1e6


def measure_model(data: bytes) -> float:
    """MB/s of `TerminalModel` alone (no widget), for profiling the model against pyte."""
    model = TerminalModel(COLUMNS, LINES)
    start = time.process_time()
    for offset in range(0, len(data), CHUNK):
        model.feed(data[offset : offset + CHUNK])
    return len(data) / (time.process_time() - start) / 1e6


class _PaneApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TerminalView()


async def measure_widget(data: bytes, timeout: float = 120.0) -> float:
    app = _PaneApp()
    async with app.run_test(size=(COLUMNS, LINES)) as pilot:
        view = app.query_one(TerminalView)
        await pilot.pause()
        start = time.process_time()
        for offset in range(0, len(data), CHUNK):
            await view.feed_async(data[offset : offset + CHUNK])
        # Done when the frame holding the last byte has gone through render_line.
        deadline = time.monotonic() + timeout
        while view.painted_fed < view.model.fed:
            if time.monotonic() > deadline:
                raise TimeoutError("the last frame was never painted")
            await asyncio.sleep(0.001)
        elapsed = time.process_time() - start
    return len(data) / elapsed / 1e6


def measure_pane_throughput(total_bytes: int = 2_000_000) -> dict[str, float]:
    """{"pane_throughput_ratio": widget/pyte, "pane_mb_s": widget MB/s, "pyte_mb_s": pyte MB/s}."""
    data = coloured_output(total_bytes)
    pyte_mb_s = measure_pyte(data)
    pane_mb_s = asyncio.run(measure_widget(data))
    return {
        "pane_throughput_ratio": pane_mb_s / pyte_mb_s,
        "pane_mb_s": pane_mb_s,
        "pyte_mb_s": pyte_mb_s,
    }


def main() -> None:
    for name, value in measure_pane_throughput().items():
        print(f"{name}={value:.3f}")


if __name__ == "__main__":
    main()
