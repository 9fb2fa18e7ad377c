"""The vault first, or no paste (issue 8, item 1).

A captured token is pasted into OpenClaw only after the vault has written and fsynced it. When
the vault cannot keep it, the flow stops before the paste, says the token was NOT kept and why,
and offers "retry saving" or an explicit "paste without keeping it"; no message then claims that
the vault holds the token. Tested on the pure flow (recorded screens), on a Runner against a
simulated box with an unusable vault folder, and on `clawtui onboard` as a subprocess.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from clawtui import flow as f
from clawtui.audit import AuditLog
from clawtui.inventory import Box, find_box
from clawtui.openclaw import PROPOSED_MODEL
from clawtui.runner import Runner
from clawtui.sim.boxes import DEMO_BOXES
from clawtui.sim.openclaw import stored_token
from clawtui.sim.server import SimServer
from clawtui.vault import Vault, VaultError
from tests.conftest import TEST_TIME_SCALE
from tests.customer import code_from_page
from tests.e2e.test_onboard_e2e import (  # the autouse fixture ends any `clawtui onboard` left
    Customer,
    _no_process_left,  # noqa: F401
    audit_lines,
    next_url,
    start_onboard,
)
from tests.replay import load
from tests.unit.test_flow import Driver, recorded_token

RECORDING = "claude-setup-token-80x24-FAKESERVER-200"
PASTE_COMMAND = Box(name="x", host="h").paste_command


class VaultDriver(Driver):
    """The flow fed recorded screens; the vault answers StoreToken with `answer` (None: it
    has not answered yet), as the Runner feeds back the result of a synchronous store."""

    def __init__(self, answer: f.Event | None) -> None:
        super().__init__()
        self.answer = answer

    def send(self, event: f.Event) -> list[f.Effect]:
        out = self.flow.handle(event, self.now)
        self.effects.extend(out)
        for effect in out:
            if isinstance(effect, f.Start):
                self.models.pop(effect.pane, None)
        if self.answer is not None and any(isinstance(e, f.StoreToken) for e in out):
            out = out + self.send(self.answer)
        return out


def captured(answer: f.Event | None) -> VaultDriver:
    """setup-token replayed to its token, the operator's code entered on the way."""
    driver = VaultDriver(answer)
    driver.begin()
    transcript = load(RECORDING)
    index = driver.replay("setup", transcript, stop="in")
    _, index = driver.enter_code(transcript, index)
    driver.replay("setup", transcript, start=index + 1)
    token = driver.flow.token
    assert token is not None and token.reveal() == recorded_token(transcript)
    return driver


def paste_started(driver: Driver) -> bool:
    return any(
        getattr(effect, "pane", None) == f.PASTE and isinstance(effect, (f.Start, f.Paste))
        for effect in driver.effects
    )


def disk_full() -> f.StoreFailed:
    return f.StoreFailed(VaultError("Could not save the captured token (No space left on device)."))


def test_nothing_is_pasted_before_the_vault_answers() -> None:
    driver = captured(answer=None)
    assert driver.of(f.StoreToken), "the token goes to the vault first"
    assert driver.flow.phase == f.Phase.STORING
    assert not paste_started(driver), "OpenClaw is not even started before the vault said Stored"
    driver.send(f.Stored())
    assert driver.flow.token_kept
    assert driver.of(f.Start)[-1] == f.Start(f.PASTE, PASTE_COMMAND)


def test_a_failed_store_stops_before_the_paste_and_says_so() -> None:
    driver = captured(answer=disk_full())
    assert not paste_started(driver)
    flow = driver.flow
    assert flow.phase == f.Phase.FAILED and not flow.token_kept
    failure = flow.failure
    assert failure is not None and failure.step == f.Step.TOKEN
    assert "NOT kept" in failure.reason and "No space left on device" in failure.reason
    # No silent way to paste it: resuming (which pastes from memory) is not offered.
    assert failure.recoveries == (f.Recovery.RETRY_STORE, f.Recovery.PASTE_UNKEPT)
    assert flow.token is not None and flow.token.reveal() not in failure.reason
    driver.send(f.Act(f.Recovery.RESUME))
    assert not paste_started(driver), "resume is refused while the token is not kept"


def test_retry_saving_then_the_paste() -> None:
    driver = captured(answer=disk_full())
    driver.answer = f.Stored()  # the operator freed some space
    driver.send(f.Act(f.Recovery.RETRY_STORE))
    assert driver.flow.token_kept
    assert len(driver.of(f.StoreToken)) == 2
    assert driver.of(f.Start)[-1] == f.Start(f.PASTE, PASTE_COMMAND)
    assert driver.flow.phase == f.Phase.PASTE_STARTING


def test_retry_saving_that_fails_again_still_does_not_paste() -> None:
    driver = captured(answer=disk_full())
    driver.send(f.Act(f.Recovery.RETRY_STORE))
    assert not paste_started(driver)
    assert driver.flow.failure is not None
    assert f.Recovery.RETRY_STORE in driver.flow.failure.recoveries


def test_paste_without_keeping_it_never_claims_the_vault() -> None:
    driver = captured(answer=disk_full())
    driver.send(f.Act(f.Recovery.PASTE_UNKEPT))
    assert driver.of(f.Start)[-1] == f.Start(f.PASTE, PASTE_COMMAND)
    skipped = [a for a in driver.of(f.Audit) if a.step == "token stored"]
    assert [a.outcome for a in skipped] == ["skipped"]
    # The connection drops before OpenClaw took it: the message must not say "vault".
    driver.send(f.Dropped("connection lost"))
    failure = driver.flow.failure
    assert failure is not None
    assert "safe in the vault" not in failure.reason and "NOT kept" in failure.reason
    assert failure.recoveries == (f.Recovery.RESUME,), "pasting again from memory is allowed"


