"""Box checks from the TUI: is each box ready to be onboarded, and if not, what to fix."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...checks import BoxReport, Status, check_box
from ...inventory import Box
from ..messages import Checked

_MARKS = {
    Status.OK: ("✓", "green"),
    Status.WARN: ("!", "yellow"),
    Status.FAIL: ("✗", "red"),
    Status.UNKNOWN: ("?", "dim"),
}


class CheckScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="checks.close"),
    ]

    def __init__(self, boxes: list[Box]) -> None:
        super().__init__()
        self.boxes = boxes
        self.reports: dict[str, BoxReport] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="wide tall"):
            yield Static(
                Text(f"Checking {len(self.boxes)} box(es)…", style="bold"),
                classes="dialog-title",
                id="checks-title",
            )
            with VerticalScroll():
                yield Static(id="checks-body")
            yield Static(Text("esc closes; results also show in the box list", style="dim"))

    def on_mount(self) -> None:
        self._show_reports()
        for box in self.boxes:
            self.run_check(box)

    @work(exit_on_error=False)
    async def run_check(self, box: Box) -> None:
        report = await check_box(box)
        self.reports[box.name] = report
        self.post_message(Checked(box.name, report.status.value))
        self._show_reports()

    def _show_reports(self) -> None:
        parts: list[object] = []
        for box in self.boxes:
            report = self.reports.get(box.name)
            if report is None:
                parts.append(Text(f"{box.name}: checking…", style="dim"))
                continue
            mark, style = _MARKS[report.status]
            parts.append(Text(f"{mark} {box.name} ({box.address})", style=f"bold {style}"))
            table = Table(box=None, show_header=False, padding=(0, 1))
            table.add_column(width=1)
            table.add_column(style="bold", no_wrap=True)
            table.add_column()
            table.add_column(ratio=1)
            for result in report.results:
                mark, style = _MARKS[result.status]
                table.add_row(
                    Text(mark, style=style),
                    result.name,
                    result.found,
                    Text(result.advice, style="yellow" if result.advice else ""),
                )
            parts.append(table)
            parts.append(Text(""))
        done = len(self.reports)
        self.query_one("#checks-title", Static).update(
            Text(f"Box checks: {done} of {len(self.boxes)} done", style="bold")
        )
        self.query_one("#checks-body", Static).update(Group(*parts))  # type: ignore[arg-type]
