"""What the simulated programs share: raw mode, input decoding, event loop, Ink layout, delays.

The simulated `claude` and `openclaw` run on a "box" as ordinary executables reading a real
terminal, so this module is standard library only and never imports textual or anything from
clawtui outside `clawtui.sim`. It reproduces the terminal habits the recordings show (Node's raw
mode keeps output post-processing on, so a program's `\\r\\n` reaches the terminal as `\\r\\r\\n`;
Ink places words with `ESC[nG` instead of spaces) so that a parser written against the real
recordings reads the simulators the same way.
"""

from __future__ import annotations

import codecs
import os
import re
import sys
import time
from abc import ABC, abstractmethod

from clawtui.sim.config import DELAYS_LOG, SimConfig

# Every simulated command is a new Python process, so this module imports at the top only what
# every command needs: the rest is imported where it is used, and `typing` (3 ms) not at all.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import asyncio
    from collections.abc import Coroutine, Iterable, Sequence
    from typing import Any, Final

    from clawtui.sim.config import StrPath

ESC = "\x1b"
CSI = "\x1b["
BEL = "\x07"

#: What every real build emits first and what it restores on the way out.
SAVE_RESTORE_SCROLL_REGION = "\x1b7\x1b[r\x1b8"
HIDE_CURSOR = "\x1b[?25l"
SHOW_CURSOR = "\x1b[?25h"
PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"


def load_config(home: str | None = None) -> tuple[SimConfig, str]:
    """The box's settings from `$HOME/.clawsim.json`; defaults when it is missing, so that the
    programs also run by hand outside a demo box. Also HOME itself."""
    if home is None:
        home = os.environ.get("HOME") or os.path.expanduser("~")
    try:
        return SimConfig.load(home), home
    except (OSError, ValueError, TypeError):
        import socket  # here: only this fallback needs it

        return SimConfig(box=socket.gethostname() or "localhost"), home


class Delays:
    """Every wait a simulated program makes on purpose goes through here.

    The wait is multiplied by `time_scale` and the scaled value is appended to `delays_log(HOME)`
    (one float a line), so a benchmark can subtract the simulator's own time from a wall-clock
    measurement. A scale of 0 never sleeps.
    """

    def __init__(self, config: SimConfig, home: StrPath) -> None:
        self.scale = max(0.0, float(config.time_scale))
        self.log_path = os.path.join(home, DELAYS_LOG)  # as `delays_log(home)`, without pathlib

    def scaled(self, seconds: float) -> float:
        value = seconds * self.scale
        try:
            os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
            with open(self.log_path, "a", encoding="utf-8") as log:
                log.write(f"{value:.6f}\n")
        except OSError:
            pass  # a read-only HOME must not break the program being simulated
        return value

    async def wait(self, seconds: float) -> None:
        import asyncio  # here: a command that never waits starts without it (50 ms)

        value = self.scaled(seconds)
        if value > 0:
            await asyncio.sleep(value)

    def wait_blocking(self, seconds: float) -> None:
        value = self.scaled(seconds)
        if value > 0:
            time.sleep(value)


def terminal_size(*fds: int) -> tuple[int, int]:
    """(columns, rows) of the terminal on the first fd that is one; 80x24 when none says."""
    import fcntl  # here: most commands never look at a terminal
    import struct
    import termios

    for fd in fds or (0, 1, 2):
        try:
            packed = fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8)
        except OSError:
            continue
        rows, cols = struct.unpack("HHHH", packed)[:2]
        if cols > 0 and rows > 0:
            return cols, rows
    return 80, 24


