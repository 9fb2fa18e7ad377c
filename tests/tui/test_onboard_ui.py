"""The operator's onboarding screen and batches, driven with Pilot on the demo's simulated boxes.

Live tests use the DemoApp (its own loopback SSH server, the simulated programs in real PTYs,
the customer page over HTTP). The snapshot tests need pictures that are the same on every run,
which a live box cannot give (random port, random state, random token), so they replay the
recorded real programs into the screen through the same listener the Runner uses, with a
fixed clock.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual import events
from textual.widgets import Button, DataTable, Input, Static

from clawtui import flow as f
from clawtui.fleet import BoxOnboarding
from clawtui.inventory import Box
from clawtui.openclaw import PROPOSED_MODEL
from clawtui.terminal import TerminalModel
from clawtui.tui.app import ClawApp, DemoApp
from clawtui.tui.screens.boxes import BoxListScreen
from clawtui.tui.screens.model import DefaultModelScreen
from clawtui.tui.screens.onboard import OnboardScreen
from clawtui.tui.screens.reveal import RevealScreen
from clawtui.tui.widgets.queue import QueueList
from tests.conftest import TEST_TIME_SCALE, wait_for
from tests.customer import code_from_page
from tests.replay import load


@pytest.fixture(autouse=True)
def _private_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAWTUI_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("CLAWTUI_CONFIG_DIR", str(tmp_path / "config"))


def token_pieces(token: str) -> Iterable[str]:
    """Every 8-character piece of a token's secret part (the last 4 may show, by design)."""
    secret = token[len("sk-ant-oat01-") : -4]
    return (secret[i : i + 8] for i in range(0, len(secret) - 7))


def plain(widget: Static) -> str:
    """What a widget shows, as text (its renderable may be a Group or a Table)."""
    console = Console(width=1000, record=True, file=io.StringIO())
    # Our widgets render reactive state; a plain Static holds what it was last updated with.
    console.print(widget.content or widget.render())
    return console.export_text()


def queue_shown(screen: BoxListScreen) -> str:
    """What the box list's queue panel draws, its wrapped rows joined again."""
    return " ".join(screen.query_one(QueueList).shown.splitlines())


def model_dialog(app: ClawApp) -> DefaultModelScreen | None:
    """The default-model dialog once its buttons are there."""
    screen = app.screen
    if isinstance(screen, DefaultModelScreen) and screen.query("#switch"):
        return screen
    return None


async def paste(field: Input, text: str) -> None:
    """What a terminal sends when the operator pastes: a Paste event to the focused field."""
    field.post_message(events.Paste(text))


# ----------------------------------------------------------------------------- live


