"""The clawtui application: loads the inventory, holds what outlives a screen, shows the boxes.

The App stays small: it owns the inventory, the vault and audit log, the fleet of onboardings
(`clawtui.fleet`: they keep running while the operator looks at another box), the open shell
sessions, and the demo's simulated fleet when there is one. Screens get what they read in their
constructor and send requests up as messages (`tui.messages`); changes of a box reach whoever
shows it through two signals, `box_changed` and `pane_changed`.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Awaitable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.actions import parse as parse_action
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.signal import Signal

from .. import flow as f
from ..audit import AuditLog
from ..errors import ClawError, HostKeyUnknownError, InventoryError
from ..fleet import BoxOnboarding, Fleet, FleetListener
from ..inventory import Box, FleetSettings, load_fleet_settings, load_inventory
from ..paths import default_inventory
from ..runner import Runner, RunnerListener
from ..terminal import TerminalModel
from ..vault import Vault
from . import heap
from .commands import BoxCommands
from .context import PaneEvent
from .keymap import AppKeys, binding_rows
from .messages import (
    BoxChanged,
    Checked,
    CloseShell,
    CycleBoxes,
    OpenShell,
    ShowBoxes,
    ShowOnboarding,
    StartOnboarding,
)
from .screens.boxes import BoxListScreen
from .screens.error import InventoryErrorScreen
from .screens.help import HelpScreen
from .screens.hostkey import HostKeyScreen
from .screens.model import DefaultModelScreen
from .screens.onboard import OnboardScreen
from .screens.reveal import RevealScreen
from .screens.session import SessionScreen

if TYPE_CHECKING:
    from ..sim.server import SimServer

_SEVERITY: dict[str, SeverityLevel] = {
    "info": "information",
    "warning": "warning",
    "error": "error",
}


class ClawApp(App[int]):
    """Onboard OpenClaw boxes to a Claude subscription."""

    TITLE = "clawtui"
    CSS_PATH = Path(__file__).parent / "app.tcss"  # absolute: subclasses live elsewhere
    BINDINGS: ClassVar[list[BindingType]] = AppKeys.BINDINGS
    COMMANDS = App.COMMANDS | {BoxCommands}
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
        self._boxes: list[Box] = boxes if boxes is not None else []
        self.fleet_settings = FleetSettings()
        self._given_boxes = boxes is not None
        self.vault = vault or Vault()
        self._audit = audit or AuditLog()
        self.screenshot_dir = screenshot_dir or Path.cwd()
        self.sessions: dict[str, SessionScreen] = {}
        self.onboard_screens: dict[str, OnboardScreen] = {}
        self.checks: dict[str, str] = {}
        self.last_input_at: float | None = None
        self._fleet = self._make_fleet()
        self._heap_busy = False  # onboardings ran at the last look (see _tend_heap)
        self._box_changed: Signal[str] = Signal(self, "box-changed")
        self._pane_changed: Signal[PaneEvent] = Signal(self, "pane-changed")

    # ---------------------------------------------------------------- the Workspace

    @property
    def boxes(self) -> list[Box]:
        return self._boxes

    @property
    def fleet(self) -> Fleet:
        return self._fleet

    @property
    def audit(self) -> AuditLog:
        return self._audit

    @property
    def box_changed(self) -> Signal[str]:
        return self._box_changed

    @property
    def pane_changed(self) -> Signal[PaneEvent]:
        return self._pane_changed

    def box(self, name: str) -> Box:
        for box in self._boxes:
            if box.name == name:
                return box
        raise KeyError(name)

    def check_label(self, name: str) -> str | None:
        return self.checks.get(name)

    def shell_state(self, name: str) -> str | None:
        screen = self.sessions.get(name)
        return screen.state if screen is not None else None

    @property
    def onboardings(self) -> dict[str, BoxOnboarding]:
        return self._fleet.onboardings

    def _make_fleet(self) -> Fleet:
        return Fleet(
            self._boxes,
            vault=self.vault,
            audit=self._audit,
            listener=_FleetBridge(self),
            launcher=self._launch,
            runner_factory=self._make_runner,
            max_parallel=self.fleet_settings.max_parallel,
        )

    def _make_runner(self, box: Box, listener: RunnerListener) -> Runner:
        return Runner(
            box,
            vault=self.vault,
            audit=self._audit,
            listener=listener,
            size=(80, 24),
            recordings=self.recordings,
        )

    def _launch(self, onboarding: BoxOnboarding, work: Awaitable[None]) -> None:
        self.run_worker(
            work,
            name=f"onboard {onboarding.name}",
            group=f"box:{onboarding.name}",
            exclusive=True,
            exit_on_error=False,
        )

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
        self._fleet = self._make_fleet()
        if self.inventory_error is not None:
            await self.push_screen(InventoryErrorScreen(self.inventory_error))
        else:
            await self.push_screen(BoxListScreen(self))
        self.call_after_refresh(heap.freeze_long_lived)
        self.set_interval(heap.BUSY_FREEZE_SECONDS, self._tend_heap, name="heap")

    def _tend_heap(self) -> None:
        """Keep a running batch's objects out of the garbage collector's walks, and collect
        once when it is over (see clawtui/tui/heap.py)."""
        busy = any(onboarding.running for onboarding in self._fleet.onboardings.values())
        if busy:
            heap.freeze_while_busy()
            self._heap_busy = True
        elif self._heap_busy:
            self._heap_busy = False
            heap.settle()

    async def prepare(self) -> None:
        """Load the boxes (the demo starts its fleet here instead)."""
        if self._given_boxes:
            return
        try:
            self._boxes = load_inventory(self.inventory_path)
            self.fleet_settings = load_fleet_settings(self.inventory_path)
        except InventoryError as error:
            self.inventory_error = error

    # ---------------------------------------------------------------- requests from screens

    @on(BoxChanged)
    def _box_changed_message(self, message: BoxChanged) -> None:
        self._box_changed.publish(message.box)

    @on(Checked)
    def _checked(self, message: Checked) -> None:
        self.checks[message.box] = f"check: {message.status}"
        self._box_changed.publish(message.box)

    @on(OpenShell)
    def _open_shell(self, message: OpenShell) -> None:
        self.open_session(message.box)

    @on(CloseShell)
    def _close_shell(self, message: CloseShell) -> None:
        self.close_session(message.box)

    @on(StartOnboarding)
    def _start_onboarding(self, message: StartOnboarding) -> None:
        self.start_onboarding(message.boxes)

    @on(ShowOnboarding)
    def _show_onboarding(self, message: ShowOnboarding) -> None:
        self.show_onboarding(message.box)

    @on(ShowBoxes)
    def _show_boxes(self) -> None:
        self.show_boxes()

    @on(CycleBoxes)
    def _cycle(self, message: CycleBoxes) -> None:
        self.cycle_screens(message.step)

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
        self._box_changed.publish(name)

    async def _uninstall(self, name: str) -> None:
        with contextlib.suppress(Exception):
            self.uninstall_screen(name)

    # ---------------------------------------------------------------- onboarding

    def onboard_screen(self, name: str) -> OnboardScreen:
        """The onboarding screen of a box, made when it is first shown."""
        screen = self.onboard_screens.get(name)
        if screen is None:
            screen = OnboardScreen(self._fleet.onboarding(name), self)
            self.onboard_screens[name] = screen
            self.install_screen(screen, name=f"onboard:{name}")
        return screen

    def start_onboarding(self, names: Iterable[str]) -> None:
        names = list(names)
        self._fleet.start(names)
        if len(names) == 1:
            self._show(self.onboard_screen(names[0]))
        elif names:
            self.notify(
                f"Onboarding {len(names)} boxes: {', '.join(names)}. Each box's sign-in link "
                "is announced here as soon as it is ready.",
                title="Batch started",
            )

    def show_onboarding(self, name: str) -> None:
        self._show(self.onboard_screen(name))

    def watching(self, name: str) -> bool:
        """Whether the operator looks at this box's onboarding screen right now."""
        screen = self.screen
        return isinstance(screen, OnboardScreen) and screen.box.name == name

    def watching_batch(self) -> bool:
        """Whether the operator looks at the box list while a batch runs: its queue panel
        shows every box's state, links and ready boxes included."""
        if not isinstance(self.screen, BoxListScreen):
            return False
        running = 0
        for onboarding in self._fleet.onboardings.values():
            running += onboarding.running
            if running > 1:
                return True
        return False

    def ask_host_key(self, onboarding: BoxOnboarding, failure: f.Failure) -> None:
        """An unknown box: show its fingerprint; once trusted, carry on where it stopped."""
        error = failure.error
        assert isinstance(error, HostKeyUnknownError)

        def answer(trusted: bool | None) -> None:
            if trusted and failure.recoveries:
                onboarding.runner.accepted_fingerprint = error.fingerprint
                onboarding.runner.act(failure.recoveries[0])

        self.push_screen(HostKeyScreen(error), answer)

    def ask_model(self, onboarding: BoxOnboarding, current: str | None, proposed: str) -> None:
        """The box's default model is not Anthropic's: Switch or Keep (DefaultModelScreen)."""

        def answer(model: str | None) -> None:
            onboarding.attention = False
            onboarding.runner.choose_model(model)
            # Back on the box's screen the code field is gone (the token is captured): leave
            # the keys with the screen (escape, recoveries), not with a live pane.
            screen = self.onboard_screens.get(onboarding.name)
            if screen is not None:
                screen.call_after_refresh(screen.set_focus, None)

        self.push_screen(DefaultModelScreen(onboarding.name, current, proposed), answer)

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
        for box in self._boxes:
            if box.name in self._fleet.onboardings:
                screens.append((f"onboard {box.name}", self.onboard_screen(box.name)))
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

    # ---------------------------------------------------------------- actions

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(binding_rows(), self.screen))

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
        # (Boxes have a provider of their own: `BoxCommands`.)
        for binding in getattr(screen, "BINDINGS", []):
            if not isinstance(binding, Binding) or not binding.description:
                continue
            action, parameters = _split_action(binding.action)
            if screen.check_action(action, parameters) is False:
                continue
            yield SystemCommand(
                binding.description,
                f"{screen.__class__.__name__.removesuffix('Screen')} — key {binding.key}",
                lambda action=binding.action, target=screen: target.run_action(action),
            )

    async def on_unmount(self) -> None:
        await self._fleet.close()
        for screen in list(self.sessions.values()):
            await screen.disconnect()


