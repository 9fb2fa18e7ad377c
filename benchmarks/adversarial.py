"""How fast the terminal model takes what a hostile or broken box prints.

All panes share one event loop: a stream that costs the model far more per byte than ordinary
output stalls every box of a batch and the UI. This feeds a `TerminalModel` (120x40, the
default 5,000-row scrollback) a fixed 2 MB mix of the streams the fuzz tests use
(tests/unit/test_fuzz.py): huge and colon-separated parameters, parameters sent with the 8-bit CSI,
long OSC/DCS/APC strings (terminated or not), invalid UTF-8, piles of combining marks on one
cell, wide characters at the right margin, with resizes (down to 1x1 and 0x0) between chunks.
Each kind makes up an eighth of the bytes; the chunks are 1 byte to 16 KiB long. Same seed,
same bytes, every run.

Run `python benchmarks/adversarial.py` for `name=value` lines. The figure is MB/s of this
process's CPU time (`time.process_time`) spent in `feed` and `resize`; goal at least 0.5.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from clawtui.terminal import TerminalModel  # noqa: E402

COLUMNS = 120
LINES = 40
TOTAL = 2_000_000
SEED = 8
_ESC = b"\x1b"
_CSI8 = "\x9b".encode()
_FINALS = b"mHfABCDGJKLPSTX@`bdr"
_SIZES = ((0, 0), (1, 1), (2, 1), (40, 10), (80, 24), (COLUMNS, LINES), (200, 60))


def _digits(rng: random.Random) -> bytes:
    return b"9" * rng.randrange(1, 6000)


def _huge_parameters(rng: random.Random) -> bytes:
    intro = rng.choice((_ESC + b"[", _ESC + b"[?", _CSI8))
    sep = rng.choice((b";", b":", b";", b"\n"))
    return intro + _digits(rng) + sep + _digits(rng) + bytes([rng.choice(_FINALS)])


def _colon_sgr(rng: random.Random) -> bytes:
    head = rng.choice((b"38:5:", b"48:2::", b"38:2::1:2:", b"4:", b"58:5:"))
    return _ESC + b"[" + head + _digits(rng) + b"m"


def _odd_csi(rng: random.Random) -> bytes:
    count = rng.randrange(0, 9)
    params = b";".join(str(rng.choice((0, 1, 4, 7, 9999, 65535))).encode() for _ in range(count))
    return _ESC + b"[" + rng.choice((b"", b"?", b">")) + params + bytes([rng.choice(_FINALS)])


def _long_string(rng: random.Random) -> bytes:
    payload = b"x" * rng.randrange(100, 100_000)
    if rng.random() < 0.25:
        # A hyperlink with a huge target around some text, closed as claude closes its links
        # (text inside an open link is drawn cell by cell: see the README).
        target = _ESC + b"]8;;https://claude.ai/oauth/authorize?" + payload
        return target + rng.choice((b"\x07", _ESC + b"\\")) + b"sign in" + _ESC + b"]8;;\x07"
    opener = rng.choice((_ESC + b"]0;", _ESC + b"]52;c;", _ESC + b"P", _ESC + b"_G"))
    end = rng.choice((b"\x07", _ESC + b"\\", b""))  # unterminated: the next ESC aborts it
    return opener + payload + end


def _invalid_utf8(rng: random.Random) -> bytes:
    return bytes(rng.randrange(0x80, 0x100) for _ in range(rng.randrange(16, 512)))


def _combining(rng: random.Random) -> bytes:
    mark = rng.choice(("\u0301", "\u0308", "\u20dd"))
    return (rng.choice("a世 ") + mark * rng.randrange(10, 5000)).encode()


def _wide_at_margin(rng: random.Random) -> bytes:
    char = rng.choice(("世", "🎉", "ｗ"))
    column = rng.choice((COLUMNS - 1, COLUMNS, 1))
    return f"\x1b[{column}G{char * rng.randrange(1, 200)}".encode()


def _text(rng: random.Random) -> bytes:
    return b"plain output line, as a program would print it\r\n" * rng.randrange(1, 20)


_PIECES: tuple[Callable[[random.Random], bytes], ...] = (
    _huge_parameters,
    _colon_sgr,
    _odd_csi,
    _long_string,
    _invalid_utf8,
    _combining,
    _wide_at_margin,
    _text,
)


def adversarial_steps(total: int = TOTAL, *, seed: int = SEED) -> list[bytes | tuple[int, int]]:
    """The fixed mix: byte chunks to feed, and (columns, lines) resizes between them."""
    rng = random.Random(seed)
    # Each kind of stream gets an equal share of the bytes, so that the cheap long strings do
    # not make up most of the mix; the pieces are then shuffled together.
    pieces: list[bytes] = []
    for make in _PIECES:
        share = 0
        while share < total // len(_PIECES):
            piece = make(rng)
            pieces.append(piece)
            share += len(piece)
    rng.shuffle(pieces)
    stream = bytearray(b"".join(pieces)[:total])
    steps: list[bytes | tuple[int, int]] = []
    offset = 0
    while offset < total:
        size = rng.choice((1, 7, 64, 512, 4096, 16384))
        steps.append(bytes(stream[offset : offset + size]))
        offset += size
        if rng.random() < 0.02:
            steps.append(rng.choice(_SIZES))
    return steps


def measure_adversarial() -> tuple[dict[str, float], list[str]]:
    steps = adversarial_steps()
    model = TerminalModel(COLUMNS, LINES)
    resizes = 0
    started = time.process_time()
    for step in steps:
        if isinstance(step, tuple):
            model.resize(*step)
            resizes += 1
        else:
            model.feed(step)
    spent = time.process_time() - started
    model.snapshot()  # what the flow reads must still work
    rate = TOTAL / spent / 1e6
    note = (
        f"adversarial_mb_s: {TOTAL / 1e6:.1f} MB of hostile streams in {len(steps) - resizes} "
        f"chunks with {resizes} resizes, {spent:.2f} s CPU (seed {SEED})"
    )
    return {"adversarial_mb_s": rate}, [note]


if __name__ == "__main__":
    values, notes = measure_adversarial()
    for name, value in values.items():
        print(f"{name}={value:.3f}")
    for line in notes:
        print(f"# {line}")
