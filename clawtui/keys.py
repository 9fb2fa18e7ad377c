"""What an xterm would send for a key press or a paste, so a pane can type into a remote program.

The terminal widget gets Textual key events; the program on the box expects the bytes xterm
(TERM=xterm-256color) sends. Textual names keys two ways depending on the outer terminal:
legacy sequences give `Key("ctrl+c", "\\x03")`, the kitty keyboard protocol gives
`Key("ctrl+c", None)`. So the encoding here works from the key *name* and uses `character` only
for text. Nothing here imports Textual: key names are plain strings (`"ctrl+right_square_bracket"`,
`"shift+tab"`, `"alt+x"`, `"f5"`...), and Textual's names for punctuation are derived the same
way Textual derives them, from Unicode character names.
"""

from __future__ import annotations

import re
import string
import unicodedata

__all__ = ["MouseButton", "encode_key", "encode_mouse", "encode_paste", "key_character"]

ESC = "\x1b"

# Textual's replacements for a few Unicode names (textual.keys.KEY_NAME_REPLACEMENTS).
_NAME_REPLACEMENTS = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}


def _textual_name(character: str) -> str:
    """The key name Textual gives a character (mirrors textual.keys._character_to_key)."""
    if character.isalnum():
        return character
    name = unicodedata.name(character).lower().replace("-", "_").replace(" ", "_")
    return _NAME_REPLACEMENTS.get(name, name)


# Key name → character for every printable ASCII character ("right_square_bracket" → "]").
_NAMED_CHARACTERS = {_textual_name(char): char for char in string.punctuation + " "}
_NAMED_CHARACTERS["space"] = " "
_NAMED_CHARACTERS["at"] = "@"
_NAMED_CHARACTERS["circumflex"] = "^"

# Characters Ctrl turns into control bytes beyond the letters, as xterm does.
_CTRL_CHARACTERS = {
    " ": "\x00",
    "@": "\x00",
    "2": "\x00",
    "[": ESC,
    "3": ESC,
    "\\": "\x1c",
    "4": "\x1c",
    "]": "\x1d",
    "5": "\x1d",
    "^": "\x1e",
    "6": "\x1e",
    "~": "\x1e",
    "_": "\x1f",
    "-": "\x1f",
    "/": "\x1f",
    "7": "\x1f",
    "?": "\x7f",
    "8": "\x7f",
}

# Keys with a CSI/SS3 form: name → (final byte, number or None). `None` means the short form
# `CSI <final>` (SS3 in application cursor mode for arrows and Home/End; SS3 always for F1-F4).
_CURSOR_KEYS = {"up": "A", "down": "B", "right": "C", "left": "D", "home": "H", "end": "F"}
_SS3_KEYS = {"f1": "P", "f2": "Q", "f3": "R", "f4": "S"}
_TILDE_KEYS = {
    "insert": 2,
    "delete": 3,
    "pageup": 5,
    "pagedown": 6,
    "f5": 15,
    "f6": 17,
    "f7": 18,
    "f8": 19,
    "f9": 20,
    "f10": 21,
    "f11": 23,
    "f12": 24,
}
_MODIFIER_BITS = {"shift": 1, "alt": 2, "meta": 2, "ctrl": 4}
_HIGH_FUNCTION_KEY = re.compile(r"f(\d+)")


def key_character(name: str) -> str | None:
    """The character a base key name stands for: "a" → "a", "right_square_bracket" → "]"."""
    if len(name) == 1:
        return name
    known = _NAMED_CHARACTERS.get(name)
    if known is not None:
        return known
    try:
        return unicodedata.lookup(name.replace("_", " "))
    except KeyError:
        return None


def encode_key(key: str, character: str | None, *, app_cursor: bool = False) -> bytes | None:
    """The bytes xterm sends for a Textual key event, or None for a key with no encoding.

    `key` and `character` are `events.Key.key` and `.character`; `app_cursor` is DECCKM (the
    program asked for `ESC O A` style arrows).
    """
    *modifier_list, base = key.split("+")
    modifiers = set(modifier_list)
    if not base or modifiers - {"shift", "ctrl", "alt", "meta"}:
        return None  # super/hyper combinations and names we do not know stay with the app
    alt = bool(modifiers & {"alt", "meta"})
    ctrl = "ctrl" in modifiers
    shift = "shift" in modifiers

    # Plain text (shifted or not): the character is what the program should read.
    if not ctrl and not alt and character and character.isprintable():
        return character.encode()

    special = _encode_special(base, modifiers, app_cursor)
    if special is not None:
        return special.encode()

    simple = _encode_simple(base, ctrl=ctrl, shift=shift, character=character)
    if simple is None:
        return None
    return (ESC + simple if alt else simple).encode()


