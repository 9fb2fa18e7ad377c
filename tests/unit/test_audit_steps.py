"""Audit steps have one home (`AuditStep`); the JSON lines keep their strings."""

from __future__ import annotations

import json
from pathlib import Path

from clawtui import flow as f
from clawtui.audit import AuditLog, AuditRecord
from clawtui.audit_steps import FAILED, AuditStep
from clawtui.report import build_rows
from tests.unit.test_flow import happy_claude


def test_every_failure_and_recovery_line_names_a_known_step() -> None:
    # A failure line names the tracker step, a recovery line the operator's choice.
    assert {step.value for step in f.Step} <= set(AuditStep)
    assert {recovery.value for recovery in f.Recovery} <= set(AuditStep)


def test_a_recorded_run_writes_only_known_steps() -> None:
    driver, _ = happy_claude("claude-setup-token-80x24-FAKESERVER-200")
    audits = driver.of(f.Audit)
    assert audits and all(isinstance(audit.step, AuditStep) for audit in audits)
    assert [a.step for a in audits][:3] == [
        AuditStep.CONNECT,
        AuditStep.SETUP_STARTED,
        AuditStep.URL_READY,
    ]


def test_lines_keep_their_strings_and_old_logs_still_read(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, operator="op")
    log.record("a", AuditStep.READY, "ok")
    # A line written before the enum (and before issue 7's "ready"): a plain string.
    old = {"time": "2026-01-01T00:00:00", "operator": "op", "box": "b", "step": "verified"}
    with path.open("a") as stream:
        stream.write(json.dumps(old | {"outcome": "ok"}) + "\n")
    assert json.loads(path.read_text().splitlines()[0])["step"] == "ready"
    records = list(AuditLog(path).records())
    assert [type(r.step) for r in records] == [str, str]
    assert set(AuditLog(path).last_results()) == {"a", "b"}


def test_a_failure_ends_a_run_by_its_outcome_whatever_the_step() -> None:
    def line(step: str, outcome: str) -> AuditRecord:
        return AuditRecord("2026-01-01T00:00:00+00:00", "op", "box", step, outcome)

    rows = build_rows([line(AuditStep.CONNECT, "ok"), line(AuditStep.CODE, FAILED)])
    assert [(row.last_step, row.result) for row in rows] == [("code from customer", "failed")]
    # What the failed run wrote is done: the next line starts a new run.
    rows = build_rows([line(AuditStep.CODE, FAILED), line(AuditStep.CONNECT, "ok")])
    assert [row.result for row in rows] == ["unfinished"]
