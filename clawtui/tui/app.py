"""The clawtui application: loads the inventory, holds what outlives a screen, shows the boxes.

The App stays small: it owns the inventory, the vault and audit log, the open shell sessions and
the running onboardings (they keep running while the operator looks at another box), and the demo's
simulated fleet when there is one. Screens hold screen logic; widgets hold widget logic.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from ..audit import AuditLog
from ..errors import ClawError, InventoryError
from ..inventory import Box, load_inventory
from ..paths import default_inventory
from ..vault import Vault
from .onboarding import BoxStateChanged, Onboarding
from .screens.boxes import BoxListScreen
from .screens.error import InventoryErrorScreen
from .screens.help import HelpScreen
from .screens.reveal import RevealScreen
from .screens.session import SessionScreen

if TYPE_CHECKING:
    from ..sim.server import SimServer


class ClawApp(App[int]):
    """Onboard OpenClaw boxes to a Claude subscription."""

    TITLE = "clawtui"
    CSS_PATH = Path(__file__).parent / "app.tcss"  # absolute: subclasses live elsewhere
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", id="help"),
        Binding("ctrl+s", "screenshot", "Screenshot", id="screenshot"),
    ]
    #: Folder for the onboardings' masked recordings (`--record DIR`); None: the state folder.
    recordings: Path | None = None

    def __init__(
        self,
        inventory: Path | None = None,
        *,
        boxes: list[Box] | None = None,
        vault: Vault | None = None,
        audit: AuditLog | None = None,
        screenshot_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.inventory_path = inventory or default_inventory()
        self.inventory_error: InventoryError | None = None
        self.boxes: list[Box] = boxes if boxes is not None else []
        self._given_boxes = boxes is not None
        self.vault = vault or Vault()
        self.audit = audit or AuditLog()
        self.screenshot_dir = screenshot_dir or Path.cwd()
        self.sessions: dict[str, SessionScreen] = {}
        self.onboardings: dict[str, Onboarding] = {}
        self.last_input_at: float | None = None

    # ---------------------------------------------------------------- input

    async def on_event(self, event: events.Event) -> None:
        # When the operator last pressed a key or used the mouse: flooding panes yield more
        # while someone is at the keyboard (TerminalView.feed_async).
        if isinstance(event, events.Key | events.MouseEvent | events.Paste):
            self.last_input_at = time.monotonic()
        await super().on_event(event)

    # ---------------------------------------------------------------- start

    async def on_mount(self) -> None:
        await self.prepare()
        if self.inventory_error is not None:
            await self.push_screen(InventoryErrorScreen(self.inventory_error))
        else:
            await self.push_screen(BoxListScreen())

    async def prepare(self) -> None:
        """Load the boxes (the demo starts its fleet here instead)."""
        if self._given_boxes:
            return
        try:
            self.boxes = load_inventory(self.inventory_path)
        except InventoryError as error:
            self.inventory_error = error

    def box(self, name: str) -> Box:
        for box in self.boxes:
            if box.name == name:
                return box
        raise KeyError(name)

    # ---------------------------------------------------------------- shells

    def open_session(self, name: str) -> None:
        screen = self.sessions.get(name)
        if screen is None:
            screen = SessionScreen(self.box(name))
            self.sessions[name] = screen
            self.install_screen(screen, name=f"session:{name}")
        self._show(screen)

    def close_session(self, name: str) -> None:
        screen = self.sessions.pop(name, None)
        if screen is None:
            return
        if self.screen is screen:
            self.show_boxes()
        self.call_later(self._uninstall, f"session:{name}")

    async def _uninstall(self, name: str) -> None:
        with contextlib.suppress(Exception):
            self.uninstall_screen(name)

    # ---------------------------------------------------------------- onboarding

    def onboarding(self, name: str) -> Onboarding:
        """The onboarding of a box, created (not started) on first use."""
        current = self.onboardings.get(name)
        if current is None:
            current = Onboarding(self, self.box(name))
            self.onboardings[name] = current
            self.install_screen(current.screen, name=f"onboard:{name}")
        return current

    def start_onboarding(self, names: Iterable[str], *, show: bool = True) -> None:
        names = list(names)
        for name in names:
            onboarding = self.onboarding(name)
            if not onboarding.running:
                onboarding.start()
        if show and len(names) == 1:
            self._show(self.onboardings[names[0]].screen)
        elif names:
            self.notify(
                f"Onboarding {len(names)} boxes: {', '.join(names)}. Each box's sign-in link "
                "is announced here as soon as it is ready.",
                title="Batch started",
            )

    def show_onboarding(self, name: str) -> None:
        self._show(self.onboarding(name).screen)

    def route_code(self, text: str) -> str:
        """A code pasted into the batch-wide field: send it to the box whose link it belongs to.
        Returns what happened, for the field's message."""
        from ..oauth import CodeError, normalize_code

        try:
            code = normalize_code(text)
        except CodeError as error:
            return str(error)
        for name, onboarding in self.onboardings.items():
            flow = onboarding.runner.flow
            if flow.awaiting_code and flow.url is not None and flow.url.state == code.state:
                onboarding.runner.enter_code(text)
                return f"Sent to {name}."
        return (
            "No box is waiting for a code from this link (its #STATE matches none of the open "
            "links). Check that the customer used the newest link you sent."
        )

    # ---------------------------------------------------------------- navigation

    def _show(self, screen: Screen[Any]) -> None:
        if self.screen is screen:
            return
        if isinstance(self.screen, BoxListScreen):
            self.push_screen(screen)
        else:
            self.switch_screen(screen)

    def show_boxes(self) -> None:
        while len(self.screen_stack) > 2 and not isinstance(self.screen, BoxListScreen):
            self.pop_screen()
        if not isinstance(self.screen, BoxListScreen):
            self.pop_screen()

    def open_screens(self) -> list[tuple[str, Screen[Any]]]:
        """Every open box screen, in a stable order, for switching between them."""
        screens: list[tuple[str, Screen[Any]]] = []
        for box in self.boxes:
            if box.name in self.onboardings:
                screens.append((f"onboard {box.name}", self.onboardings[box.name].screen))
            if box.name in self.sessions:
                screens.append((f"shell {box.name}", self.sessions[box.name]))
        return screens

    def cycle_screens(self, step: int) -> None:
        screens = [screen for _, screen in self.open_screens()]
        if not screens:
            return
        try:
            index = screens.index(self.screen)
        except ValueError:
            index = -1 if step > 0 else 0
        self._show(screens[(index + step) % len(screens)])

    def _fatal_error(self) -> None:
        """Textual's crash report, without the local variables of each frame: those may hold a
        chunk of a pane's output or the code field's text, i.e. a token or a CODE#STATE."""
        import rich
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        traceback = Traceback(show_locals=False, width=None, suppress=[rich])
        self._exit_renderables.append(
            Segments(self.console.render(traceback, self.console.options))
        )
        self._close_messages_no_wait()

    @on(BoxStateChanged)
    def _box_state_changed(self, message: BoxStateChanged) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, BoxListScreen) and screen.is_mounted:
                screen.update_box(message.box)

    # ---------------------------------------------------------------- actions

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """Textual's screenshot action, masked and refused while a token is revealed."""
        if path is not None:
            self.screenshot_dir = Path(path)
        saved = self.save_masked_screenshot(filename)
        if saved is not None:
            self.notify(f"Saved {saved} (tokens masked)", title="Screenshot")

    def save_masked_screenshot(self, filename: str | None = None) -> Path | None:
        """Save an SVG of the screen. The panes paint tokens masked; a revealed token is on a
        screen of its own, and no screenshot is taken while it is shown."""
        if isinstance(self.screen, RevealScreen):
            self.notify("Not while the token is revealed. Close it first.", severity="warning")
            return None
        name = filename or f"clawtui-{datetime.now():%Y%m%d-%H%M%S}.svg"
        self.screenshot_dir.mkdir(parents=True, exist_ok=True)
        return Path(self.save_screenshot(name, path=str(self.screenshot_dir)))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":  # ours masks and refuses a revealed token
                yield command
        yield SystemCommand(
            "Screenshot", "Save an SVG of the screen (tokens masked)", self.action_screenshot
        )
        yield SystemCommand("Help", "Every key binding of clawtui", self.action_help)
        yield SystemCommand("Box list", "Back to the list of boxes", self.show_boxes)
        # Every key binding of the screen is a command too, so nothing needs a remembered key.
        for binding in getattr(screen, "BINDINGS", []):
            if not isinstance(binding, Binding) or not binding.description:
                continue
            if screen.check_action(binding.action, ()) is False:
                continue
            yield SystemCommand(
                binding.description,
                f"{screen.__class__.__name__.removesuffix('Screen')} — key {binding.key}",
                lambda action=binding.action, target=screen: target.run_action(action),
            )
        for box in self.boxes:
            name = box.name
            yield SystemCommand(
                f"Onboard {name}",
                f"Connect {name} ({box.customer or box.host}) to a Claude subscription",
                lambda name=name: self.start_onboarding([name]),
            )
            yield SystemCommand(
                f"Shell on {name}",
                f"Open a live login shell on {name}",
                lambda name=name: self.open_session(name),
            )

    async def on_unmount(self) -> None:
        for onboarding in list(self.onboardings.values()):
            await onboarding.close()
        for screen in list(self.sessions.values()):
            await screen.disconnect()