@pytest.mark.slow
async def test_a_demo_box_end_to_end_through_the_ui(tmp_path: Path) -> None:
    app = DemoApp(time_scale=TEST_TIME_SCALE, screenshot_dir=tmp_path / "shots")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: isinstance(app.screen, BoxListScreen), 10, "the box list")
        await pilot.press("ctrl+o")  # onboard the highlighted box: acme-prod
        screen = app.screen
        assert isinstance(screen, OnboardScreen) and screen.box.name == "acme-prod"
        flow = screen.flow

        await wait_for(
            lambda: "state=" in plain(screen.query_one("#url-panel", Static)),
            15,
            "the sign-in link in the panel",
        )
        assert flow.url is not None and screen.url == flow.url.url
        panel = plain(screen.query_one("#url-panel", Static))
        assert "state=" in panel and flow.url.state is not None
        assert flow.url.url in panel, "the whole link is shown"

        code = await code_from_page(screen.url)
        field = screen.query_one("#code", Input)
        assert field.has_focus
        await paste(field, code)
        await pilot.pause()
        message = plain(screen.query_one("#code-message", Static))
        assert "Looks right" in message
        await pilot.press("enter")

        await wait_for(lambda: flow.token is not None, 15, "the token")
        token = flow.token
        assert token is not None
        # Masked on screen and in an SVG screenshot; the vault holds it meanwhile. The screen
        # hears of the token by message: on a busy machine, a moment after the flow has it.
        await wait_for(
            lambda: token.masked in plain(screen.query_one("#token-line", Static)),
            10,
            "the masked token on screen",
        )
        token_line = plain(screen.query_one("#token-line", Static))
        assert token.reveal() not in token_line
        svg = app.export_screenshot()
        assert token.reveal() not in svg
        assert not any(piece in svg for piece in token_pieces(token.reveal()))
        saved = app.save_masked_screenshot("after-capture.svg")
        assert saved is not None
        assert not any(piece in saved.read_text() for piece in token_pieces(token.reveal()))

        # A fresh OpenClaw defaults to OpenAI: the operator is asked, and switches.
        await wait_for(lambda: model_dialog(app) is not None, 20, "the model dialog")
        dialog = app.screen
        assert isinstance(dialog, DefaultModelScreen)
        assert dialog.current == "openai/gpt-6-astra" and dialog.proposed == PROPOSED_MODEL
        assert app.vault.load("acme-prod") is None, "stored in OpenClaw: the vault is emptied"
        dialog.query_one("#switch", Button).press()

        await wait_for(lambda: flow.phase == f.Phase.VERIFIED, 20, "ready")
        await wait_for(
            lambda: "Ready" in plain(screen.query_one("#banner-text", Static)), 5, "the banner"
        )
        banner = plain(screen.query_one("#banner-text", Static))
        assert f"Ready: anthropic:manual on acme-prod, default {PROPOSED_MODEL}, expires " in banner
        assert f"(token …{token.last4})" in banner
        assert all(r.state == f.StepState.DONE for r in flow.steps.values())
        steps = plain(screen.query_one("#steps", Static))
        assert all(name in steps for name in ("default model", "gateway", "ready check"))

        await pilot.press("escape")
        assert isinstance(app.screen, BoxListScreen)
        row = " ".join(str(c) for c in app.screen.query_one(DataTable).get_row("acme-prod"))
        assert "ready" in row
        expires = (datetime.now(UTC) + timedelta(days=365)).strftime("%Y-%m-%d")
        assert expires in row, "the expires column comes from the ready result"


@pytest.mark.slow
async def test_keeping_the_default_model_ends_stored_not_in_use() -> None:
    app = DemoApp(time_scale=TEST_TIME_SCALE)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: isinstance(app.screen, BoxListScreen), 10, "the box list")
        app.start_onboarding(["initech-bot"])
        screen = app.screen
        assert isinstance(screen, OnboardScreen)
        await wait_for(lambda: screen.url is not None, 15, "the link")
        await paste(screen.query_one("#code", Input), await code_from_page(screen.url or ""))
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(lambda: model_dialog(app) is not None, 20, "the model dialog")
        app.screen.query_one("#keep", Button).press()
        await wait_for(lambda: screen.flow.phase == f.Phase.NOT_IN_USE, 10, "not in use")
        await pilot.pause()
        banner = plain(screen.query_one("#banner-text", Static))
        assert "Stored but not in use" in banner and "openai/gpt-6-astra" in banner
        assert "Ready" not in banner
        assert screen.flow.steps[f.Step.VERIFIED].state != f.StepState.DONE


@pytest.mark.slow
async def test_a_box_already_on_anthropic_is_not_asked_and_expiry_filter_finds_it() -> None:
    app = DemoApp(time_scale=TEST_TIME_SCALE)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: isinstance(app.screen, BoxListScreen), 10, "the box list")
        box_list = app.screen
        app.start_onboarding(["pied-piper"])
        screen = app.screen
        assert isinstance(screen, OnboardScreen) and screen.box.name == "pied-piper"
        await wait_for(lambda: screen.url is not None, 15, "the link")
        await paste(screen.query_one("#code", Input), await code_from_page(screen.url or ""))
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(lambda: screen.flow.phase == f.Phase.VERIFIED, 20, "ready")
        assert not isinstance(app.screen, DefaultModelScreen)
        assert screen.flow.steps[f.Step.MODEL].state == f.StepState.DONE
        await pilot.press("escape")
        assert isinstance(app.screen, BoxListScreen)
        # Its token expires in a year: `expires:400` finds it, `expires:30` does not.
        filter_field = box_list.query_one("#filter", Input)
        filter_field.value = "expires:400"
        await pilot.pause()
        table = box_list.query_one(DataTable)
        assert [str(key.value) for key in table.rows] == ["pied-piper"]
        filter_field.value = "expires:30"
        await pilot.pause()
        assert table.row_count == 0


