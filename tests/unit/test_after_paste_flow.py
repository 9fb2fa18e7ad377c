"""The flow after the paste (issue 7), fed recorded screens and OpenClaw's answers directly.

Pure: no SSH, no clock. The paste is replayed from the recordings of the real OpenClaw (its screen
carries the gateway warning); what the after-paste commands answer is given literally, in the
shapes FLOW.md measured.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TypeVar

from clawtui import flow as f
from clawtui.audit import AuditLog, expires_on
from clawtui.audit_steps import AuditStep
from clawtui.inventory import Box, parse_inventory
from clawtui.openclaw import PROPOSED_MODEL
from clawtui.secret import Token
from clawtui.terminal import TerminalModel
from tests.replay import load
from tests.unit.test_flow import BOX, Driver, happy_claude

EXPIRES_AT = 1_830_000_000_000  # 2027-12-28 UTC


def at_verify(box: Box = BOX) -> tuple[Driver, Token]:
    driver, _ = happy_claude("claude-setup-token-80x24-FAKESERVER-200")
    if box is not BOX:
        driver.flow.box = box
    driver.replay("paste", load("openclaw-paste-token-80x24-bracketed"))
    assert driver.flow.phase == f.Phase.VERIFYING
    token = driver.flow.token
    assert token is not None
    return driver, token


def status_answer(token: Token, default: str, *, expires: int | None = EXPIRES_AT) -> str:
    oauth = [{"label": "anthropic:manual", "status": "ok", "expiresAt": expires}] if expires else []
    return "OpenClaw 2026.9.6 (eb377ac)\n" + json.dumps(
        {
            "defaultModel": default,
            "auth": {
                "providers": [
                    {"profiles": {"labels": [f"anthropic:manual=token:sk-ant-o...{token.last8}"]}}
                ],
                "oauth": {"profiles": oauth},
            },
        }
    )


E = TypeVar("E")


def after(driver: Driver, kind: type[E]) -> list[E]:
    return [effect for effect in driver.effects if isinstance(effect, kind)]


def test_the_paste_asks_openclaw_to_record_the_expiry() -> None:
    assert BOX.paste_command.endswith("--provider anthropic --expires-in 365d")
    assert dataclasses.replace(BOX, expires_in="").paste_command == BOX.paste_token_command
    driver, _ = happy_claude("claude-setup-token-80x24-FAKESERVER-200")
    assert f.Start("paste", BOX.paste_command) in driver.effects


def test_openai_default_asks_and_keep_ends_stored_not_in_use() -> None:
    driver, token = at_verify()
    driver.send(f.CommandResult("verify", 0, status_answer(token, "openai/gpt-6-astra")))
    # Stored: the vault entry goes now, before any question.
    assert after(driver, f.DeleteToken) == [f.DeleteToken()]
    assert driver.effects[-1] == f.AskModel("openai/gpt-6-astra", PROPOSED_MODEL)
    assert driver.flow.phase == f.Phase.CHOOSING_MODEL
    assert driver.flow.deadline is None, "the operator's time, not a timeout"
    driver.send(f.ModelChosen(None))
    assert driver.phase() == f.Phase.NOT_IN_USE and driver.flow.done
    assert driver.effects[-1:] == [f.Finished(None, not_in_use=True)]
    line = driver.flow.not_in_use_line()
    assert line.startswith("Stored but not in use:") and "openai/gpt-6-astra" in line
    assert "--default-model" in line
    assert not after(driver, f.RunCommand)[1:], "nothing was run after the verification"


def test_switch_from_the_dialog_runs_models_set_then_gateway_then_check() -> None:
    driver, token = at_verify()
    driver.send(f.CommandResult("verify", 0, status_answer(token, "openai/gpt-6-astra")))
    driver.send(f.ModelChosen(PROPOSED_MODEL))
    assert driver.effects[-1] == f.RunCommand("set-model", f"openclaw models set {PROPOSED_MODEL}")
    driver.send(f.CommandResult("set-model", 0, f"Default model: {PROPOSED_MODEL}\n"))
    assert driver.effects[-1] == f.RunCommand("gateway-restart", "openclaw gateway restart")
    driver.send(f.CommandResult("gateway-restart", 0, ""))
    running = '{"service": {"loaded": true, "runtime": {"status": "running"}}}'
    driver.send(f.CommandResult("gateway-status", 0, running))
    driver.send(f.CommandResult("check", 0, ""))
    assert driver.flow.phase == f.Phase.VERIFIED
    assert driver.flow.ready_line() == (
        f"Ready: anthropic:manual on acme-prod, default {PROPOSED_MODEL}, expires 2027-12-28 "
        f"(token …{token.last4})"
    )
    for step in (f.Step.MODEL, f.Step.GATEWAY, f.Step.CHECK, f.Step.VERIFIED):
        record = driver.flow.steps[step]
        assert record.state == f.StepState.DONE and record.started is not None, step
    ready = [a for a in after(driver, f.Audit) if a.step == "ready"]
    assert len(ready) == 1 and ready[0].reason is not None
    assert "expires 2027-12-28" in ready[0].reason and PROPOSED_MODEL in ready[0].reason


def test_a_configured_model_switches_without_asking() -> None:
    driver, token = at_verify(dataclasses.replace(BOX, default_model="anthropic/claude-opus-5"))
    driver.send(f.CommandResult("verify", 0, status_answer(token, "openai/gpt-6-astra")))
    assert not after(driver, f.AskModel)
    assert driver.effects[-1] == f.RunCommand(
        "set-model", "openclaw models set anthropic/claude-opus-5"
    )


def test_the_gateway_restart_failure_is_a_failure_after_the_vault_was_emptied() -> None:
    driver, token = at_verify()
    driver.send(f.CommandResult("verify", 0, status_answer(token, PROPOSED_MODEL)))
    assert not after(driver, f.AskModel), "already on Anthropic: no question"
    driver.send(
        f.CommandResult("gateway-restart", 1, "", "Gateway restart failed: Job for x failed.\n")
    )
    failed = '{"service": {"loaded": true, "runtime": {"status": "failed"}}}'
    driver.send(f.CommandResult("gateway-status", 0, failed))
    failure = driver.flow.failure
    assert failure is not None and failure.step == f.Step.GATEWAY
    assert "Gateway restart failed: Job for x failed." in failure.reason
    # Stored before: the vault copy is gone and no re-paste is offered; the rest can be re-run.
    assert after(driver, f.DeleteToken) == [f.DeleteToken()]
    assert failure.recoveries == (f.Recovery.VERIFY_AGAIN,)
    driver.send(f.Act(f.Recovery.VERIFY_AGAIN))
    assert driver.effects[-1] == f.RunCommand("verify", f"{BOX.status_command} --json")
    assert not any(isinstance(e, f.Start) for e in driver.effects[-3:]), "no new sign-in"


def test_exit_status_of_gateway_restart_proves_nothing() -> None:
    driver, token = at_verify()
    driver.send(f.CommandResult("verify", 0, status_answer(token, PROPOSED_MODEL)))
    tip = "Tip: systemd user services are unavailable; run `openclaw gateway run`.\n"
    driver.send(f.CommandResult("gateway-restart", 0, tip))
    no_manager = '{"service": {"loaded": false}, "inspectionReason": "service-manager-unavailable"}'
    driver.send(f.CommandResult("gateway-status", 0, no_manager))
    assert driver.flow.after.gateway == "not installed as a service"
    assert any("not installed as a service" in w for w in driver.flow.warnings)
    assert driver.effects[-1] == f.RunCommand("check", f"{BOX.status_command} --check")


def test_no_restart_when_turned_off() -> None:
    driver, token = at_verify(dataclasses.replace(BOX, restart_gateway=False))
    driver.send(f.CommandResult("verify", 0, status_answer(token, PROPOSED_MODEL)))
    assert not [e for e in after(driver, f.RunCommand) if e.purpose.startswith("gateway")]
    assert driver.flow.steps[f.Step.GATEWAY].state == f.StepState.SKIPPED
    assert driver.effects[-1] == f.RunCommand("check", f"{BOX.status_command} --check")


def test_check_exit_2_is_ready_expiring_and_exit_1_fails_in_openclaws_words() -> None:
    driver, token = at_verify(dataclasses.replace(BOX, restart_gateway=False))
    driver.send(f.CommandResult("verify", 0, status_answer(token, PROPOSED_MODEL)))
    driver.send(f.CommandResult("check", 2, "Expiring auth - anthropic:manual (expires in 2d)\n"))
    assert driver.flow.phase == f.Phase.VERIFIED and driver.flow.after.expiring
    assert any("expires soon" in w for w in driver.flow.warnings)

    driver, token = at_verify(dataclasses.replace(BOX, restart_gateway=False))
    driver.send(f.CommandResult("verify", 0, status_answer(token, PROPOSED_MODEL)))
    banner = "OpenClaw 2026.9.6\nDefault : x\nMissing auth - openai (no profile)\n"
    driver.send(f.CommandResult("check", 1, banner))
    failure = driver.flow.failure
    assert failure is not None and failure.step == f.Step.CHECK
    assert "Missing auth - openai (no profile)" in failure.reason


def test_malformed_json_is_a_failure_not_a_crash() -> None:
    driver, _ = at_verify()
    driver.send(f.CommandResult("verify", 0, '{"defaultModel": "anthropic/x", "auth": {'))
    failure = driver.flow.failure
    assert failure is not None and failure.step == f.Step.VERIFY
    assert "broken JSON" in failure.reason
    assert after(driver, f.DeleteToken) == [], "not confirmed stored: the vault keeps it"


def test_older_openclaw_without_json_falls_back_to_the_text_form() -> None:
    driver, token = at_verify()
    driver.send(f.CommandResult("verify", 1, "", "error: unknown option '--json'\n"))
    assert driver.effects[-1] == f.RunCommand("verify-text", BOX.status_command)
    text = (
        "Default       : anthropic/claude-sonnet-4-6\n"
        f"- anthropic ... | anthropic:manual=token:sk-ant-o...{token.last8}\n"
    )
    driver.send(f.CommandResult("verify-text", 0, text))
    assert after(driver, f.DeleteToken) == [f.DeleteToken()]
    assert driver.flow.after.default_model == "anthropic/claude-sonnet-4-6"
    assert driver.flow.after.expires_at_ms is None


def test_a_late_gateway_warning_on_the_paste_screen_still_counts() -> None:
    driver, token = at_verify()
    # As if the warning (stderr) had not arrived by "Auth profile:": it comes during the
    # verification, on the paste pane's screen, and still leads to a gateway restart.
    driver.flow.after.gateway_warning = False
    driver.flow._last_paste = None
    model = TerminalModel(80, 24)
    model.feed(
        "◇  Paste token for anthropic\r\n│  ▪▪▪▪▪▪▪▪\r\n"
        "Auth profile: anthropic:manual (anthropic/token)\r\n"
        "Warning: Model auth changes were saved, but the local Gateway could not refresh "
        "them. Run `openclaw gateway restart` to apply the saved changes.\r\n".encode()
    )
    driver.send(f.PaneScreen("paste", model.snapshot()))
    assert driver.flow.after.gateway_warning
    driver.send(f.CommandResult("verify", 0, status_answer(token, PROPOSED_MODEL)))
    assert driver.effects[-1] == f.RunCommand("gateway-restart", "openclaw gateway restart")


def test_a_box_that_was_ready_before_is_audited_as_a_renewal(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit.jsonl", operator="t")
    audit.record("acme-prod", "ready", "ok", reason="anthropic:manual; expires 2027-12-28")
    assert expires_on(audit.last_ready()["acme-prod"]).isoformat() == "2027-12-28"  # type: ignore[union-attr]
    flow = f.Flow(BOX)
    flow.renewal = "acme-prod" in audit.last_ready()
    out = flow.handle(f.Begin(None), 0.0)
    assert f.Audit(AuditStep.RENEW, "started") in out


def test_inventory_top_level_defaults_and_validation(tmp_path: Path) -> None:
    path = tmp_path / "boxes.toml"
    boxes = parse_inventory(
        {
            "default_model": PROPOSED_MODEL,
            "restart_gateway": False,
            "box": [
                {"name": "a", "host": "h"},
                {"name": "b", "host": "h", "default_model": "anthropic/x", "expires_in": "30d"},
            ],
        },
        path=path,
    )
    assert [b.default_model for b in boxes] == [PROPOSED_MODEL, "anthropic/x"]
    assert [b.restart_gateway for b in boxes] == [False, False]
    assert boxes[1].paste_command.endswith("--expires-in 30d")
    for bad in ({"default_model": "claude"}, {"expires_in": "a year"}, {"restart_gateway": 1}):
        try:
            parse_inventory({"box": [{"name": "a", "host": "h", **bad}]}, path=path)
        except Exception as error:  # noqa: BLE001
            assert next(iter(bad)) in str(error)
        else:
            raise AssertionError(f"{bad} was accepted")
