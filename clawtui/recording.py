"""Masked recordings of the panes: asciicast v2 files that never hold the token or the code.

Support engineers share recordings of onboarding calls. Session recorders write what the box
printed, secrets included; clawtui masks them *when writing*: the byte stream itself goes through
a `StreamMasker` before a single character reaches the file. Masking at paint time is not enough
here, because a file outlives the process and anyone can replay it with `asciinema play`.

What is masked, in the raw stream (escape sequences and all):
- every `sk-ant-oat01-…` token, also when it is hard-wrapped over several lines the way claude
  prints it (a line break, cursor moves or colour codes, one space, and a line of nothing but
  token characters), when it is split across chunks, and inside an OSC 8 link (target or text);
- every secret the runner registers before it is sent: the customer's code (claude 2.1.197
  echoes it in full) and, once captured, the token itself, wherever they appear.

Each masked character becomes one `•` (same width, so the replayed screen has the live pane's
layout); a token keeps its prefix and last 4 characters, as the panes show it. To mask a secret
split across chunks the masker holds back a bounded tail of the stream (`HOLD` characters) that
could still be, or continue, a secret, and writes it at `close()`. Timestamps stay those of the
chunks the text came in.

Pure Python, no Textual: the runner records, the TUI's replay screen reads.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from .redact import BULLET, TOKEN_ALPHABET, TOKEN_PATTERN, TOKEN_PREFIX

__all__ = [
    "CastWriter",
    "Recorder",
    "StreamMasker",
    "read_cast",
    "last_recording",
    "recordings_dir",
]

# ---------------------------------------------------------------------------- the raw stream

# Escape sequences, as a terminal parses them. OSC and other strings are bounded so that a box
# cannot make one "sequence" swallow the rest of the stream.
_CSI_STAY = r"\x1b\[[0-?]*[ -/]*(?![ABEFHfd])[@-~]"  # no change of line
_CSI_MOVE = r"\x1b\[[0-?]*[ -/]*[ABEFHfd]"  # cursor up/down, next/previous line, position
_OSC = r"\x1b\][^\x07\x1b]{0,1024}(?:\x07|\x1b\\)"
_STRING = r"\x1b[PX^_][^\x1b]{0,1024}\x1b\\"
_ESC_STAY = r"\x1b(?![DEM\[\]PX^_])[ -/]*[0-~]"
_ESCAPE = re.compile(f"{_CSI_STAY}|{_CSI_MOVE}|{_OSC}|{_STRING}|{_ESC_STAY}|\\x1b[DEM]")
# Things that may sit between two lines of a hard-wrapped secret: what keeps to the line (colour,
# column moves, links, CR, a space) and what moves to another line.
_STAY = f"(?:{_CSI_STAY}|{_OSC}|{_STRING}|{_ESC_STAY}|\\r| )"
_MOVE = f"(?:\\n|{_CSI_MOVE}|\\x1b[DEM])"
_GAP = 12  # at most this many such things between two pieces of a secret
_SEPARATOR = f"{_STAY}{{0,{_GAP}}}{_MOVE}(?:{_STAY}|{_MOVE}){{0,{_GAP}}}"
# A continuation line holds nothing but secret characters: after it comes a line change.
_LINE_END = f"(?={_STAY}{{0,{_GAP}}}(?:{_MOVE}|\\Z))"
_RUN = 1024  # longest line of a wrapped secret looked for

_TOKEN_RE = re.compile(
    re.escape(TOKEN_PREFIX)
    + f"[{TOKEN_ALPHABET}]{{1,{_RUN}}}"
    + f"(?:{_SEPARATOR}[{TOKEN_ALPHABET}]{{1,{_RUN}}}{_LINE_END})*"
)
_SEPARATOR_CHARS = "\r\n "

#: Characters held back at the end of the stream: longer than any secret with its separators
#: (separators are at most 2 x `_GAP` bounded sequences), so a secret that ends further back
#: than this can no longer grow.
HOLD = 2 * (_GAP + 1) * 1040 + 2 * _RUN
#: Beyond this, a secret that keeps growing (only a hostile box does that) is written masked.
MAX_HELD = 4 * HOLD
#: Registered secrets shorter than this are not masked on their own (they would mask words).
MIN_SECRET = 6


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    keep_start: int  # visible characters kept at each end (the token's prefix and last 4)
    keep_end: int


class StreamMasker:
    """Masks secrets in a stream of text given in chunks; see the module docstring.

    `feed(text, t)` and `close()` return the masked text that is safe to write, as
    `(time, text)` pieces that keep the time each piece was fed at.
    """

    def __init__(self) -> None:
        self._buffer = ""
        self._times: list[tuple[int, float]] = []  # (offset in the buffer, time it came at)
        self._literals: list[tuple[str, bool]] = []  # (secret, is a token)
        self._known: set[str] = set()

    def add_secret(self, secret: str) -> None:
        """Mask `secret` wherever it appears from now on, even cut by escapes or line breaks."""
        if len(secret) < MIN_SECRET or secret in self._known:
            return
        self._known.add(secret)
        # Found in the stream's visible characters (see `_visible`), not by a regex of the
        # secret with every possible gap between its characters: that one took ~60 ms to
        # compile for a token, on the event loop every pane and the UI share.
        self._literals.append((secret, secret.startswith(TOKEN_PREFIX)))

    def feed(self, text: str, t: float) -> list[tuple[float, str]]:
        if not text:
            return []
        self._times.append((len(self._buffer), t))
        self._buffer += text
        if len(self._buffer) < 2 * HOLD:
            return []  # nothing to decide yet: cheap for a stream of tiny chunks
        return self._emit(final=False)

    def close(self) -> list[tuple[float, str]]:
        """Everything still held, masked: the end of the stream."""
        return self._emit(final=True)

    # ------------------------------------------------------------------------------ inside

    def _matches(self, text: str) -> list[_Match]:
        found: list[_Match] = []
        for match in _TOKEN_RE.finditer(text):
            found.append(_Match(match.start(), match.end(), len(TOKEN_PREFIX), -1))
        if not self._literals:
            return found
        visible, offsets = _visible(text)
        for secret, token in self._literals:
            at = visible.find(secret)
            while at >= 0:
                start, end = offsets[at], offsets[at + len(secret) - 1] + 1
                if token:  # shown as the panes show a token: prefix and last 4 kept
                    found.append(_Match(start, end, len(TOKEN_PREFIX), -1))
                else:
                    found.append(_Match(start, end, 0, 0))
                at = visible.find(secret, at + 1)
        return found

    def _emit(self, *, final: bool) -> list[tuple[float, str]]:
        text = self._buffer
        matches = self._matches(text)
        cut = len(text) if final else len(text) - HOLD
        if not final:
            for match in matches:
                if match.start < cut <= match.end:
                    cut = min(cut, match.start)
            if cut <= 0 and len(text) > MAX_HELD:
                cut = len(text) - HOLD  # a secret that never ends: write it masked anyway
                matches = [
                    _Match(m.start, m.end, m.keep_start, 0) if m.end > cut else m for m in matches
                ]
        if cut <= 0:
            return []
        masked = list(text[:cut])
        for match in matches:
            if match.start < cut:
                _mask_into(masked, text, match, cut)
        out = "".join(masked)
        pieces = self._pieces(out, cut)
        self._buffer = text[cut:]
        rest = [(offset - cut, t) for offset, t in self._times if offset >= cut]
        last_before = [t for offset, t in self._times if offset < cut]
        if self._buffer and (not rest or rest[0][0] > 0) and last_before:
            rest.insert(0, (0, last_before[-1]))  # the held text keeps the time it came at
        self._times = rest
        return pieces

    def _pieces(self, out: str, cut: int) -> list[tuple[float, str]]:
        pieces: list[tuple[float, str]] = []
        starts = [offset for offset, _ in self._times] + [cut]
        for (offset, t), end in zip(self._times, starts[1:], strict=False):
            if offset >= cut:
                break
            piece = out[offset : min(end, cut)]
            if piece:
                pieces.append((t, piece))
        return pieces


def _visible(text: str) -> tuple[str, list[int]]:
    """The characters of `text` outside escape sequences and line separators (what a wrapped,
    coloured secret is made of on screen), and the offset of each in `text`."""
    chars: list[str] = []
    offsets: list[int] = []
    index = 0
    for escape in (*_ESCAPE.finditer(text), None):
        stop = escape.start() if escape is not None else len(text)
        for offset in range(index, stop):
            char = text[offset]
            if char not in _SEPARATOR_CHARS:
                chars.append(char)
                offsets.append(offset)
        if escape is not None:
            index = escape.end()
    return "".join(chars), offsets


def _mask_into(masked: list[str], text: str, match: _Match, cut: int) -> None:
    """Put bullets over the match's secret characters; escapes inside it are kept but their
    own text (an OSC 8 target) is masked too."""
    positions: list[int] = []
    segment = text[match.start : match.end]
    index = 0
    while index < len(segment):
        escape = _ESCAPE.match(segment, index)
        if escape is not None:
            start = match.start + escape.start()
            inner = mask_text(escape.group())
            for offset, char in enumerate(inner):
                if start + offset < cut:
                    masked[start + offset] = char
            index = escape.end()
            continue
        if segment[index] not in _SEPARATOR_CHARS:
            positions.append(match.start + index)
        index += 1
    if match.keep_end < 0:  # a token: as the panes show it
        keep_start, keep_end = TOKEN_PATTERN.visible(len(positions))
    else:
        keep_start, keep_end = match.keep_start, match.keep_end
    hidden = positions[keep_start : len(positions) - keep_end]
    for position in hidden:
        if position < cut:
            masked[position] = BULLET


def mask_text(text: str) -> str:
    """`text` (one complete piece, e.g. an escape sequence) with every token masked 1:1."""

    def replace(match: re.Match[str]) -> str:
        secret = match.group()
        start, end = TOKEN_PATTERN.visible(len(secret))
        middle = len(secret) - start - end
        return secret[:start] + BULLET * middle + secret[len(secret) - end :]

    return re.sub(re.escape(TOKEN_PREFIX) + f"[{TOKEN_ALPHABET}]+", replace, text)


# ---------------------------------------------------------------------------- asciicast v2


class CastWriter:
    """One pane's recording: an asciicast v2 file, written through a `StreamMasker`.

    The file is created 0600 in a 0700 folder (it shows the customer's box). `write` takes the
    raw bytes from SSH; they are decoded incrementally (a UTF-8 sequence split across chunks is
    kept for the next one).
    """

    def __init__(
        self,
        path: Path,
        columns: int,
        lines: int,
        *,
        title: str = "",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self._clock = clock
        self._start = clock()
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.masker = StreamMasker()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._file: IO[str] | None = os.fdopen(fd, "w", encoding="utf-8")
        header: dict[str, Any] = {
            "version": 2,
            "width": columns,
            "height": lines,
            "timestamp": int(time.time()),
            "env": {"TERM": "xterm-256color"},
        }
        if title:
            header["title"] = title
        self._file.write(json.dumps(header) + "\n")
        self._file.flush()

    @property
    def closed(self) -> bool:
        return self._file is None

    def _now(self) -> float:
        return round(max(0.0, self._clock() - self._start), 6)

    def write(self, data: bytes) -> None:
        if self._file is None:
            return
        self._events(self.masker.feed(self._decoder.decode(data), self._now()), "o")

    def resize(self, columns: int, lines: int) -> None:
        if self._file is None:
            return
        # The text before the resize goes first, masked (a resize ends any secret on screen).
        now = self._now()
        self._events(self.masker.close(), "o")
        self._file.write(json.dumps([now, "r", f"{columns}x{lines}"]) + "\n")
        self._file.flush()

    def add_secret(self, secret: str) -> None:
        self.masker.add_secret(secret)

    def close(self) -> None:
        if self._file is None:
            return
        tail = self._decoder.decode(b"", final=True)
        pieces = self.masker.feed(tail, self._now()) if tail else []
        self._events(pieces + self.masker.close(), "o")
        self._file.close()
        self._file = None

    def _events(self, pieces: Iterable[tuple[float, str]], kind: str) -> None:
        assert self._file is not None
        wrote = False
        for t, text in pieces:
            self._file.write(json.dumps([t, kind, text], ensure_ascii=False) + "\n")
            wrote = True
        if wrote:
            self._file.flush()


def recordings_dir(state: Path) -> Path:
    """Where recordings go by default: `recordings/` in the state folder (beside the audit)."""
    return state / "recordings"


class Recorder:
    """The recordings of one onboarding run: one `CastWriter` per pane program started.

    Files go to `FOLDER/BOX/<UTC time>-<pane>.cast`. Secrets registered here reach every pane's
    masker, those already open and those opened later.
    """

    def __init__(self, folder: Path, box: str) -> None:
        self.folder = Path(folder).expanduser()
        self.box = box
        self.paths: list[Path] = []
        self._writers: dict[str, CastWriter] = {}
        self._secrets: list[str] = []

    def open(self, pane: str, columns: int, lines: int) -> CastWriter:
        self.close(pane)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        path = self.folder / self.box / f"{stamp}-{pane}.cast"
        writer = CastWriter(path, columns, lines, title=f"clawtui {self.box} {pane}")
        for secret in self._secrets:
            writer.add_secret(secret)
        self._writers[pane] = writer
        self.paths.append(path)
        return writer

    def writer(self, pane: str) -> CastWriter | None:
        return self._writers.get(pane)

    def add_secret(self, secret: str) -> None:
        if secret not in self._secrets:
            self._secrets.append(secret)
        for writer in self._writers.values():
            writer.add_secret(secret)

    def close(self, pane: str) -> None:
        writer = self._writers.pop(pane, None)
        if writer is not None:
            writer.close()

    def close_all(self) -> None:
        for pane in list(self._writers):
            self.close(pane)


# ---------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Cast:
    width: int
    height: int
    events: tuple[tuple[float, str, str], ...]

    @property
    def duration(self) -> float:
        return self.events[-1][0] if self.events else 0.0


def read_cast(path: Path) -> Cast:
    """An asciicast v2 file; `ValueError` says what is wrong with it."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    if not lines:
        raise ValueError(f"{path} is empty, not an asciicast recording")
    try:
        header = json.loads(lines[0])
    except ValueError:
        raise ValueError(f"{path} is not an asciicast recording (no JSON header)") from None
    if not isinstance(header, dict) or header.get("version") != 2:
        raise ValueError(f"{path} is not an asciicast v2 recording")
    events: list[tuple[float, str, str]] = []
    for line in lines[1:]:
        try:
            t, kind, data = json.loads(line)
            events.append((float(t), str(kind), str(data)))
        except (ValueError, TypeError):
            continue  # a torn last line: play what there is
    return Cast(int(header.get("width", 80)), int(header.get("height", 24)), tuple(events))


def iter_recordings(folder: Path, box: str) -> Iterator[Path]:
    yield from sorted((Path(folder) / box).glob("*.cast"))


def last_recording(folder: Path, box: str) -> Path | None:
    """The newest recording of `box`'s setup pane (link, code, token), else its newest one."""
    paths = list(iter_recordings(folder, box))
    setups = [path for path in paths if path.name.endswith("-setup.cast")]
    if setups:
        return setups[-1]
    return paths[-1] if paths else None