@pytest.mark.slow
async def test_reveal_is_deliberate_and_never_screenshotted(tmp_path: Path) -> None:
    app = DemoApp(time_scale=TEST_TIME_SCALE, screenshot_dir=tmp_path / "shots")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: isinstance(app.screen, BoxListScreen), 10, "the box list")
        # No default-model question popping up over the reveal: the inventory names the model.
        app.boxes[:] = [dataclasses.replace(box, default_model=PROPOSED_MODEL) for box in app.boxes]
        await pilot.press("ctrl+o")
        screen = app.screen
        assert isinstance(screen, OnboardScreen)
        await pilot.press("f9")  # nothing to reveal yet
        assert not isinstance(app.screen, RevealScreen)
        await wait_for(lambda: screen.url is not None, 15, "the link")
        await paste(screen.query_one("#code", Input), await code_from_page(screen.url or ""))
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(lambda: screen.flow.token is not None, 15, "the token")
        await pilot.press("f9")
        assert isinstance(app.screen, RevealScreen)
        assert app.save_masked_screenshot("revealed.svg") is None
        assert not (tmp_path / "shots" / "revealed.svg").exists()
        await pilot.press("x")  # any key hides it
        shown: object = app.screen
        assert shown is screen


@pytest.mark.slow
async def test_a_batch_of_five_with_one_failure() -> None:
    app = DemoApp(time_scale=TEST_TIME_SCALE)
    chosen = ["acme-prod", "globex-web", "initech-bot", "umbrella-ops", "tyrell-edge"]
    toasts: list[str] = []
    notify = app.notify

    def recording_notify(message: str, *, title: str = "", **kwargs: Any) -> None:
        toasts.append(title)
        notify(message, title=title, **kwargs)

    app.notify = recording_notify  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: isinstance(app.screen, BoxListScreen), 10, "the box list")
        box_list = app.screen
        assert isinstance(box_list, BoxListScreen)
        table = box_list.query_one(DataTable)
        for name in chosen:
            table.move_cursor(row=table.get_row_index(name))
            await pilot.press("space")
        assert box_list.selected == set(chosen)
        # The inventory names the model to switch to: no question per box.
        app.boxes[:] = [dataclasses.replace(box, default_model=PROPOSED_MODEL) for box in app.boxes]
        field_at = box_list.query_one("#batch-code", Input).region
        await pilot.press("ctrl+o")
        assert isinstance(app.screen, BoxListScreen), "a batch stays on the list"

        def ready() -> list[str]:
            return [
                n for n in chosen if app.onboardings[n].runner.flow.phase == f.Phase.WAITING_CODE
            ]

        await wait_for(lambda: len(ready()) == len(chosen), 20, "every link ready")
        # The queue panel is redrawn at the next frame, a moment after the fleet changed.
        await wait_for(
            lambda: all(f"{name}: link ready" in queue_shown(box_list) for name in chosen),
            10,
            "every link ready in the queue panel",
        )

        # The Status column widened for the longer state: no row shows it cut short.
        def statuses_drawn() -> bool:
            drawn = [table.render_line(y).text for y in range(table.size.height)]
            return all(
                any(f" {name} " in line and "link ready" in line for line in drawn)
                for name in chosen
            )

        await wait_for(statuses_drawn, 10, "every box's whole status in the table")
        # The queue grew by a row per box; the field the codes go into stayed where it was.
        assert box_list.query_one("#batch-code", Input).region == field_at

        # The customers' codes go into the one batch field; each finds its own box.
        field = box_list.query_one("#batch-code", Input)
        for name in reversed(chosen):
            url = app.onboardings[name].runner.flow.url
            assert url is not None
            field.focus()
            await paste(field, await code_from_page(url.url))
            await pilot.press("enter")
            message = plain(box_list.query_one("#batch-code-message", Static))
            assert message.strip() == f"Sent to {name}.", message

        def finished() -> bool:
            return all(app.onboardings[n].runner.flow.done for n in chosen)

        await wait_for(finished, 30, "every box finished")
        phases = {n: app.onboardings[n].runner.flow.phase for n in chosen}
        assert phases == {
            "acme-prod": f.Phase.VERIFIED,
            "globex-web": f.Phase.VERIFIED,
            "initech-bot": f.Phase.VERIFIED,
            "umbrella-ops": f.Phase.VERIFIED,
            "tyrell-edge": f.Phase.FAILED,
        }
        failure = app.onboardings["tyrell-edge"].runner.flow.failure
        assert failure is not None and "`openclaw` is not installed" in failure.reason
        assert f.Recovery.RESUME in failure.recoveries
        assert app.vault.boxes() == ["tyrell-edge"], "only the failed box keeps its token"
        await pilot.pause()
        statuses = {n: str(table.get_row(n)[4]) for n in chosen}
        assert statuses["acme-prod"].startswith("ready")
        assert statuses["tyrell-edge"].startswith("failed")
        await wait_for(
            lambda: (
                "tyrell-edge: needs attention" in queue_shown(box_list)
                and "acme-prod: ready" in queue_shown(box_list)
            ),
            10,
            "the final states in the queue panel",
        )
        # Links and ready boxes showed in the queue panel, not as a toast per box; the failure
        # got one.
        assert not [title for title in toasts if "link ready" in title or title == "Ready"]
        assert "tyrell-edge: needs attention" in toasts