class RawMode:
    """Node's `setRawMode(true)` as libuv does it: no echo, no line editing, no signals from
    keys, no CR→NL on input, but output post-processing stays on (NL→CRNL)."""

    def __init__(self, fd: int = 0) -> None:
        self.fd = fd
        self.saved: list | None = None  # type: ignore[type-arg]

    def __enter__(self) -> RawMode:
        import termios  # here: most commands never touch a terminal

        try:
            self.saved = termios.tcgetattr(self.fd)
        except termios.error:
            self.saved = None
            return self
        mode = termios.tcgetattr(self.fd)
        mode[0] &= ~(termios.BRKINT | termios.ICRNL | termios.INPCK | termios.ISTRIP | termios.IXON)
        mode[1] |= termios.OPOST | termios.ONLCR
        mode[2] |= termios.CS8
        mode[3] &= ~(termios.ECHO | termios.ICANON | termios.IEXTEN | termios.ISIG)
        mode[6][termios.VMIN] = 1
        mode[6][termios.VTIME] = 0
        try:
            termios.tcsetattr(self.fd, termios.TCSANOW, mode)
        except termios.error:
            self.saved = None
        return self

    def __exit__(self, *exc: object) -> None:
        import termios

        if self.saved is not None:
            try:
                termios.tcsetattr(self.fd, termios.TCSANOW, self.saved)
            except termios.error:
                pass  # the terminal is gone (hang-up): nothing left to restore


class TerminalGone(Exception):
    """The terminal went away (EOF, EIO, hang-up): the real programs then exit quietly."""


class Output:
    """Writes text to the terminal (fd 1), all of it, turning a dead terminal into TerminalGone."""

    def __init__(self, fd: int = 1) -> None:
        self.fd = fd

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        while data:
            try:
                written = os.write(self.fd, data)
            except BlockingIOError:
                time.sleep(0.001)  # a full PTY buffer: wait for the reader to catch up
                continue
            except OSError as error:
                raise TerminalGone(str(error)) from error
            data = data[written:]


# --- input --------------------------------------------------------------------------------------


class _Value:
    """An immutable value compared, hashed and shown by the fields its `__slots__` name: a plain
    class rather than a frozen dataclass, for the same reason as `SimConfig` (every simulated
    command is a new process, and `dataclasses` costs each about 10 ms to import)."""

    __slots__: tuple[str, ...] = ()

    def _fields(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, _Value)
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


class Key(_Value):
    """One thing the user did: `kind` is text, paste, enter, linefeed, backspace, ctrl_c, or
    ignored (escape sequences such as terminal replies, arrows and focus reports)."""

    __slots__ = ("kind", "text")

    def __init__(self, kind: str, text: str = "") -> None:
        self.kind: Final = kind
        self.text: Final = text


_CSI_TAIL = re.compile(r"[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]")


class InputDecoder:
    """Turns the bytes a terminal sends into `Key`s, keeping incomplete sequences for later.

    Bracketed pastes (`ESC[200~`…`ESC[201~`) arrive as one paste whatever the program asked
    for, as xterm-compatible terminals and clawtui may send them anyway. Replies to the
    programs' terminal queries (DA1 `ESC[?…c`, OSC 11, kitty `ESC[?…u`, DCS) are ignored.
    """

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self._paste: list[str] | None = None
        self._last_cr = False

    def feed(self, data: bytes) -> list[Key]:
        text = self._pending + self._decoder.decode(data)
        self._pending = ""
        keys: list[Key] = []
        i = 0
        n = len(text)
        while i < n:
            if self._paste is not None:
                end = text.find(PASTE_END, i)
                if end < 0:
                    # keep a possible partial end marker for the next chunk
                    keep = _partial_suffix(text, i, PASTE_END)
                    self._paste.append(text[i : n - keep])
                    self._pending = text[n - keep :]
                    return keys
                self._paste.append(text[i:end])
                keys.append(Key("paste", "".join(self._paste)))
                self._paste = None
                i = end + len(PASTE_END)
                continue
            char = text[i]
            if char == ESC:
                consumed = self._escape(text, i, keys)
                if consumed == 0:
                    self._pending = text[i:]
                    return keys
                i += consumed
                self._last_cr = False
                continue
            if char == "\r":
                keys.append(Key("enter"))
                self._last_cr = True
                i += 1
                continue
            if char == "\n":
                if not self._last_cr:
                    keys.append(Key("linefeed"))
                self._last_cr = False
                i += 1
                continue
            self._last_cr = False
            if char in ("\x7f", "\x08"):
                keys.append(Key("backspace"))
            elif char == "\x03":
                keys.append(Key("ctrl_c"))
            elif char == "\x15":
                keys.append(Key("ctrl_u"))
            elif char < " ":
                keys.append(Key("ignored", char))
            else:
                j = i
                while j < n and text[j] >= " " and text[j] != "\x7f":
                    j += 1
                keys.append(Key("text", text[i:j]))
                i = j
                continue
            i += 1
        return keys

    def _escape(self, text: str, i: int, keys: list[Key]) -> int:
        """Length of the escape sequence at `i` (0 when incomplete), appending what it means."""
        n = len(text)
        if i + 1 >= n:
            return 0
        intro = text[i + 1]
        if intro == "[":
            match = _CSI_TAIL.match(text, i + 2)
            if match is None:
                # incomplete unless an invalid byte shows it never will be a CSI sequence
                rest = text[i + 2 :]
                if all("\x20" <= c <= "\x3f" for c in rest):
                    return 0
                keys.append(Key("ignored", text[i : i + 2]))
                return 2
            sequence = text[i : match.end()]
            if sequence == PASTE_START:
                self._paste = []
            else:
                keys.append(Key("ignored", sequence))
            return match.end() - i
        if intro in "]P_^X":
            # OSC ends with BEL or ST; DCS/APC/PM/SOS with ST
            for j in range(i + 2, n):
                if text[j] == BEL and intro == "]":
                    keys.append(Key("ignored", text[i : j + 1]))
                    return j + 1 - i
                if text[j] == ESC:
                    if j + 1 >= n:
                        return 0
                    if text[j + 1] == "\\":
                        keys.append(Key("ignored", text[i : j + 2]))
                        return j + 2 - i
            return 0
        if intro == "O":
            if i + 2 >= n:
                return 0
            keys.append(Key("ignored", text[i : i + 3]))
            return 3
        keys.append(Key("ignored", text[i : i + 2]))  # Alt+key
        return 2


