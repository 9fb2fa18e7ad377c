"""Fuzzing in the suite: whatever a box prints, the terminal model and the parsers never raise.

Hypothesis builds byte streams out of the pieces hostile or broken programs send (huge and
colon parameters, 8-bit introducers, long OSC/DCS/APC strings, invalid UTF-8, piles of
combining marks, wide characters at the right margin) and feeds them in arbitrary chunks, with
resizes down to 1x1 and 0x0 in between. Then everything that reads the model (cells, snapshot,
scrollback) and every parser the flow runs on what it produces must work without an exception.
Examples are few and small, so the whole file runs in a few seconds.
"""

from __future__ import annotations

import os
from typing import cast

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clawtui.oauth import find_sign_in_url, find_token, read_setup_token
from clawtui.openclaw import (
    parse_auth_list_json,
    parse_models_status,
    parse_openclaw_version,
    read_paste_token,
    strip_ansi,
)
from clawtui.redact import find_secret_spans, redact
from clawtui.snapshot import ScreenText
from clawtui.terminal import TerminalModel
from tests.unit.test_oauth import new_token

FUZZ = settings(
    max_examples=int(os.environ.get("CLAWTUI_FUZZ_EXAMPLES", "60")),
    deadline=None,  # the machine running the suite may be loaded; sizes bound the work instead
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    # The same streams every run, so a failure is never a fluke; CLAWTUI_FUZZ_SEARCH=1 searches
    # afresh (with CLAWTUI_FUZZ_EXAMPLES=5000, say) when the model changes.
    derandomize=not os.environ.get("CLAWTUI_FUZZ_SEARCH"),
)

ESC = b"\x1b"
CSI_FINALS = b"mHfABCDGJKLMPSTXZ@`abcdeghlnqrstu"


def _digits(count: int) -> bytes:
    return b"9" * count


huge_numbers = st.integers(0, 6000).map(_digits)

csi = st.builds(
    lambda intro, private, numbers, seps, final: (
        intro + private + b"".join(n + s for n, s in zip(numbers, seps, strict=False)) + final
    ),
    st.sampled_from([ESC + b"[", "\x9b".encode()]),
    st.sampled_from([b"", b"?", b">", b"<", b"="]),
    st.lists(
        huge_numbers | st.integers(0, 10).map(lambda n: str(n).encode()) | st.just(b"9999"),
        max_size=7,
    ),
    st.lists(
        st.sampled_from([b";", b";", b";", b":", b"\n", b"\x00", b" ", b"$", b"!"]), max_size=7
    ),
    st.sampled_from([bytes([b]) for b in CSI_FINALS] + [b"", b"\x7f", "é".encode()]),
)

colon_sgr = st.builds(
    lambda head, kind, number: ESC + b"[" + head + b":" + kind + b":" + number + b"m",
    st.sampled_from([b"38", b"48", b"58", b"4"]),
    st.sampled_from([b"5", b"2", b"", b"9" * 5000]),
    huge_numbers,
)

long_string = st.builds(
    lambda opener, body, size, end: opener + body + b"x" * size + end,
    st.sampled_from([ESC + b"]", ESC + b"P", ESC + b"_", ESC + b"^", ESC + b"X", "\x9d".encode()]),
    st.sampled_from([b"8;;https://claude.ai/oauth/authorize?", b"0;", b"52;c;", b"q", b""]),
    st.sampled_from([0, 10, 70_000, 200_000]),
    st.sampled_from([b"\x07", ESC + b"\\", b"", ESC, "\x9c".encode()]),
)

combining = st.builds(
    lambda base, mark, count: base.encode() + mark.encode() * count,
    st.sampled_from(["a", "", "世", " "]),
    st.sampled_from(["\u0301", "\u0308", "\u20dd", "\u0345"]),
    st.integers(0, 3000),
)

wide_at_margin = st.builds(
    lambda column, char, repeat: ESC + b"[" + str(column).encode() + b"G" + char.encode() * repeat,
    st.integers(0, 200),
    st.sampled_from(["世", "🎉", "ｗ", "é", "\u200d", "\ufe0f"]),
    st.integers(1, 5),
)

piece = st.one_of(
    csi,
    colon_sgr,
    long_string,
    combining,
    wide_at_margin,
    st.binary(max_size=64),  # invalid UTF-8 and stray controls
    st.text(max_size=40).map(str.encode),
    st.sampled_from(
        [
            b"\r\n",
            ESC + b"[?1049h",
            ESC + b"[?1049l",
            ESC + b"#8",
            ESC + b"(0",
            ESC + b"c",
            ESC + b"[9999b",
            ESC + b"[9999S",
            b"\xf0\x9f",  # half a character
            new_token(100).encode(),
        ]
    ),
)

sizes = st.tuples(st.integers(0, 3), st.integers(0, 3)) | st.tuples(
    st.integers(0, 130), st.integers(0, 50)
)
step = st.one_of(piece.map(lambda data: ("feed", data)), sizes.map(lambda size: ("resize", size)))


def _read_everything(model: TerminalModel) -> ScreenText:
    for y in range(model.lines):
        model.screen_cells(y)
        model.row_wrapped(y)
    for index in range(model.scrollback_len):
        model.scrollback_cells(index)
        model.scrollback_wrapped(index)
    model.take_dirty()
    model.take_replies()
    model.take_events()
    model.text()
    assert model.cursor[0] < model.columns and model.cursor[1] < model.lines
    return model.snapshot()


def _parse_everything(screen: ScreenText) -> None:
    find_sign_in_url(screen)
    find_token(screen)
    read_setup_token(screen)
    read_paste_token(screen)
    text = screen.text
    parse_models_status(text)
    parse_auth_list_json(text)
    parse_openclaw_version(text)
    strip_ansi(text)
    redact(text)
    find_secret_spans(list(screen.lines), screen.columns)


@FUZZ
@given(
    steps=st.lists(step, max_size=12),
    chunk=st.sampled_from([1, 7, 64, 4096, 1 << 20]),
    scrollback=st.sampled_from([0, 3, 100]),
)
def test_no_stream_makes_the_model_or_the_parsers_raise(
    steps: list[tuple[str, object]], chunk: int, scrollback: int
) -> None:
    model = TerminalModel(40, 10, scrollback=scrollback)
    for kind, value in steps:
        if kind == "resize":
            columns, lines = cast(tuple[int, int], value)
            model.resize(columns, lines)
        else:
            data = value
            assert isinstance(data, bytes)
            for start in range(0, len(data), chunk):
                model.feed(data[start : start + chunk])
        assert model.error is None
    _parse_everything(_read_everything(model))


@FUZZ
@given(st.binary(max_size=4000), st.integers(1, 100))
def test_arbitrary_bytes_in_arbitrary_chunks(data: bytes, chunk: int) -> None:
    model = TerminalModel(20, 5, scrollback=10)
    for start in range(0, len(data), chunk):
        model.feed(data[start : start + chunk])
    assert model.error is None
    _parse_everything(_read_everything(model))
