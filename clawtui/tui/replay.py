"""`clawtui replay`: play a masked recording (asciicast v2) in a terminal pane.

A small app of its own: the recording's events are fed to a `TerminalView` at their pace (long
pauses shortened to `MAX_PAUSE`, `speed` times faster), in a pane of the recording's size, so a
support engineer can watch an onboarding call again without `asciinema`. The recording holds no
secret; the pane masks at paint time as always, too. The pane never sends anything anywhere.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Static

from ..recording import Cast, read_cast
from ..terminal import TerminalModel
from .widgets.terminal_view import TerminalView

#: Longest pause between two events when replaying (as `asciinema play -i`).
MAX_PAUSE = 1.0


class ReplayView(TerminalView):
    """A pane that only shows: it keeps the recording's size and takes no keys."""

    can_focus = False

    def on_resize(self, event: object) -> None:
        # The recorded program drew for its own size; resizing the model would scramble it.
        self._flush()

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return False


class ReplayApp(App[int]):
    TITLE = "clawtui replay"
    CSS = """
    #replay-status { height: 1; padding: 0 1; }
    ReplayView { border: round $primary; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="replay.quit"),
        Binding("space", "toggle_pause", "Pause", id="replay.pause"),
    ]

    def __init__(self, path: Path, *, speed: float = 1.0) -> None:
        super().__init__()
        self.path = path
        self.cast: Cast = read_cast(path)
        self.speed = speed
        self.played = 0  # events fed so far
        self.done = False
        self._playing = asyncio.Event()
        self._playing.set()

    def compose(self) -> ComposeResult:
        yield Static(id="replay-status")
        model = TerminalModel(self.cast.width, self.cast.height)
        view = ReplayView(model, id="replay-pane")
        view.styles.width = self.cast.width + 2  # the border
        view.styles.height = self.cast.height + 2
        view.border_title = self.path.name
        yield view
        yield Footer()

    def on_mount(self) -> None:
        self._status()
        self._play()

    def _status(self) -> None:
        state = "done" if self.done else ("playing" if self._playing.is_set() else "paused")
        self.query_one("#replay-status", Static).update(
            f"{state} · {self.played}/{len(self.cast.events)} events · "
            f"{self.cast.duration:.1f} s recorded · q quits"
        )

    @work(exclusive=True, group="replay")
    async def _play(self) -> None:
        view = self.query_one(ReplayView)
        previous = 0.0
        for t, kind, data in self.cast.events:
            pause = min(max(0.0, t - previous), MAX_PAUSE)
            previous = t
            if self.speed > 0 and pause > 0:
                await asyncio.sleep(pause / self.speed)
            await self._playing.wait()
            if kind == "o":
                await view.feed_async(data.encode("utf-8"))
            elif kind == "r":
                columns, _, lines = data.partition("x")
                if columns.isdigit() and lines.isdigit():
                    view.model.resize(int(columns), int(lines))
                    view.styles.width = int(columns) + 2
                    view.styles.height = int(lines) + 2
            self.played += 1
            self._status()
        self.done = True
        self._status()

    def action_toggle_pause(self) -> None:
        if self._playing.is_set():
            self._playing.clear()
        else:
            self._playing.set()
        self._status()


def run_replay(path: Path, *, speed: float = 1.0) -> int:
    result = ReplayApp(path, speed=speed).run()
    return result or 0
