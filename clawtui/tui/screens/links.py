"""The ready sign-in links of a batch, as a list to send to customers."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea


class LinksScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="links.close"),
        Binding("ctrl+y", "copy", "Copy", id="links.copy"),
    ]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.text = "\n".join("\t".join(row) for row in rows)
        self.count = len(rows)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="wide"):
            yield Static(
                Text(f"{self.count} sign-in link(s) ready: box, customer, URL", style="bold"),
                classes="dialog-title",
            )
            yield TextArea(self.text, read_only=True, soft_wrap=False, id="links-text")
            yield Static(
                Text(
                    "Copy sends them to your clipboard through the terminal (OSC 52). If your "
                    "terminal does not pass that on, select the lines above instead.",
                    style="dim",
                )
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Copy (ctrl+y)", variant="primary", id="copy")
                yield Button("Close (esc)", id="close")

    def on_mount(self) -> None:
        # Not the text area: it would take ctrl+y for itself; it stays there for selecting.
        self.query_one("#copy", Button).focus()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.text)
        self.notify(f"Copied {self.count} link(s) to the clipboard.")

    @on(Button.Pressed, "#copy")
    def _copy(self) -> None:
        self.action_copy()

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss()
