"""Every key binding of clawtui, as `tui.keymap` reads them from the bindings themselves."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "dismiss", "Close", id="help.close"),
    ]

    def __init__(
        self,
        rows: list[tuple[str, list[tuple[str, str]]]],
        origin: Screen[object] | None = None,
    ) -> None:
        super().__init__()
        self.rows = rows
        self.origin = origin

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 2), expand=True)
        table.add_column("keys", style="bold cyan", no_wrap=True)
        table.add_column("does")
        for section, entries in self.rows:
            table.add_row(Text(section, style="bold underline"), "")
            for keys, does in entries:
                table.add_row(keys, does)
            table.add_row("", "")
        with VerticalScroll(id="dialog", classes="wide tall"):
            yield Static(Text("clawtui keys", style="bold"), classes="dialog-title")
            yield Static(table)
            yield Static(Text("esc closes this help", style="dim"))
