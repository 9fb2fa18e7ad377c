"""The TUI driven with Pilot: the box list, a live shell on a demo box, help, errors, snapshots.

The demo app starts its own loopback SSH server (the simulated fleet) inside the app's event loop,
so these tests exercise the real path: asyncssh, a real PTY running bash, pyte, the pane widget.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console
from textual import events
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from clawtui.tui.app import ClawApp, DemoApp
from clawtui.tui.commands import BoxCommands
from clawtui.tui.keymap import binding_rows
from clawtui.tui.screens.boxes import BoxListScreen
from clawtui.tui.screens.error import InventoryErrorScreen
from clawtui.tui.screens.help import HelpScreen
from clawtui.tui.screens.session import SessionScreen
from clawtui.tui.widgets.terminal_view import TerminalView
from tests.conftest import TEST_TIME_SCALE, wait_for

INVENTORY = """
[[box]]
name = "acme-prod"
host = "203.0.113.7"
customer = "Acme Inc"

[[box]]
name = "globex-web"
host = "198.51.100.20"
port = 2222
user = "admin"
customer = "Globex Corporation"

[[box]]
name = "initech-bot"
host = "initech"
customer = "Initech"
"""


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    path = tmp_path / "boxes.toml"
    path.write_text(INVENTORY)
    return path


@pytest.fixture(autouse=True)
def _private_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's vault and audit log go to a temporary folder, never the user's."""
    monkeypatch.setenv("CLAWTUI_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("CLAWTUI_CONFIG_DIR", str(tmp_path / "config"))


def table_names(app: ClawApp) -> list[str]:
    table = app.screen.query_one(DataTable)
    return [str(key.value) for key in table.rows]


def pane_lines(view: TerminalView) -> list[str]:
    """What the pane paints, row by row (the Line API output, masks applied)."""
    return [view.render_line(y).text.rstrip() for y in range(view.size.height)]


async def echo_hello_on_the_first_box(app: ClawApp, pilot: Pilot[int]) -> TerminalView:
    """From the demo's box list, open a shell on the first box (acme-prod) and run `echo hello`
    there; the pane, once `hello` stands on a line of its own."""
    await pilot.press("enter")
    view = app.screen.query_one(TerminalView)
    await wait_for(
        lambda: any("ubuntu@acme-prod:~$" in line for line in pane_lines(view)),
        10,
        "the shell prompt",
    )
    await pilot.press(*"echo hello", "enter")
    await wait_for(lambda: "hello" in pane_lines(view), 10, "hello on a line of its own")
    return view


async def test_the_list_shows_the_inventory(inventory: Path) -> None:
    app = ClawApp(inventory)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, BoxListScreen)
        assert table_names(app) == ["acme-prod", "globex-web", "initech-bot"]
        table = app.screen.query_one(DataTable)
        row = [str(cell) for cell in table.get_row("globex-web")]
        assert "Globex Corporation" in row and "198.51.100.20" in row
        assert "never onboarded" in row


async def test_typing_filters_the_list(inventory: Path) -> None:
    app = ClawApp(inventory)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("g", "l", "o")
        assert table_names(app) == ["globex-web"]
        await pilot.press("escape")
        assert table_names(app) == ["acme-prod", "globex-web", "initech-bot"]
        await pilot.press(*"initech")  # by customer or host too
        assert table_names(app) == ["initech-bot"]


async def test_a_bad_inventory_shows_an_error_screen_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "boxes.toml"
    path.write_text('[[box]]\nname = "a"\nhost = "h"\nport = 99999\n')
    app = ClawApp(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, InventoryErrorScreen)
        message = str(app.screen.query_one("#error-message", Static).content)
        assert "field 'port'" in message and str(path) in message
        await pilot.press("q")
    assert app.return_value == 2


async def test_help_lists_every_binding(inventory: Path) -> None:
    app = ClawApp(inventory)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=120, record=True, file=io.StringIO())
        for static in app.screen.query(Static):
            console.print(static.content)
        text = console.export_text()
        for section, entries in binding_rows():
            assert section in text
            for keys, does in entries:
                assert keys in text and does in text, (keys, does)
        assert "ctrl+]" in text and "ctrl+o" in text and "f9" in text
        await pilot.press("escape")
        assert isinstance(app.screen, BoxListScreen)


@pytest.mark.slow
async def test_a_demo_box_opens_a_live_shell() -> None:
    app = DemoApp(time_scale=TEST_TIME_SCALE)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: isinstance(app.screen, BoxListScreen), 10, "the box list")
        assert "acme-prod" in table_names(app)
        view = await echo_hello_on_the_first_box(app, pilot)
        assert isinstance(app.screen, SessionScreen)
        # The pane gets every key; ctrl+] gives the keyboard back, then esc returns to the list.
        await pilot.press("ctrl+right_square_bracket")
        assert not view.has_focus
        await pilot.press("escape")
        assert isinstance(app.screen, BoxListScreen)
        assert "shell" in " ".join(
            str(c) for c in app.screen.query_one(DataTable).get_row("acme-prod")
        )
    assert app.server is not None