@pytest.mark.slow
async def test_a_code_for_no_open_link_is_not_routed() -> None:
    app = DemoApp(time_scale=TEST_TIME_SCALE)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: isinstance(app.screen, BoxListScreen), 10, "the box list")
        field = app.screen.query_one("#batch-code", Input)
        field.focus()
        await paste(field, "abc123#" + "Q" * 43)
        await pilot.press("enter")
        message = plain(app.screen.query_one("#batch-code-message", Static))
        assert "No box is waiting for a code from this link" in message


# ----------------------------------------------------------------------------- snapshots


class ReplayApp(ClawApp):
    """A ClawApp whose one box is driven by recorded programs instead of SSH (for snapshots)."""

    def __init__(self, tmp: Path) -> None:
        from clawtui.audit import AuditLog
        from clawtui.vault import Vault

        box = Box(name="acme-prod", host="203.0.113.7", user="ubuntu", customer="Acme Inc")
        super().__init__(boxes=[box], vault=Vault(tmp / "vault"), audit=AuditLog(tmp / "a.jsonl"))
        self.now = 1000.0

    def notify(self, *args: object, **kwargs: object) -> None:  # toasts come and go: keep out
        pass


class Replayer:
    def __init__(self, app: ReplayApp) -> None:
        self.app = app
        self.onboarding: BoxOnboarding = app.fleet.onboarding("acme-prod")
        self.runner = self.onboarding.runner
        self.runner.clock = lambda: app.now
        self.models: dict[f.PaneName, TerminalModel] = {}

    def handle(self, event: f.Event) -> None:
        for effect in self.runner.flow.handle(event, self.app.now):
            if isinstance(effect, f.Start):
                self.models[effect.pane] = model = TerminalModel(80, 24)
                self.runner.models[effect.pane] = model
                self.onboarding.on_pane(self.runner, effect.pane, model)
            self.onboarding.on_effect(self.runner, effect)
            if isinstance(effect, f.StoreToken):
                self.handle(f.Stored())  # as the Runner does, at once
        self.onboarding.on_change(self.runner)

    def play(self, pane: f.PaneName, name: str, *, until_input: int | None = None) -> None:
        transcript = load(name)
        model = self.models[pane]
        inputs = 0
        for step in transcript.steps:
            if step.kind == "in":
                inputs += 1
                if until_input is not None and inputs > until_input:
                    return
            if step.kind != "out":
                continue
            self.app.now += 0.05
            model.feed(step.data)
            self.onboarding.on_output(self.runner, pane)
            self.handle(f.PaneScreen(pane, model.snapshot()))


def waiting_for_code(app: ReplayApp) -> Replayer:
    replay = Replayer(app)
    app.show_onboarding("acme-prod")
    replay.handle(f.Begin(None))
    app.now += 0.3
    replay.handle(f.Connected())
    replay.play(f.SETUP, "claude-setup-token-80x24-FULL_SIGN_IN_LINK", until_input=0)
    app.now += 42
    return replay


