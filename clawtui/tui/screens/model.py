"""Ask the operator what the box should run on, when OpenClaw's default model is not Anthropic's.

A stored token is of no use while OpenClaw's default model belongs to another provider (a fresh
OpenClaw defaults to an OpenAI model). The dialog shows the current default and the proposed
Anthropic model; Switch runs `openclaw models set MODEL`, Keep ends in "stored, not in use".
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class DefaultModelScreen(ModalScreen[str | None]):
    """Dismissed with the model to switch to, or None to keep the current default."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Keep", id="model.keep"),
    ]

    AUTO_FOCUS = "#switch"

    def __init__(self, box: str, current: str | None, proposed: str) -> None:
        super().__init__(name=f"model:{box}")
        self.box = box
        self.current = current
        self.proposed = proposed

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(
                Text(f"{self.box}: default model", style="bold yellow"), classes="dialog-title"
            )
            yield Static(
                Text.assemble(
                    "The token is stored in OpenClaw, but the box's default model is\n\n",
                    (f"  {self.current or 'unknown'}\n\n", "bold"),
                    "so nothing uses Claude yet. Switch the default to\n\n",
                    (f"  {self.proposed}\n\n", "bold green"),
                    '(runs `openclaw models set`)? Keeping it ends as "stored, not in use".',
                )
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"Switch to {self.proposed}", variant="success", id="switch")
                yield Button("Keep the current default", variant="default", id="keep")

    @on(Button.Pressed, "#switch")
    def _switch(self) -> None:
        self.dismiss(self.proposed)

    @on(Button.Pressed, "#keep")
    def _keep(self) -> None:
        self.dismiss(None)
