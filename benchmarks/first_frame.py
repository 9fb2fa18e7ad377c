"""How long `clawtui demo` takes to show its box list, as an operator sees it in a terminal.

The demo runs as a child process in a real pseudo-terminal of 120x40, exactly as from a shell:
Python starting, Textual and clawtui importing, the built-in simulated fleet starting, the first
frame drawn. Its output is fed to a `TerminalModel` (which also answers the terminal queries
Textual sends, as a terminal would) and the clock stops after the chunk that put the first demo
box's name on the screen. Then the demo is asked to quit (Ctrl+Q), and stopped harder if it
does not.
"""

from __future__ import annotations

import errno
import fcntl
import os
import select
import signal
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

from common import ROOT, BenchError

from clawtui.sim.boxes import DEMO_BOXES
from clawtui.terminal import TerminalModel

COLUMNS, LINES = 120, 40
TIMEOUT = 30.0
QUIT_KEY = b"\x11"  # Ctrl+Q: Textual's quit binding


def _demo_argv() -> list[str]:
    script = Path(sys.executable).with_name("clawtui")
    if script.exists():
        return [str(script), "demo"]  # the console script an operator runs
    return [sys.executable, "-m", "clawtui", "demo"]


def _read(fd: int, timeout: float) -> bytes | None:
    """Output of the child, b"" at its end, None if nothing came within `timeout`."""
    ready, _, _ = select.select([fd], [], [], max(0.0, timeout))
    if not ready:
        return None
    try:
        return os.read(fd, 65536)
    except OSError as error:
        if error.errno == errno.EIO:  # the child closed the terminal
            return b""
        raise


def _reap(pid: int, timeout: float, fd: int) -> int | None:
    """Wait for the child to exit (draining its output meanwhile); its wait status, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if _read(fd, 0.05) == b"":
            done, status = os.waitpid(pid, 0)
            return status
    return None


def _launch(argv: list[str], env: dict[str, str], cwd: str) -> tuple[int, int]:
    """Start `argv` in a new session on a new 120x40 pseudo-terminal: (pid, master fd)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    pid = os.fork()
    if pid == 0:  # the child: the terminal becomes its controlling terminal and stdio
        try:
            os.close(master)
            os.chdir(cwd)
            os.login_tty(slave)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    os.close(slave)
    return pid, master


def measure_first_frame() -> tuple[dict[str, float], list[str]]:
    try:
        from clawtui.tui.app import run_demo  # noqa: F401
    except ImportError as error:
        raise BenchError(f"`clawtui demo` cannot run yet: {error}") from None
    target = DEMO_BOXES[0].name
    with tempfile.TemporaryDirectory(prefix="clawtui-bench-demo-") as temp:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TEXTUAL", "COLUMNS", "LINES"))
        }
        env.update(
            TERM="xterm-256color",
            COLORTERM="truecolor",
            CLAWTUI_CONFIG_DIR=str(Path(temp) / "config"),
            CLAWTUI_STATE_DIR=str(Path(temp) / "state"),
            PYTHONPATH=str(ROOT),
        )
        model = TerminalModel(COLUMNS, LINES)
        argv = _demo_argv()
        start = time.perf_counter()
        pid, master = _launch(argv, env, temp)

        def answer(data: bytes) -> None:  # the terminal's replies to Textual's queries
            os.write(master, data)

        model.respond = answer
        output = bytearray()
        elapsed: float | None = None
        try:
            deadline = start + TIMEOUT
            while True:
                data = _read(master, deadline - time.perf_counter())
                if data is None:
                    break
                if not data:
                    break
                output += data
                model.feed(data)
                if any(target in line for line in model.screen_lines()):
                    elapsed = time.perf_counter() - start
                    break
        finally:
            quit_status = _stop(pid, master)
            os.close(master)
    if elapsed is None:
        shown = "\n".join(line for line in model.screen_lines() if line.strip())
        raise BenchError(
            f"`{' '.join(argv)}` showed no {target!r} within {TIMEOUT:g} s "
            f"(wait status {quit_status}); its screen:\n{shown or '(blank)'}"
        )
    quit_note = "quit on Ctrl+Q" if quit_status == 0 else f"ended with status {quit_status}"
    notes = [
        f"first_frame_s: `{Path(argv[0]).name} {' '.join(argv[1:])}` in a {COLUMNS}x{LINES} "
        f"PTY, {len(output)} bytes until {target!r} showed; then it {quit_note}",
    ]
    return {"first_frame_s": elapsed}, notes


def _stop(pid: int, master: int) -> int | None:
    """Quit the demo as an operator would; SIGTERM, then SIGKILL, if it does not go."""
    try:
        os.write(master, QUIT_KEY)
    except OSError:
        pass
    status = _reap(pid, 10.0, master)
    if status is None:
        os.kill(pid, signal.SIGTERM)
        status = _reap(pid, 5.0, master)
    if status is None:
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) if status is not None else None