def onboard_snapshot(tmp_path: Path, size: tuple[int, int], stage: str):  # type: ignore[no-untyped-def]
    app = ReplayApp(tmp_path)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause()
        replay = waiting_for_code(app)
        if stage == "verified":
            url = replay.runner.flow.url
            assert url is not None
            replay.handle(
                f.CodeEntered(f"Kq3xT9bYw2LmN8pR4sVz6cHd0fJg5aUe7iOk1nBt3yXq#{url.state}")
            )
            # The recording does not echo our code: at the echo deadline the flow presses Enter
            # itself, and only then may a token be taken from the pane.
            app.now += f.Timeouts().echo
            # The recorded success (its fabricated token), then OpenClaw's recorded prompt.
            replay.models[f.SETUP] = replay.runner.models[f.SETUP] = TerminalModel(80, 24)
            replay.onboarding.on_pane(replay.runner, f.SETUP, replay.models[f.SETUP])
            replay.handle(f.Tick())
            replay.play(f.SETUP, "claude-setup-token-80x24-FAKESERVER-200")
            replay.play(f.PASTE, "openclaw-paste-token-80x24-bracketed")
            token = replay.runner.flow.token
            assert token is not None
            app.now += 3
            label = f"anthropic:manual=token:sk-ant-o...{token.last8}"
            answer = (
                '{"defaultModel": "anthropic/claude-sonnet-4-6", "auth": {"providers": '
                f'[{{"profiles": {{"labels": ["{label}"]}}}}], "oauth": {{"profiles": '
                '[{"label": "anthropic:manual", "expiresAt": 1830000000000}]}}}'
            )
            replay.handle(f.CommandResult("verify", 0, answer))
            app.now += 2
            replay.handle(f.CommandResult("gateway-restart", 0, "Restarted"))
            replay.handle(
                f.CommandResult("gateway-status", 0, '{"service": {"runtime": "running"}}')
            )
            app.now += 3
            replay.handle(f.CommandResult("check", 0, ""))
        elif stage == "failed":
            replay.handle(f.Dropped("connection reset by peer"))
        await pilot.pause()
        screen = app.screen
        if stage == "waiting":
            field = screen.query_one("#code", Input)
            field.cursor_blink = False  # a blinking cursor would make the picture a coin toss
            await paste(field, "Kq3xT9bYw2LmN8pR4sVz6cHd0fJg5aUe7iOk1nBt3yXq")  # no #STATE
        # Let every pending refresh land (signals, reactive views, the pasted field's message):
        # under load one pause may not be enough and the picture would catch a half-done frame.
        await pilot.wait_for_scheduled_animations()
        for _ in range(3):
            await pilot.pause()

    return app, run_before


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_snapshot_onboarding_waiting_for_the_code(snap_compare, tmp_path: Path, size) -> None:  # type: ignore[no-untyped-def]
    app, run_before = onboard_snapshot(tmp_path, size, "waiting")
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_snapshot_onboarding_verified(snap_compare, tmp_path: Path, size) -> None:  # type: ignore[no-untyped-def]
    app, run_before = onboard_snapshot(tmp_path, size, "verified")
    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_snapshot_onboarding_failed_80x24(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app, run_before = onboard_snapshot(tmp_path, (80, 24), "failed")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_snapshot_files_hold_no_token() -> None:
    """The recorded token shows in the replayed panes: every stored picture must mask it."""
    pasted = next(
        step.data.decode()
        for step in load("openclaw-paste-token-80x24-bracketed").steps
        if step.kind == "in" and b"sk-ant-oat01-" in step.data
    )
    recorded = pasted.removeprefix("\x1b[200~").removesuffix("\x1b[201~")
    assert recorded.startswith("sk-ant-oat01-") and len(recorded) > 90
    folder = Path(__file__).parent / "__snapshots__"
    pictures = list(folder.rglob("*.svg"))
    assert len(pictures) >= 7
    for picture in pictures:
        text = picture.read_text()
        assert not any(piece in text for piece in token_pieces(recorded)), picture.name


@pytest.mark.slow
async def test_box_checks_from_the_box_list() -> None:
    app = DemoApp(time_scale=TEST_TIME_SCALE)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: isinstance(app.screen, BoxListScreen), 10, "the box list")
        box_list = app.screen
        table = box_list.query_one(DataTable)
        table.move_cursor(row=table.get_row_index("cyberdyne-01"))
        await pilot.press("ctrl+k")
        from clawtui.tui.screens.checks import CheckScreen

        checks = app.screen
        assert isinstance(checks, CheckScreen)
        await wait_for(lambda: "cyberdyne-01" in checks.reports, 15, "the check")
        await pilot.pause()
        text = plain(checks.query_one("#checks-body", Static))
        assert "0.0.1 (empty placeholder)" in text and "npm install -g openclaw@latest" in text
        assert "v20.19.5" in text
        await pilot.press("escape")
        row = " ".join(str(c) for c in table.get_row("cyberdyne-01"))
        assert "check: fail" in row


