"""`clawtui report`: one row per box from the audit log, as Markdown, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from clawtui.__main__ import main

INVENTORY = """
[[box]]
name = "acme-prod"
host = "203.0.113.7"
customer = "Acme Inc"

[[box]]
name = "globex-web"
host = "198.51.100.20"
customer = "Globex, Corporation"
"""

FP = "0123456789ab"
LINES = [
    # acme-prod: an old failed run, then a verified one that took 2 min 5 s.
    ("2026-11-20T09:00:00.000+00:00", "acme-prod", "connect", "ok", None, None, None),
    ("2026-11-20T09:01:00.000+00:00", "acme-prod", "connect", "failed", "no route", None, None),
    ("2026-11-28T10:00:00.000+00:00", "acme-prod", "connect", "ok", None, None, None),
    ("2026-11-28T10:01:00.000+00:00", "acme-prod", "token captured", "ok", None, FP, None),
    (
        "2026-11-28T10:02:05.000+00:00",
        "acme-prod",
        "verified",
        "ok",
        "anthropic:manual",
        FP,
        "2027-11-28T10:01:00Z",
    ),
    # globex-web: failed at the paste, a reason with a pipe and a comma.
    ("2026-11-29T12:00:00.000+00:00", "globex-web", "connect", "ok", None, None, None),
    (
        "2026-11-29T12:00:30.000+00:00",
        "globex-web",
        "token pasted",
        "failed",
        "OpenClaw said: bad | token, try again",
        None,
        None,
    ),
    # initech-bot: not in the inventory, still running.
    ("2026-11-30T08:00:00.000+00:00", "initech-bot", "connect", "ok", None, None, None),
]


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CLAWTUI_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("CLAWTUI_CONFIG_DIR", str(tmp_path / "config"))
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "boxes.toml").write_text(INVENTORY)
    (tmp_path / "state").mkdir()
    return tmp_path / "state"


def write_log(state: Path) -> None:
    rows = []
    for time, box, step, outcome, reason, fingerprint, expiry in LINES:
        line: dict[str, str | None] = {"time": time, "operator": "ana", "box": box}
        line |= {"step": step, "outcome": outcome}
        line |= {"reason": reason, "token_fingerprint": fingerprint}
        if expiry:
            line["expires_at"] = expiry  # written by newer versions; read when there
        rows.append(json.dumps(line))
    (state / "audit.jsonl").write_text("\n".join(rows) + "\n")


def report(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, str]:
    assert main(["report", *args]) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_csv_parses_back_to_one_row_per_box(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_log(state)
    out, _ = report(capsys, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["box"] for row in rows] == ["acme-prod", "globex-web", "initech-bot"]
    acme, globex, initech = rows
    assert acme == {
        "box": "acme-prod",
        "customer": "Acme Inc",
        "last step": "verified",
        "result": "verified",
        "reason": "",
        "token fingerprint": FP,
        "expiry": "2027-11-28T10:01:00Z",
        "duration": "2 min 05 s",
    }
    assert globex["customer"] == "Globex, Corporation"
    assert (globex["result"], globex["last step"]) == ("failed", "token pasted")
    assert globex["reason"] == "OpenClaw said: bad | token, try again"
    assert globex["duration"] == "30 s" and globex["expiry"] == ""
    assert (initech["result"], initech["customer"]) == ("unfinished", "")


def test_json_loads_with_typed_values(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_log(state)
    out, _ = report(capsys, "--format", "json")
    rows = json.loads(out)
    assert [row["box"] for row in rows] == ["acme-prod", "globex-web", "initech-bot"]
    assert rows[0]["duration_s"] == 125.0 and rows[0]["result"] == "verified"
    assert rows[0]["token_fingerprint"] == FP
    assert rows[2]["duration_s"] == 0.0


def test_md_is_a_table_and_the_default(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_log(state)
    out, _ = report(capsys)
    lines = out.splitlines()
    assert lines[0].startswith("| box | customer | last step | result |")
    assert set(lines[1]) <= set("|-") and lines[1].count("|") == lines[0].count("|")
    assert len(lines) == 2 + 3
    globex = next(line for line in lines if line.startswith("| globex-web "))
    assert "bad \\| token" in globex  # a pipe in a reason does not break the table
    assert globex.count(" | ") == lines[0].count(" | ")


def test_since_keeps_boxes_whose_last_run_ended_after(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_log(state)
    out, _ = report(capsys, "--since", "2026-11-29", "--format", "csv")
    assert [row["box"] for row in csv.DictReader(io.StringIO(out))] == [
        "globex-web",
        "initech-bot",
    ]
    out, _ = report(capsys, "--since", "2026-11-29T12:00:10", "--format", "json")
    assert [row["box"] for row in json.loads(out)] == ["globex-web", "initech-bot"]
    assert main(["report", "--since", "last tuesday"]) == 2
    assert "not a date" in capsys.readouterr().err


def test_an_empty_log(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, err = report(capsys, "--format", "json")
    assert json.loads(out) == [] and "no onboarding" in err
    out, _ = report(capsys, "--format", "csv")
    assert list(csv.DictReader(io.StringIO(out))) == []
    out, _ = report(capsys)
    assert len(out.splitlines()) == 2  # the table's head alone


async def test_ctrl_e_exports_the_current_batch(state: Path, tmp_path: Path) -> None:
    from clawtui.audit import AuditLog
    from clawtui.tui.app import ClawApp
    from tests.conftest import wait_for

    write_log(state)  # older runs: not this batch
    app = ClawApp(tmp_path / "config" / "boxes.toml", audit=AuditLog(state / "audit.jsonl"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.audit.record("globex-web", "connect", "ok")
        app.audit.record("globex-web", "verified", "ok", token_fingerprint=FP)
        await pilot.press("ctrl+e")
        await wait_for(lambda: list((state / "reports").glob("report-*.md")), 5, "the report")
    (path,) = (state / "reports").glob("report-*.md")
    lines = path.read_text().splitlines()
    assert len(lines) == 3 and lines[2].startswith("| globex-web | Globex, Corporation | verified")
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_ready_run_shows_the_expiry_its_line_names() -> None:
    from clawtui.audit import AuditRecord
    from clawtui.report import build_rows

    def line(time: str, step: str, reason: str | None = None) -> AuditRecord:
        data = {"time": time, "operator": "o", "box": "hooli", "step": step, "outcome": "ok"}
        return AuditRecord.from_json(data | {"reason": reason, "token_fingerprint": FP})

    rows = build_rows(
        [
            line("2026-12-01T10:00:00+00:00", "connect"),
            line(
                "2026-12-01T10:00:40+00:00",
                "ready",
                "default anthropic/claude-sonnet-4-6; expires 2027-12-01; gateway restarted",
            ),
        ]
    )
    assert [(row.result, row.expiry, row.duration_s) for row in rows] == [
        ("ready", "2027-12-01", 40.0)
    ]
