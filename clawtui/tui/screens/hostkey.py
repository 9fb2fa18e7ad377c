"""Ask the operator whether to trust a box whose host key is not known yet (never a changed one)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ...errors import HostKeyUnknownError


class HostKeyScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(False)", "Do not trust", id="hostkey.no"),
    ]

    def __init__(self, error: HostKeyUnknownError) -> None:
        super().__init__()
        self.error = error

    def compose(self) -> ComposeResult:
        error = self.error
        # A jump host's key is asked about on its own: its owner is the one to check with.
        what = (
            f"The jump host {error.jump_host} on the way to {error.box}"
            if error.jump_host
            else (error.box or error.host)
        )
        where = "the jump host" if error.jump_host else "the box"
        with Vertical(id="dialog"):
            yield Static(Text("Unknown host key", style="bold yellow"), classes="dialog-title")
            yield Static(
                Text.assemble(
                    f"{what} ({error.host}:{error.port}) is not in "
                    f"{error.known_hosts}.\n\nIts {error.key_type} key fingerprint is\n\n",
                    (f"  {error.fingerprint}\n\n", "bold"),
                    f"Check it with {where}'s owner (on {where}: ssh-keygen -lf "
                    "/etc/ssh/ssh_host_ed25519_key.pub) before trusting it. Trusting adds it to "
                    "known_hosts, as ssh would.",
                )
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Trust this key", variant="warning", id="trust")
                yield Button("Do not trust", variant="primary", id="reject")

    @on(Button.Pressed, "#trust")
    def _trust(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#reject")
    def _reject(self) -> None:
        self.dismiss(False)