@pytest.mark.slow
async def test_ready_links_are_copied_as_a_list() -> None:
    from clawtui.tui.screens.links import LinksScreen

    app = DemoApp(time_scale=TEST_TIME_SCALE)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign,assignment]  # no real clipboard here
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: isinstance(app.screen, BoxListScreen), 10, "the box list")
        await pilot.press("ctrl+l")
        assert not isinstance(app.screen, LinksScreen), "no link is ready yet"
        table = app.screen.query_one(DataTable)
        for name in ("acme-prod", "globex-web"):
            table.move_cursor(row=table.get_row_index(name))
            await pilot.press("space")
        await pilot.press("ctrl+o")
        await wait_for(
            lambda: all(
                app.onboardings[n].runner.flow.phase == f.Phase.WAITING_CODE
                for n in ("acme-prod", "globex-web")
            ),
            15,
            "both links",
        )
        await pilot.press("ctrl+l")
        assert isinstance(app.screen, LinksScreen)
        await pilot.press("ctrl+y")
        lines = copied[-1].splitlines()
        for name, customer in (("acme-prod", "Acme Inc"), ("globex-web", "Globex Corporation")):
            url = app.onboardings[name].runner.flow.url
            assert url is not None and f"{name}\t{customer}\t{url.url}" in lines


@pytest.mark.slow
async def test_an_unknown_host_key_is_shown_and_trusted_only_on_request(tmp_path: Path) -> None:
    import dataclasses

    from clawtui.tui.screens.hostkey import HostKeyScreen

    app = DemoApp(time_scale=TEST_TIME_SCALE)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: isinstance(app.screen, BoxListScreen), 10, "the box list")
        known_hosts = tmp_path / "known_hosts"  # this operator has never seen the box
        app.boxes[0] = dataclasses.replace(app.boxes[0], known_hosts=known_hosts)
        await pilot.press("ctrl+o")
        await wait_for(lambda: isinstance(app.screen, HostKeyScreen), 10, "the host key dialog")
        dialog = app.screen
        assert isinstance(dialog, HostKeyScreen)
        assert app.server is not None
        assert dialog.error.fingerprint == app.server.host_key_fingerprint
        assert not known_hosts.exists() or known_hosts.read_text() == ""
        dialog.query_one("#trust", Button).press()
        await wait_for(
            lambda: app.onboardings["acme-prod"].runner.flow.url is not None, 15, "the link"
        )
        assert "[127.0.0.1]:" in known_hosts.read_text()


@pytest.mark.slow
async def test_a_drop_after_the_token_is_resumed_from_the_banner() -> None:
    app = DemoApp(time_scale=TEST_TIME_SCALE)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: isinstance(app.screen, BoxListScreen), 10, "the box list")
        app.boxes[:] = [dataclasses.replace(box, default_model=PROPOSED_MODEL) for box in app.boxes]
        app.start_onboarding(["soylent-db"])  # its connection drops right after the token
        screen = app.screen
        assert isinstance(screen, OnboardScreen)
        await wait_for(lambda: screen.url is not None, 15, "the link")
        await paste(screen.query_one("#code", Input), await code_from_page(screen.url or ""))
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(lambda: screen.flow.phase == f.Phase.FAILED, 15, "the drop")
        await pilot.pause()
        assert "safe in the vault" in plain(screen.query_one("#banner-text", Static))
        buttons = [b for b in screen.query("#banner-buttons Button").results(Button) if b.display]
        assert [str(b.label) for b in buttons] == ["Resume from vault (ctrl+o)"]
        assert app.vault.load("soylent-db") is not None
        await pilot.press("ctrl+o")
        await wait_for(lambda: screen.flow.phase == f.Phase.VERIFIED, 20, "verified after resume")
        assert app.vault.load("soylent-db") is None