def _split_action(action: str) -> tuple[str, tuple[object, ...]]:
    """`recover('resume')` → ("recover", ("resume",)), as Textual parses it."""
    _, name, parameters = parse_action(action)
    return name, parameters


class _FleetBridge(FleetListener):
    """The fleet's news for the TUI: signals for whoever shows a box, toasts for the operator
    when they look elsewhere, and the host key question."""

    def __init__(self, app: ClawApp) -> None:
        self.app = app

    def on_started(self, box: BoxOnboarding, *, resume: bool) -> None:
        if resume:
            self.app.notify(
                f"{box.name}: a captured token is waiting in the vault; resuming with it "
                "(no new sign-in needed).",
                title="Resuming",
            )

    def on_pane(self, box: BoxOnboarding, pane: f.PaneName, model: TerminalModel) -> None:
        self.app.pane_changed.publish(PaneEvent(box.name, pane, attached=True))

    def on_output(self, box: BoxOnboarding, pane: f.PaneName) -> None:
        self.app.pane_changed.publish(PaneEvent(box.name, pane))

    def on_changed(self, box: BoxOnboarding) -> None:
        self.app.post_message(BoxChanged(box.name))

    def on_effect(self, box: BoxOnboarding, effect: f.Effect) -> None:
        app = self.app
        name = box.name
        # On this box's own screen the panels say it all; elsewhere a toast must tell. A
        # batch's links and ready boxes show in the box list's queue panel: a toast per box
        # would be a hundred of them, each a new widget to lay out while the batch runs.
        watching = app.watching(name)
        quiet = watching or app.watching_batch()
        match effect:
            case f.UrlReady(changed=changed) if not quiet:
                app.notify(
                    ("New sign-in link: the customer must use this one. " if changed else "")
                    + "Send the customer the link, then enter their code.",
                    title=f"{name}: sign-in link ready",
                    severity="warning" if changed else "information",
                )
            case f.Notify(message=message, level=level) if level != "info" and not watching:
                app.notify(message, title=name, severity=_SEVERITY[level])
            case f.AskModel(current=current, proposed=proposed):
                app.ask_model(box, current, proposed)
            case f.Finished(failure=None, not_in_use=True):
                app.notify(
                    f"{name}: the token is stored, but OpenClaw's default model is "
                    f"{box.flow.after.default_model or 'unknown'}: not in use.",
                    title="Stored, not in use",
                    severity="warning",
                    timeout=10,
                )
            case f.Finished(failure=None) if not quiet:
                app.notify(box.flow.ready_line(), title="Ready", timeout=8)
            case f.Finished(failure=failure) if failure is not None and isinstance(
                failure.error, HostKeyUnknownError
            ):
                app.ask_host_key(box, failure)
            case f.Finished(failure=failure) if failure is not None:
                app.notify(
                    failure.reason, title=f"{name}: needs attention", severity="error", timeout=10
                )
            case _:
                pass


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
        self._boxes = server.inventory_boxes()

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
