"""Capture only what the sign-in produced (issue 8, item 3).

A token is taken only from what `claude` printed after a code was sent in this run. A token
block the box shows earlier (a login banner, a wrapper around `claude`, a hostile box) is masked
on screen like any token, but the flow ignores it, and the audit log notes it by fingerprint:
it is never stored, pasted or reported verified.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from clawtui import flow as f
from clawtui.audit import AuditLog
from clawtui.inventory import find_box
from clawtui.openclaw import PROPOSED_MODEL
from clawtui.runner import Runner
from clawtui.secret import Token
from clawtui.sim.boxes import DEMO_BOXES, SimBox
from clawtui.sim.openclaw import stored_token
from clawtui.sim.server import SimServer
from clawtui.snapshot import ScreenText
from clawtui.terminal import TerminalModel
from clawtui.vault import Vault
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


def fake_token() -> Token:
    return Token("sk-ant-oat01-" + secrets.token_urlsafe(72))


def token_block(token: Token, columns: int = 80) -> str:
    """What claude prints around a token, hard-wrapped as it does: here printed by someone else."""
    value = token.reveal()
    pieces = [f" {value[i : i + columns - 1]}" for i in range(0, len(value), columns - 1)]
    lines = ["Your OAuth token (valid for 1 year):", "", *pieces, ""]
    lines += ["Store this token securely. You won't be able to see it again.", "", ""]
    return "\r\n".join(lines)


def with_banner(name: str, banner: Token) -> tuple[Driver, TerminalModel]:
    """setup-token started; the box printed `banner` before claude drew anything."""
    transcript = load(name)
    driver = Driver()
    driver.begin()
    model = driver.models[f.SETUP] = TerminalModel(transcript.cols, transcript.rows)
    model.feed(token_block(banner).encode())
    driver.send(f.PaneScreen(f.SETUP, model.snapshot()))
    return driver, model


def phase(driver: Driver) -> f.Phase:
    """The flow's phase now (a call, so that type checkers do not keep an earlier narrowing)."""
    return driver.flow.phase


def ignored(driver: Driver) -> list[f.Audit]:
    return [a for a in driver.of(f.Audit) if a.step == "token-like text ignored"]


def test_a_token_printed_before_the_code_is_ignored_and_audited() -> None:
    banner = fake_token()
    driver, _ = with_banner("claude-setup-token-80x24-FAKESERVER-200", banner)
    assert driver.of(f.StoreToken) == [] and driver.flow.token is None
    assert driver.flow.phase == f.Phase.STARTING, "still waiting for the sign-in link"
    notes = ignored(driver)
    assert len(notes) == 1 and notes[0].token == banner, "audited (the log keeps a fingerprint)"
    assert all(banner.reveal() not in n.message for n in driver.of(f.Notify))

    transcript = load("claude-setup-token-80x24-FAKESERVER-200")
    index = driver.replay(f.SETUP, transcript, stop="in")
    assert phase(driver) == f.Phase.WAITING_CODE and driver.of(f.StoreToken) == []
    _, index = driver.enter_code(transcript, index)
    driver.replay(f.SETUP, transcript, start=index + 1)
    stored = driver.of(f.StoreToken)
    assert len(stored) == 1 and stored[0].token.reveal() == recorded_token(transcript)
    assert stored[0].token != banner
    pastes = [e for e in driver.of(f.Paste) if e.pane == f.PASTE]
    assert all(p.secret != banner for p in pastes)
    assert len(ignored(driver)) == 1, "noted once, however often it is redrawn"


def test_a_banner_still_on_screen_after_the_code_is_not_taken_for_the_answer() -> None:
    """The code was sent and claude refused it: the old block is still the newest token block
    on the pane, but it is not claude's answer."""
    banner = fake_token()
    driver, _ = with_banner("claude-setup-token-80x24-FAKESERVER-400", banner)
    transcript = load("claude-setup-token-80x24-FAKESERVER-400")
    index = driver.replay(f.SETUP, transcript, stop="in")
    driver.enter_code(transcript, index)
    assert driver.flow.phase in (f.Phase.CODE_SENT, f.Phase.WAITING_CODE, f.Phase.RETRYING)
    # The block is shown again while claude works on the code: still not an answer.
    driver.send(f.PaneScreen(f.SETUP, ScreenText.from_text(token_block(banner))))
    assert driver.of(f.StoreToken) == [] and driver.flow.token is None


