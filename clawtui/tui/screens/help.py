"""Every key binding of clawtui, generated from the bindings themselves so it cannot go stale."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ..widgets.terminal_view import TerminalView


def _key_label(key: str) -> str:
    names = {
        "ctrl+right_square_bracket": "ctrl+]",
        "escape": "esc",
        "question_mark": "?",
    }
    return ", ".join(names.get(part, part) for part in key.split(","))


def binding_rows() -> list[tuple[str, list[tuple[str, str]]]]:
    """(section, [(keys, what it does)]) for the help screen and the README's table."""
    from ..app import ClawApp
    from .boxes import BoxListScreen, BoxTable
    from .onboard import OnboardScreen
    from .session import SessionScreen

    def rows(bindings: list[BindingType]) -> list[tuple[str, str]]:
        out = []
        for binding in bindings:
            if isinstance(binding, Binding):
                out.append((_key_label(binding.key), binding.description or binding.action))
        return out

    return [
        (
            "Everywhere",
            [
                *rows(ClawApp.BINDINGS),
                ("ctrl+p", "Command palette: every action, every box"),
                ("ctrl+q", "Quit"),
            ],
        ),
        (
            "Box list",
            rows(BoxTable.BINDINGS)
            + rows(BoxListScreen.BINDINGS)
            + [("letters, digits", "Filter the list")],
        ),
        ("Shell on a box", rows(SessionScreen.BINDINGS)),
        ("Onboarding a box", rows(OnboardScreen.BINDINGS)),
        (
            "Inside a terminal pane",
            [
                ("every key", "Goes to the program on the box, ctrl+c included"),
                (_key_label(TerminalView.RELEASE_KEY), "Give the keyboard back to clawtui"),
                ("shift+pageup, shift+pagedown", "Scroll back through earlier output"),
                ("mouse wheel", "Scroll back (unless the program uses the mouse)"),
            ],
        ),
    ]


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, origin: Screen[object] | None = None) -> None:
        super().__init__()
        self.origin = origin

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 2), expand=True)
        table.add_column("keys", style="bold cyan", no_wrap=True)
        table.add_column("does")
        for section, entries in binding_rows():
            table.add_row(Text(section, style="bold underline"), "")
            for keys, does in entries:
                table.add_row(keys, does)
            table.add_row("", "")
        with VerticalScroll(id="dialog", classes="wide tall"):
            yield Static(Text("clawtui keys", style="bold"), classes="dialog-title")
            yield Static(table)
            yield Static(Text("esc closes this help", style="dim"))
