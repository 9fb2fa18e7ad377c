"""`clawtui check BOX|--all`: the box checks' reports, printed for a terminal.

The checks themselves (what to probe, how to judge it) live in `clawtui.checks`, which the TUI
shares; this module only lays the reports out as lines, with marks the terminal can show.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Mapping
from typing import TextIO

from .. import ssh
from ..checks import BoxReport, Connect, Status, reports_in_order
from ..inventory import Box

_MARKS = {Status.OK: "✓", Status.WARN: "!", Status.FAIL: "✗", Status.UNKNOWN: "?"}
# For a terminal that cannot show the marks above (an ASCII-only locale).
_ASCII_MARKS = {Status.OK: "+", Status.WARN: "!", Status.FAIL: "x", Status.UNKNOWN: "?"}
_FOUND_WIDTH = 36


def _encoding(out: TextIO) -> str:
    encoding = getattr(out, "encoding", None) or "utf-8"
    try:
        "".encode(encoding)
    except LookupError:
        return "utf-8"
    return str(encoding)


def _marks_for(encoding: str) -> Mapping[Status, str]:
    try:
        "".join(_MARKS.values()).encode(encoding)
    except UnicodeEncodeError:
        return _ASCII_MARKS
    return _MARKS


def format_report(report: BoxReport, marks: Mapping[Status, str] = _MARKS) -> list[str]:
    """The report's lines: a header, then one aligned line per check."""
    warnings = sum(1 for result in report.results if result.status is Status.WARN)
    if not report.ready:
        verdict = "needs attention"
    elif warnings:
        verdict = f"ready, with {warnings} warning{'s' if warnings > 1 else ''}"
    else:
        verdict = "ready"
    where = f" ({report.address})" if report.address else ""
    lines = [f"{report.box}{where}: {verdict}"]
    name_width = max((len(result.name) for result in report.results), default=0)
    found_width = min(
        max((len(result.found) for result in report.results), default=0), _FOUND_WIDTH
    )
    for result in report.results:
        line = f"  {marks[result.status]} {result.name:<{name_width}}  "
        line += f"{result.found:<{found_width}}  {result.advice}" if result.advice else result.found
        lines.append(line.rstrip())
    return lines


async def run_checks_cli(
    boxes: list[Box],
    out: TextIO | None = None,
    *,
    concurrency: int = 8,
    connect: Connect = ssh.connect,
    timeout: float = 20.0,
) -> int:
    """Check `boxes` and print a report for each, in inventory order as soon as it is known.

    Returns the exit status: 0 when every box is ready (warnings allowed), 1 when any check
    failed or could not be made (a box unreachable included).
    """
    out = out if out is not None else sys.stdout
    if not boxes:
        out.write("No boxes to check: the inventory is empty.\n")
        return 0
    encoding = _encoding(out)
    marks = _marks_for(encoding)
    reports: list[BoxReport] = []
    checks = reports_in_order(boxes, concurrency=concurrency, connect=connect, timeout=timeout)
    async with contextlib.aclosing(checks):  # stop the other checks if printing fails
        async for report in checks:
            reports.append(report)
            if len(reports) > 1:
                out.write("\n")
            text = "\n".join(format_report(report, marks)) + "\n"
            # What a box printed may not fit an ASCII-only terminal: never fail on it.
            out.write(text.encode(encoding, "replace").decode(encoding))
            out.flush()
    attention = [report.box for report in reports if not report.ready]
    if len(reports) > 1:
        ready = len(reports) - len(attention)
        summary = f"\n{ready} of {len(reports)} boxes ready"
        if attention:
            summary += f"; need attention: {', '.join(attention)}"
        out.write(summary + "\n")
        out.flush()
    return 1 if attention else 0
