"""The parts of the onboarding screen, each a widget that renders reactive state from the flow.

The screen reads the flow once per change into small frozen views (`Progress`, `LinkView`,
`TokenView`, `Verdict`) and sets them on these widgets; a widget redraws only when its view
changed. None of them knows the Runner, the app or another widget: the banner's buttons post
`FailureBanner.Recover`, and the screen decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Static

from ... import flow as f

__all__ = [
    "RECOVERY_KEYS",
    "FailureBanner",
    "LinkPanel",
    "LinkView",
    "NoteList",
    "Progress",
    "StepTracker",
    "TokenLine",
    "TokenView",
    "Verdict",
    "duration",
]

#: The key and label of each recovery (the banner's buttons and the screen's bindings).
RECOVERY_KEYS: dict[f.Recovery, tuple[str, str]] = {
    f.Recovery.RETRY_CODE: ("ctrl+g", "Retry code"),
    f.Recovery.RESTART: ("ctrl+r", "Restart setup-token"),
    f.Recovery.RESUME: ("ctrl+o", "Resume from vault"),
    f.Recovery.VERIFY_AGAIN: ("ctrl+f", "Verify again"),
}

_MARKS = {
    f.StepState.PENDING: ("○", "dim"),
    f.StepState.ACTIVE: ("●", "bold yellow"),
    f.StepState.DONE: ("✓", "bold green"),
    f.StepState.FAILED: ("✗", "bold red"),
    f.StepState.SKIPPED: ("–", "dim"),
}


def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"


# ------------------------------------------------------------------------------------ views


@dataclass(frozen=True)
class Progress:
    """The step tracker's rows (step, state, elapsed) and the phase."""

    rows: tuple[tuple[str, f.StepState, str], ...] = ()
    phase: str = ""

    @classmethod
    def of(cls, flow: f.Flow, now: float) -> Progress:
        rows = tuple(
            (step.value, flow.steps[step].state, duration(flow.steps[step].elapsed(now)))
            for step in f.STEPS
        )
        return cls(rows, flow.phase.value)


@dataclass(frozen=True)
class LinkView:
    """What the link panel says: no link yet, the link (new or not, and its age), used, closed."""

    status: Literal["waiting", "ready", "used", "closed"] = "waiting"
    url: str = ""
    changed: bool = False
    age: str = ""


@dataclass(frozen=True)
class TokenView:
    """The captured token as the screen may show it: masked, and its fingerprint."""

    masked: str = ""
    fingerprint: str = ""


@dataclass(frozen=True)
class Verdict:
    """How the onboarding ended, for the banner: failed (with recoveries) or verified."""

    kind: Literal["failed", "verified"]
    text: Text
    recoveries: tuple[f.Recovery, ...] = ()


# ---------------------------------------------------------------------------------- widgets


class StepTracker(Static):
    """Every step with its mark and elapsed time; `compact` draws one line for narrow screens."""

    progress: reactive[Progress] = reactive(Progress, layout=True)

    def __init__(self, *, compact: bool = False, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.compact = compact

    def render(self) -> RenderableType:
        progress = self.progress
        if self.compact:
            line = Text()
            for _, state, _ in progress.rows:
                mark, style = _MARKS[state]
                line.append(f"{mark} ", style=style)
            line.append(f" {progress.phase}", style="bold")
            return line
        table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
        table.add_column("mark", width=1)
        table.add_column("step", ratio=1)
        table.add_column("time", justify="right")
        for name, state, elapsed in progress.rows:
            mark, style = _MARKS[state]
            table.add_row(
                Text(mark, style=style),
                Text(name, style=style if state != f.StepState.PENDING else "dim"),
                Text(elapsed, style="dim"),
            )
        return table


class LinkPanel(Static):
    """The sign-in link, whole and selectable, with its age; or why there is none."""

    link: reactive[LinkView] = reactive(LinkView, layout=True)

    def render(self) -> RenderableType:
        link = self.link
        if link.status == "used":
            return Text("Sign-in link: used — the token is captured, no code is needed.", "dim")
        if link.status == "closed":
            return Text(
                "Sign-in link: closed with the failed attempt; a restart shows a new one.", "dim"
            )
        if link.status == "waiting":
            return Text("Sign-in link: not shown yet (claude setup-token is starting)", "dim")
        title = Text.assemble(
            ("NEW sign-in link — send this one" if link.changed else "Sign-in link", "bold"),
            (f"  shown {link.age} ago" if link.age else "", "dim"),
            ("   ctrl+y copies it", "dim"),
        )
        url = Text(link.url, style=Style(color="cyan", link=link.url), overflow="fold")
        return Group(title, url)


class TokenLine(Static):
    """The captured token, masked, and its fingerprint; never the token itself."""

    token: reactive[TokenView | None] = reactive(None, layout=True)

    def render(self) -> RenderableType:
        token = self.token
        if token is None:
            return Text("Token: not captured yet", style="dim")
        return Text.assemble(
            ("Token ", "bold"),
            (token.masked, "bold green"),
            f"\nfingerprint {token.fingerprint}\n",
            ("kept in the vault until stored in OpenClaw; f9 reveals it", "dim"),
        )


class NoteList(Static):
    """The flow's latest notes (info, warnings, errors)."""

    notes: reactive[tuple[tuple[str, str], ...]] = reactive((), layout=True)

    def render(self) -> RenderableType:
        styles = {"info": "dim", "warning": "yellow", "error": "red"}
        text = Text()
        for level, message in self.notes[-4:]:
            text.append(f"• {message}\n", style=styles.get(level, ""))
        return text


class FailureBanner(Vertical):
    """The end of an onboarding: green when verified; red with the reason and one button per
    recovery that makes sense (each naming its key)."""

    @dataclass
    class Recover(Message):
        """The operator pressed a recovery's button."""

        recovery: f.Recovery

    verdict: reactive[Verdict | None] = reactive(None)

    def compose(self) -> ComposeResult:
        yield Static(id="banner-text")
        with Horizontal(id="banner-buttons"):
            for recovery, (key, label) in RECOVERY_KEYS.items():
                yield Button(f"{label} ({key})", name=recovery.value)

    def watch_verdict(self, verdict: Verdict | None) -> None:
        self.set_class(verdict is not None and verdict.kind == "failed", "-failed")
        self.set_class(verdict is not None and verdict.kind == "verified", "-verified")
        if verdict is None:
            return
        self.query_one("#banner-text", Static).update(verdict.text)
        for button in self.query(Button):
            button.display = button.name in verdict.recoveries

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.name:
            self.post_message(self.Recover(f.Recovery(event.button.name)))
