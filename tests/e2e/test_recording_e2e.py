"""Recordings of real onboardings (the simulated boxes over loopback SSH), and their replay.

The Runner records both panes of an onboarding beside the audit log; the files hold neither
the token nor the customer's code, the audit lines link them, `record = false` writes nothing,
and `clawtui replay` plays one in a pane.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import pytest

from clawtui import flow as f
from clawtui.__main__ import main
from clawtui.audit import AuditLog
from clawtui.inventory import Box, find_box
from clawtui.recording import CastWriter, last_recording, read_cast
from clawtui.redact import BULLET, TOKEN_PREFIX
from clawtui.runner import Runner, RunnerListener
from clawtui.sim.server import SimServer
from clawtui.terminal import TerminalModel
from clawtui.tui.replay import ReplayApp, ReplayView
from clawtui.vault import Vault
from tests.conftest import wait_for
from tests.customer import code_from_page


class Customer(RunnerListener):
    """Opens each sign-in link and types the code the page shows."""

    def __init__(self) -> None:
        self.codes: list[str] = []
        self.tasks: set[asyncio.Task[None]] = set()

    def on_effect(self, runner: Runner, effect: f.Effect) -> None:
        if isinstance(effect, f.AskModel):  # the box's default model is not Claude's: take it
            runner.choose_model(effect.proposed)
        if isinstance(effect, f.UrlReady):
            task = asyncio.ensure_future(self._answer(runner, effect.url.url))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _answer(self, runner: Runner, url: str) -> None:
        code = await code_from_page(url)
        self.codes.append(code)
        runner.enter_code(code)


async def onboard(box: Box, state: Path) -> tuple[Runner, Customer]:
    customer = Customer()
    runner = Runner(
        box,
        vault=Vault(state / "vault"),
        audit=AuditLog(state / "audit.jsonl", operator="t"),
        listener=customer,
    )
    try:
        outcome = await asyncio.wait_for(runner.run(), 60)
    finally:
        await runner.close()
    assert outcome.failure is None
    return runner, customer


@pytest.mark.slow
@pytest.mark.parametrize("name", ["acme-prod", "globex-web"], ids=["2.1.332", "2.1.197"])
async def test_an_onboarding_is_recorded_masked_and_linked_from_the_audit(
    sim_server: SimServer, tmp_path: Path, name: str
) -> None:
    state = tmp_path / "state"
    runner, customer = await onboard(find_box(sim_server.inventory_boxes(), name), state)
    assert runner.flow.token is not None
    token = runner.flow.token.reveal()
    secret_half = customer.codes[-1].split("#")[0]
    files = sorted((state / "recordings" / name).glob("*.cast"))
    assert [path.name.rsplit("-", 1)[1] for path in files] == ["setup.cast", "paste.cast"]
    for path in files:
        data = path.read_text(encoding="utf-8")
        assert token[len(TOKEN_PREFIX) : -4] not in data
        assert token[len(TOKEN_PREFIX) : len(TOKEN_PREFIX) + 10] not in data
        assert secret_half not in data
        assert path.stat().st_mode & 0o777 == 0o600
    # The setup pane plays back to claude's success screen, the token masked.
    cast = read_cast(files[0])
    model = TerminalModel(cast.width, cast.height)
    for _, _, text in cast.events:
        model.feed(text.encode())
    shown = "\n".join(model.screen_lines())
    assert "Long-lived authentication token created" in shown
    assert TOKEN_PREFIX + BULLET in shown, shown
    # Every audit line of the run from the first pane on links the recordings.
    lines = [json.loads(line) for line in (state / "audit.jsonl").read_text().splitlines()]
    assert lines[-1]["step"] == "ready"
    assert lines[-1]["recordings"] == [str(path) for path in files]
    assert last_recording(state / "recordings", name) == files[0]


@pytest.mark.slow
async def test_record_false_writes_nothing(sim_server: SimServer, tmp_path: Path) -> None:
    box = dataclasses.replace(find_box(sim_server.inventory_boxes(), "acme-prod"), record=False)
    state = tmp_path / "state"
    await onboard(box, state)
    assert not (state / "recordings").exists()
    assert all("recordings" not in json.loads(line) for line in (state / "audit.jsonl").open())


def test_the_inventory_takes_record_false(tmp_path: Path) -> None:
    from clawtui.inventory import load_inventory

    path = tmp_path / "boxes.toml"
    path.write_text(
        '[[box]]\nname = "a"\nhost = "h"\nrecord = false\n[[box]]\nname = "b"\nhost = "h"\n'
    )
    assert [box.record for box in load_inventory(path)] == [False, True]
    path.write_text('[[box]]\nname = "a"\nhost = "h"\nrecord = "no"\n')
    with pytest.raises(Exception, match="true or false"):
        load_inventory(path)


async def test_replay_plays_a_recording_in_a_pane(tmp_path: Path) -> None:
    path = tmp_path / "acme-prod" / "x-setup.cast"
    writer = CastWriter(path, 60, 10)
    writer.write(b"\x1b[1mWelcome\x1b[0m to the box\r\n")
    writer.write(b"token: " + TOKEN_PREFIX.encode() + b"AbCdEfGhIjKlMnOpQrStUvWxYz0123\r\n")
    writer.close()
    app = ReplayApp(path, speed=0)
    async with app.run_test(size=(100, 20)) as pilot:
        await wait_for(lambda: app.done, 10, "the end of the recording")
        await pilot.pause()
        view = app.query_one("#replay-pane", ReplayView)
        painted = [view.render_line(y).text for y in range(view.size.height)]
        assert any("Welcome to the box" in line for line in painted)
        assert any(f"token: {TOKEN_PREFIX}{BULLET}" in line for line in painted)
        assert not any("AbCdEfGhIjKl" in line for line in painted)
        assert (view.model.columns, view.model.lines) == (60, 10)  # the recording's size
        await pilot.press("q")


def test_replay_last_without_recordings_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLAWTUI_STATE_DIR", str(tmp_path / "state"))
    assert main(["replay", "--last", "acme-prod"]) == 1
    assert "no recording of acme-prod" in capsys.readouterr().err
    assert main(["replay"]) == 2
