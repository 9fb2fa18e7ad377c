"""A live login shell on one box, in a terminal pane.

The SSH work runs in a worker of the box's group: connect, open a PTY on the login shell at the
pane's size, then hand each output chunk to the pane as it arrives (big chunks in slices, so the
UI stays responsive while the box floods). Keys typed in the pane go to the box; a resize of the
pane becomes a window change. While the pane has focus it gets every key; Ctrl+] hands focus back
so that the screen's own keys (back, next box, reconnect) work.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from ...errors import ClawError, DisplayError, HostKeyUnknownError
from ...inventory import Box
from ...ssh import Disconnected, Exited, Output, PtyProcess, SshConnection, connect
from ...terminal import TerminalModel
from ..messages import BoxChanged, CloseShell, CycleBoxes, ShowBoxes, StartOnboarding
from ..widgets.terminal_view import TerminalView
from .hostkey import HostKeyScreen


class SessionScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Boxes", id="session.back"),
        Binding("enter", "focus_pane", "Type in pane", id="session.focus"),
        Binding("n", "next_box", "Next box", id="session.next"),
        Binding("p", "previous_box", "Previous box", id="session.previous"),
        Binding("r", "reconnect", "Reconnect", id="session.reconnect"),
        Binding("o", "onboard", "Onboard", id="session.onboard"),
        Binding("w", "close", "Close shell", id="session.close"),
    ]

    def __init__(self, box: Box) -> None:
        super().__init__(name=f"session:{box.name}")
        self.box = box
        self.state = "connecting"
        self.connection: SshConnection | None = None
        self.process: PtyProcess | None = None
        self.accepted_fingerprint: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="session-status")
        view = TerminalView(id="pane")
        view.border_title = f"{self.box.name} — login shell"
        view.border_subtitle = "ctrl+] releases the keyboard"
        yield view
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"{self.box.name} ({self.box.customer or self.box.address})"
        self.query_one(TerminalView).focus()
        self._set_state("connecting", f"Connecting to {self.box.address}…")
        self.run_session()

    # ---------------------------------------------------------------- the SSH side

    @work(group="session", exclusive=True, exit_on_error=False)
    async def run_session(self) -> None:
        view = self.query_one(TerminalView)
        try:
            self.connection = await connect(self.box, accept_host_key=self.accepted_fingerprint)
            self.process = await self.connection.open_pty(
                None, columns=view.model.columns, lines=view.model.lines
            )
        except HostKeyUnknownError as error:
            self._set_state("host key unknown", str(error), error=True)
            self._ask_host_key(error)
            return
        except ClawError as error:
            self._set_state("failed", f"{error}  Press r to try again.", error=True)
            return
        self._set_state("connected", f"Connected to {self.connection.address}.")
        async for event in self.process.events():
            match event:
                case Output(data=data):
                    try:
                        await view.feed_async(data)  # in slices, and lets the UI run in between
                    except DisplayError as error:
                        # The pane says so itself; the shell, no longer shown, is closed.
                        self._set_state(
                            "display error", f"{error}. Press r to open a new shell.", error=True
                        )
                        break
                case Exited(status=status, signal=signal):
                    how = f"signal {signal}" if signal else f"status {status}"
                    self._set_state(
                        "exited", f"The shell ended ({how}). Press r to open a new one."
                    )
                case Disconnected(reason=reason):
                    self._set_state(
                        "disconnected", f"Disconnected: {reason}. Press r to reconnect.", error=True
                    )
        await self._close_connection()

    def _ask_host_key(self, error: HostKeyUnknownError) -> None:
        def answer(accepted: bool | None) -> None:
            if accepted:
                self.accepted_fingerprint = error.fingerprint
                self.call_later(self.action_reconnect)

        self.app.push_screen(HostKeyScreen(error), answer)

    def _set_state(self, state: str, message: str, *, error: bool = False) -> None:
        self.state = state
        status = self.query_one("#session-status", Static)
        status.update(Text(message, style="bold red" if error else "dim"))
        self.post_message(BoxChanged(self.box.name))

    async def _close_connection(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            await process.close()
        connection, self.connection = self.connection, None
        if connection is not None:
            await connection.close()

    async def disconnect(self) -> None:
        self.workers.cancel_group(self, "session")
        await self._close_connection()

    # ---------------------------------------------------------------- the pane

    @on(TerminalView.Typed)
    def _typed(self, event: TerminalView.Typed) -> None:
        if self.process is not None:
            self.process.write(event.data)

    @on(TerminalView.Resized)
    def _resized(self, event: TerminalView.Resized) -> None:
        if self.process is not None:
            self.process.resize(event.columns, event.lines)

    @on(TerminalView.ClipboardRequest)
    def _clipboard(self, event: TerminalView.ClipboardRequest) -> None:
        # A program on the box asked to set the clipboard: only with the operator's consent.
        self.notify(
            "The program asked to copy text to your clipboard; clawtui does not let a box set "
            "it. Select the text in the pane instead.",
            severity="warning",
        )

    # ---------------------------------------------------------------- actions

    def action_back(self) -> None:
        self.post_message(ShowBoxes())

    def action_focus_pane(self) -> None:
        self.query_one(TerminalView).focus()

    def action_next_box(self) -> None:
        self.post_message(CycleBoxes(1))

    def action_previous_box(self) -> None:
        self.post_message(CycleBoxes(-1))

    def action_onboard(self) -> None:
        self.post_message(StartOnboarding((self.box.name,)))

    async def action_reconnect(self) -> None:
        await self.disconnect()
        view = self.query_one(TerminalView)
        if view.model.error is not None:
            view.attach(TerminalModel(view.model.columns, view.model.lines))
        view.feed(b"\r\n")
        self._set_state("connecting", f"Connecting to {self.box.address}…")
        view.focus()
        self.run_session()

    async def action_close(self) -> None:
        await self.disconnect()
        self.post_message(CloseShell(self.box.name))
