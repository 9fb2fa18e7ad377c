"""The audit log: one JSON line per onboarding step, for support and for the box list.

Who did what to which box, when, and how it ended. It records a token's fingerprint (the first
12 hex digits of its SHA-256, enough to match a token to a run) and never the token or the
customer's code. Reasons are passed through the redactor anyway, in case a program's own message
ever quotes a secret.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from .paths import state_dir
from .redact import redact


def current_operator() -> str:
    """`CLAWTUI_OPERATOR` when set (shared accounts), else the login name."""
    name = os.environ.get("CLAWTUI_OPERATOR")
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass(frozen=True)
class AuditRecord:
    time: str
    operator: str
    box: str
    step: str
    outcome: str
    reason: str | None = None
    token_fingerprint: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuditRecord:
        return cls(
            time=str(data.get("time", "")),
            operator=str(data.get("operator", "")),
            box=str(data.get("box", "")),
            step=str(data.get("step", "")),
            outcome=str(data.get("outcome", "")),
            reason=data.get("reason"),
            token_fingerprint=data.get("token_fingerprint"),
        )


class AuditLog:
    def __init__(self, path: Path | None = None, *, operator: str | None = None) -> None:
        self.path = Path(path) if path is not None else state_dir() / "audit.jsonl"
        self.operator = operator or current_operator()
        self._lock = threading.Lock()

    def record(
        self,
        box: str,
        step: str,
        outcome: str,
        *,
        reason: str | None = None,
        token_fingerprint: str | None = None,
    ) -> AuditRecord:
        entry = AuditRecord(
            time=datetime.now(UTC).isoformat(timespec="milliseconds"),
            operator=self.operator,
            box=box,
            step=step,
            outcome=outcome,
            reason=redact(reason) if reason else None,
            token_fingerprint=token_fingerprint,
        )
        line = json.dumps(entry.__dict__, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # O_APPEND keeps concurrent writers (a batch, a second clawtui) from interleaving lines.
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
            finally:
                os.close(fd)
        return entry

    def records(self) -> Iterator[AuditRecord]:
        try:
            stream = self.path.open(encoding="utf-8")
        except FileNotFoundError:
            return
        with stream:
            for line in stream:
                line = line.strip()
                if not line:
                    continue
                try:
                    yield AuditRecord.from_json(json.loads(line))
                except (ValueError, AttributeError):
                    continue  # a torn line from a crash must not hide the others

    def last_results(self) -> dict[str, AuditRecord]:
        """The latest final record (ready, not in use, verified or failed) of every box, for the
        box list."""
        results: dict[str, AuditRecord] = {}
        for entry in self.records():
            if entry.step in FINAL_STEPS or entry.outcome == "failed":
                results[entry.box] = entry
        return results

    def last_ready(self) -> dict[str, AuditRecord]:
        """The latest `ready` record of every box: when its token expires (`expires_on`)."""
        return {entry.box: entry for entry in self.records() if entry.step == "ready"}


#: Steps that end an onboarding: "verified" is what clawtui wrote before issue 7.
FINAL_STEPS = ("ready", "not in use", "verified", "failed")

_EXPIRES = re.compile(r"\bexpires (\d{4}-\d{2}-\d{2})\b")


def expires_on(record: AuditRecord | None) -> date | None:
    """The expiry day a `ready` record names (`…; expires 2027-12-02; …`), else None."""
    if record is None or not record.reason:
        return None
    found = _EXPIRES.search(record.reason)
    if found is None:
        return None
    try:
        return date.fromisoformat(found.group(1))
    except ValueError:
        return None
