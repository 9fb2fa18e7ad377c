"""`clawtui report`: what happened to which box, from the audit log, one row a box.

After a batch, onboarding staff need a summary they can paste into a ticket (Markdown, the
default), open in a spreadsheet (CSV) or feed to a script (JSON). Each row tells a box's last
onboarding run: where it stopped, how it ended and why, the token's fingerprint (never the
token), the token's expiry when the audit line carries one, and how long the run took.

A run is the box's records after its previous end (verified or failed), so a retry after a
failure is a run of its own. Fields other versions of clawtui may add to the audit lines are read
when present and left blank otherwise: `EXPIRY_FIELDS` and `COLUMNS` below are where to adjust.

No Textual; the only file it writes is an exported report (`export`).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from .audit import AuditRecord, expires_on
from .audit_steps import FAILED, FINAL_STEPS, AuditStep

FORMATS = ("md", "csv", "json")
DEFAULT_FORMAT = "md"

#: Audit fields that may hold the token's expiry, first found wins.
EXPIRY_FIELDS: tuple[str, ...] = ("expires_at", "expiry", "expires", "token_expires_at")


@dataclass(frozen=True)
class Row:
    box: str
    customer: str
    last_step: str
    result: str  # ready, not in use, verified (before issue 7), failed, or unfinished
    reason: str
    token_fingerprint: str
    expiry: str
    duration_s: float | None  # of the last run, from its first to its last record
    started: str
    ended: str
    recording: str


#: (heading, how to get the cell as text, JSON key). The JSON keeps typed values.
COLUMNS: tuple[tuple[str, Callable[[Row], str], str], ...] = (
    ("box", lambda row: row.box, "box"),
    ("customer", lambda row: row.customer, "customer"),
    ("last step", lambda row: row.last_step, "last_step"),
    ("result", lambda row: row.result, "result"),
    ("reason", lambda row: row.reason, "reason"),
    ("token fingerprint", lambda row: row.token_fingerprint, "token_fingerprint"),
    ("expiry", lambda row: row.expiry, "expiry"),
    ("duration", lambda row: _duration(row.duration_s), "duration_s"),
)


def parse_since(text: str) -> datetime:
    """`2026-11-30` (midnight UTC) or an ISO time such as `2026-11-30T14:00` (UTC if no zone)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        try:
            day = date.fromisoformat(text.strip())
        except ValueError:
            raise ValueError(
                f"{text!r} is not a date; write 2026-11-30 or 2026-11-30T14:00"
            ) from None
        moment = datetime(day.year, day.month, day.day)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _time(record: AuditRecord) -> datetime | None:
    try:
        moment = datetime.fromisoformat(record.time)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _ends_run(record: AuditRecord) -> bool:
    return record.step in FINAL_STEPS or record.outcome == FAILED


def build_rows(
    records: Iterable[AuditRecord],
    *,
    customers: Mapping[str, str] | None = None,
    since: datetime | None = None,
) -> list[Row]:
    """One row per box with a run ending at or after `since`, in the order boxes first appear."""
    runs: dict[str, list[AuditRecord]] = {}
    ended: dict[str, bool] = {}
    for record in records:
        if not record.box:
            continue
        if ended.get(record.box, True):
            runs[record.box] = []  # the first record after an end starts a new run
        runs.setdefault(record.box, []).append(record)
        ended[record.box] = _ends_run(record)
    rows: list[Row] = []
    for box, run in runs.items():
        last = run[-1]
        last_time = _time(last)
        if since is not None and (last_time is None or last_time < since):
            continue
        first_time = _time(run[0])
        duration = (
            (last_time - first_time).total_seconds()
            if last_time is not None and first_time is not None
            else None
        )
        rows.append(
            Row(
                box=box,
                customer=(customers or {}).get(box, ""),
                last_step=last.step,
                result=_result(last),
                reason=(last.reason or "") if _result(last) != "verified" else "",
                token_fingerprint=_latest(run, lambda r: r.token_fingerprint),
                expiry=_latest(run, _expiry),
                duration_s=duration,
                started=run[0].time,
                ended=last.time,
                recording=_latest(run, lambda r: r.recordings[0] if r.recordings else None),
            )
        )
    return rows


def _result(last: AuditRecord) -> str:
    if last.outcome == FAILED:
        return "failed"
    if last.step in FINAL_STEPS:
        return last.step  # ready, not in use, or verified
    return "unfinished"


def _expiry(record: AuditRecord) -> str | None:
    for name in EXPIRY_FIELDS:
        value = record.data.get(name)
        if value not in (None, ""):
            return str(value)
    if record.step == AuditStep.READY:  # issue 7's clawtui names it in the ready line's reason
        day = expires_on(record)
        return day.isoformat() if day is not None else None
    return None


def _latest(run: Sequence[AuditRecord], get: Callable[[AuditRecord], str | None]) -> str:
    for record in reversed(run):
        value = get(record)
        if value:
            return value
    return ""


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def render(rows: Sequence[Row], fmt: str = DEFAULT_FORMAT) -> str:
    if fmt == "json":
        return (
            json.dumps(
                [
                    {key: getattr(row, key) for _, _, key in COLUMNS} | {"ended": row.ended}
                    for row in rows
                ],
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([heading for heading, _, _ in COLUMNS])
        for row in rows:
            writer.writerow([cell(row) for _, cell, _ in COLUMNS])
        return out.getvalue()
    if fmt == "md":
        lines = [
            "| " + " | ".join(heading for heading, _, _ in COLUMNS) + " |",
            "|" + "|".join("---" for _ in COLUMNS) + "|",
        ]
        for row in rows:
            lines.append("| " + " | ".join(_md_cell(cell(row)) for _, cell, _ in COLUMNS) + " |")
        return "\n".join(lines) + "\n"
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def export(rows: Sequence[Row], folder: Path, fmt: str = DEFAULT_FORMAT) -> Path:
    """Write the report to `folder/report-<UTC time>.<fmt>` (0600: it names customers)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"report-{stamp}.{fmt}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        stream.write(render(rows, fmt))
    return path
