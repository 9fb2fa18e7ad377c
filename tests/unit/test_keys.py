"""Keys and pastes become the bytes xterm would send.

Key names are the ones Textual 8 produces: legacy terminals give a character with control keys
(`Key("ctrl+c", "\\x03")`), the kitty keyboard protocol gives none (`Key("ctrl+c", None)`), so
each control key is checked both ways.
"""

from __future__ import annotations

import pytest
from textual import events
from textual._xterm_parser import XTermParser

from clawtui.keys import MouseButton, encode_key, encode_mouse, encode_paste

ESC = b"\x1b"

KEYS: list[tuple[str, str | None, bytes]] = [
    # text
    ("a", "a", b"a"),
    ("A", "A", b"A"),
    ("shift+a", "A", b"A"),
    ("space", " ", b" "),
    ("full_stop", ".", b"."),
    ("number_sign", "#", b"#"),
    ("é", "é", "é".encode()),
    # editing keys
    ("enter", "\r", b"\r"),
    ("enter", None, b"\r"),
    ("tab", "\t", b"\t"),
    ("shift+tab", None, ESC + b"[Z"),
    ("backspace", "\x7f", b"\x7f"),
    ("backspace", "\x08", b"\x7f"),
    ("ctrl+backspace", None, b"\x08"),
    ("escape", "\x1b", ESC),
    ("escape", None, ESC),
    # control characters
    ("ctrl+c", "\x03", b"\x03"),
    ("ctrl+c", None, b"\x03"),
    ("ctrl+a", None, b"\x01"),
    ("ctrl+z", "\x1a", b"\x1a"),
    ("ctrl+shift+c", None, b"\x03"),
    ("ctrl+j", "\n", b"\n"),
    ("ctrl+@", "\x00", b"\x00"),
    ("ctrl+at", None, b"\x00"),
    ("ctrl+space", None, b"\x00"),
    ("ctrl+left_square_bracket", None, ESC),
    ("ctrl+backslash", "\x1c", b"\x1c"),
    ("ctrl+right_square_bracket", "\x1d", b"\x1d"),
    ("ctrl+circumflex_accent", "\x1e", b"\x1e"),
    ("ctrl+underscore", "\x1f", b"\x1f"),
    ("ctrl+minus", None, b"\x1f"),
    ("ctrl+slash", None, b"\x1f"),
    ("ctrl+question_mark", None, b"\x7f"),
    # Alt sends an ESC prefix
    ("alt+x", "x", ESC + b"x"),
    ("alt+x", None, ESC + b"x"),
    ("alt+shift+x", "X", ESC + b"X"),
    ("alt+ctrl+c", None, ESC + b"\x03"),
    ("alt+enter", None, ESC + b"\r"),
    ("alt+backspace", None, ESC + b"\x7f"),
    ("alt+full_stop", None, ESC + b"."),
    # cursor and editing keys
    ("up", None, ESC + b"[A"),
    ("down", None, ESC + b"[B"),
    ("right", None, ESC + b"[C"),
    ("left", None, ESC + b"[D"),
    ("home", None, ESC + b"[H"),
    ("end", None, ESC + b"[F"),
    ("pageup", None, ESC + b"[5~"),
    ("pagedown", None, ESC + b"[6~"),
    ("insert", None, ESC + b"[2~"),
    ("delete", None, ESC + b"[3~"),
    # modified: xterm's `1;<modifier>` forms
    ("ctrl+up", None, ESC + b"[1;5A"),
    ("shift+left", None, ESC + b"[1;2D"),
    ("alt+right", None, ESC + b"[1;3C"),
    ("ctrl+shift+home", None, ESC + b"[1;6H"),
    ("ctrl+delete", None, ESC + b"[3;5~"),
    ("shift+pageup", None, ESC + b"[5;2~"),
    # function keys
    ("f1", None, ESC + b"OP"),
    ("f2", None, ESC + b"OQ"),
    ("f3", None, ESC + b"OR"),
    ("f4", None, ESC + b"OS"),
    ("f5", None, ESC + b"[15~"),
    ("f6", None, ESC + b"[17~"),
    ("f7", None, ESC + b"[18~"),
    ("f8", None, ESC + b"[19~"),
    ("f9", None, ESC + b"[20~"),
    ("f10", None, ESC + b"[21~"),
    ("f11", None, ESC + b"[23~"),
    ("f12", None, ESC + b"[24~"),
    ("ctrl+f1", None, ESC + b"[1;5P"),
    ("shift+f5", None, ESC + b"[15;2~"),
    ("f13", None, ESC + b"[1;2P"),
]


@pytest.mark.parametrize(("key", "character", "expected"), KEYS)
def test_encode_key(key: str, character: str | None, expected: bytes) -> None:
    assert encode_key(key, character) == expected


APP_CURSOR = [
    ("up", ESC + b"OA"),
    ("down", ESC + b"OB"),
    ("right", ESC + b"OC"),
    ("left", ESC + b"OD"),
    ("home", ESC + b"OH"),
    ("end", ESC + b"OF"),
    # modified keys and the others do not change in application cursor mode
    ("ctrl+up", ESC + b"[1;5A"),
    ("pageup", ESC + b"[5~"),
    ("f1", ESC + b"OP"),
    ("a", b"a"),
]


@pytest.mark.parametrize(("key", "expected"), APP_CURSOR)
def test_application_cursor_mode(key: str, expected: bytes) -> None:
    character = "a" if key == "a" else None
    assert encode_key(key, character, app_cursor=True) == expected