def _partial_suffix(text: str, start: int, marker: str) -> int:
    """How many characters at the end of text[start:] could begin `marker`."""
    for size in range(min(len(marker) - 1, len(text) - start), 0, -1):
        if marker.startswith(text[len(text) - size :]):
            return size
    return 0


# --- the program on its terminal ----------------------------------------------------------------


class TerminalProgram(ABC):
    """The event loop of a program that owns its terminal, as both simulated programs run.

    Keys come from fd 0 through an `InputDecoder`; work that waits runs in tasks started with
    `_spawn`. The terminal going away (EOF or EIO on fd 0, SIGHUP, or `TerminalGone` from a
    write) ends the program with status 0 and no word, as the real programs do; an unexpected
    error in a task prints its traceback and ends it with status 1. SIGINT is ignored: in raw
    mode Ctrl-C arrives as a key. SIGTERM writes `_leave_on_terminate` and exits with
    `TERMINATED_STATUS`. A program supplies `_start`, `_on_key` and `_on_resize`.
    """

    #: The exit status after SIGTERM (128 + 15).
    TERMINATED_STATUS = 143

    def __init__(self, out: Output) -> None:
        self.out = out
        self.decoder = InputDecoder()
        self.done: asyncio.Future[int] | None = None
        self.tasks: set[asyncio.Task[None]] = set()

    def run_on_terminal(self) -> int:
        """Run on the terminal at fd 0, in raw mode, until the program ends: its exit status."""
        import asyncio  # here: a command that never waits starts without it (50 ms)

        with RawMode(0):
            try:
                return asyncio.run(self.run())
            except TerminalGone:
                return 0

    async def run(self) -> int:
        import asyncio
        import signal  # here: with asyncio, which imports it anyway

        loop = asyncio.get_running_loop()
        self.done = loop.create_future()
        loop.add_reader(0, self._on_readable)
        loop.add_signal_handler(signal.SIGWINCH, self._on_resize)
        loop.add_signal_handler(signal.SIGHUP, self._finish, 0)
        loop.add_signal_handler(signal.SIGTERM, self._on_terminate)
        loop.add_signal_handler(signal.SIGINT, lambda: None)  # raw mode: Ctrl-C is a key
        self._spawn(self._start())
        try:
            return await self.done
        finally:
            loop.remove_reader(0)
            # Now, not when asyncio.run closes the loop: it closes the signals' wakeup pipe
            # first, and a signal in between (the session's SIGHUP as the program ends) makes
            # Python print "Exception ignored ... signal wakeup fd" on the terminal.
            for number in (signal.SIGWINCH, signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(number)
            for task in list(self.tasks):
                task.cancel()

    @abstractmethod
    async def _start(self) -> None:
        """What the program does from its start until it waits for the user."""

    @abstractmethod
    def _on_key(self, key: Key) -> None:
        """One thing the user did."""

    @abstractmethod
    def _on_resize(self) -> None:
        """The terminal changed size (SIGWINCH)."""

    def _leave_on_terminate(self) -> None:  # noqa: B027 (optional: nothing by default)
        """What the program writes to the terminal when SIGTERM ends it."""

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        import asyncio

        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if isinstance(error, TerminalGone):
            self._finish(0)
        elif error is not None:
            import traceback  # here: only on errors

            traceback.print_exception(error, file=sys.stderr)
            self._finish(1)

    def _finish(self, status: int) -> None:
        if self.done is not None and not self.done.done():
            self.done.set_result(status)

    def _on_readable(self) -> None:
        try:
            data = os.read(0, 4096)
        except OSError:
            data = b""
        if not data:
            # EOF or EIO: the terminal was closed. The real programs exit 0 without a word.
            import asyncio

            asyncio.get_running_loop().remove_reader(0)
            self._finish(0)
            return
        keys = self.decoder.feed(data)
        try:
            self._on_keys(keys)
        except TerminalGone:
            self._finish(0)

    def _on_keys(self, keys: list[Key]) -> None:
        """What one read from the terminal brought (a burst of keys, or a paste)."""
        for key in keys:
            self._on_key(key)

    def _on_terminate(self) -> None:
        try:
            self._leave_on_terminate()
        except TerminalGone:
            pass  # nobody is left to see it
        self._finish(self.TERMINATED_STATUS)


# --- Ink-style layout ---------------------------------------------------------------------------


class Style(_Value):
    """The few SGR attributes the programs use: a 256-colour foreground and bold."""

    __slots__ = ("fg", "bold")

    def __init__(self, fg: int | None = None, bold: bool = False) -> None:
        self.fg: Final = fg
        self.bold: Final = bold

    @property
    def on(self) -> str:
        return (f"\x1b[38;5;{self.fg}m" if self.fg is not None else "") + (
            "\x1b[1m" if self.bold else ""
        )

    @property
    def off(self) -> str:
        return ("\x1b[22m" if self.bold else "") + ("\x1b[39m" if self.fg is not None else "")

    def to(self, other: Style) -> str:
        """The SGR codes that turn this style into `other`, and nothing more (as Ink does)."""
        codes = ""
        if self.bold and not other.bold:
            codes += "\x1b[22m"
        if self.fg != other.fg:
            codes += "\x1b[39m" if other.fg is None else f"\x1b[38;5;{other.fg}m"
        if other.bold and not self.bold:
            codes += "\x1b[1m"
        return codes


PLAIN = Style()


def styled_words(text: str, style: Style = PLAIN) -> list[tuple[str, Style]]:
    return [(word, style) for word in text.split(" ") if word]


def wrap_words(
    words: Sequence[tuple[str, Style]], width: int, indent: int = 1
) -> list[list[tuple[int, str, Style]]]:
    """Greedy word wrap: lines of (column, word, style), 1-based columns starting at `indent`,
    no word past column `width`. A word longer than a line is broken, as Ink does."""
    room = max(1, width - indent + 1)
    lines: list[list[tuple[int, str, Style]]] = []
    line: list[tuple[int, str, Style]] = []
    column = indent
    for word, style in words:
        while len(word) > room:
            if line:
                lines.append(line)
                line = []
            lines.append([(indent, word[:room], style)])
            word = word[room:]
            column = indent
        if not word:
            continue
        if line and column + len(word) - 1 > width:
            lines.append(line)
            line = []
            column = indent
        line.append((column, word, style))
        column += len(word) + 1
    if line or not lines:
        lines.append(line)
    return lines


def render_placed(line: Iterable[tuple[int, str, Style]]) -> str:
    """One laid-out line as Ink writes it: `ESC[nG` before every word instead of spaces."""
    out: list[str] = []
    current = PLAIN
    for column, word, style in line:
        if column > 1:
            out.append(f"\x1b[{column}G")
        if style != current:
            out.append(current.to(style))
            current = style
        out.append(word)
    out.append(current.off)
    return "".join(out)


def ink_paragraph(words: Sequence[tuple[str, Style]], width: int, indent: int = 2) -> list[str]:
    return [render_placed(line) for line in wrap_words(words, width, indent)]


def hard_wrap(text: str, width: int) -> list[str]:
    """Cut text into pieces of `width` characters (the last may be shorter)."""
    width = max(1, width)
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


class FrameRenderer:
    """Ink-like in-place redraws of the program's live area below a static header.

    The live area ("frame") is a list of rendered lines, each no wider than the terminal. A
    redraw moves the cursor up to the first line that changed, erases below and writes the rest;
    when that line has scrolled off the screen, or on a resize, it homes the cursor, clears the
    screen and draws header and frame again, as the real programs do. `cursor` puts the terminal
    cursor inside the frame (row index, 1-based column) and is undone before the next redraw.
    """

    def __init__(self, out: Output, columns: int, rows: int) -> None:
        self.out = out
        self.columns = columns
        self.rows = rows
        self.header: list[str] = []
        self.frame: list[str] = []
        self._cursor_up = 0
        self._cursor_right = 0

    def write_header(self, lines: list[str]) -> None:
        self.header = list(lines)
        self.out.write("".join(line + "\r\n" for line in lines))

    def _park(self) -> str:
        moves = ""
        if self._cursor_right:
            moves += f"\x1b[{self._cursor_right}D"
        if self._cursor_up:
            moves += f"\x1b[{self._cursor_up}B"
        self._cursor_up = self._cursor_right = 0
        return moves

    def _place(self, frame: list[str], cursor: tuple[int, int] | None) -> str:
        if cursor is None:
            return ""
        row, column = cursor
        up = len(frame) - row
        right = column - 1
        self._cursor_up, self._cursor_right = up, right
        return (f"\x1b[{right}C" if right else "") + (f"\x1b[{up}A" if up else "")

    def render(self, frame: list[str], cursor: tuple[int, int] | None = None) -> None:
        old = self.frame
        first = 0
        while first < len(old) and first < len(frame) and old[first] == frame[first]:
            first += 1
        out = self._park()
        if first == len(old) == len(frame):
            self.out.write(out + self._place(frame, cursor))
            return
        up = len(old) - first
        if up >= self.rows:
            self.frame = frame
            self.out.write(out)
            self.redraw_all(cursor)
            return
        if up:
            out += f"\x1b[{up}A"
        out += "\r\x1b[J" + "".join(line + "\r\n" for line in frame[first:])
        self.frame = list(frame)
        self.out.write(out + self._place(frame, cursor))

    def redraw_all(
        self,
        cursor: tuple[int, int] | None = None,
        header: list[str] | None = None,
        frame: list[str] | None = None,
    ) -> None:
        """Home the cursor, clear every row, draw header and frame again (a resize)."""
        if header is not None:
            self.header = list(header)
        if frame is not None:
            self.frame = list(frame)
        out = self._park() + "\x1b[H" + "\x1b[2K\x1b[1B" * self.rows + "\x1b[H"
        out += "".join(line + "\r\n" for line in self.header + self.frame)
        self.out.write(out + self._place(self.frame, cursor))

    def leave(self) -> None:
        """Put the cursor back below the frame (before exit)."""
        self.out.write(self._park())


def ink_raw_mode_error() -> str:
    """What Ink prints when stdin is not a terminal (older builds; the seed saw it)."""
    return (
        "Error: Raw mode is not supported on the current process.stdin, which Ink uses as input "
        "stream by default.\n"
        "Read about how to prevent this error on "
        "https://github.com/vadimdemedes/ink/#israwmodesupported\n"
        "    at handleSetRawMode (file:///usr/lib/node_modules/@anthropic-ai/claude-code/"
        "cli.js:812:3245)\n"
        "    at file:///usr/lib/node_modules/@anthropic-ai/claude-code/cli.js:812:4410\n"
    )


def stdin_is_terminal() -> bool:
    try:
        return os.isatty(0)
    except OSError:
        return False


def eprint(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()
