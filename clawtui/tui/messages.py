"""Every message between the TUI's parts, in one leaf module that imports nothing of the TUI.

Attributes go down, messages go up: a screen never calls the app or another screen; it posts one
of these, and it bubbles to the app, which owns the shells, the fleet and navigation. A message
that a flood repeats (`BoxChanged`) coalesces in the queue through `can_replace`, as in Toolong.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class BoxChanged(Message):
    """Something a list shows of a box changed: its onboarding, its shell, its checks."""

    box: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, BoxChanged) and message.box == self.box


@dataclass
class OpenShell(Message):
    """Show a live login shell on the box (opened on first use)."""

    box: str


@dataclass
class CloseShell(Message):
    box: str


@dataclass
class StartOnboarding(Message):
    """Onboard these boxes: one is shown at once, a batch runs in the background."""

    boxes: tuple[str, ...]


@dataclass
class ShowOnboarding(Message):
    box: str


@dataclass
class ShowBoxes(Message):
    """Back to the box list."""


@dataclass
class CycleBoxes(Message):
    """To the next (`step` 1) or previous (-1) open box screen."""

    step: int


@dataclass
class Checked(Message):
    """A box check ended with this status (ok, warn, fail, unknown)."""

    box: str
    status: str
