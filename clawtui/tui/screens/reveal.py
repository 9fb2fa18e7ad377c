"""The captured token in clear, on deliberate request only.

Operators share their screen with the customer, so the token is masked everywhere by default.
This screen is the one place it is shown; clawtui takes no screenshot while it is open, and it
closes on any key.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ...secret import Token


class RevealScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = []

    def __init__(self, box: str, token: Token) -> None:
        super().__init__()
        self.box = box
        self._token = token

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(f"Token of {self.box}", style="bold red"), classes="dialog-title")
            yield Static(Text(self._token.reveal(), style="bold"), id="revealed")
            yield Static(
                Text(
                    f"Fingerprint {self._token.fingerprint}. Press any key to hide it.",
                    style="dim",
                )
            )

    def on_key(self, event: events.Key) -> None:
        event.stop()
        self.dismiss()