class DemoApp(ClawApp):
    """The TUI on the simulated fleet, served by a loopback SSH server inside this process.

    Everything lives in a temporary folder (keys, known_hosts, the boxes' homes, the vault and
    the audit log) that is removed on exit: the demo leaves nothing behind."""

    def __init__(self, *, time_scale: float = 1.0, screenshot_dir: Path | None = None) -> None:
        self._temp = Path(tempfile.mkdtemp(prefix="clawtui-demo-"))
        super().__init__(
            self._temp / "boxes.toml",
            vault=Vault(self._temp / "state" / "vault"),
            audit=AuditLog(self._temp / "state" / "audit.jsonl"),
            screenshot_dir=screenshot_dir,
        )
        self.time_scale = time_scale
        self.server: SimServer | None = None
        self.sub_title = "demo: simulated boxes on a loopback SSH server"

    async def prepare(self) -> None:
        from ..sim.server import SimServer

        server = SimServer(self._temp / "sim", time_scale=self.time_scale)
        try:
            await server.start()
        except (OSError, ClawError) as error:
            self.inventory_error = InventoryError(f"the demo's SSH server did not start: {error}")
            return
        self.server = server
        server.write_inventory(self.inventory_path)
        self.boxes = server.inventory_boxes()

    async def on_unmount(self) -> None:
        await super().on_unmount()
        server = self.server
        if server is not None:
            await server.stop()
        shutil.rmtree(self._temp, ignore_errors=True)


def run_tui(inventory: Path | None, *, recordings: Path | None = None) -> int:
    app = ClawApp(inventory)
    app.recordings = recordings
    result = app.run()
    return result or 0


def run_demo(*, time_scale: float = 1.0) -> int:
    app = DemoApp(time_scale=time_scale)
    result = app.run()
    return result or 0
