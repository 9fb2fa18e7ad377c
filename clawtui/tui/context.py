"""What the screens may read of the application: a Protocol the app fulfils.

Screens get it in their constructor (attributes down) and never import `tui/app.py`, so the TUI
has no import circle and a screen can be tested with any object of this shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from textual.signal import Signal

from .. import flow as f
from ..audit import AuditLog
from ..fleet import Fleet
from ..inventory import Box


@dataclass(frozen=True)
class PaneEvent:
    """A pane of a box's onboarding got a new program (`attached`) or new output."""

    box: str
    pane: f.PaneName
    attached: bool = False


class Workspace(Protocol):
    """The boxes, their onboardings, and the signals that say when something changed."""

    @property
    def boxes(self) -> list[Box]: ...

    @property
    def fleet(self) -> Fleet: ...

    @property
    def audit(self) -> AuditLog: ...

    #: A box's state changed (published once per coalesced BoxChanged message).
    @property
    def box_changed(self) -> Signal[str]: ...

    #: A pane of an onboarding was attached or fed (published at once: it drives painting).
    @property
    def pane_changed(self) -> Signal[PaneEvent]: ...

    def box(self, name: str) -> Box: ...

    def check_label(self, name: str) -> str | None:
        """The result of the box's last check in this session ("check: ok"), None if unchecked."""
        ...

    def shell_state(self, name: str) -> str | None:
        """The state of the box's open shell ("connected", "exited", …), None without one."""
        ...
