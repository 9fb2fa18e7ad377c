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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from .audit_steps import FAILED, FINAL_STEPS, AuditStep
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
    #: The masked recordings (asciicast files) of the run, when it was recorded.
    recordings: tuple[str, ...] | None = None
    #: The whole line as read, fields this version does not name included (for `report`).
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuditRecord:
        recordings = data.get("recordings")
        return cls(
            time=str(data.get("time", "")),
            operator=str(data.get("operator", "")),
            box=str(data.get("box", "")),
            step=str(data.get("step", "")),
            outcome=str(data.get("outcome", "")),
            reason=data.get("reason"),
            token_fingerprint=data.get("token_fingerprint"),
            recordings=tuple(map(str, recordings)) if isinstance(recordings, list) else None,
            data=data,
        )

    def to_json(self) -> dict[str, Any]:
        line = {key: value for key, value in self.__dict__.items() if key != "data"}
        if self.recordings is None:
            del line["recordings"]
        else:
            line["recordings"] = list(self.recordings)
        return line


class AuditLog:
    def __init__(self, path: Path | None = None, *, operator: str | None = None) -> None:
        self.path = Path(path) if path is not None else state_dir() / "audit.jsonl"
        self.operator = operator or current_operator()
        self._lock = threading.Lock()
        # The log as read so far: read once, then only what was appended since (by us or by
        # another clawtui), so the box list never re-reads the whole file on a keystroke.
        self._cache: list[AuditRecord] | None = None
        self._last: dict[str, AuditRecord] = {}
        self._offset = 0  # bytes of the file in the cache
        self._identity: tuple[int, int] | None = None  # (device, inode) of the file read

    def record(
        self,
        box: str,
        step: str,
        outcome: str,
        *,
        reason: str | None = None,
        token_fingerprint: str | None = None,
        recordings: tuple[str, ...] | None = None,
    ) -> AuditRecord:
        entry = AuditRecord(
            time=datetime.now(UTC).isoformat(timespec="milliseconds"),
            operator=self.operator,
            box=box,
            step=step,
            outcome=outcome,
            reason=redact(reason) if reason else None,
            token_fingerprint=token_fingerprint,
            recordings=recordings,
        )
        data = entry.to_json()
        entry = AuditRecord.from_json(data)
        line = (json.dumps(data, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # O_APPEND keeps concurrent writers (a batch, a second clawtui) from interleaving lines.
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line)
                end = os.lseek(fd, 0, os.SEEK_CUR)
                identity = _identity(os.fstat(fd))
            finally:
                os.close(fd)
            if self._cache is not None and end - len(line) == self._offset:
                if identity == self._identity:
                    # Nobody wrote in between: the cache takes the line without a read.
                    self._add(entry)
                    self._offset = end
            # Otherwise the next read picks up what was appended, ours included.
        return entry

    def records(self) -> Iterator[AuditRecord]:
        """Every record, oldest first (from memory; the file is read once, then its tail)."""
        with self._lock:
            self._refresh()
            cache = list(self._cache or ())
        yield from cache

    def last_results(self) -> dict[str, AuditRecord]:
        """The latest final record (ready, not in use, verified or failed) of every box, for the
        box list."""
        with self._lock:
            self._refresh()
            return dict(self._last)

    def _add(self, entry: AuditRecord) -> None:
        assert self._cache is not None
        self._cache.append(entry)
        if entry.step in FINAL_STEPS or entry.outcome == FAILED:
            self._last[entry.box] = entry

    def _refresh(self) -> None:
        """Bring the cache up to date: a `stat`, and a read only of bytes appended since."""
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            self._cache, self._last, self._offset, self._identity = [], {}, 0, None
            return
        identity = _identity(status)
        if self._cache is None or identity != self._identity or status.st_size < self._offset:
            # First read, or the file was replaced or truncated: start over.
            self._cache, self._last, self._offset, self._identity = [], {}, 0, identity
        if status.st_size == self._offset:
            return
        try:
            with self.path.open("rb") as stream:
                stream.seek(self._offset)
                chunk = stream.read()
        except FileNotFoundError:
            return
        # A line still being written by another process (no newline yet) waits for next time.
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self._offset += len(complete)
        for raw in complete.splitlines():
            raw = raw.strip()
            if not raw:
                continue
            try:
                data = json.loads(raw.decode("utf-8"))
                self._add(AuditRecord.from_json(data))
            except (ValueError, AttributeError, TypeError):
                continue  # a torn line from a crash must not hide the others

    def last_ready(self) -> dict[str, AuditRecord]:
        """The latest `ready` record of every box: when its token expires (`expires_on`)."""
        return {entry.box: entry for entry in self.records() if entry.step == AuditStep.READY}


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


def _identity(status: os.stat_result) -> tuple[int, int]:
    return (status.st_dev, status.st_ino)
