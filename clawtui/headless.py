"""`clawtui onboard BOX`: the onboarding flow without the TUI, for scripts and for the tests.

It drives the same `Runner` as the TUI and speaks in lines: `Sign-in URL: <url>` on a line of its
own the moment a link appears (again whenever a new one does), one line per step, the parser's
message when a typed code is refused, and finally `Ready: anthropic:manual on <box>, default
<model>, expires <YYYY-MM-DD> (token …<last 4>)` (exit 0), or `Stored but not in use: …` when the
box's default model is not an Anthropic one and no `--default-model` was given (exit 3).
CODE#STATE lines are read from standard input; a line typed before the box is ready for it waits
its turn. It never prints the token.

When the vault cannot keep the captured token, it stops before the paste, says that the token was
NOT kept, and exits 1; with `--paste-unkept` it pastes the token anyway (the operator's explicit
choice, made before the run, as the TUI's confirmed "paste without keeping it").
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import threading
from collections import deque
from pathlib import Path
from typing import TextIO

from . import flow as f
from .audit import AuditLog
from .audit_steps import FAILED, AuditStep
from .errors import ClawError
from .inventory import Box
from .runner import Runner, RunnerListener
from .vault import Vault

EXIT_VERIFIED = 0
EXIT_FAILED = 1
#: The token is stored but OpenClaw's default model is not Anthropic's: nothing uses it.
EXIT_NOT_IN_USE = 3
EXIT_INTERRUPTED = 130


class LinePrinter(RunnerListener):
    """Turns the flow's effects into the headless command's output lines, and hands queued
    CODE#STATE lines to the flow when it is ready for one."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.codes: deque[str] = deque()
        self.input_closed = False

    def say(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def on_effect(self, runner: Runner, effect: f.Effect) -> None:
        name = runner.box.name
        match effect:
            case f.UrlReady(url=url, changed=changed):
                if changed:
                    self.say(f"{name}: the sign-in link changed; send the customer the new one:")
                self.say(f"Sign-in URL: {url.url}")
                self.say(f"{name}: waiting for the customer's CODE#STATE on standard input")
            case f.Audit(step=step, outcome=outcome, reason=reason):
                if outcome == FAILED:
                    return  # the final failure line says it
                detail = f" ({reason})" if reason and step != AuditStep.CODE_REFUSED else ""
                self.say(f"{name}: {step}: {outcome}{detail}")
            case f.Notify(message=message, level=level):
                prefix = "" if level == "info" else f"{level}: "
                self.say(f"{name}: {prefix}{message}")
            case f.CodeRejected(message=message):
                self.say(f"{name}: code not sent: {message}")
            case f.AskModel(current=current):
                # No one to ask: keep the current default; the final line says what to pass.
                self.say(f"{name}: default model is {current or 'unknown'}, not Anthropic's")
                runner.choose_model(None)
            case f.RunCommand(command=command):
                self.say(f"{name}: running `{command}`")
            case _:
                pass

    def on_change(self, runner: Runner) -> None:
        self.feed_codes(runner)

    def feed_codes(self, runner: Runner) -> None:
        if runner.flow.awaiting_code and runner.flow.phase == f.Phase.WAITING_CODE:
            if self.codes:
                runner.enter_code(self.codes.popleft())
            elif self.input_closed:
                runner.abort(
                    "Standard input closed before a valid CODE#STATE was entered. Run the "
                    "command again and type the customer's code when the URL is shown."
                )


def _read_lines(
    loop: asyncio.AbstractEventLoop, stream: TextIO, runner: Runner, printer: LinePrinter
) -> None:
    """A thread: blocking reads of standard input, handed to the event loop."""

    def deliver(line: str | None) -> None:
        if line is None:
            printer.input_closed = True
        elif line.strip():
            printer.codes.append(line)
        printer.feed_codes(runner)

    while True:
        try:
            line = stream.readline()
        except (OSError, ValueError):
            line = ""
        if not line:
            loop.call_soon_threadsafe(deliver, None)
            return
        loop.call_soon_threadsafe(deliver, line)


async def onboard(
    box: Box,
    *,
    resume: bool = False,
    accept_new_host_key: bool = False,
    paste_unkept: bool = False,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    vault: Vault | None = None,
    audit: AuditLog | None = None,
    timeouts: f.Timeouts | None = None,
    default_model: str | None = None,
    restart_gateway: bool | None = None,
    recordings: Path | None = None,
) -> int:
    out = stdout or sys.stdout
    if default_model is not None:
        box = dataclasses.replace(box, default_model=default_model)
    if restart_gateway is not None:
        box = dataclasses.replace(box, restart_gateway=restart_gateway)
    printer = LinePrinter(out)
    runner = Runner(
        box,
        vault=vault,
        audit=audit,
        listener=printer,
        timeouts=timeouts,
        accept_new_host_key=accept_new_host_key,
        recordings=recordings,
    )
    printer.say(f"{box.name}: onboarding {box.address}" + (" from the vault" if resume else ""))
    reader = threading.Thread(
        target=_read_lines,
        args=(asyncio.get_running_loop(), stdin or sys.stdin, runner, printer),
        name="clawtui-stdin",
        daemon=True,
    )
    try:
        if not resume:
            reader.start()
        outcome = await runner.run(resume=resume)
        failure = outcome.failure
        if paste_unkept and failure is not None and f.Recovery.PASTE_UNKEPT in failure.recoveries:
            printer.say(f"{box.name}: failed at '{failure.step.value}': {failure.reason}")
            printer.say(
                f"{box.name}: --paste-unkept: pasting the token although it is NOT kept in the "
                "vault"
            )
            runner.act(f.Recovery.PASTE_UNKEPT)
            outcome = await runner.resume_loop()
    except ClawError as error:
        printer.say(f"{box.name}: error: {error}")
        return EXIT_FAILED
    except asyncio.CancelledError:
        _interrupted(printer, runner)
        raise
    finally:
        await runner.close()
    if runner.recorder is not None and runner.recorder.paths:
        paths = ", ".join(str(path) for path in runner.recorder.paths)
        printer.say(f"{box.name}: recorded (token and code masked): {paths}")
    if outcome.failure is None and outcome.not_in_use:
        printer.say(runner.flow.not_in_use_line())
        return EXIT_NOT_IN_USE
    if outcome.failure is None:
        for warning in runner.flow.warnings:
            printer.say(f"{box.name}: warning: {warning}")
        printer.say(runner.flow.ready_line())
        return EXIT_VERIFIED
    failure = outcome.failure
    printer.say(f"{box.name}: failed at '{failure.step.value}': {failure.reason}")
    if runner.flow.after.stored:
        printer.say(
            f"{box.name}: the token is stored in OpenClaw; no new sign-in is needed. Once the "
            f"cause is fixed, `openclaw models status --check` on the box says whether it is ready."
        )
    if f.Recovery.RESUME in failure.recoveries and runner.vault.load(box.name) is not None:
        printer.say(
            f"{box.name}: the token is kept in the vault; finish with: "
            f"clawtui onboard {box.name} --resume"
        )
    elif f.Recovery.PASTE_UNKEPT in failure.recoveries:
        printer.say(
            f"{box.name}: the token was NOT kept and was NOT pasted; it is lost when this command "
            "ends. Fix the folder and onboard again (the customer signs in again), or add "
            "--paste-unkept to paste a token that cannot be saved."
        )
    elif runner.flow.token is not None and not runner.flow.token_kept:
        printer.say(
            f"{box.name}: the token was NOT kept in the vault; it is lost when this command ends."
        )
    return EXIT_FAILED


def _interrupted(printer: LinePrinter, runner: Runner) -> None:
    if runner.flow.token is not None and not runner.flow.token_kept:
        printer.say(
            f"{runner.box.name}: interrupted; the token was NOT kept in the vault, so it is lost."
        )
    elif runner.flow.token is not None:
        printer.say(
            f"{runner.box.name}: interrupted; the token is kept in the vault. Finish with: "
            f"clawtui onboard {runner.box.name} --resume"
        )
    else:
        printer.say(f"{runner.box.name}: interrupted before a token was captured.")
