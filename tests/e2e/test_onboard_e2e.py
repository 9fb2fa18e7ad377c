"""End to end: `clawtui onboard` and the Runner against the simulated boxes over loopback SSH.

Real parts only: the demo's asyncssh server on 127.0.0.1 (port 0), the simulated `claude` and
`openclaw` in real PTYs, the customer's sign-in page fetched over HTTP. The headless command runs
as a real subprocess, reading CODE#STATE lines from a pipe, as a script would drive it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from clawtui import flow as f
from clawtui.audit import AuditLog
from clawtui.inventory import Box, find_box
from clawtui.openclaw import PROPOSED_MODEL
from clawtui.runner import Runner, RunnerListener
from clawtui.sim.boxes import DEMO_BOXES, SimBox
from clawtui.sim.openclaw import stored_token
from clawtui.sim.server import SimServer
from clawtui.vault import Vault
from tests.conftest import TEST_TIME_SCALE
from tests.customer import code_from_page, tamper

pytestmark = pytest.mark.slow

#: A fresh OpenClaw defaults to an OpenAI model: switching it is what makes a box ready.
SWITCH = ("--default-model", PROPOSED_MODEL)

#: Boxes for the OpenClaw validation paths (not in the demo fleet).
EXTRA_BOXES = (
    SimBox("lost-paste", "Lost Paste Ltd", settings={"openclaw_ignore_pastes": 1}),
    SimBox(
        "short-token",
        "Short Token Ltd",
        settings={"token_length": 85, "openclaw_min_token_length": 90},
    ),
)


@pytest.fixture
async def fleet(tmp_path: Path) -> AsyncIterator[SimServer]:
    async with SimServer(
        tmp_path / "sim", DEMO_BOXES + EXTRA_BOXES, time_scale=TEST_TIME_SCALE
    ) as server:
        yield server


@dataclass
class Headless:
    """`clawtui onboard` as a subprocess, its output lines, and what the test typed."""

    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)

    async def read_until(self, needle: str, timeout: float = 30.0) -> str:
        assert self.process.stdout is not None
        try:
            async with asyncio.timeout(timeout):
                while True:
                    raw = await self.process.stdout.readline()
                    if not raw:
                        break
                    line = raw.decode().rstrip("\n")
                    self.lines.append(line)
                    if needle in line:
                        return line
        except TimeoutError:
            pass
        raise AssertionError(f"no line with {needle!r} in the output:\n{self.output}")

    def type(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode() + b"\n")

    async def finish(self, timeout: float = 30.0) -> int:
        assert self.process.stdout is not None and self.process.stdin is not None
        if not self.process.stdin.is_closing():
            self.process.stdin.close()
        async with asyncio.timeout(timeout):
            rest = await self.process.stdout.read()
            self.lines.extend(rest.decode().splitlines())
            return await self.process.wait()

    @property
    def output(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    return {"config": tmp_path / "config", "state": tmp_path / "state"}


_STARTED: list[asyncio.subprocess.Process] = []


@pytest.fixture(autouse=True)
async def _no_process_left() -> AsyncIterator[None]:
    yield
    while _STARTED:
        process = _STARTED.pop()
        if process.returncode is None:
            process.kill()
            await process.wait()


async def start_onboard(
    server: SimServer, dirs: dict[str, Path], box: str, *extra: str, top_level: str = ""
) -> Headless:
    inventory = dirs["config"] / "boxes.toml"
    inventory.parent.mkdir(parents=True, exist_ok=True)
    server.write_inventory(inventory)
    if top_level:  # defaults for every box go before the first [[box]]
        inventory.write_text(top_level + "\n" + inventory.read_text())
    env = dict(os.environ)
    env.update(
        CLAWTUI_CONFIG_DIR=str(dirs["config"]),
        CLAWTUI_STATE_DIR=str(dirs["state"]),
        CLAWTUI_OPERATOR="test-operator",
        PYTHONUNBUFFERED="1",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "clawtui",
        "onboard",
        box,
        "--inventory",
        str(inventory),
        *extra,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
    )
    _STARTED.append(process)
    return Headless(process)


async def next_url(run: Headless) -> str:
    line = await run.read_until("Sign-in URL: ")
    return line.split("Sign-in URL: ", 1)[1].strip()


def audit_lines(dirs: dict[str, Path]) -> str:
    path = dirs["state"] / "audit.jsonl"
    return path.read_text() if path.exists() else ""


def every_file_text(*folders: Path) -> str:
    texts = []
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                texts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(texts)


# --------------------------------------------------------------------------- clawtui onboard


@pytest.mark.parametrize("box", ["acme-prod", "globex-web"], ids=["2.1.332", "2.1.197"])
async def test_headless_happy_path_and_secret_hygiene(
    fleet: SimServer, dirs: dict[str, Path], box: str
) -> None:
    run = await start_onboard(fleet, dirs, box, *SWITCH)
    url = await next_url(run)
    code = await code_from_page(url)
    run.type(code)
    ready = await run.read_until("Ready: ")
    assert await run.finish() == 0
    token = stored_token(fleet.home(box))
    assert token is not None and token.startswith("sk-ant-oat01-")
    expires = (datetime.now(UTC) + timedelta(days=365)).strftime("%Y-%m-%d")
    assert ready == (
        f"Ready: anthropic:manual on {box}, default {PROPOSED_MODEL}, expires {expires} "
        f"(token …{token[-4:]})"
    )
    # One line per step, in order.
    steps = [line.split(": ")[1] for line in run.lines if line.startswith(f"{box}: ")]
    for step in [
        "connect",
        "setup-token started",
        "url ready",
        "code sent",
        "token captured",
        "paste prompt",
        "token pasted",
        "token stored",
        "default model",
        "gateway",
        "ready",
    ]:
        assert step in steps
    # The token is nowhere: not printed, not left in the vault, not in the audit log, no file.
    assert token not in run.output and token[13:40] not in run.output
    assert not list((dirs["state"] / "vault").glob("*")), "the vault is emptied once verified"
    assert token not in every_file_text(dirs["state"], dirs["config"])
    audit = audit_lines(dirs)
    assert '"step": "ready"' in audit and "test-operator" in audit
    assert hashlib.sha256(token.encode()).hexdigest()[:12] in audit
    # Nor is the customer's code (its secret half) in the log or the output.
    assert code.split("#")[0] not in audit and code.split("#")[0] not in run.output


async def test_headless_wrong_code_then_retry_then_success(
    fleet: SimServer, dirs: dict[str, Path]
) -> None:
    run = await start_onboard(fleet, dirs, "acme-prod", *SWITCH)
    first = await next_url(run)
    run.type(tamper(await code_from_page(first)))
    await run.read_until("wasn't accepted")
    # claude draws a new link after "Press Enter to retry": the customer must use that one.
    second = await next_url(run)
    assert second != first
    assert "the sign-in link changed" in run.output
    run.type(await code_from_page(second))
    await run.read_until("Ready: ")
    assert await run.finish() == 0


async def test_headless_refuses_bad_codes_without_sending(
    fleet: SimServer, dirs: dict[str, Path]
) -> None:
    run = await start_onboard(fleet, dirs, "acme-prod", *SWITCH)
    url = await next_url(run)
    good = await code_from_page(url)
    other_box_code = await code_from_page(url.replace(url.split("state=")[1], "Z" * 43))
    run.type(good.split("#")[0])  # without #STATE
    await run.read_until("code not sent:")
    run.type(other_box_code)  # another box's (or an older) link
    await run.read_until("different sign-in link")
    run.type(f'  "{good[:40]} {good[40:]}"  ')  # quoted, with a space from a wrapped copy: fine
    await run.read_until("Ready: ")
    assert await run.finish() == 0
    # Only the good code ever reached the box.
    assert audit_lines(dirs).count('"step": "code sent"') == 1


async def test_headless_service_unreachable(fleet: SimServer, dirs: dict[str, Path]) -> None:
    run = await start_onboard(fleet, dirs, "stark-lab")
    url = await next_url(run)
    run.type(await code_from_page(url))
    await run.read_until("cannot reach Anthropic's sign-in service")
    status = await run.finish()
    assert status == 1
    assert "failed at" in run.output and "Standard input closed" in run.output


async def test_headless_no_pty(fleet: SimServer, dirs: dict[str, Path]) -> None:
    run = await start_onboard(fleet, dirs, "wayne-archive")
    await run.read_until("Raw mode is not supported")
    assert await run.finish() == 1
    assert "without a terminal" in run.output


async def test_headless_drop_after_token_then_resume(
    fleet: SimServer, dirs: dict[str, Path]
) -> None:
    run = await start_onboard(fleet, dirs, "soylent-db")
    run.type(await code_from_page(await next_url(run)))
    await run.read_until("safe in the vault")
    assert await run.finish() == 1
    assert "clawtui onboard soylent-db --resume" in run.output
    vault_files = list((dirs["state"] / "vault").glob("*"))
    assert len(vault_files) == 1
    assert stat_mode(vault_files[0]) == 0o600

    resumed = await start_onboard(fleet, dirs, "soylent-db", "--resume", *SWITCH)
    await resumed.read_until("Ready: ")
    assert await resumed.finish() == 0
    token = stored_token(fleet.home("soylent-db"))
    assert token is not None and token not in resumed.output + run.output
    assert not list((dirs["state"] / "vault").glob("*"))


def stat_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


async def test_headless_verification_mismatch(fleet: SimServer, dirs: dict[str, Path]) -> None:
    run = await start_onboard(fleet, dirs, "vandelay-imports")
    run.type(await code_from_page(await next_url(run)))
    await run.read_until("holds a different token")
    assert await run.finish() == 1
    assert list((dirs["state"] / "vault").glob("*")), "not verified: the token stays in the vault"


async def test_headless_openclaw_too_short(fleet: SimServer, dirs: dict[str, Path]) -> None:
    run = await start_onboard(fleet, dirs, "short-token")
    run.type(await code_from_page(await next_url(run)))
    await run.read_until("looks too short")
    assert await run.finish() == 1
    assert "90" in run.output  # the warning at capture already said so
    assert "--resume" in run.output


async def test_headless_openclaw_required_pastes_again(
    fleet: SimServer, dirs: dict[str, Path]
) -> None:
    run = await start_onboard(fleet, dirs, "lost-paste", *SWITCH)
    run.type(await code_from_page(await next_url(run)))
    await run.read_until("Ready: ")
    assert await run.finish() == 0
    assert "('Required'); pasting again" in run.output


async def test_headless_unknown_box_is_a_usage_error(
    fleet: SimServer, dirs: dict[str, Path]
) -> None:
    run = await start_onboard(fleet, dirs, "acme-prd")
    assert await run.finish() == 2
    assert "Did you mean 'acme-prod'" in run.output and "Traceback" not in run.output


# --------------------------------------------------------------------------- the flow API


class Customer(RunnerListener):
    """Plays the customer: opens each new link and enters the code it shows."""

    def __init__(self, first_code_wrong: bool = False) -> None:
        self.first_code_wrong = first_code_wrong
        self.urls: list[str] = []
        self.effects: list[f.Effect] = []
        self.tasks: set[asyncio.Task[None]] = set()

    def on_effect(self, runner: Runner, effect: f.Effect) -> None:
        self.effects.append(effect)
        if isinstance(effect, f.AskModel):
            runner.choose_model(effect.proposed)
        if isinstance(effect, f.UrlReady):
            self.urls.append(effect.url.url)
            task = asyncio.ensure_future(self._answer(runner, effect.url.url))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _answer(self, runner: Runner, url: str) -> None:
        code = await code_from_page(url)
        if self.first_code_wrong and len(self.urls) == 1:
            code = tamper(code)
        runner.enter_code(code)


async def run_flow(
    server: SimServer, tmp_path: Path, name: str, listener: Customer, *, resume: bool = False
) -> tuple[Runner, f.Finished]:
    box: Box = find_box(server.inventory_boxes(), name)
    runner = Runner(
        box,
        vault=Vault(tmp_path / "vault"),
        audit=AuditLog(tmp_path / "audit.jsonl", operator="t"),
        listener=listener,
    )
    try:
        outcome = await asyncio.wait_for(runner.run(resume=resume), 60)
    finally:
        await runner.close()
    return runner, outcome


@pytest.mark.parametrize("box", ["initech-bot", "umbrella-ops"], ids=["2.1.332", "2.1.197"])
async def test_flow_api_happy_path(fleet: SimServer, tmp_path: Path, box: str) -> None:
    runner, outcome = await run_flow(fleet, tmp_path, box, Customer())
    assert outcome.failure is None
    assert runner.flow.phase == f.Phase.VERIFIED
    assert all(r.state in (f.StepState.DONE,) for r in runner.flow.steps.values())
    token = stored_token(fleet.home(box))
    assert runner.flow.token is not None and runner.flow.token.reveal() == token
    assert runner.vault.load(box) is None


async def test_flow_api_wrong_code_retry(fleet: SimServer, tmp_path: Path) -> None:
    listener = Customer(first_code_wrong=True)
    _, outcome = await run_flow(fleet, tmp_path, "globex-web", listener)
    assert outcome.failure is None
    assert len(listener.urls) == 2, "after the refused code, the retry showed a link to use"
    refused = [e for e in listener.effects if isinstance(e, f.Audit) and e.step == "code refused"]
    assert len(refused) == 1 and refused[0].outcome == "code_refused"


async def test_flow_api_drop_then_resume(fleet: SimServer, tmp_path: Path) -> None:
    runner, outcome = await run_flow(fleet, tmp_path, "soylent-db", Customer())
    assert outcome.failure is not None and outcome.failure.recoveries == (f.Recovery.RESUME,)
    entry = runner.vault.load("soylent-db")
    assert entry is not None
    resumed, outcome = await run_flow(fleet, tmp_path, "soylent-db", Customer(), resume=True)
    assert outcome.failure is None
    assert stored_token(fleet.home("soylent-db")) == entry.token.reveal()
    assert resumed.vault.load("soylent-db") is None
