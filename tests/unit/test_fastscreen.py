"""The fast screen gives exactly pyte's screens, and the pane's model its own slow path's.

pyte is the reference: `FastScreen` (one-step ASCII runs) fed through pyte's own stream must
leave every cell, attributes included, and the cursor as a plain `pyte.Screen` fed the same
bytes; and `TerminalModel` with the fast paths (styled runs handed over by the pre-filter)
must equal the same model with them turned off. Checked on every recording, on a coloured
flood, and on random streams.
"""

from __future__ import annotations

import random

import pyte
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clawtui.fastscreen import FastScreen
from clawtui.terminal import TerminalModel
from tests import replay

TRANSCRIPTS = replay.all_transcripts()


def _screen_state(screen: pyte.Screen) -> tuple[object, ...]:
    """Every cell (pyte's nine fields) and the cursor, without creating rows."""
    blank = tuple(screen.default_char)[:9]
    rows = []
    for y in range(screen.lines):
        row = screen.buffer.get(y)
        rows.append(
            tuple(tuple(row[x])[:9] if row is not None else blank for x in range(screen.columns))
        )
    cursor = screen.cursor
    return tuple(rows), (cursor.x, cursor.y, tuple(cursor.attrs)[:9])


def _pyte_pair(columns: int, lines: int) -> tuple[pyte.ByteStream, pyte.ByteStream]:
    return pyte.ByteStream(pyte.Screen(columns, lines)), pyte.ByteStream(FastScreen(columns, lines))


def _assert_same_as_pyte(chunks: list[bytes], columns: int, lines: int) -> None:
    reference, fast = _pyte_pair(columns, lines)
    for chunk in chunks:
        reference.feed(chunk)
        fast.feed(chunk)
    assert fast.listener is not None and reference.listener is not None
    assert _screen_state(fast.listener) == _screen_state(reference.listener)


def _model_state(model: TerminalModel) -> tuple[object, ...]:
    screen = [tuple(model.screen_cells(y)) for y in range(model.lines)]
    back = [tuple(model.scrollback_cells(i)) for i in range(model.scrollback_len)]
    return tuple(screen), tuple(back), model.cursor, model.text()


def _model_pair(columns: int, lines: int) -> tuple[TerminalModel, TerminalModel]:
    fast = TerminalModel(columns, lines, scrollback=200)
    slow = TerminalModel(columns, lines, scrollback=200)
    slow._screen.fast = False  # pyte's own draw, every SGR dispatched on its own
    return fast, slow


def _assert_model_same_as_slow(chunks: list[bytes], columns: int, lines: int) -> None:
    fast, slow = _model_pair(columns, lines)
    for chunk in chunks:
        fast.feed(chunk)
        slow.feed(chunk)
    assert _model_state(fast) == _model_state(slow)


def coloured_flood(lines: int = 1500, *, seed: int = 11) -> bytes:
    """A build-log flood: 16/256/truecolour, bold and resets, some lines wider than the pane."""
    rng = random.Random(seed)
    words = "build compile link src lib main test util config token vault flow".split()
    out = []
    for number in range(lines):
        fields = [f"\x1b[38;5;{rng.randrange(256)}m{number:06d}\x1b[0m"]
        for _ in range(rng.randrange(3, 14)):
            style = rng.choice(
                (
                    f"\x1b[38;2;{rng.randrange(256)};{rng.randrange(256)};{rng.randrange(256)}m",
                    f"\x1b[1;3{rng.randrange(8)}m",
                    f"\x1b[48;5;{rng.randrange(256)}m",
                    "\x1b[0m",
                    "\x1b[m",
                    "\x1b[7;4m",
                    "\x1b[22;24;27m",
                )
            )
            fields.append(f"{style}{rng.choice(words)}/{rng.choice(words)}.py")
        out.append(" ".join(fields) + "\x1b[0m\r\n")
    return "".join(out).encode()


def _chunked(data: bytes, size: int) -> list[bytes]:
    return [data[start : start + size] for start in range(0, len(data), size)]


# --------------------------------------------------------------------------------- recordings


@pytest.mark.parametrize("transcript", TRANSCRIPTS, ids=lambda t: t.name)
def test_fast_screen_equals_pyte_on_every_recording(transcript: replay.Transcript) -> None:
    _assert_same_as_pyte(list(transcript.chunks()), transcript.cols, transcript.rows)


