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
from clawtui.sim.config import code_for_state
from clawtui.vault import Vault
from tests.real.readback import (
    assert_in_use_for_a_year,
    assert_openclaw_holds,
    read_openclaw_state,
)
from tests.real.sshd import SIM_TOKEN_LENGTH, SshdBox

pytestmark = [pytest.mark.real, pytest.mark.slow]

#: What the operator switches OpenClaw's default model to (a fresh OpenClaw has OpenAI's).
MODEL = "anthropic/claude-sonnet-4-6"
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
    fresh = read_openclaw_state(openclaw_box)
    assert fresh.stored_token is None and fresh.default_model != MODEL
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
        "--default-model",
        MODEL,
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
    verified = [line for line in lines if line.startswith("Ready: anthropic:manual on ")]
    assert verified, output

    fingerprints = audit_fingerprints(tmp_path / "state" / "audit.jsonl", "token captured")
    assert len(fingerprints) == 1, output
    state = assert_openclaw_holds(
        openclaw_box, fingerprint=fingerprints[0], length=SIM_TOKEN_LENGTH
    )
    assert state.stored_token is not None
    assert verified[0].endswith(f"(token …{state.stored_token[-4:]})"), output
    assert_in_use_for_a_year(state, MODEL)
    # The token never reached the command's output, and the vault let it go once verified.
    assert state.stored_token not in output
    assert not list((tmp_path / "state").glob("vault/*")), "the vault still holds the token"


class Customer(RunnerListener):
    """Plays the customer (a code for each link announced) and keeps what the flow did."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.audits: list[f.Audit] = []
        self.openclaw_showed_required = False

    def on_effect(self, runner: Runner, effect: f.Effect) -> None:
        match effect:
            case f.UrlReady(url=url):
                runner.enter_code(customer_code(self.secret, url.url))
            case f.Audit():
                self.audits.append(effect)
            case _:
                pass

    def on_output(self, runner: Runner, pane: f.PaneName) -> None:
        model = runner.models.get(pane)
        if pane == f.PASTE and model is not None:
            screen = model.snapshot().screen
            self.openclaw_showed_required |= any(
                line.strip(" │└▲") == "Required" for line in screen
            )


class LosesFirstPaste(Runner):
    """A Runner whose first token paste is lost on the way to OpenClaw (as a paste into a
    terminal can be). The flow's echo wait then ends, Enter reaches the real OpenClaw's empty
    prompt, and OpenClaw answers `Required`: the case the flow must recover from by pasting
    again."""

    lost_pastes = 0

    def write(self, pane: f.PaneName, data: bytes) -> None:
        if pane == f.PASTE and data.startswith(b"\x1b[200~") and self.lost_pastes == 0:
            self.lost_pastes += 1
            return
        super().write(pane, data)


async def test_runner_pastes_again_after_real_openclaw_says_required(
    openclaw_box: SshdBox, tmp_path: Path
) -> None:
    secret = secrets.token_urlsafe(24)
    openclaw_box.configure_sim_claude(secret)
    customer = Customer(secret)
    vault = Vault(tmp_path / "vault")
    runner = LosesFirstPaste(
        openclaw_box.box(default_model=MODEL),
        vault=vault,
        audit=AuditLog(tmp_path / "audit.jsonl", operator="real-test"),
        listener=customer,
        timeouts=REAL_TIMEOUTS,
    )
    try:
        async with asyncio.timeout(400):
            outcome = await runner.run()
    finally:
        await runner.close()
    steps = [(str(audit.step), audit.outcome) for audit in customer.audits]
    assert outcome.failure is None, (outcome.failure, steps)
    assert runner.lost_pastes == 1
    # The real OpenClaw said `Required` on its screen, clawtui read it and pasted again.
    assert customer.openclaw_showed_required, steps
    assert ("token pasted", "required") in steps, steps
    assert steps.index(("token pasted", "required")) < steps.index(("token pasted", "ok")), steps

    token = runner.flow.token
    assert token is not None
    state = assert_openclaw_holds(
        openclaw_box, fingerprint=token.fingerprint, length=SIM_TOKEN_LENGTH
    )
    assert_in_use_for_a_year(state, MODEL)
    assert vault.load(openclaw_box.name) is None, "the vault still holds a verified token"
