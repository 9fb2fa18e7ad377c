"""The box list: every box of the inventory, its state, and the way into each.

Typing filters the list (by name, customer or host); `expires:N` keeps the boxes whose token
(from the last ready result in the audit log) expires within N days, and a batch started on them
is a renewal. Enter opens a live shell on the box; the
onboarding keys work on the highlighted box, or on every selected box at once (a batch). While a
batch runs, the queue on the right says which boxes have a link ready or need attention, and a
code pasted into the field below it goes to the box whose link carries that code's #STATE.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.containers import Horizontal, Vertical
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import DataTable, Footer, Header, Input, Label, Static
from textual.widgets.data_table import ColumnKey, RowKey

from ...audit import AuditRecord, expires_on
from ...audit_steps import AuditStep
from ...flow import Phase
from ..context import Workspace
from ..messages import CycleBoxes, OpenShell, StartOnboarding
from ..widgets.queue import QueueList
from .checks import CheckScreen
from .links import LinksScreen

#: DataTable's render caches that `BoxTable.update_cell` keeps valid (private to DataTable;
#: without them it falls back to DataTable's own `update_cell`). The first two are keyed by row.
_CACHES_BY_ROW = ("_row_render_cache", "_cell_render_cache")
_CACHES = (*_CACHES_BY_ROW, "_line_cache", "_row_renderable_cache")

_FILTER_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.@:")

#: `expires:N` in the filter: boxes whose token expires within N days (renewals).
_EXPIRES_FILTER = re.compile(r"^\s*exp(?:ires)?:\s*(\d{1,5})\s*$", re.I)
#: The "expires" column turns yellow this many days before the date.
EXPIRY_WARNING_DAYS = 30


class BoxTable(DataTable[Text]):
    """The table of boxes (printable keys typed here go to the filter: see BoxListScreen)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.open_shell", "Shell", id="boxes.shell"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: Rows whose cells changed since the last frame: their cached renders are dropped then.
        self._stale_rows: set[RowKey] = set()

    def update_cell(
        self,
        row_key: RowKey | str,
        column_key: ColumnKey | str,
        value: Text,
        *,
        update_width: bool = False,
    ) -> None:
        """DataTable's `update_cell`, redrawing only the row that changed.

        DataTable keys every render cache on one update counter, so updating any cell makes the
        next frame render every visible cell of every row again (through Rich: ~40 rows x 7
        cells, a few hundred ms per frame). A batch of 100 boxes changes cells many times a
        second, and the UI froze redrawing rows that had not changed. Here the value is stored,
        the row is marked stale (its cached renders are dropped before the next frame, once for
        all rows changed meanwhile) and only its line is repainted. Anything else (a new width,
        a DataTable without the caches this relies on) goes through DataTable's own.
        """
        row = RowKey(row_key) if isinstance(row_key, str) else row_key
        column = ColumnKey(column_key) if isinstance(column_key, str) else column_key
        data = getattr(self, "_data", None)
        # A value wider than its column widens it (DataTable's own path, which redraws every
        # row): a few times a batch, as the longest label yet appears, and never shrinking.
        widens = column in self.columns and (
            self.columns[column].auto_width and value.cell_len > self.columns[column].content_width
        )
        if (
            update_width
            or widens
            or not isinstance(data, dict)
            or not all(isinstance(getattr(self, name, None), LRUCache) for name in _CACHES)
            or row not in self.rows
            or column not in self.columns
        ):
            super().update_cell(row, column, value, update_width=update_width or widens)
            return
        data[row][column] = value
        self._stale_rows.add(row)
        self.refresh_row(self.get_row_index(row))

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._stale_rows:
            self._drop_stale_renders()
        return super().render_lines(crop)

    def _drop_stale_renders(self) -> None:
        stale, self._stale_rows = self._stale_rows, set()
        for name in _CACHES:
            cache = getattr(self, name)
            if name in _CACHES_BY_ROW:
                # Keys start with the row's key: drop just those.
                for key in [key for key in cache.keys() if key[0] in stale]:
                    cache.discard(key)
            else:
                # Keyed by position (line, row index): cheap to rebuild from the rest.
                cache.clear()


