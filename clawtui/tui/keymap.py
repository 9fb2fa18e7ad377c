"""Every key binding of clawtui, read from the bindings themselves so the help screen and the
README's table cannot go stale."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from .screens.boxes import BoxListScreen, BoxTable
from .screens.onboard import OnboardScreen
from .screens.session import SessionScreen
from .widgets.terminal_view import TerminalView


class AppKeys:
    """The bindings of the app itself (everywhere)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", id="help"),
        Binding("ctrl+s", "screenshot", "Screenshot", id="screenshot"),
    ]


def key_label(key: str) -> str:
    names = {
        "ctrl+right_square_bracket": "ctrl+]",
        "escape": "esc",
        "question_mark": "?",
    }
    return ", ".join(names.get(part, part) for part in key.split(","))


def binding_rows() -> list[tuple[str, list[tuple[str, str]]]]:
    """(section, [(keys, what it does)]) for the help screen and the README's table."""

    def rows(bindings: list[BindingType]) -> list[tuple[str, str]]:
        out = []
        for binding in bindings:
            if isinstance(binding, Binding):
                out.append((key_label(binding.key), binding.description or binding.action))
        return out

    return [
        (
            "Everywhere",
            [
                *rows(AppKeys.BINDINGS),
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
                (key_label(TerminalView.RELEASE_KEY), "Give the keyboard back to clawtui"),
                ("shift+pageup, shift+pagedown", "Scroll back through earlier output"),
                ("mouse wheel", "Scroll back (unless the program uses the mouse)"),
            ],
        ),
    ]
