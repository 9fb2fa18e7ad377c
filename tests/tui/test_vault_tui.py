"""The TUI's two recoveries when the vault cannot keep a captured token (issue 8, item 1).

Driven with Pilot on the demo's simulated boxes: the vault folder is made unusable before the
customer's code goes in, so saving fails at capture time. The banner says the token was NOT
kept and offers "Retry saving" (f6) and "Paste without keeping it" (f7, behind a confirmation);
nothing is pasted until one of them is chosen, and no text claims the vault holds the token.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from textual import events
from textual.widgets import Button, Input, Static

from clawtui import flow as f
from clawtui.sim.openclaw import stored_token
from clawtui.tui.app import DemoApp
from clawtui.tui.screens.boxes import BoxListScreen
from clawtui.tui.screens.onboard import OnboardScreen
from clawtui.tui.screens.unkept import PasteUnkeptScreen
from tests.conftest import TEST_TIME_SCALE, wait_for
from tests.customer import code_from_page

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _private_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAWTUI_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("CLAWTUI_CONFIG_DIR", str(tmp_path / "config"))


def plain(widget: Static) -> str:
    """What a Static shows, as text (set with update(), or drawn by its render())."""
    console = Console(width=1000, record=True, file=io.StringIO())
    console.print(widget.render())
    return console.export_text()


def confirming(app: DemoApp) -> bool:
    """The confirmation dialog is up, its buttons composed and the safe one focused."""
    dialog = app.screen
    if not isinstance(dialog, PasteUnkeptScreen):
        return False
    cancel = dialog.query("#cancel")
    return bool(cancel) and cancel.first().has_focus


def banner_button(screen: OnboardScreen, recovery: f.Recovery) -> Button:
    buttons = screen.query("#banner-buttons Button").results(Button)
    return next(b for b in buttons if b.name == recovery.value)


def visible_buttons(screen: OnboardScreen) -> list[str]:
    buttons = screen.query("#banner-buttons Button").results(Button)
    return [str(b.label) for b in buttons if b.display]


async def fail_to_keep(app: DemoApp, pilot, tmp_path: Path) -> OnboardScreen:  # type: ignore[no-untyped-def]
    """Onboard acme-prod with a vault folder that cannot be created; stop at the failure."""
    await wait_for(lambda: isinstance(app.screen, BoxListScreen), 10, "the box list")
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the vault's parent folder should be\n")
    app.vault.folder = blocker / "vault"
    app.start_onboarding(["acme-prod"])
    screen = app.screen
    assert isinstance(screen, OnboardScreen)
    await wait_for(lambda: screen.url is not None, 15, "the sign-in link")
    code = await code_from_page(screen.url or "")
    screen.query_one("#code", Input).post_message(events.Paste(code))
    await pilot.pause()
    await pilot.press("enter")
    await wait_for(lambda: screen.flow.phase == f.Phase.FAILED, 15, "the failed save")
    await pilot.pause()
    banner = plain(screen.query_one("#banner-text", Static))
    assert "NOT kept" in banner and str(blocker) in banner
    assert visible_buttons(screen) == ["Retry saving (f6)", "Paste without keeping it (f7)"]
    token_line = plain(screen.query_one("#token-line", Static))
    assert "NOT kept in the vault" in token_line and "kept in the vault until" not in token_line
    assert app.server is not None and stored_token(app.server.home("acme-prod")) is None
    assert f.PASTE not in screen.onboarding.runner.models, "OpenClaw was not even started"
    return screen


async def test_retry_saving_after_the_folder_is_fixed(tmp_path: Path) -> None:
    app = DemoApp(time_scale=TEST_TIME_SCALE)
    async with app.run_test(size=(120, 40)) as pilot:
        good = app.vault.folder
        screen = await fail_to_keep(app, pilot, tmp_path)
        app.vault.folder = good  # the operator fixed the folder
        await pilot.press("f6")
        await wait_for(lambda: screen.flow.after.stored, 20, "the token stored in OpenClaw")
        assert screen.flow.token_kept
        assert app.server is not None
        token = screen.flow.token
        assert token is not None
        assert stored_token(app.server.home("acme-prod")) == token.reveal()


async def test_paste_without_keeping_it_asks_first(tmp_path: Path) -> None:
    app = DemoApp(time_scale=TEST_TIME_SCALE)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await fail_to_keep(app, pilot, tmp_path)
        await pilot.press("f7")
        await wait_for(lambda: confirming(app), 5, "the confirmation")
        await pilot.press("enter")  # the focused, safe choice: cancel
        await wait_for(lambda: app.screen is screen, 5, "back on the onboarding screen")
        await pilot.pause()
        assert screen.flow.phase == f.Phase.FAILED, "cancelling pastes nothing"
        assert f.PASTE not in screen.onboarding.runner.models

        banner_button(screen, f.Recovery.PASTE_UNKEPT).press()
        await wait_for(lambda: confirming(app), 5, "the confirmation")
        app.screen.query_one("#paste-unkept", Button).press()
        await wait_for(lambda: screen.flow.after.stored, 20, "the token stored in OpenClaw")
        assert not screen.flow.token_kept
        assert app.server is not None
        token = screen.flow.token
        assert token is not None
        assert stored_token(app.server.home("acme-prod")) == token.reveal()
        token_line = plain(screen.query_one("#token-line", Static))
        assert "kept in the vault until" not in token_line
