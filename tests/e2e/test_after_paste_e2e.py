"""End to end after the paste (issue 7), through `clawtui onboard` on the simulated boxes.

A stored token is not yet a working box: these run the real headless command (a subprocess) and
check each way the steps after the paste can end — Ready, Stored but not in use (exit 3), the
gateway restarted / without a service manager / failing, and OpenClaw's own `--check` saying
expiring (exit 2) or not ready (exit 1).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from clawtui.openclaw import PROPOSED_MODEL
from clawtui.sim.boxes import DEMO_BOXES, SimBox
from clawtui.sim.config import SimConfig
from clawtui.sim.openclaw import default_model, gateway_state_path, stored_token
from clawtui.sim.server import SimServer
from tests.conftest import TEST_TIME_SCALE
from tests.customer import code_from_page
from tests.e2e.test_onboard_e2e import (  # noqa: F401  (pytest fixtures)
    SWITCH,
    _no_process_left,
    audit_lines,
    next_url,
    start_onboard,
)

pytestmark = pytest.mark.slow

EXTRA_BOXES = (
    # Already on Anthropic, but OpenClaw records the token as already expired: --check exits 1.
    SimBox(
        "expired-clock",
        "Expired Clock Ltd",
        settings={
            "openclaw_default_model": "anthropic/claude-sonnet-4-6",
            "openclaw_expiry_cap_days": -1.0,
        },
    ),
    # The gateway picked the new auth up itself: no warning, nothing to restart.
    SimBox("live-gateway", "Live Gateway Ltd", settings={"gateway": "live"}),
)


@pytest.fixture
async def fleet(tmp_path: Path) -> AsyncIterator[SimServer]:
    async with SimServer(
        tmp_path / "sim", DEMO_BOXES + EXTRA_BOXES, time_scale=TEST_TIME_SCALE
    ) as server:
        yield server


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    return {"config": tmp_path / "config", "state": tmp_path / "state"}


async def onboard(
    fleet: SimServer, dirs: dict[str, Path], box: str, *extra: str
) -> tuple[int, str]:
    run = await start_onboard(fleet, dirs, box, *extra)
    run.type(await code_from_page(await next_url(run)))
    await run.read_until(": code sent: ")  # closing stdin earlier would abort the wait
    status = await run.finish(timeout=60)
    return status, run.output


async def test_openai_default_without_a_model_is_stored_but_not_in_use(
    fleet: SimServer, dirs: dict[str, Path]
) -> None:
    status, output = await onboard(fleet, dirs, "acme-prod")
    assert status == 3
    last = output.splitlines()[-1]
    assert last.startswith("Stored but not in use:")
    assert "openai/gpt-6-astra" in last and "--default-model" in last
    assert "Ready:" not in output
    home = fleet.home("acme-prod")
    assert stored_token(home) is not None  # stored …
    assert default_model(SimConfig.load(home), home) == "openai/gpt-6-astra"  # … unused
    assert not list((dirs["state"] / "vault").glob("*")), "stored: the vault entry is gone"
    assert '"step": "not in use"' in audit_lines(dirs)


async def test_openai_default_with_default_model_ends_ready(
    fleet: SimServer, dirs: dict[str, Path]
) -> None:
    status, output = await onboard(fleet, dirs, "initech-bot", *SWITCH)
    assert status == 0, output
    assert output.splitlines()[-1].startswith(
        f"Ready: anthropic:manual on initech-bot, default {PROPOSED_MODEL}, expires "
    )
    assert f"running `openclaw models set {PROPOSED_MODEL}`" in output
    assert "default model: switched" in output
    assert "gateway: restarted (running)" in output
    assert os.path.exists(gateway_state_path(fleet.home("initech-bot"))), (
        "the gateway was restarted"
    )
    audit = [json.loads(line) for line in audit_lines(dirs).splitlines()]
    ready = [entry for entry in audit if entry["step"] == "ready"]
    assert len(ready) == 1 and "expires 20" in ready[0]["reason"]
    assert PROPOSED_MODEL in ready[0]["reason"]


async def test_inventory_default_model_switches_without_asking(
    fleet: SimServer, dirs: dict[str, Path]
) -> None:
    run = await start_onboard(
        fleet,
        dirs,
        "umbrella-ops",
        "--no-restart-gateway",
        top_level=f'default_model = "{PROPOSED_MODEL}"',
    )
    run.type(await code_from_page(await next_url(run)))
    await run.read_until(": code sent: ")
    assert await run.finish(timeout=60) == 0, run.output
    assert "default model: switched" in run.output
    assert "gateway: skipped (restart turned off)" in run.output
    assert not os.path.exists(gateway_state_path(fleet.home("umbrella-ops")))


async def test_box_already_on_anthropic_needs_no_question(
    fleet: SimServer, dirs: dict[str, Path]
) -> None:
    status, output = await onboard(fleet, dirs, "pied-piper")
    assert status == 0, output
    assert "models set" not in output and "not Anthropic" not in output
    assert output.splitlines()[-1].startswith("Ready: anthropic:manual on pied-piper")


async def test_no_service_manager_is_said_plainly(fleet: SimServer, dirs: dict[str, Path]) -> None:
    status, output = await onboard(fleet, dirs, "massive-dyn", *SWITCH)
    assert status == 0, output
    assert "not installed as a service" in output
    assert "openclaw gateway install" in output
    assert output.splitlines()[-1].startswith("Ready: ")


async def test_gateway_restart_failure_shows_openclaws_words(
    fleet: SimServer, dirs: dict[str, Path]
) -> None:
    status, output = await onboard(fleet, dirs, "aperture-sci", *SWITCH)
    assert status == 1
    assert "failed at 'gateway'" in output
    assert "Gateway restart failed: Job for openclaw-gateway.service failed" in output
    assert "Ready:" not in output
    # The token is stored: nothing is left in the vault, and no new sign-in is proposed.
    assert not list((dirs["state"] / "vault").glob("*"))
    assert "--resume" not in output


async def test_check_exit_2_is_ready_with_an_expiring_warning(
    fleet: SimServer, dirs: dict[str, Path]
) -> None:
    status, output = await onboard(fleet, dirs, "nakatomi-hq", *SWITCH)
    assert status == 0, output
    assert "expires soon" in output and "Expiring auth - anthropic:manual" in output
    assert output.splitlines()[-1].startswith("Ready: ")
    assert '"outcome": "expiring"' in audit_lines(dirs)


async def test_check_exit_1_is_a_failure_with_openclaws_reason(
    fleet: SimServer, dirs: dict[str, Path]
) -> None:
    status, output = await onboard(fleet, dirs, "expired-clock")
    assert status == 1
    assert "failed at 'ready check'" in output
    assert "Expired auth - anthropic:manual" in output
    assert "Ready:" not in output


async def test_no_gateway_warning_no_restart(fleet: SimServer, dirs: dict[str, Path]) -> None:
    status, output = await onboard(fleet, dirs, "live-gateway", *SWITCH)
    assert status == 0, output
    assert "gateway restart" not in output
    assert not os.path.exists(gateway_state_path(fleet.home("live-gateway")))
