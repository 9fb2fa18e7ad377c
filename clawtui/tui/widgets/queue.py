"""The queue panel's list: a line (or a few, wrapped) per box of the batch, drawn line by line.

A batch of 100 boxes changes some box's state many times a second. As a `Static`, the panel
turned its whole text into Textual content, wrapped and styled every line of it again on each
change (about 5 ms, ten times a second), and grew by a line at a time, each growth a layout of
the screen. Here each entry's wrapped rows are kept until its text changes, only the rows that
changed are repainted, and the list fills the height it is given, so it never asks for a layout.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

__all__ = ["QueueList"]

#: An entry as compared and cached: its text, its style and its styled spans.
_Key = tuple[str, str | Style, tuple[object, ...]]

#: Wrapped entries kept (a link's age in an entry changes its text every few seconds).
_WRAPPED_KEPT = 1024


def _key(entry: Text) -> _Key:
    return (entry.plain, entry.style, tuple(entry.spans))


class QueueList(Widget):
    """Shows `entries` (rich Texts) one under the other, wrapped to its width; `empty` when
    there are none. Entries past its height are not drawn (nor wrapped)."""

    DEFAULT_CSS = """
    QueueList { height: 1fr; }
    """

    def __init__(self, empty: Text, *, id: str | None = None) -> None:  # noqa: A002 - Textual's
        super().__init__(id=id)
        self._empty = empty
        self._entries: tuple[Text, ...] = ()
        self._keys: tuple[_Key, ...] = ()
        self._rows: list[Strip] = []
        self._wrapped: dict[tuple[_Key, int, Style], list[Strip]] = {}

    @property
    def shown(self) -> str:
        """What the list draws, row by row (wrapped, cut at its height), as plain text."""
        return "\n".join(row.text.rstrip() for row in self._rows)

    def show(self, entries: Sequence[Text]) -> None:
        keys = tuple(_key(entry) for entry in entries)
        if keys == self._keys:
            return  # a change of a box that the list does not show (most of a batch's)
        self._entries, self._keys = tuple(entries), keys
        self._draw()

    def on_resize(self) -> None:
        self._rows = []  # every row is drawn again, at the new width
        self._draw()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._wrapped.clear()  # rows carry the old colours
        self._rows = []
        self._draw()

    def _draw(self) -> None:
        """Wrap what shows, then repaint the rows that are not what they were."""
        width, height = self.size
        if width <= 0 or height <= 0:
            return
        rows: list[Strip] = []
        for entry in self._entries or (self._empty,):
            if len(rows) >= height:
                break
            rows.extend(self._wrap(entry, width))
        del rows[height:]
        old, self._rows = self._rows, rows
        for y in range(max(len(old), len(rows))):
            if y >= len(old) or y >= len(rows) or old[y] is not rows[y]:
                self.refresh(Region(0, y, width, 1))

    def _wrap(self, entry: Text, width: int) -> list[Strip]:
        base = self.rich_style
        key = (_key(entry), width, base)
        strips = self._wrapped.get(key)
        if strips is None:
            console = self.app.console
            strips = [
                Strip(list(line.render(console))).adjust_cell_length(width).apply_style(base)
                for line in entry.wrap(console, width)
            ]
            if len(self._wrapped) >= _WRAPPED_KEPT:
                self._wrapped.clear()
            self._wrapped[key] = strips
        return strips

    def render_line(self, y: int) -> Strip:
        if y < len(self._rows):
            return self._rows[y]
        return Strip.blank(self.size.width, self.rich_style)