@pytest.mark.parametrize(
    ("key", "character"),
    [
        ("super+c", None),
        ("hyper+x", None),
        ("caps_lock", None),
        ("print_screen", None),
        ("<ignore>", "\x1b[?1u"),
        ("menu", None),
    ],
)
def test_keys_without_an_encoding(key: str, character: str | None) -> None:
    assert encode_key(key, character) is None


# What the operator's own terminal sends → Textual 8's parser → our encoding. Legacy sequences
# must come out unchanged; kitty-protocol ones (Textual turns that protocol on where the
# terminal supports it) must come out as the legacy bytes the remote program expects.
# XTermParser is Textual's internal input parser: used here so our key names cannot drift.
ROUND_TRIP = [
    ("\x03", b"\x03"),
    ("\x1d", b"\x1d"),
    ("\x1c", b"\x1c"),
    ("\x1f", b"\x1f"),
    ("\x00", b"\x00"),
    ("\x7f", b"\x7f"),
    ("\r", b"\r"),
    ("\t", b"\t"),
    ("\x1b", ESC),
    ("\x1bx", ESC + b"x"),
    ("\x1b[Z", ESC + b"[Z"),
    ("\x1b[A", ESC + b"[A"),
    ("\x1b[1;5A", ESC + b"[1;5A"),
    ("\x1b[5;2~", ESC + b"[5;2~"),
    ("\x1b[3~", ESC + b"[3~"),
    ("\x1bOP", ESC + b"OP"),
    ("\x1b[15~", ESC + b"[15~"),
    ("\x1b[24~", ESC + b"[24~"),
    ("é", "é".encode()),
    ("Q", b"Q"),
    ("\x1b[99;5u", b"\x03"),  # kitty: ctrl+c
    ("\x1b[93;5u", b"\x1d"),  # kitty: ctrl+]
    ("\x1b[32;5u", b"\x00"),  # kitty: ctrl+space
    ("\x1b[97;3u", ESC + b"a"),  # kitty: alt+a
    ("\x1b[27u", ESC),  # kitty: escape
    ("\x1b[13u", b"\r"),  # kitty: enter
    ("\x1b[127u", b"\x7f"),  # kitty: backspace
]


@pytest.mark.parametrize(("sequence", "expected"), ROUND_TRIP)
def test_what_textual_parses_is_sent_on_unchanged(sequence: str, expected: bytes) -> None:
    parser = XTermParser()
    keys = [event for event in parser.feed(sequence) if isinstance(event, events.Key)]
    keys += [event for event in parser.feed("") if isinstance(event, events.Key)]
    assert len(keys) == 1
    assert encode_key(keys[0].key, keys[0].character) == expected


def test_paste_plain_normalises_newlines() -> None:
    assert encode_paste("one\ntwo\r\nthree\rfour", bracketed=False) == b"one\rtwo\rthree\rfour"


def test_paste_bracketed_only_when_asked() -> None:
    token = "sk-ant-oat01-abc"
    assert encode_paste(token, bracketed=True) == ESC + b"[200~" + token.encode() + ESC + b"[201~"
    assert encode_paste(token, bracketed=False) == token.encode()


def test_paste_cannot_end_the_bracket_or_type_control_keys() -> None:
    hostile = "a\x1b[201~\x03b\x04\tc\x7fd\x9be\n"
    pasted = encode_paste(hostile, bracketed=True)
    assert pasted == ESC + b"[200~a[201~b\tcde\r" + ESC + b"[201~"
    assert pasted.count(ESC) == 2  # only the bracket's own
    assert encode_paste(hostile, bracketed=False) == b"a[201~b\tcde\r"


def test_paste_keeps_unicode_text() -> None:
    assert encode_paste("héllo ✔", bracketed=False) == "héllo ✔".encode()


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"button": MouseButton.LEFT, "x": 0, "y": 0, "sgr": True}, ESC + b"[<0;1;1M"),
        (
            {"button": MouseButton.LEFT, "x": 4, "y": 2, "release": True, "sgr": True},
            ESC + b"[<0;5;3m",
        ),
        ({"button": MouseButton.WHEEL_UP, "x": 9, "y": 9, "sgr": True}, ESC + b"[<64;10;10M"),
        (
            {"button": MouseButton.RIGHT, "x": 1, "y": 1, "ctrl": True, "sgr": True},
            ESC + b"[<18;2;2M",
        ),
        (
            {"button": MouseButton.NONE, "x": 0, "y": 0, "motion": True, "sgr": True},
            ESC + b"[<35;1;1M",
        ),
        ({"button": MouseButton.LEFT, "x": 0, "y": 0}, ESC + b"[M" + bytes((32, 33, 33))),
        (
            {"button": MouseButton.MIDDLE, "x": 2, "y": 3, "release": True},
            ESC + b"[M" + bytes((35, 35, 36)),
        ),
        ({"button": MouseButton.WHEEL_DOWN, "x": 0, "y": 0}, ESC + b"[M" + bytes((97, 33, 33))),
        ({"button": MouseButton.LEFT, "x": 300, "y": 0}, None),
        ({"button": MouseButton.LEFT, "x": 300, "y": 0, "sgr": True}, ESC + b"[<0;301;1M"),
    ],
)
def test_encode_mouse(kwargs: dict[str, int | bool], expected: bytes | None) -> None:
    assert encode_mouse(**kwargs) == expected  # type: ignore[arg-type]
