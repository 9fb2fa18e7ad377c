"""The inventory could not be used: say why, where, and what a valid file looks like."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from ...errors import InventoryError
from ...inventory import EXAMPLE

EXIT_INVENTORY = 2


class InventoryErrorScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="error.quit"),
        Binding("escape", "quit", "Quit", show=False, id="error.escape"),
    ]

    def __init__(self, error: InventoryError) -> None:
        super().__init__()
        self.error = error

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="error-body"):
            yield Static(Text("The inventory cannot be used", style="bold red"), id="error-title")
            yield Static(Text(str(self.error)), id="error-message")
            yield Static(
                Text.assemble(
                    ("Fix the file and start clawtui again. ", "bold"),
                    "Each box is a [[box]] table; name and host are required:\n\n",
                    (EXAMPLE, "cyan"),
                    "\nTo try clawtui without an inventory, run: clawtui demo",
                ),
                id="error-help",
            )
        yield Footer()

    def action_quit(self) -> None:
        self.app.exit(EXIT_INVENTORY)
