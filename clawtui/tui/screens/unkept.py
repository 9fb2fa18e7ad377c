"""Confirm pasting a token the vault could not keep: the one recovery that can lose it."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class PasteUnkeptScreen(ModalScreen[bool]):
    """Dismissed with True only when the operator presses "Paste without keeping it"."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(False)", "Cancel", id="unkept.cancel"),
    ]

    def __init__(self, box: str, reason: str) -> None:
        super().__init__()
        self.box = box
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(
                Text("Paste a token that is NOT kept?", style="bold yellow"),
                classes="dialog-title",
            )
            yield Static(
                Text.assemble(
                    f"The token captured on {self.box} could not be saved in the vault:\n\n",
                    (f"{self.reason}\n\n", "dim"),
                    "If you paste it now and the paste fails, or clawtui closes before the box "
                    "is verified, the token is lost and the customer must sign in again. "
                    "Fixing the folder and choosing 'Retry saving' keeps it safe.",
                )
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Paste without keeping it", variant="warning", id="paste-unkept")
                yield Button("Cancel", variant="primary", id="cancel")

    def on_mount(self) -> None:
        # The safe choice has the focus: Enter alone never loses a token.
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed, "#paste-unkept")
    def _paste(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(False)
