"""The onboarding screen of one box: both programs live, the steps, the link, the code, recovery.

What the operator on a (screen-shared) call needs, in one place: the two panes showing the real
programs (`claude setup-token` and OpenClaw's prompt), a step tracker with elapsed times, the
sign-in link whole with a copy action and its age, a CODE#STATE field validated as it is typed,
the captured token masked (revealed only on purpose, never in a screenshot), and on failure a
banner whose buttons are the recoveries that make sense. At 120x40 the panes are stacked beside
the steps; below 110 columns or 32 rows only the active pane shows (ctrl+t shows the other).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.console import Group
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.validation import ValidationResult, Validator
from textual.widgets import Button, Footer, Header, Input, Static

from ... import flow as f
from ...oauth import CodeError, normalize_code
from ...terminal import TerminalModel
from ..widgets.terminal_view import TerminalView

if TYPE_CHECKING:
    from ..app import ClawApp
    from ..onboarding import Onboarding

_MARKS = {
    f.StepState.PENDING: ("○", "dim"),
    f.StepState.ACTIVE: ("●", "bold yellow"),
    f.StepState.DONE: ("✓", "bold green"),
    f.StepState.FAILED: ("✗", "bold red"),
    f.StepState.SKIPPED: ("–", "dim"),
}

#: Which key performs which recovery (shown on the banner's buttons and in the footer).
RECOVERY_KEYS: dict[f.Recovery, tuple[str, str, str]] = {
    f.Recovery.RETRY_CODE: ("ctrl+g", "retry_code", "Retry code"),
    f.Recovery.RESTART: ("ctrl+r", "restart", "Restart setup-token"),
    f.Recovery.RESUME: ("ctrl+o", "resume", "Resume from vault"),
    f.Recovery.VERIFY_AGAIN: ("ctrl+f", "verify_again", "Verify again"),
}
_ACTION_RECOVERY = {action: recovery for recovery, (_, action, _) in RECOVERY_KEYS.items()}

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
            Binding(key, action, label, id=f"onboard.{action}")
            for key, action, label in RECOVERY_KEYS.values()
        ),
        Binding("f9", "reveal", "Reveal token", id="onboard.reveal"),
        Binding("ctrl+n", "next_box", "Next box", id="onboard.next"),
    ]

    def __init__(self, onboarding: Onboarding) -> None:
        super().__init__(name=f"onboard:{onboarding.box.name}")
        self.onboarding = onboarding
        self.box = onboarding.box
        self.models: dict[f.PaneName, TerminalModel] = {}
        self.active_pane: f.PaneName = f.SETUP
        self.url: str | None = None
        self.url_changed = False
        self.messages: list[tuple[str, str]] = []
        self.code_preview = ""
        self.wide = True
        # Set at the start of on_mount (Screen.is_mounted only turns true after it): from then
        # on the widgets exist and the Runner's updates are drawn at once.
        self._ready = False

    @property
    def claw(self) -> ClawApp:
        return cast("ClawApp", self.app)

    @property
    def flow(self) -> f.Flow:
        return self.onboarding.runner.flow

    @property
    def expected_state(self) -> str | None:
        return self.flow.url.state if self.flow.url is not None else None

    # ---------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="steps-line")
        with Horizontal(id="onboard-top"):
            with Vertical(id="side"):
                yield Static(id="steps")
                yield Static(id="token-line")
                yield Static(id="messages")
            with Vertical(id="panes"):
                setup = TerminalView(id="setup-pane")
                setup.border_title = "claude setup-token"
                setup.border_subtitle = "waiting to start"
                yield setup
                paste = TerminalView(id="paste-pane")
                paste.border_title = "openclaw models auth paste-token"
                paste.border_subtitle = "starts once the token is captured"
                yield paste
        yield Static(id="url-panel")
        with Horizontal(id="code-row"):
            yield Input(
                placeholder="Paste the customer's CODE#STATE here, then Enter",
                password=True,
                validators=[CodeValidator(self)],
                validate_on=["changed", "submitted"],
                id="code",
            )
        yield Static(id="code-message")
        with Vertical(id="banner"):
            yield Static(id="banner-text")
            with Horizontal(id="banner-buttons"):
                for recovery, (key, action, label) in RECOVERY_KEYS.items():
                    yield Button(f"{label} ({key})", id=f"recover-{action}", name=recovery.value)
        yield Footer()

    def on_mount(self) -> None:
        self._ready = True
        self.sub_title = f"{self.box.name} — {self.box.customer or self.box.address}"
        for pane, model in list(self.models.items()):
            self.attach(pane, model)
        self._layout(self.size.width, self.size.height)
        self.refresh_state()
        self.query_one("#code", Input).focus()
        # Elapsed times and the link's age move on their own; one cheap repaint a second.
        self.set_interval(1.0, self._tick, name="onboard-clock")

    def on_resize(self, event: events.Resize) -> None:
        self._layout(event.size.width, event.size.height)

    def _layout(self, columns: int, lines: int) -> None:
        wide = columns >= WIDE_COLUMNS and lines >= WIDE_LINES
        changed = wide != self.wide
        self.wide = wide
        self.set_class(not self.wide, "-narrow")
        self._show_active_pane()
        if changed and self._ready:
            self.refresh_bindings()

    def _show_active_pane(self) -> None:
        if not self._ready:
            return
        for pane in (f.SETUP, f.PASTE):
            view = self._view(pane)
            view.display = self.wide or pane == self.active_pane

    def _view(self, pane: f.PaneName) -> TerminalView:
        return self.query_one(f"#{pane}-pane", TerminalView)

    # ---------------------------------------------------------------- from the Runner

    def attach(self, pane: f.PaneName, model: TerminalModel) -> None:
        self.models[pane] = model
        self.active_pane = pane
        if self._ready:
            view = self._view(pane)
            view.attach(model)
            view.border_subtitle = "live — ctrl+] releases the keyboard"
            self._show_active_pane()

    def pane_fed(self, pane: f.PaneName) -> None:
        if self._ready:
            self._view(pane).model_fed()

    def show_url(self, url: str, changed: bool) -> None:
        self.url = url
        self.url_changed = changed
        if self._ready:
            self._render_url()
            self.query_one("#code", Input).focus()

    def show_code_message(self, message: str, *, error: bool, warning: bool = False) -> None:
        if self._ready:
            style = "red" if error else "yellow" if warning else "green"
            self.query_one("#code-message", Static).update(Text(message, style=style))

    def log_message(self, message: str, level: str) -> None:
        self.messages.append((level, message))
        del self.messages[:-6]
        if self._ready:
            self._render_messages()
            if level != "info":
                # Also where the operator's eyes are (the side panel is hidden when narrow).
                self.show_code_message(message, error=level == "error", warning=True)

    def refresh_state(self) -> None:
        if not self._ready:
            return
        if self.flow.done:
            for pane, model in self.models.items():
                self._view(pane).border_subtitle = "display error" if model.error else "ended"
        self._render_steps()
        self._render_token()
        self._render_url()
        self._render_banner()
        self._render_messages()
        self.refresh_bindings()

    def _tick(self) -> None:
        flow = self.flow
        if any(r.state == f.StepState.ACTIVE for r in flow.steps.values()) or self.url:
            self._render_steps()
            self._render_url()

    # ---------------------------------------------------------------- rendering

    def _render_steps(self) -> None:
        flow = self.flow
        now = self.onboarding.runner.clock()
        table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
        table.add_column("mark", width=1)
        table.add_column("step", ratio=1)
        table.add_column("time", justify="right")
        line = Text()
        for step in f.STEPS:
            record = flow.steps[step]
            mark, style = _MARKS[record.state]
            elapsed = record.elapsed(now)
            table.add_row(
                Text(mark, style=style),
                Text(step.value, style=style if record.state != f.StepState.PENDING else "dim"),
                Text(_duration(elapsed) if elapsed is not None else "", style="dim"),
            )
            line.append(f"{mark} ", style=style)
        line.append(f" {flow.phase.value}", style="bold")
        self.query_one("#steps", Static).update(table)
        self.query_one("#steps-line", Static).update(line)

    def _render_token(self) -> None:
        token = self.flow.token
        widget = self.query_one("#token-line", Static)
        if token is None:
            widget.update(Text("Token: not captured yet", style="dim"))
            return
        widget.update(
            Text.assemble(
                ("Token ", "bold"),
                (token.masked, "bold green"),
                f"\nfingerprint {token.fingerprint}\n",
                ("kept in the vault until verified; f9 reveals it", "dim"),
            )
        )

    def _render_url(self) -> None:
        panel = self.query_one("#url-panel", Static)
        captured = self.flow.token is not None
        self.set_class(captured, "-captured")
        if captured:
            panel.update(
                Text("Sign-in link: used — the token is captured, no code is needed.", style="dim")
            )
            return
        failure = self.flow.failure
        if failure is not None and f.Recovery.RETRY_CODE not in failure.recoveries:
            panel.update(
                Text(
                    "Sign-in link: closed with the failed attempt; a restart shows a new one.",
                    style="dim",
                )
            )
            return
        if not self.url:
            panel.update(
                Text("Sign-in link: not shown yet (claude setup-token is starting)", style="dim")
            )
            return
        age = self.onboarding.link_age
        title = Text.assemble(
            ("NEW sign-in link — send this one" if self.url_changed else "Sign-in link", "bold"),
            (f"  shown {_duration(age)} ago" if age is not None else "", "dim"),
            ("   ctrl+y copies it", "dim"),
        )
        link = Text(self.url, style=Style(color="cyan", link=self.url), overflow="fold")
        panel.update(Group(title, link))

    def _render_banner(self) -> None:
        failure = self.flow.failure
        self.set_class(failure is not None, "-failed")
        self.set_class(
            failure is not None and f.Recovery.RETRY_CODE not in failure.recoveries,
            "-no-code",
        )
        self.set_class(self.flow.phase == f.Phase.VERIFIED, "-verified")
        banner = self.query_one("#banner-text", Static)
        if failure is None:
            if self.flow.phase == f.Phase.VERIFIED:
                token = self.flow.token
                tail = f" (token …{token.last4})" if token is not None else ""
                banner.update(
                    Text(
                        f"✓ Verified: anthropic:manual on {self.box.name}{tail}", style="bold green"
                    )
                )
            return
        banner.update(
            Text.assemble(
                (f"✗ {failure.step.value}: ", "bold red"),
                failure.reason,
            )
        )
        for recovery, (_, action, _) in RECOVERY_KEYS.items():
            button = self.query_one(f"#recover-{action}", Button)
            button.display = recovery in failure.recoveries

    def _render_messages(self) -> None:
        styles = {"info": "dim", "warning": "yellow", "error": "red"}
        text = Text()
        for level, message in self.messages[-4:]:
            text.append(f"• {message}\n", style=styles.get(level, ""))
        self.query_one("#messages", Static).update(text)

    # ---------------------------------------------------------------- the code field

    @on(Input.Changed, "#code")
    def _code_changed(self, event: Input.Changed) -> None:
        result = event.validation_result
        message = self.query_one("#code-message", Static)
        if not event.value.strip():
            message.update(
                Text("The customer sees CODE#STATE after signing in: paste it whole.", style="dim")
            )
        elif result is not None and not result.is_valid:
            message.update(Text(result.failure_descriptions[0], style="red"))
        else:
            message.update(Text(self.code_preview, style="green"))

    @on(Input.Submitted, "#code")
    def _code_submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            return
        if event.validation_result is not None and not event.validation_result.is_valid:
            return  # the message under the field already says what to ask for
        self.onboarding.runner.enter_code(event.value)
        event.input.value = ""
        self.show_code_message("Code sent to claude; waiting for its answer…", error=False)

    # ---------------------------------------------------------------- the panes

    @on(TerminalView.Input)
    def _typed(self, event: TerminalView.Input) -> None:
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
        recovery = _ACTION_RECOVERY.get(action)
        if recovery is not None:
            if recovery == f.Recovery.RESTART:
                return self.flow.phase not in (f.Phase.IDLE, f.Phase.VERIFIED)
            # Hidden unless it makes sense now: the footer lists only what the operator can do.
            return recovery in self.flow.recoveries
        if action == "reveal":
            return self.flow.token is not None
        if action == "copy_link":
            failure = self.flow.failure
            dead = failure is not None and f.Recovery.RETRY_CODE not in failure.recoveries
            return bool(self.url) and self.flow.token is None and not dead
        if action == "switch_pane":
            return not self.wide
        return True

    def _recover(self, recovery: f.Recovery) -> None:
        self.messages.clear()
        if not self.onboarding.running:
            self.onboarding.start()
            if recovery == f.Recovery.RESTART:
                return
        self.onboarding.runner.act(recovery)

    def action_retry_code(self) -> None:
        self._recover(f.Recovery.RETRY_CODE)

    def action_restart(self) -> None:
        self._recover(f.Recovery.RESTART)

    def action_resume(self) -> None:
        self._recover(f.Recovery.RESUME)

    def action_verify_again(self) -> None:
        self._recover(f.Recovery.VERIFY_AGAIN)

    @on(Button.Pressed, "#banner-buttons Button")
    def _banner_button(self, event: Button.Pressed) -> None:
        if event.button.name:
            self._recover(f.Recovery(event.button.name))

    def action_copy_link(self) -> None:
        if not self.url:
            return
        self.app.copy_to_clipboard(self.url)
        self.notify(
            "Sign-in link copied (through your terminal's clipboard support). If it did not "
            "arrive, select the link in the panel below.",
            title=self.box.name,
        )

    def action_reveal(self) -> None:
        from .reveal import RevealScreen

        token = self.flow.token
        if token is not None:
            self.app.push_screen(RevealScreen(self.box.name, token))

    def action_switch_pane(self) -> None:
        self.active_pane = f.PASTE if self.active_pane == f.SETUP else f.SETUP
        self._show_active_pane()
        if not self.wide:
            self.notify(f"Showing {self._view(self.active_pane).border_title}.", timeout=2)

    def action_back(self) -> None:
        self.claw.show_boxes()

    def action_next_box(self) -> None:
        self.claw.cycle_screens(1)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"
