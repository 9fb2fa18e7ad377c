"""Cells: what one character position of a pane holds, shared by the screen and the scrollback."""

from __future__ import annotations

from operator import itemgetter
from typing import NamedTuple, cast

from pyte.screens import Char

__all__ = [
    "BLANK",
    "BLANK_CHAR",
    "BLANK_REVERSE",
    "CONCEALED",
    "STYLE_KEY",
    "Cell",
    "CellMap",
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


class CellMap(dict[str, Cell]):
    """Cells with one set of attributes, by character: drawing reuses them instead of building
    a new tuple per character (cells are immutable, so sharing is safe)."""

    __slots__ = ("attrs", "_rest")

    def __init__(self, attrs: Cell) -> None:
        super().__init__()
        self.attrs = attrs
        self._rest = tuple(attrs[1:])

    def __missing__(self, data: str) -> Cell:
        # The tuple constructor directly: NamedTuple._replace costs three times as much.
        cell: Cell = _new_tuple(Cell, (data, *self._rest))
        self[data] = cell
        return cell


_new_tuple = tuple.__new__


def visible_text(cells: list[Char]) -> str:
    """What a person reads on a row: concealed (SGR 8) characters are blanks."""
    if any(map(CONCEALED, cells)):
        return "".join(
            [
                " " if concealed else cell[0]
                for cell, concealed in zip(cells, map(CONCEALED, cells), strict=True)
            ]
        ).rstrip()
    return "".join([cell[0] for cell in cells]).rstrip()


STYLE_KEY = itemgetter(slice(1, None))  # a cell's attributes without its character
CONCEALED = itemgetter(9)  # Cell.conceal