def _encode_special(base: str, modifiers: set[str], app_cursor: bool) -> str | None:
    """Cursor, editing and function keys: xterm's CSI/SS3 forms with the modifier parameter."""
    number = 1 + sum(_MODIFIER_BITS[modifier] for modifier in modifiers)
    if base in _CURSOR_KEYS:
        final = _CURSOR_KEYS[base]
        if number > 1:
            return f"{ESC}[1;{number}{final}"
        return f"{ESC}O{final}" if app_cursor else f"{ESC}[{final}"
    if base in _SS3_KEYS:
        final = _SS3_KEYS[base]
        return f"{ESC}[1;{number}{final}" if number > 1 else f"{ESC}O{final}"
    if base in _TILDE_KEYS:
        code = _TILDE_KEYS[base]
        return f"{ESC}[{code};{number}~" if number > 1 else f"{ESC}[{code}~"
    match = _HIGH_FUNCTION_KEY.fullmatch(base)
    if match and 13 <= int(match.group(1)) <= 24:
        # xterm sends F13-F24 as shifted F1-F12.
        return _encode_special(f"f{int(match.group(1)) - 12}", modifiers | {"shift"}, app_cursor)
    return None


def _encode_simple(base: str, *, ctrl: bool, shift: bool, character: str | None) -> str | None:
    """Keys that are one byte (or a short fixed sequence) before any Alt prefix."""
    if base == "enter":
        return "\r"
    if base == "tab":
        return f"{ESC}[Z" if shift else "\t"
    if base == "escape":
        return ESC
    if base == "backspace":
        return "\x08" if ctrl else "\x7f"
    if base in ("newline",):
        return "\n"
    char = key_character(base)
    if char is None:
        if character and len(character) == 1:
            char = character
        else:
            return None
    if ctrl:
        lowered = char.lower()
        if "a" <= lowered <= "z" and len(lowered) == 1:
            return chr(ord(lowered) & 0x1F)
        control = _CTRL_CHARACTERS.get(char)
        if control is None:
            return None if not char.isprintable() else char  # xterm sends e.g. Ctrl+1 as "1"
        return control
    if shift and len(char) == 1 and char.isalpha():
        char = char.upper()
    if not char.isprintable():
        return char if char in ("\x00", ESC) or ord(char) < 0x20 else None
    return char


# Everything a paste may not carry: C0 controls but tab and newlines, DEL, C1 controls.
_PASTE_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def encode_paste(text: str, *, bracketed: bool) -> bytes:
    """Pasted text as the program should receive it.

    Newlines become `\\r` (what Enter sends). ESC and other control characters are removed, so
    a paste can neither end the bracket early nor type control keys. When the program turned on
    bracketed paste (mode 2004) the text is wrapped in `ESC[200~` … `ESC[201~`.
    """
    text = text.replace("\r\n", "\r").replace("\n", "\r")
    text = _PASTE_UNSAFE.sub("", text)
    if bracketed:
        return f"{ESC}[200~{text}{ESC}[201~".encode()
    return text.encode()


class MouseButton:
    """Button numbers of xterm mouse reports."""

    LEFT = 0
    MIDDLE = 1
    RIGHT = 2
    NONE = 3  # motion with no button held
    WHEEL_UP = 64
    WHEEL_DOWN = 65


def encode_mouse(
    button: int,
    x: int,
    y: int,
    *,
    release: bool = False,
    motion: bool = False,
    shift: bool = False,
    meta: bool = False,
    ctrl: bool = False,
    sgr: bool = False,
) -> bytes | None:
    """An xterm mouse report for a 0-based cell (x, y): SGR (mode 1006) or the classic X10 form.

    Returns None when the classic form cannot express the position (beyond column/row 223).
    """
    code = button + (4 if shift else 0) + (8 if meta else 0) + (16 if ctrl else 0)
    if motion:
        code += 32
    if sgr:
        return f"{ESC}[<{code};{x + 1};{y + 1}{'m' if release else 'M'}".encode()
    if release:
        # The classic encoding cannot say which button went up.
        code = MouseButton.NONE + (code & 0b11100)
    if x + 1 > 223 or y + 1 > 223:
        return None
    return b"\x1b[M" + bytes((32 + code, 33 + x, 33 + y))
