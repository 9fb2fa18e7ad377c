"""Onboarding a box behind OpenSSH's sshd into the real OpenClaw 2026.9.6.

The box is a throwaway user account reached through the real `sshd`; `openclaw` is the npm
package on Node 24; only `claude` is clawtui's simulator (the real one needs a customer's
sign-in). The customer is played by computing the code the simulated sign-in service expects for
the link's state. Every check reads back what OpenClaw itself stored (see readback.py), never
what clawtui says it did, so the tests keep holding when steps are added after the paste.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
from pathlib import Path

import pytest

from clawtui import flow as f
from clawtui.audit import AuditLog
from clawtui.oauth import state_of
from clawtui.runner import Runner, RunnerListener
from clawtui.sim.signin import code_for_state
from clawtui.vault import Vault
from tests.real.readback import assert_openclaw_holds, read_openclaw_state
from tests.real.sshd import SIM_TOKEN_LENGTH, SshdBox

pytestmark = [pytest.mark.real, pytest.mark.slow]

#: Waits for the real OpenClaw (2-11 s a command, more on a loaded machine).
REAL_TIMEOUTS = f.Timeouts(connect=60, url=60, prompt=120, submit=120, verify=120, echo=5)


def customer_code(secret: str, url: str) -> str:
    """What the customer would paste: the sign-in page's CODE#STATE for this link."""
    state = state_of(url)
    assert state, f"the sign-in link has no state: {url}"
    return f"{code_for_state(secret, state)}#{state}"


def audit_fingerprints(audit_file: Path, step: str) -> list[str]:
    lines = [json.loads(line) for line in audit_file.read_text().splitlines() if line.strip()]
    return [
        line["token_fingerprint"]
        for line in lines
        if line.get("step") == step and line.get("token_fingerprint")
    ]


async def test_headless_onboard_stores_the_token_in_real_openclaw(
    openclaw_box: SshdBox, tmp_path: Path
) -> None:
    secret = secrets.token_urlsafe(24)
    openclaw_box.configure_sim_claude(secret)
    assert read_openclaw_state(openclaw_box).stored_token is None  # a fresh box
    inventory = openclaw_box.write_inventory(tmp_path / "config" / "boxes.toml")
    env = dict(os.environ)
    env.update(
        CLAWTUI_CONFIG_DIR=str(tmp_path / "config"),
        CLAWTUI_STATE_DIR=str(tmp_path / "state"),
        CLAWTUI_OPERATOR="real-test",
        PYTHONUNBUFFERED="1",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "clawtui",
        "onboard",
        openclaw_box.name,
        "--inventory",
        str(inventory),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
    )
    assert process.stdout is not None and process.stdin is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(300):
            while True:
                raw = await process.stdout.readline()
                if not raw:
                    break
                line = raw.decode().rstrip("\n")
                lines.append(line)
                if line.startswith("Sign-in URL: "):
                    url = line.removeprefix("Sign-in URL: ")
                    process.stdin.write(customer_code(secret, url).encode() + b"\n")
                    await process.stdin.drain()
            status = await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = "\n".join(lines)
    assert status == 0, output
    verified = [line for line in lines if line.startswith("Verified: anthropic:manual on ")]
    assert verified, output

    fingerprints = audit_fingerprints(tmp_path / "state" / "audit.jsonl", "token captured")
    assert len(fingerprints) == 1, output
    state = assert_openclaw_holds(
        openclaw_box, fingerprint=fingerprints[0], length=SIM_TOKEN_LENGTH
    )
    assert state.stored_token is not None
    assert verified[0].endswith(f"(token …{state.stored_token[-4:]})"), output
    # The token never reached the command's output, and the vault let it go once verified.
    assert state.stored_token not in output
    assert not list((tmp_path / "state").glob("vault/*")), "the vault still holds the token"
