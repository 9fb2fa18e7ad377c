"""What a pane shows, as plain data: the one thing the parsers and the flow read.

The terminal model produces a `ScreenText` after it has been fed; a test builds one from a
recorded transcript the same way. Nothing here knows about pyte or Textual, so the parsers and
the flow can be tested on literal text.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Hyperlink:
    """An OSC 8 hyperlink the program drew: its target and where its text sits.

    `row` counts from the first line the model ever kept (scrollback included), so it stays
    valid while lines scroll; `start`/`end` are columns, end exclusive.
    """

    url: str
    row: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ScreenText:
    """Plain text of a pane: scrollback lines (oldest first), then the visible screen.

    `lines[screen_start:]` is the visible screen; each line has trailing blanks removed.
    `links` are in the order the program drew them: the newest is last. `fed` counts the
    bytes fed so far, so a reader can tell whether anything arrived since it last looked.
    """

    lines: tuple[str, ...]
    screen_start: int = 0
    columns: int = 80
    links: tuple[Hyperlink, ...] = ()
    fed: int = 0
    row_offset: int = 0  # absolute row number of lines[0] (rows dropped from scrollback before it)
    cursor: tuple[int, int] = field(default=(0, 0))  # (x, y) on the visible screen

    def __repr__(self) -> str:
        # The lines may hold a token: never let a traceback, a log or a test diff print them.
        return (
            f"<ScreenText {len(self.lines)} lines, screen from {self.screen_start}, "
            f"{len(self.links)} links, fed {self.fed}>"
        )

    @property
    def screen(self) -> tuple[str, ...]:
        return self.lines[self.screen_start :]

    @property
    def scrollback(self) -> tuple[str, ...]:
        return self.lines[: self.screen_start]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @classmethod
    def from_text(cls, text: str, *, columns: int = 80) -> ScreenText:
        """A screen holding `text` (for unit tests of the parsers)."""
        return cls(lines=tuple(line.rstrip() for line in text.splitlines()), columns=columns)