def test_only_a_token_shown_after_enter_is_captured() -> None:
    driver = Driver()
    driver.begin()
    transcript = load("claude-setup-token-80x24-FAKESERVER-200")
    driver.replay(f.SETUP, transcript, stop="in")
    url = driver.flow.url
    assert url is not None
    driver.send(f.CodeEntered(f"abc123#{url.state}"))
    assert driver.flow.phase == f.Phase.CODE_PASTED, "Enter not pressed yet"
    early = fake_token()
    driver.send(f.PaneScreen(f.SETUP, ScreenText.from_text(token_block(early))))
    assert driver.of(f.StoreToken) == []
    assert [a.token for a in ignored(driver)] == [early]
    # The echo never shows: at its deadline the flow presses Enter; claude's answer follows.
    driver.enter_at_deadline(f.Phase.CODE_PASTED)
    assert phase(driver) == f.Phase.CODE_SENT
    answer = fake_token()  # printed under the early block, which is still on the pane
    pane = token_block(early) + "\r\n" + token_block(answer)
    driver.send(f.PaneScreen(f.SETUP, ScreenText.from_text(pane)))
    assert [s.token for s in driver.of(f.StoreToken)] == [answer]
    assert driver.flow.token == answer


def test_an_unreadable_token_block_before_the_code_does_not_end_the_run() -> None:
    """A box printing 'Your OAuth token' over something that is no token, before any code: the
    old flow raised out of `handle` (the onboarding died); now it is noted and ignored."""
    transcript = load("claude-setup-token-80x24-FAKESERVER-200")
    driver = Driver()
    driver.begin()
    model = driver.models[f.SETUP] = TerminalModel(transcript.cols, transcript.rows)
    junk = "Your OAuth token (valid for 1 year):\r\n\r\n not-a-token-at-all\r\n\r\n\r\n"
    model.feed(junk.encode())
    driver.send(f.PaneScreen(f.SETUP, model.snapshot()))
    assert driver.flow.failure is None and len(ignored(driver)) == 1
    index = driver.replay(f.SETUP, transcript, stop="in")
    assert driver.flow.phase == f.Phase.WAITING_CODE, "the link is still found"
    _, index = driver.enter_code(transcript, index)
    driver.replay(f.SETUP, transcript, start=index + 1)
    assert [s.token.reveal() for s in driver.of(f.StoreToken)] == [recorded_token(transcript)]


# --------------------------------------------------------------------------- a simulated box


WRAPPED = SimBox("wrapped-claude", "Wrapper Ltd", settings={"banner_token": True})


@pytest.fixture
async def fleet(tmp_path: Path) -> AsyncIterator[SimServer]:
    async with SimServer(
        tmp_path / "sim", (*DEMO_BOXES, WRAPPED), time_scale=TEST_TIME_SCALE
    ) as server:
        yield server


def banner_of(server: SimServer) -> str:
    return (server.home(WRAPPED.name) / ".clawsim" / "banner_token").read_text().strip()


@pytest.mark.slow
async def test_runner_ignores_a_wrappers_token_and_pastes_the_real_one(
    fleet: SimServer, tmp_path: Path
) -> None:
    box = find_box(fleet.inventory_boxes(), WRAPPED.name)
    audit_path = tmp_path / "audit.jsonl"
    runner = Runner(
        box,
        vault=Vault(tmp_path / "vault"),
        audit=AuditLog(audit_path, operator="t"),
        listener=Customer(),
    )
    try:
        outcome = await asyncio.wait_for(runner.run(), 60)
    finally:
        await runner.close()
    assert outcome.failure is None
    banner = banner_of(fleet)
    pasted = stored_token(fleet.home(WRAPPED.name))
    assert pasted is not None and pasted != banner, "OpenClaw holds the token of the sign-in"
    assert runner.flow.token is not None and runner.flow.token.reveal() == pasted
    records = [json.loads(line) for line in audit_path.read_text().splitlines()]
    notes = [r for r in records if r["step"] == "token-like text ignored"]
    assert len(notes) == 1 and notes[0]["token_fingerprint"] == Token(banner).fingerprint
    assert banner not in audit_path.read_text()


@pytest.mark.slow
async def test_headless_ignores_a_wrappers_token(fleet: SimServer, tmp_path: Path) -> None:
    dirs = {"config": tmp_path / "config", "state": tmp_path / "state"}
    run = await start_onboard(fleet, dirs, WRAPPED.name, "--default-model", PROPOSED_MODEL)
    url = await next_url(run)
    assert "looks like a token before any code was sent" in run.output
    run.type(await code_from_page(url))
    await run.read_until("Ready: ")
    assert await run.finish() == 0
    banner = banner_of(fleet)
    pasted = stored_token(fleet.home(WRAPPED.name))
    assert pasted is not None and pasted != banner
    assert banner not in run.output and banner[13:40] not in run.output
    audit = audit_lines(dirs)
    assert Token(banner).fingerprint in audit and banner not in audit