class BoxListScreen(Screen[None]):
    HORIZONTAL_BREAKPOINTS = [
        (0, "-narrow"),
        (110, "-wide"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+o", "onboard", "Onboard", id="boxes.onboard"),
        Binding("space", "toggle_select", "Select", id="boxes.select"),
        Binding("ctrl+a", "select_all", "Select all", id="boxes.select_all"),
        Binding("ctrl+k", "check", "Check", id="boxes.check"),
        Binding("ctrl+l", "copy_links", "Copy links", id="boxes.copy_links"),
        Binding("ctrl+g", "focus_code", "Batch code", id="boxes.code"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="boxes.clear"),
        Binding("ctrl+n", "next_box", "Next open box", show=False, id="boxes.next"),
        Binding("ctrl+e", "export_report", "Export report", show=False, id="boxes.export"),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.selected: set[str] = set()
        #: Each box's last ready record (the Expires column), re-read when a box finishes.
        self._ready: dict[str, AuditRecord] = {}
        self._queue_pending = False
        self.started = datetime.now(UTC)  # the current batch: what ran since clawtui started

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="boxes-body"):
            with Vertical(id="boxes-main"):
                yield Input(
                    placeholder="Type to filter boxes (name, customer, host), or expires:30",
                    id="filter",
                )
                yield BoxTable(id="boxes", cursor_type="row", zebra_stripes=True)
            with Vertical(id="queue-panel"):
                yield Label("Queue", classes="panel-title")
                yield QueueList(Text("No onboarding running.", style="dim"), id="queue")
                yield Label("Batch code", classes="panel-title")
                yield Input(
                    placeholder="Paste a CODE#STATE: it goes to its box",
                    password=True,
                    id="batch-code",
                )
                yield Static("", id="batch-code-message")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(BoxTable)
        table.add_column("", key="mark", width=1)
        table.add_column("Box", key="name")
        table.add_column("Customer", key="customer")
        table.add_column("Host", key="host")
        table.add_column("Status", key="status")
        table.add_column("Last result", key="last")
        table.add_column("Expires", key="expires")
        self.refill()
        table.focus()
        self.workspace.box_changed.subscribe(self, self.update_box)
        # Link ages in the queue move on; one cheap repaint every few seconds, only with work.
        self.set_interval(5.0, self._tick_queue, name="queue-clock")

    def on_screen_resume(self) -> None:
        # Signals drop a screen that was not shown when they fired: subscribe anew, catch up.
        self.workspace.box_changed.unsubscribe(self)
        self.workspace.box_changed.subscribe(self, self.update_box)
        self.refill()

    def on_resize(self) -> None:
        self.refresh_queue()  # how many lines of the queue can show depends on the height

    def _tick_queue(self) -> None:
        if self.workspace.fleet.onboardings:
            self.refresh_queue()

    # ---------------------------------------------------------------- rows

    def refill(self) -> None:
        table = self.query_one(BoxTable)
        current = self.highlighted
        table.clear()
        needle = self.query_one("#filter", Input).value.strip().lower()
        last = self.workspace.audit.last_results()
        ready = self._ready = self.workspace.audit.last_ready()
        within = _EXPIRES_FILTER.match(needle)
        for box in self.workspace.boxes:
            if within is not None:
                expiry = expires_on(ready.get(box.name))
                if expiry is None or (expiry - _today()).days > int(within.group(1)):
                    continue
            else:
                haystack = f"{box.name} {box.customer} {box.host}".lower()
                if needle and needle not in haystack:
                    continue
            table.add_row(
                *self._cells(box.name, last.get(box.name), ready.get(box.name)), key=box.name
            )
        if current is not None:
            try:
                table.move_cursor(row=table.get_row_index(current))
            except Exception:  # noqa: BLE001 - filtered out: stay at the top
                pass
        self.refresh_queue()

    def _cells(
        self, name: str, last: AuditRecord | None, ready: AuditRecord | None = None
    ) -> list[Text]:
        box = self.workspace.box(name)
        mark = Text("●", style="bold $accent") if name in self.selected else Text(" ")
        return [
            mark,
            Text(name, style="bold"),
            Text(box.customer),
            Text(box.host),
            self._status(name),
            self._last(last),
            _expires(ready),
        ]

    def _status(self, name: str) -> Text:
        workspace = self.workspace
        onboarding = workspace.fleet.get(name)
        parts: list[Text] = []
        if onboarding is not None:
            label = onboarding.state_label
            style = {
                Phase.VERIFIED: "bold green",
                Phase.NOT_IN_USE: "bold yellow",
                Phase.FAILED: "bold red",
                Phase.WAITING_CODE: "bold yellow",
            }.get(onboarding.flow.phase, "cyan")
            parts.append(Text(label, style=style))
        shell = workspace.shell_state(name)
        if shell is not None:
            parts.append(Text("shell" if shell == "connected" else f"shell {shell}", style="dim"))
        check = workspace.check_label(name)
        if check is not None:
            parts.append(Text(check, style="dim"))
        if not parts:
            return Text("—", style="dim")
        return Text("  ").join(parts)

    @staticmethod
    def _last(last: AuditRecord | None) -> Text:
        if last is None:
            return Text("never onboarded", style="dim")
        when = last.time[:16].replace("T", " ")
        if last.step == AuditStep.READY:
            return Text(f"ready {when}", style="green")
        if last.step == AuditStep.NOT_IN_USE:
            return Text(f"stored, not in use {when}", style="yellow")
        if last.step == AuditStep.VERIFIED and last.outcome == "ok":
            return Text(f"verified {when}", style="green")
        return Text(f"failed at {last.step} {when}", style="red")

    def update_box(self, name: str) -> None:
        table = self.query_one(BoxTable)
        if name not in table.rows:
            self.refresh_queue()
            return
        last = self.workspace.audit.last_results().get(name)
        onboarding = self.workspace.fleet.get(name)
        if onboarding is not None and onboarding.flow.phase == Phase.VERIFIED:
            self._ready = self.workspace.audit.last_ready()
        ready = self._ready.get(name)
        for key, value in zip(
            ("mark", "name", "customer", "host", "status", "last", "expires"),
            self._cells(name, last, ready),
            strict=True,
        ):
            # Most changes of a box (a new phase, a pane's output) change no cell: updating
            # one anyway makes the table draw all its rows again, for every box of a batch.
            if table.get_cell(name, key) != value:
                table.update_cell(name, key, value)
        self.refresh_queue()

    def refresh_queue(self) -> None:
        """Redraw the queue panel once the current burst of changes is handled (a batch of
        100 boxes sends many; the panel lists them all)."""
        if not self._queue_pending:
            self._queue_pending = True
            self.call_after_refresh(self._refresh_queue_now)

    def _refresh_queue_now(self) -> None:
        self._queue_pending = False
        fleet = self.workspace.fleet
        queue = self.query_one(QueueList)
        # The list is never taller than the screen and each line takes a row at least, so lines
        # past the screen's height never show: a batch of 100 boxes is not listed in full on
        # every change.
        room = max(1, self.size.height)
        lines: list[Text] = []
        if fleet.onboardings:
            lines.append(Text(str(fleet.counts()), style="bold"))
        for name, onboarding in fleet.onboardings.items():
            if len(lines) >= room:
                break
            phase = onboarding.flow.phase
            if onboarding.queued:
                lines.append(Text(f"· {name}: waiting its turn", style="dim"))
            elif phase == Phase.WAITING_CODE:
                age = onboarding.link_age or 0
                # Short enough for one row of the panel: a row per box shows twice the boxes.
                lines.append(Text(f"● {name}: link ready ({_age(age)})", style="yellow"))
            elif phase == Phase.FAILED or onboarding.error:
                lines.append(Text(f"✗ {name}: needs attention", style="red"))
            elif phase == Phase.VERIFIED:
                lines.append(Text(f"✓ {name}: ready", style="green"))
            elif phase == Phase.NOT_IN_USE:
                lines.append(Text(f"■ {name}: stored, not in use", style="yellow"))
            elif phase != Phase.IDLE:
                lines.append(Text(f"… {name}: {onboarding.state_label}", style="cyan"))
        queue.show(lines)

    @property
    def highlighted(self) -> str | None:
        table = self.query_one(BoxTable)
        if table.row_count == 0:
            return None
        key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return str(key.value) if key.value is not None else None

    def targets(self) -> list[str]:
        """The selected boxes, else the highlighted one."""
        if self.selected:
            return [box.name for box in self.workspace.boxes if box.name in self.selected]
        name = self.highlighted
        return [name] if name else []

    # ---------------------------------------------------------------- typing to filter

    def on_key(self, event: events.Key) -> None:
        # A printable key that reaches the screen was taken by no field (the fields keep their
        # own), so it is meant for the filter. Not checking what has focus matters: right after
        # the first letter moves focus to the filter, the next ones may still come from the
        # table, and a fast typist's letters must not be lost.
        character = event.character
        if character and character in _FILTER_CHARS:
            event.stop()
            event.prevent_default()
            field = self.query_one("#filter", Input)
            field.value += character
            field.cursor_position = len(field.value)
            field.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self.refill()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.query_one(BoxTable).focus()
        self.action_open_shell()

    def action_clear_filter(self) -> None:
        field = self.query_one("#filter", Input)
        if field.value:
            field.value = ""
        self.query_one(BoxTable).focus()

    # ---------------------------------------------------------------- actions

    def action_open_shell(self) -> None:
        name = self.highlighted
        if name:
            self.post_message(OpenShell(name))

    def action_onboard(self) -> None:
        names = self.targets()
        if names:
            self.post_message(StartOnboarding(tuple(names)))
            # Only the marks go: the rows of the others stay as drawn (a refill would redraw
            # every row just as the batch starts).
            marked, self.selected = self.selected, set()
            for name in marked:
                self.update_box(name)

    def action_toggle_select(self) -> None:
        name = self.highlighted
        if name is None:
            return
        self.selected.symmetric_difference_update({name})
        self.update_box(name)

    def action_select_all(self) -> None:
        table = self.query_one(BoxTable)
        visible = {str(key.value) for key in table.rows}
        if visible <= self.selected:
            self.selected -= visible
        else:
            self.selected |= visible
        self.refill()

    def action_check(self) -> None:
        names = self.targets()
        if names:
            self.app.push_screen(CheckScreen([self.workspace.box(name) for name in names]))

    def action_copy_links(self) -> None:
        rows = [(row.box, row.customer, row.url) for row in self.workspace.fleet.ready_links()]
        if not rows:
            self.notify("No sign-in link is ready yet.", severity="warning")
            return
        self.app.push_screen(LinksScreen(rows))

    def action_export_report(self) -> None:
        from ...report import build_rows, export

        customers = {box.name: box.customer for box in self.workspace.boxes}
        rows = build_rows(self.workspace.audit.records(), customers=customers, since=self.started)
        if not rows:
            self.notify("No onboarding has run since clawtui started.", severity="warning")
            return
        try:
            path = export(rows, self.workspace.audit.path.parent / "reports")
        except OSError as error:
            self.notify(f"The report could not be written: {error}", severity="error")
            return
        self.notify(f"Report of {len(rows)} boxes written to {path}", timeout=10)

    def action_focus_code(self) -> None:
        self.query_one("#batch-code", Input).focus()

    def action_next_box(self) -> None:
        self.post_message(CycleBoxes(1))

    @on(Input.Submitted, "#batch-code")
    def _batch_code(self, event: Input.Submitted) -> None:
        routed = self.workspace.fleet.route_code(event.value)
        sent = routed.box is not None
        if sent:
            event.input.value = ""
        label = self.query_one("#batch-code-message", Static)
        label.update(Text(routed.message, style="green" if sent else "red"))


def _today() -> date:
    return datetime.now(UTC).date()


def _expires(ready: AuditRecord | None) -> Text:
    """The expiry of the box's token from its last ready result; yellow within 30 days."""
    expiry = expires_on(ready)
    if expiry is None:
        return Text("—", style="dim")
    days = (expiry - _today()).days
    if days < 0:
        return Text(f"{expiry} (expired)", style="bold red")
    style = "yellow" if days <= EXPIRY_WARNING_DAYS else ""
    return Text(f"{expiry} ({days} d)", style=style)


def _age(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"
