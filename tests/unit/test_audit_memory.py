"""The audit log is read once and kept in memory: the box list never re-reads it on a keystroke.

A support desk's audit log grows to thousands of lines. Re-reading and parsing it on every
letter typed into the filter (and on every flow event of every box) makes typing lag; the log
now stays in memory after one read, and appends (ours or another clawtui's) update it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clawtui.audit import AuditLog
from clawtui.tui.app import ClawApp
from tests.tui.test_app import table_names

LINES = 5000


def write_log(path: Path, boxes: list[str]) -> None:
    rows = []
    for index in range(LINES):
        box = boxes[index % len(boxes)]
        step, outcome = ("verified", "ok") if index % 10 in (8, 9) else ("connect", "ok")
        rows.append(
            json.dumps(
                {
                    "time": f"2026-11-{1 + index % 28:02d}T10:00:{index % 60:02d}.000+00:00",
                    "operator": "ana",
                    "box": box,
                    "step": step,
                    "outcome": outcome,
                }
            )
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as stream:  # not Path.open: not counted
        stream.write("\n".join(rows) + "\n")


@pytest.fixture
def opens(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """Every `Path.open` of a file named audit.jsonl, in order."""
    seen: list[Path] = []
    original = Path.open

    def counting(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "audit.jsonl":
            seen.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", counting)
    yield seen


def test_reads_once_then_answers_from_memory(tmp_path: Path, opens: list[Path]) -> None:
    path = tmp_path / "audit.jsonl"
    write_log(path, ["acme-prod", "globex-web"])
    log = AuditLog(path, operator="ana")
    first = log.last_results()
    assert set(first) == {"acme-prod", "globex-web"}
    for _ in range(20):
        assert log.last_results() == first
    assert len(list(log.records())) == LINES
    assert len(opens) == 1


def test_appends_update_the_memory_without_a_read(tmp_path: Path, opens: list[Path]) -> None:
    path = tmp_path / "audit.jsonl"
    write_log(path, ["acme-prod"])
    log = AuditLog(path, operator="ana")
    log.last_results()
    log.record("globex-web", "token pasted", "failed", reason="OpenClaw said no")
    assert log.last_results()["globex-web"].step == "token pasted"
    assert len(opens) == 1


def test_lines_another_clawtui_appends_are_picked_up(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    write_log(path, ["acme-prod"])
    ours = AuditLog(path, operator="ana")
    other = AuditLog(path, operator="bo")
    ours.last_results()
    other.record("initech-bot", "verified", "ok")
    ours.record("globex-web", "verified", "ok")  # lands after the other's line
    assert set(ours.last_results()) == {"acme-prod", "initech-bot", "globex-web"}
    assert len(list(ours.records())) == LINES + 2


def test_a_torn_last_line_waits_for_its_end(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    write_log(path, ["acme-prod"])
    log = AuditLog(path, operator="ana")
    log.records()
    line = json.dumps({"time": "t", "operator": "o", "box": "b", "step": "verified"})
    with path.open("a") as stream:
        stream.write(line[:20])
    assert "b" not in log.last_results()
    with path.open("a") as stream:
        stream.write(line[20:] + "\n")
    assert "b" in log.last_results()


async def test_the_box_list_filters_a_big_log_without_rereading_it(
    tmp_path: Path, opens: list[Path]
) -> None:
    inventory = tmp_path / "boxes.toml"
    names = [f"box-{index:03d}" for index in range(40)]
    inventory.write_text(
        "".join(f'[[box]]\nname = "{name}"\nhost = "10.0.0.{i}"\n' for i, name in enumerate(names))
    )
    write_log(tmp_path / "state" / "audit.jsonl", names)
    app = ClawApp(inventory, audit=AuditLog(tmp_path / "state" / "audit.jsonl"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert len(table_names(app)) == len(names)
        read_at_start = len(opens)
        await pilot.press(*"box-01")
        await pilot.pause()
        assert table_names(app) == [f"box-01{digit}" for digit in range(10)]
        await pilot.press("escape")
        await pilot.press(*"box-003")
        await pilot.pause()
        assert table_names(app) == ["box-003"]
        assert len(opens) == read_at_start <= 1
