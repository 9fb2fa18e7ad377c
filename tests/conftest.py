"""Shared fixtures: the simulated boxes' SSH server, and waiting on conditions.

Every test runs with the operator's own SSH setup out of the way (no ~/.ssh/config, no
ssh-agent), so results do not depend on the machine. Servers bind 127.0.0.1 port 0 and stop at
teardown. Waits poll a condition with a deadline; never a guessed sleep.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from clawtui.inventory import Box, find_box
from clawtui.sim.server import SimServer

#: The simulated programs' delays are multiplied by this in tests.
TEST_TIME_SCALE = 0.02
_POLL_INTERVAL = 0.01


async def wait_for(
    predicate: Callable[[], object], timeout: float = 5.0, what: str = "condition"
) -> None:
    """Poll `predicate` until it is true; fail the test after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(_POLL_INTERVAL)


def process_alive(pid: int) -> bool:
    """True if `pid` runs (a zombie nobody reaped yet counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):  # gone before, or while, it was read
        return False
    # The state follows the command name, which is in parentheses and may contain spaces.
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture(autouse=True)
def _hermetic_ssh(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the operator's ~/.ssh/config and ssh-agent out of every test."""
    monkeypatch.setenv("CLAWTUI_SSH_CONFIG", os.devnull)
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)


@pytest.fixture
async def sim_server(tmp_path: Path) -> AsyncIterator[SimServer]:
    """The demo's fleet (DEMO_BOXES) on a loopback SSH server, fast simulated programs."""
    async with SimServer(tmp_path / "sim", time_scale=TEST_TIME_SCALE) as server:
        yield server


@pytest.fixture
def sim_box(sim_server: SimServer) -> Box:
    """`acme-prod`: a box where everything works (claude 2.1.332)."""
    return find_box(sim_server.inventory_boxes(), "acme-prod")