@pytest.mark.slow
async def test_the_demo_leaves_nothing_behind() -> None:
    app = DemoApp(time_scale=TEST_TIME_SCALE)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(lambda: isinstance(app.screen, BoxListScreen), 10, "the box list")
        folder = app._temp
        assert folder.exists()
        await pilot.press("enter")
        view = app.screen.query_one(TerminalView)
        await wait_for(lambda: any("$" in line for line in pane_lines(view)), 10, "a prompt")
    assert not folder.exists()


# ----------------------------------------------------------------------------- snapshots


def test_snapshot_box_list(snap_compare, inventory: Path) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(ClawApp(inventory), terminal_size=(120, 40))


@pytest.mark.slow
def test_snapshot_session_screen(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await wait_for(lambda: isinstance(app.screen, BoxListScreen), 10, "the box list")
        view = await echo_hello_on_the_first_box(app, pilot)
        await wait_for(lambda: pane_lines(view)[2].startswith("ubuntu@"), 10, "the next prompt")
        # The demo server's port is random (port 0): keep it out of the picture.
        status = app.screen.query_one("#session-status", Static)
        status.update(re.sub(r":\d+", ":PORT", str(status.content)))
        app.screen.sub_title = re.sub(r":\d+", ":PORT", app.screen.sub_title)
        await pilot.pause()

    assert snap_compare(
        DemoApp(time_scale=TEST_TIME_SCALE), terminal_size=(120, 40), run_before=run_before
    )


async def test_every_action_is_in_the_command_palette(inventory: Path) -> None:
    app = ClawApp(inventory)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        titles = {command.title for command in app.get_system_commands(app.screen)}
        for binding in [*BoxListScreen.BINDINGS, *ClawApp.BINDINGS]:
            assert binding.description in titles, binding.description  # type: ignore[union-attr]
        # Boxes are not system commands (fifty boxes would bury the app's own)...
        assert not any(title.startswith(("Onboard ", "Shell on ")) for title in titles)
        # ...but the palette finds them as you type: a provider searches the inventory.
        hits = [hit async for hit in BoxCommands(app.screen).search("shell globex")]
        assert hits and str(hits[0].text) == "Shell on globex-web"
        # And it works from the palette itself.
        await pilot.press("ctrl+p")
        await pilot.press(*"help", "enter")
        await wait_for(lambda: isinstance(app.screen, HelpScreen), 5, "the help screen")


@pytest.mark.slow
async def test_the_app_answers_while_a_pane_floods() -> None:
    """A box printing without end must not freeze the UI: keys still work, and the pane keeps
    being fed in the background (flow control keeps memory bounded meanwhile).

    Keys are posted as the terminal driver posts them, not with `pilot.press`, which waits for
    the whole app to go idle after each key — it never does while a pane floods."""
    app = DemoApp(time_scale=TEST_TIME_SCALE)

    def key(name: str, character: str | None = None) -> None:
        event = events.Key(name, character)
        event.set_sender(app)
        assert app._driver is not None
        app._driver.send_message(event)  # what the terminal driver does with a key press

    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: isinstance(app.screen, BoxListScreen), 10, "the box list")
        view = await echo_hello_on_the_first_box(app, pilot)
        await pilot.press(*"yes flooding-the-pane", "enter")
        start = view.model.fed
        await wait_for(lambda: view.model.fed > start + 200_000, 20, "the flood")
        # Mid-flood, the operator takes the keyboard back and goes to the list...
        key("ctrl+right_square_bracket")
        await wait_for(lambda: not view.has_focus, 5, "the keyboard back")
        key("escape")
        await wait_for(lambda: isinstance(app.screen, BoxListScreen), 5, "the box list")
        during = view.model.fed
        # ...filters it, and the flood goes on behind.
        for letter in "glob":
            key(letter, letter)
        await wait_for(lambda: table_names(app) == ["globex-web"], 5, "the filtered list")
        await wait_for(lambda: view.model.fed > during + 100_000, 20, "more of the flood")


async def test_a_crash_report_shows_no_local_variables(inventory: Path) -> None:
    """Textual prints each frame's locals when an app crashes; a chunk of output or the code
    field's text held in one could be a token. clawtui's crash report leaves them out."""
    secret = "sk-ant-oat01-" + "Q7" * 40

    class Boom(ClawApp):
        def on_ready(self) -> None:
            chunk = secret.encode()  # a local a crash would otherwise print
            raise RuntimeError(f"crash while holding {len(chunk)} bytes")

        def _print_error_renderables(self) -> None:
            self.reports = list(self._exit_renderables)  # what would reach the terminal
            self._exit_renderables.clear()

    app = Boom(inventory)
    with pytest.raises(RuntimeError):
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
    report = Console(width=120, record=True, file=io.StringIO())
    for renderable in app.reports:
        report.print(renderable)
    text = report.export_text()
    assert "crash while holding" in text, "the report itself is kept"
    assert secret not in text and secret[13:40] not in text
