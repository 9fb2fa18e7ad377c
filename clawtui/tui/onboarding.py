"""One box's onboarding in the TUI: its Runner, its screen, and what the box list shows of it.

The Runner (the same one `clawtui onboard` drives) runs in a worker of the group `box:<name>`, so
each box of a batch runs on its own and keeps running while the operator looks elsewhere. This
class is the Runner's listener: it hands pane output to the screen's terminal views, turns the
flow's effects into notifications, and tells the box list when the state changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message
from textual.notifications import SeverityLevel

from .. import flow as f
from ..errors import ClawError, HostKeyUnknownError
from ..inventory import Box
from ..runner import Runner, RunnerListener
from ..terminal import TerminalModel
from .screens.onboard import OnboardScreen

if TYPE_CHECKING:
    from .app import ClawApp


class BoxStateChanged(Message):
    """Something the box list shows of a box changed (posted to the app)."""

    def __init__(self, box: str) -> None:
        super().__init__()
        self.box = box


class Onboarding(RunnerListener):
    def __init__(self, app: ClawApp, box: Box) -> None:
        self.app = app
        self.box = box
        self.runner = Runner(
            box,
            vault=app.vault,
            audit=app.audit,
            listener=self,
            size=(80, 24),
            recordings=app.recordings,
        )
        self.screen = OnboardScreen(self)
        self.running = False
        self.url_shown_at: float | None = None
        self.attention = False  # needs the operator: a link to send, or a failure
        self.error: str | None = None

    # ---------------------------------------------------------------- life cycle

    def start(self) -> None:
        """Start, resuming from the vault when a token for this box is already kept there."""
        self.running = True
        self.error = None
        resume = self.runner.vault.load(self.box.name) is not None
        if resume:
            self.app.notify(
                f"{self.box.name}: a captured token is waiting in the vault; resuming with it "
                "(no new sign-in needed).",
                title="Resuming",
            )
        self.app.run_worker(
            self._serve(resume),
            name=f"onboard {self.box.name}",
            group=f"box:{self.box.name}",
            exclusive=True,
            exit_on_error=False,
        )

    async def _serve(self, resume: bool) -> None:
        try:
            await self.runner.serve(resume=resume)
        except ClawError as error:
            self.error = str(error)
            self.app.notify(str(error), title=self.box.name, severity="error")
        finally:
            self.running = False
            self._changed()

    async def close(self) -> None:
        await self.runner.close()

    # ---------------------------------------------------------------- RunnerListener

    def on_pane(self, runner: Runner, pane: f.PaneName, model: TerminalModel) -> None:
        self.screen.attach(pane, model)

    def on_output(self, runner: Runner, pane: f.PaneName) -> None:
        self.screen.pane_fed(pane)

    def on_effect(self, runner: Runner, effect: f.Effect) -> None:
        name = self.box.name
        # On this box's own screen the panels say it all; elsewhere a toast must tell.
        watching = self.app.screen is self.screen
        match effect:
            case f.UrlReady(url=url, changed=changed):
                self.url_shown_at = self.runner.clock()
                self.attention = True
                self.screen.show_url(url.url, changed)
                if not watching:
                    self.app.notify(
                        ("New sign-in link: the customer must use this one. " if changed else "")
                        + "Send the customer the link, then enter their code.",
                        title=f"{name}: sign-in link ready",
                        severity="warning" if changed else "information",
                    )
            case f.CodeRejected(message=message):
                self.screen.show_code_message(message, error=True)
            case f.Notify(message=message, level=level):
                self.screen.log_message(message, level)
                if level != "info" and not watching:
                    self.app.notify(message, title=name, severity=_SEVERITY[level])
            case f.Finished(failure=None):
                self.attention = False
                self.app.notify(
                    f"{name}: verified (anthropic:manual).", title="Verified", timeout=8
                )
            case f.Finished(failure=failure) if failure is not None and isinstance(
                failure.error, HostKeyUnknownError
            ):
                self.attention = True
                self._ask_host_key(failure.error, failure.recoveries)
            case f.Finished(failure=failure) if failure is not None:
                self.attention = True
                self.app.notify(
                    failure.reason, title=f"{name}: needs attention", severity="error", timeout=10
                )
            case f.Audit(step="code sent"):
                self.attention = False
            case _:
                pass

    def _ask_host_key(self, error: HostKeyUnknownError, recoveries: tuple[f.Recovery, ...]) -> None:
        """An unknown box: show its fingerprint; once trusted, carry on where it stopped."""
        from .screens.hostkey import HostKeyScreen

        def answer(trusted: bool | None) -> None:
            if trusted and recoveries:
                self.runner.accepted_fingerprint = error.fingerprint
                self.runner.act(recoveries[0])

        self.app.push_screen(HostKeyScreen(error), answer)

    def on_change(self, runner: Runner) -> None:
        self.screen.refresh_state()
        self._changed()

    def _changed(self) -> None:
        self.app.post_message(BoxStateChanged(self.box.name))

    # ---------------------------------------------------------------- for the box list

    @property
    def state_label(self) -> str:
        """A few words for the box list's status column."""
        flow = self.runner.flow
        if self.error:
            return "error"
        match flow.phase:
            case f.Phase.IDLE:
                return "not started"
            case f.Phase.WAITING_CODE:
                return "link ready"
            case f.Phase.VERIFIED:
                return "verified"
            case f.Phase.FAILED:
                step = flow.failure.step.value if flow.failure else ""
                return f"failed: {step}"
        return flow.phase.value

    @property
    def link_age(self) -> float | None:
        if self.url_shown_at is None:
            return None
        return self.runner.clock() - self.url_shown_at


_SEVERITY: dict[str, SeverityLevel] = {
    "info": "information",
    "warning": "warning",
    "error": "error",
}
