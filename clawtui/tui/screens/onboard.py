"""The onboarding screen of one box: both programs live, the steps, the link, the code, recovery.

What the operator on a (screen-shared) call needs, in one place: the two panes showing the real
programs (`claude setup-token` and OpenClaw's prompt), a step tracker with elapsed times, the
sign-in link whole with a copy action and its age, a CODE#STATE field validated as it is typed,
the captured token masked (revealed only on purpose, never in a screenshot), and on failure a
banner whose buttons are the recoveries that make sense. At 120x40 the panes are stacked beside
the steps; below 110 columns or 32 rows (the screen's breakpoints) only the active pane shows
(ctrl+t shows the other).

The screen holds no state of its own that the flow has: whenever the app signals that its box
changed (and when it is shown again), it reads the flow into the widgets' reactive views.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.validation import ValidationResult, Validator
from textual.widgets import Footer, Header, Input, Static

from ... import flow as f
from ...fleet import BoxOnboarding
from ...oauth import CodeError, normalize_code
from ..context import PaneEvent, Workspace
from ..messages import CycleBoxes, ShowBoxes
from ..widgets.onboarding import (
    RECOVERY_KEYS,
    FailureBanner,
    LinkPanel,
    LinkView,
    NoteList,
    Progress,
    StepTracker,
    TokenLine,
    TokenView,
    Verdict,
    duration,
)
from ..widgets.terminal_view import TerminalView
from .reveal import RevealScreen

WIDE_COLUMNS = 110
WIDE_LINES = 32


class CodeValidator(Validator):
    """Live validation of the CODE#STATE field with the parser's own messages."""

    def __init__(self, screen: OnboardScreen) -> None:
        super().__init__()
        self.owner = screen

    def validate(self, value: str) -> ValidationResult:
        if not value.strip():
            return self.success()
        try:
            code = normalize_code(value, expected_state=self.owner.expected_state)
        except CodeError as error:
            return self.failure(str(error))
        self.owner.code_preview = (
            f"Looks right: a code for the link whose state starts {code.state[:6]}…"
        )
        return self.success()


class OnboardScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Boxes", id="onboard.back"),
        Binding("ctrl+y", "copy_link", "Copy link", id="onboard.copy_link"),
        Binding("ctrl+t", "switch_pane", "Other pane", id="onboard.switch_pane"),
        *(
            Binding(key, f"recover('{recovery.value}')", label, id=f"onboard.{recovery.name}")
            for recovery, (key, label) in RECOVERY_KEYS.items()
        ),
        Binding("f9", "reveal", "Reveal token", id="onboard.reveal"),
        Binding("ctrl+n", "next_box", "Next box", id="onboard.next"),
    ]
    HORIZONTAL_BREAKPOINTS = [
        (0, "-narrow-x"),
        (WIDE_COLUMNS, "-wide-x"),
    ]
    VERTICAL_BREAKPOINTS = [
        (0, "-narrow-y"),
        (WIDE_LINES, "-wide-y"),
    ]

    def __init__(self, onboarding: BoxOnboarding, workspace: Workspace) -> None:
        super().__init__(name=f"onboard:{onboarding.name}")
        self.onboarding = onboarding
        self.workspace = workspace
        self.box = onboarding.box
        self.active_pane: f.PaneName = f.SETUP
        self.code_preview = ""
        self._notes_seen = 0

    @property
    def flow(self) -> f.Flow:
        return self.onboarding.flow

    @property
    def url(self) -> str | None:
        """The sign-in link the flow announced (None before it did)."""
        return self.flow.url.url if self.flow.url is not None else None

    @property
    def expected_state(self) -> str | None:
        return self.flow.url.state if self.flow.url is not None else None

    @property
    def wide(self) -> bool:
        return self.has_class("-wide-x") and self.has_class("-wide-y")

    # ---------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        yield Header()
        yield StepTracker(compact=True, id="steps-line")
        with Horizontal(id="onboard-top"):
            with Vertical(id="side"):
                yield StepTracker(id="steps")
                yield TokenLine(id="token-line")
                yield NoteList(id="messages")
            with Vertical(id="panes"):
                setup = TerminalView(id="setup-pane")
                setup.border_title = "claude setup-token"
                setup.border_subtitle = "waiting to start"
                yield setup
                paste = TerminalView(id="paste-pane")
                paste.border_title = "openclaw models auth paste-token"
                paste.border_subtitle = "starts once the token is captured"
                yield paste
        yield LinkPanel(id="url-panel")
        with Horizontal(id="code-row"):
            yield Input(
                placeholder="Paste the customer's CODE#STATE here, then Enter",
                password=True,
                validators=[CodeValidator(self)],
                validate_on=["changed", "submitted"],
                id="code",
            )
        yield Static(id="code-message")
        yield FailureBanner(id="banner")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"{self.box.name} — {self.box.customer or self.box.address}"
        # Textual applies the breakpoints at the screen's first Resize, after one layout with
        # both panes shown: a pane would shrink, then grow, and pyte loses the rows a shrink
        # cuts. Apply them before that first layout.
        width, height = self.app.size
        self.update_classes(
            {
                "-narrow-x": width < WIDE_COLUMNS,
                "-wide-x": width >= WIDE_COLUMNS,
                "-narrow-y": height < WIDE_LINES,
                "-wide-y": height >= WIDE_LINES,
            }
        )
        self.query_one("#code", Input).focus()
        # Elapsed times and the link's age move on their own; one cheap repaint a second.
        self.set_interval(1.0, self._tick, name="onboard-clock")

    def on_screen_resume(self) -> None:
        # Signals drop a screen that was not shown when they fired: subscribe anew, and catch
        # up with everything that happened meanwhile.
        for signal in (self.workspace.box_changed, self.workspace.pane_changed):
            signal.unsubscribe(self)
        self.workspace.box_changed.subscribe(self, self._box_changed)
        self.workspace.pane_changed.subscribe(self, self._pane_changed, immediate=True)
        for pane, model in self.onboarding.runner.models.items():
            view = self._view(pane)
            if view.model is not model:
                self._attach_pane(pane)
            view.model_fed()
        self.sync()

    def on_resize(self) -> None:
        # The breakpoints re-style the screen; the footer's "Other pane" follows them.
        self._show_active_pane()
        self.refresh_bindings()

    def _show_active_pane(self) -> None:
        for pane in (f.SETUP, f.PASTE):
            self._view(pane).set_class(pane != self.active_pane, "-inactive")

    def _view(self, pane: f.PaneName) -> TerminalView:
        return self.query_one(f"#{pane}-pane", TerminalView)

    # ---------------------------------------------------------------- from the app's signals

    def _box_changed(self, name: str) -> None:
        if name == self.box.name:
            self.sync()

    def _pane_changed(self, event: PaneEvent) -> None:
        if event.box != self.box.name:
            return
        if event.attached:
            self._attach_pane(event.pane)
        else:
            self._view(event.pane).model_fed()

    def _attach_pane(self, pane: f.PaneName) -> None:
        model = self.onboarding.runner.models.get(pane)
        if model is None:
            return
        self.active_pane = pane
        view = self._view(pane)
        view.attach(model)
        view.border_subtitle = "live — ctrl+] releases the keyboard"
        self._show_active_pane()

    def show_code_message(self, message: str, *, style: str) -> None:
        self.query_one("#code-message", Static).update(Text(message, style=style))

    # ---------------------------------------------------------------- state → widgets

    def sync(self) -> None:
        """Read the flow into every widget; each redraws only if what it shows changed."""
        flow = self.flow
        if flow.done:
            for pane, model in self.onboarding.runner.models.items():
                self._view(pane).border_subtitle = "display error" if model.error else "ended"
        self._sync_clock()
        token = flow.token
        self.query_one(TokenLine).token = (
            TokenView(token.masked, token.fingerprint, self.flow.token_kept)
            if token is not None
            else None
        )
        self.set_class(token is not None, "-captured")
        verdict = self._verdict()
        self.query_one(FailureBanner).verdict = verdict
        self.set_class(verdict is not None and verdict.kind == "failed", "-failed")
        self.set_class(verdict is not None and verdict.kind == "verified", "-verified")
        self.set_class(self._link_closed(), "-no-code")
        self._sync_notes()
        self.refresh_bindings()

    def _sync_notes(self) -> None:
        onboarding = self.onboarding
        self.query_one(NoteList).notes = tuple(onboarding.notes)
        if onboarding.notes_total > self._notes_seen and onboarding.notes:
            self._notes_seen = onboarding.notes_total
            level, message = onboarding.notes[-1]
            if level != "info":
                # Also where the operator's eyes are (the side panel is hidden when narrow).
                self.show_code_message(message, style="red" if level == "error" else "yellow")

    def _sync_clock(self) -> None:
        progress = Progress.of(self.flow, self.onboarding.runner.clock())
        for tracker in self.query(StepTracker):
            tracker.progress = progress
        self.query_one(LinkPanel).link = self._link_view()

    def _tick(self) -> None:
        flow = self.flow
        if any(r.state == f.StepState.ACTIVE for r in flow.steps.values()) or self.url:
            self._sync_clock()

    def _link_closed(self) -> bool:
        failure = self.flow.failure
        return failure is not None and f.Recovery.RETRY_CODE not in failure.recoveries

    def _link_view(self) -> LinkView:
        if self.flow.token is not None:
            return LinkView("used")
        if self._link_closed():
            return LinkView("closed")
        url = self.flow.url
        if url is None:
            return LinkView("waiting")
        age = self.onboarding.link_age
        return LinkView("ready", url.url, self.onboarding.link_changed, duration(age))

    def _verdict(self) -> Verdict | None:
        flow = self.flow
        failure = flow.failure
        if failure is not None:
            text = Text.assemble((f"✗ {failure.step.value}: ", "bold red"), failure.reason)
            return Verdict("failed", text, failure.recoveries, flow.token_kept)
        if flow.phase == f.Phase.VERIFIED:
            lines = [Text(f"✓ {flow.ready_line()}", style="bold green")]
            lines += [Text(f"! {warning}", style="yellow") for warning in flow.warnings]
            return Verdict("verified", Text("\n").join(lines))
        if flow.phase == f.Phase.NOT_IN_USE:
            return Verdict("verified", Text(f"■ {flow.not_in_use_line()}", style="bold yellow"))
        return None

    # ---------------------------------------------------------------- the code field

    @on(Input.Changed, "#code")
    def _code_changed(self, event: Input.Changed) -> None:
        result = event.validation_result
        if not event.value.strip():
            self.show_code_message(
                "The customer sees CODE#STATE after signing in: paste it whole.", style="dim"
            )
        elif result is not None and not result.is_valid:
            self.show_code_message(result.failure_descriptions[0], style="red")
        else:
            self.show_code_message(self.code_preview, style="green")

    @on(Input.Submitted, "#code")
    def _code_submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            return
        if event.validation_result is not None and not event.validation_result.is_valid:
            return  # the message under the field already says what to ask for
        self.onboarding.runner.enter_code(event.value)
        event.input.value = ""
        self.show_code_message("Code sent to claude; waiting for its answer…", style="green")

    # ---------------------------------------------------------------- the panes

    @on(TerminalView.Typed)
    def _typed(self, event: TerminalView.Typed) -> None:
        pane = self._pane_of(event.terminal)
        if pane is not None:
            self.onboarding.runner.write(pane, event.data)

    @on(TerminalView.Resized)
    def _resized(self, event: TerminalView.Resized) -> None:
        pane = self._pane_of(event.terminal)
        if pane is not None:
            self.onboarding.runner.resize(pane, event.columns, event.lines)

    @on(TerminalView.ClipboardRequest)
    def _clipboard(self, event: TerminalView.ClipboardRequest) -> None:
        self.notify("claude offered to copy the link; use ctrl+y (the link panel) instead.")

    @staticmethod
    def _pane_of(view: TerminalView | None) -> f.PaneName | None:
        if view is None or view.id is None:
            return None
        return f.SETUP if view.id == "setup-pane" else f.PASTE

    # ---------------------------------------------------------------- actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "recover":
            recovery = f.Recovery(str(parameters[0]))
            if recovery == f.Recovery.RESTART:
                return self.flow.phase not in (f.Phase.IDLE, f.Phase.VERIFIED, f.Phase.NOT_IN_USE)
            # Hidden unless it makes sense now: the footer lists only what the operator can do.
            return recovery in self.flow.recoveries
        if action == "reveal":
            return self.flow.token is not None
        if action == "copy_link":
            return bool(self.url) and self.flow.token is None and not self._link_closed()
        if action == "switch_pane":
            return not self.wide
        return True

    def action_recover(self, name: str) -> None:
        """Carry on after a failure with the chosen recovery (a banner button or its key)."""
        recovery = f.Recovery(name)
        if recovery == f.Recovery.PASTE_UNKEPT:
            self._confirm_paste_unkept()  # the one recovery that can lose the token: ask first
            return
        self._recover(recovery)

    def _confirm_paste_unkept(self) -> None:
        from .unkept import PasteUnkeptScreen

        failure = self.flow.failure
        if failure is None or f.Recovery.PASTE_UNKEPT not in failure.recoveries:
            return
        reason = str(failure.error) if failure.error is not None else failure.reason

        def answer(confirmed: bool | None) -> None:
            if confirmed and f.Recovery.PASTE_UNKEPT in self.flow.recoveries:
                self._recover(f.Recovery.PASTE_UNKEPT)

        self.app.push_screen(PasteUnkeptScreen(self.box.name, reason), answer)

    def _recover(self, recovery: f.Recovery) -> None:
        self.onboarding.notes.clear()
        self.query_one(NoteList).notes = ()
        if not self.onboarding.running:
            self.workspace.fleet.start([self.box.name])
            if recovery == f.Recovery.RESTART:
                return
        self.onboarding.runner.act(recovery)

    @on(FailureBanner.Recover)
    def _banner_button(self, event: FailureBanner.Recover) -> None:
        self.action_recover(event.recovery.value)

    def action_copy_link(self) -> None:
        url = self.url
        if not url:
            return
        self.app.copy_to_clipboard(url)
        self.notify(
            "Sign-in link copied (through your terminal's clipboard support). If it did not "
            "arrive, select the link in the panel below.",
            title=self.box.name,
        )

    def action_reveal(self) -> None:
        token = self.flow.token
        if token is not None:
            self.app.push_screen(RevealScreen(self.box.name, token))

    def action_switch_pane(self) -> None:
        self.active_pane = f.PASTE if self.active_pane == f.SETUP else f.SETUP
        self._show_active_pane()
        if not self.wide:
            self.notify(f"Showing {self._view(self.active_pane).border_title}.", timeout=2)

    def action_back(self) -> None:
        self.post_message(ShowBoxes())

    def action_next_box(self) -> None:
        self.post_message(CycleBoxes(1))
