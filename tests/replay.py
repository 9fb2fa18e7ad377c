"""Recorded transcripts of the real programs (tests/data/*.jsonl), as test fixtures.

Each file is one JSON object a line: `meta` (program, argv, cols, rows, env, scripted actions),
then `out` (bytes from the program; `b64` is exact), `in` (what was typed or pasted), `event`
(wait_for, mark, resize, eof, child_exited) and `exit` (with the recorder's `final_screen`).
Copied from the recordings in ../shared/transcripts so the suite stands alone.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Step:
    t: float
    kind: str  # "out", "in", "resize", "event", "exit"
    data: bytes = b""
    size: tuple[int, int] | None = None  # (cols, rows) for "resize"
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Transcript:
    path: Path
    meta: dict[str, Any]
    steps: tuple[Step, ...]

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def cols(self) -> int:
        return int(self.meta["cols"])

    @property
    def rows(self) -> int:
        return int(self.meta["rows"])

    @property
    def program(self) -> str:
        return str(self.meta["program"])

    @property
    def generation(self) -> str:
        """'2.1.197', '2.1.332' or 'openclaw'."""
        if self.program.startswith("openclaw"):
            return "openclaw"
        return self.program.rsplit(" ", 1)[-1]

    @property
    def output(self) -> bytes:
        return b"".join(step.data for step in self.steps if step.kind == "out")

    @property
    def final_screen(self) -> list[str]:
        for step in self.steps:
            if step.kind == "exit":
                return list(step.raw.get("final_screen", []))
        return []

    def chunks(self) -> Iterator[bytes]:
        for step in self.steps:
            if step.kind == "out":
                yield step.data


def load(name: str | Path) -> Transcript:
    path = Path(name)
    if not path.is_absolute():
        path = DATA / (path.name if path.suffix == ".jsonl" else f"{path.name}.jsonl")
    meta: dict[str, Any] = {}
    steps: list[Step] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        kind = record["type"]
        if kind == "meta":
            meta = record
        elif kind == "out":
            steps.append(Step(record["t"], "out", base64.b64decode(record["b64"]), raw=record))
        elif kind == "in":
            steps.append(Step(record["t"], "in", record["data"].encode(), raw=record))
        elif kind == "event" and record.get("event") == "resize":
            steps.append(
                Step(record["t"], "resize", size=(record["cols"], record["rows"]), raw=record)
            )
        else:
            steps.append(Step(record["t"], kind, raw=record))
    return Transcript(path=path, meta=meta, steps=tuple(steps))


def all_transcripts(prefix: str = "") -> list[Transcript]:
    return [load(path) for path in sorted(DATA.glob(f"{prefix}*.jsonl"))]