@pytest.mark.parametrize("transcript", TRANSCRIPTS, ids=lambda t: t.name)
def test_the_model_draws_every_recording_as_its_slow_path(transcript: replay.Transcript) -> None:
    fast, slow = _model_pair(transcript.cols, transcript.rows)
    for step in transcript.steps:
        for model in (fast, slow):
            if step.kind == "out":
                model.feed(step.data)
            elif step.kind == "resize" and step.size is not None:
                model.resize(*step.size)
    assert _model_state(fast) == _model_state(slow)


# --------------------------------------------------------------------------------- the flood


def test_fast_screen_equals_pyte_on_a_coloured_flood() -> None:
    flood = coloured_flood()
    _assert_same_as_pyte(_chunked(flood, 4096), 120, 40)
    _assert_same_as_pyte(_chunked(flood, 4096), 61, 12)  # long lines wrap


def test_the_model_draws_a_coloured_flood_as_its_slow_path() -> None:
    flood = coloured_flood()
    _assert_model_same_as_slow(_chunked(flood, 4096), 120, 40)
    _assert_model_same_as_slow(_chunked(flood, 1000), 61, 12)


def test_the_flood_really_takes_the_fast_paths() -> None:
    # The equality above would hold trivially if nothing went the fast way.
    model = TerminalModel(120, 40)
    drawn: list[int] = []
    original = model._screen.draw_styled

    def counting(text: str, start: int, end: int) -> None:
        drawn.append(end - start)
        original(text, start, end)

    model._screen.draw_styled = counting  # type: ignore[method-assign]
    model.feed(coloured_flood(200))
    assert sum(drawn) > 0.9 * len(coloured_flood(200))


# --------------------------------------------------------------------------------- random


_PIECES = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30),
    st.lists(st.integers(0, 300), max_size=6).map(
        lambda numbers: "\x1b[" + ";".join(map(str, numbers)) + "m"
    ),
    st.sampled_from(
        [
            "\r",
            "\n",
            "\r\n",
            "\t",
            "\x08",
            "\x1b[m",
            "\x1b[0m",
            "\x1b[38;2;1;2m",  # truncated truecolour
            "\x1b[38;5;999m",  # out of range
            "\x1b[48;5m",
            "\x1b[;1;m",
            "\x1b[4h",  # insert mode on
            "\x1b[4l",
            "\x1b[?7l",  # autowrap off
            "\x1b[?7h",
            "\x1b[?5h",  # reverse screen
            "\x1b[?5l",
            "\x1b(0",  # DEC line drawing
            "\x1b(B",
            "\x0e",  # shift out
            "\x0f",
            "\x1b[2J",
            "\x1b[H",
            "\x1b[3;5H",
            "\x1b[5D",
            "\x1b[2K",
            "\x1b[3@",
            "\x1b[2P",
            "\x1b[1;4r",
            "\x1b[r",
            "\x1bM",
            "\x1b7",
            "\x1b8",
            "界",
            "─│╭╮✻…",  # one cell each, past Latin-1: the fast path draws them too
            "é—",
            "e\u0301",
            "\u0301",
            "é",
            "\u200b",
            "\x1b[3b",  # REP
        ]
    ),
)
_STREAMS = st.lists(_PIECES, max_size=60).map("".join)
_SIZES = st.tuples(st.integers(1, 24), st.integers(1, 8))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_STREAMS, size=_SIZES, cut=st.integers(1, 64))
def test_fast_screen_equals_pyte_on_random_streams(
    text: str, size: tuple[int, int], cut: int
) -> None:
    _assert_same_as_pyte(_chunked(text.encode(), cut), *size)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_STREAMS, size=_SIZES, cut=st.integers(1, 64))
def test_the_model_draws_random_streams_as_its_slow_path(
    text: str, size: tuple[int, int], cut: int
) -> None:
    _assert_model_same_as_slow(_chunked(text.encode(), cut), *size)


@pytest.mark.parametrize(
    "text",
    [
        "\x1b[?7labcdefghij",  # autowrap off: the last column takes each character in turn
        "\x1b[?7l\x1b[31mabc\x1b[32mdefghij\x1b[0mk",
        "abcde",  # exactly full: the wrap is pending, not done
        "abcdefghijklmnopq",  # wraps twice, then scrolls
        "ab\x1b[1mcdefgh\x1b[0mij\r\nxyz",
        "\x1b[?5habc\x1b[0mdef",  # reverse screen: the reset attributes are reversed blanks
    ],
)
def test_fast_screen_equals_pyte_at_the_right_edge(text: str) -> None:
    _assert_same_as_pyte([text.encode()], 5, 3)
    _assert_model_same_as_slow([text.encode()], 5, 3)
