"""Cells: what one character position of a pane holds, shared by the screen and the scrollback.

Rows keep a cell as its character and its `StyleKey` (the attributes without the character, a
plain tuple; see clawtui/fastscreen.py); `Cell` is the whole of it, as pyte's handlers and the
model's readers see it.
"""

from __future__ import annotations

from operator import itemgetter
from typing import NamedTuple, cast

from pyte.screens import Char

from clawtui.fastscreen import StyleKey, style_key

__all__ = [
    "BLANK",
    "BLANK_CHAR",
    "BLANK_KEY",
    "BLANK_REVERSE",
    "CONCEALED",
    "Cell",
    "visible_text",
]


class Cell(NamedTuple):
    """One character cell: pyte's `Char` fields plus `conceal` (SGR 8), which pyte ignores.

    The first nine fields line up with `pyte.screens.Char`, so pyte's own handlers (which only
    ever `_replace` fields on the cursor's attributes) keep producing `Cell`s. The second cell
    of a wide character has `data == ""`.
    """

    data: str
    fg: str = "default"
    bg: str = "default"
    bold: bool = False
    italics: bool = False
    underscore: bool = False
    strikethrough: bool = False
    reverse: bool = False
    blink: bool = False
    conceal: bool = False


BLANK = Cell(" ")
BLANK_REVERSE = Cell(" ", reverse=True)
BLANK_CHAR = cast(Char, BLANK)  # the same tuple, typed the way pyte's buffer is
BLANK_KEY = style_key(BLANK)
CONCEALED = itemgetter(8)  # a `Cell`'s style key → its `conceal` (SGR 8)


def visible_text(chars: list[str], styles: list[StyleKey]) -> str:
    """What a person reads on a row: concealed (SGR 8) characters are blanks."""
    if any(map(CONCEALED, styles)):
        return "".join(
            [
                " " if concealed else char
                for char, concealed in zip(chars, map(CONCEALED, styles), strict=True)
            ]
        ).rstrip()
    return "".join(chars).rstrip()