def test_openclaw_missing_after_an_unkept_paste_does_not_claim_the_vault() -> None:
    driver = captured(answer=disk_full())
    driver.send(f.Act(f.Recovery.PASTE_UNKEPT))
    driver.send(f.PaneExited(f.PASTE, 127))
    failure = driver.flow.failure
    assert failure is not None
    assert "kept in the vault" not in failure.reason.replace("NOT kept in the vault", "")


# --------------------------------------------------------------------------- a real Runner


@pytest.fixture
async def fleet(tmp_path: Path) -> AsyncIterator[SimServer]:
    async with SimServer(tmp_path / "sim", DEMO_BOXES, time_scale=TEST_TIME_SCALE) as server:
        yield server


@pytest.mark.slow
async def test_runner_with_an_unusable_vault_pastes_nothing_until_it_is_fixed(
    fleet: SimServer, tmp_path: Path
) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("a file where the state folder should be\n")
    box = find_box(fleet.inventory_boxes(), "initech-bot")
    customer = Customer()
    runner = Runner(
        box,
        vault=Vault(blocker / "vault"),
        audit=AuditLog(tmp_path / "audit.jsonl", operator="t"),
        listener=customer,
    )
    try:
        outcome = await asyncio.wait_for(runner.run(), 60)
        failure = outcome.failure
        assert failure is not None and failure.step == f.Step.TOKEN
        assert "NOT kept" in failure.reason and str(blocker) in failure.reason
        assert f.PASTE not in runner.models, "OpenClaw was never started"
        assert stored_token(fleet.home("initech-bot")) is None
        token = runner.flow.token
        assert token is not None and token.reveal() not in (tmp_path / "audit.jsonl").read_text()

        blocker.unlink()  # the operator fixes the folder
        runner.act(f.Recovery.RETRY_STORE)
        outcome = await asyncio.wait_for(runner.resume_loop(), 60)
        assert outcome.failure is None
        assert stored_token(fleet.home("initech-bot")) == token.reveal()
        steps = [json.loads(line)["step"] for line in (tmp_path / "audit.jsonl").open()]
        assert steps.index("token stored") < steps.index("token pasted")
    finally:
        await runner.close()


# --------------------------------------------------------------------------- clawtui onboard


def break_vault(state: Path) -> None:
    """The vault folder turns unusable after the start-up check (a file in its way)."""
    vault = state / "vault"
    for child in vault.iterdir():
        child.unlink()
    vault.rmdir()
    vault.write_text("not a folder\n")


@pytest.mark.slow
async def test_headless_stops_before_the_paste_when_the_vault_fails(
    fleet: SimServer, tmp_path: Path
) -> None:
    dirs = {"config": tmp_path / "config", "state": tmp_path / "state"}
    run = await start_onboard(fleet, dirs, "acme-prod")
    url = await next_url(run)
    break_vault(dirs["state"])
    run.type(await code_from_page(url))
    await run.read_until("NOT kept")
    assert await run.finish() == 1
    assert stored_token(fleet.home("acme-prod")) is None, "nothing was pasted"
    assert "paste prompt" not in run.output
    assert "--paste-unkept" in run.output
    assert "safe in the vault" not in run.output and "is kept in the vault" not in run.output
    assert "Traceback" not in run.output
    audit = audit_lines(dirs)
    assert '"outcome": "failed"' in audit and "NOT kept" in audit


@pytest.mark.slow
async def test_headless_paste_unkept_goes_on_and_says_so(fleet: SimServer, tmp_path: Path) -> None:
    dirs = {"config": tmp_path / "config", "state": tmp_path / "state"}
    run = await start_onboard(
        fleet, dirs, "globex-web", "--paste-unkept", "--default-model", PROPOSED_MODEL
    )
    url = await next_url(run)
    break_vault(dirs["state"])
    run.type(await code_from_page(url))
    await run.read_until("Ready: ")
    assert await run.finish() == 0
    assert "NOT kept" in run.output and "--paste-unkept: pasting" in run.output
    token = stored_token(fleet.home("globex-web"))
    assert token is not None and token not in run.output
    assert '"outcome": "skipped"' in audit_lines(dirs)


@pytest.mark.slow
def put_a_file_in_place_of(folder: Path, spare: Path) -> None:
    """Replace a folder the running command writes into (its recordings may create it again at
    any moment) with a file, atomically: a rename of a file onto the folder's name."""
    blocker = spare / "blocker"
    for attempt in range(100):
        blocker.write_text("a file where the state folder was\n")
        if folder.is_dir():
            folder.rename(spare / f"state-moved-{attempt}")
        try:
            blocker.rename(folder)  # fails if the folder came back in between
            return
        except (IsADirectoryError, OSError):
            continue
    raise AssertionError(f"{folder} kept coming back")


async def test_headless_survives_a_state_folder_that_breaks_mid_run(
    fleet: SimServer, tmp_path: Path
) -> None:
    """Disk full or a file in the way after the start-up check: the vault and the audit log both
    fail; the command says the token was NOT kept and exits 1, with no traceback."""
    dirs = {"config": tmp_path / "config", "state": tmp_path / "state"}
    run = await start_onboard(fleet, dirs, "acme-prod")
    url = await next_url(run)
    put_a_file_in_place_of(dirs["state"], tmp_path)
    run.type(await code_from_page(url))
    await run.read_until("NOT kept")
    assert await run.finish() == 1
    assert "Traceback" not in run.output
    assert "Could not write the audit log" in run.output
    assert stored_token(fleet.home("acme-prod")) is None
