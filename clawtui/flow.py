"""The onboarding flow as a pure state machine: what the panes show in, what to do out.

One `Flow` per box. It is fed events — what a pane's screen shows now (`PaneScreen`), a program's
exit, a dropped connection, the operator's code or chosen recovery, the result of a verification,
the passing of time (`Tick`) — and answers with effects (`Connect`, `Start`, `Paste`, `Send`,
`StoreToken`, `RunCommand`, `AskModel`, `Audit`, `UrlReady`, `Notify`, `Finished`, …). It
performs no I/O and reads no clock: the `Runner` performs the effects and feeds back their
results, for the TUI and the headless command alike, and the tests feed it recorded screens
directly.

The rules it keeps:
- Never judge success by an exit status: closing a PTY also makes `claude` exit 0.
- The token goes to the vault (`StoreToken`) before anything else is done with it, and is only
  deleted from there once `openclaw models status` shows its last 8 characters. It is pasted only
  once the vault said `Stored`; when saving fails the flow stops before the paste and offers
  "retry saving" or, explicitly, "paste without keeping it".
- A token is taken only from what claude printed after a code was sent in this run: anything
  token-like shown before (a login banner, a wrapper) is ignored and audited by fingerprint.
- Never type blind: the code and the token are pasted only at a prompt that is ready, and Enter is
  sent on its own once the paste shows up in the input.
- Every step has a deadline; a failure names the problem and the recoveries that make sense.
- A stored token is not a working box: after the paste come the default model (switch or ask),
  the gateway restart (judged by `gateway status --json`, not by an exit status) and OpenClaw's
  own `models status --check`. Only that ends in Ready.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from .audit_steps import FAILED, AuditStep
from .errors import (
    ClawError,
    CommandNotFoundError,
    DisplayError,
    HostKeyChangedError,
    HostKeyUnknownError,
    OpenClawAnswerError,
)
from .inventory import Box
from .oauth import (
    CodeError,
    SetupTokenError,
    SetupTokenErrorKind,
    SetupTokenStatus,
    SignInUrl,
    TokenParseError,
    normalize_code,
    read_setup_token,
)
from .openclaw import (
    CHECK_EXPIRING,
    CHECK_READY,
    PROPOSED_MODEL,
    GatewayState,
    PasteTokenStatus,
    Validation,
    is_anthropic_model,
    openclaw_words,
    parse_gateway_status_json,
    parse_models_status_text,
    read_models_status,
    read_paste_token,
)
from .programs import CLAUDE, OPENCLAW, install_hint, program_name
from .secret import Code, Token
from .snapshot import ScreenText

PaneName = Literal["setup", "paste"]
SETUP: PaneName = "setup"
PASTE: PaneName = "paste"


# --------------------------------------------------------------------------------------------
# Steps (what the operator sees in the tracker) and phases (where the machine is)
# --------------------------------------------------------------------------------------------


class Step(StrEnum):
    CONNECT = "connect"
    START = "start setup-token"
    URL = "sign-in URL ready"
    CODE = "code from customer"
    TOKEN = "token captured"
    PROMPT = "OpenClaw prompt"
    PASTE = "token pasted"
    VERIFY = "verifying"
    MODEL = "default model"
    GATEWAY = "gateway"
    CHECK = "ready check"
    VERIFIED = "ready"


STEPS: tuple[Step, ...] = tuple(Step)


class StepState(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass
class StepRecord:
    state: StepState = StepState.PENDING
    started: float | None = None
    finished: float | None = None

    def elapsed(self, now: float) -> float | None:
        if self.started is None:
            return None
        return (self.finished if self.finished is not None else now) - self.started


class Phase(StrEnum):
    IDLE = "idle"
    CONNECTING = "connecting"
    STARTING = "starting setup-token"  # waiting for the URL and the code prompt
    WAITING_CODE = "waiting for the code"
    CODE_PASTED = "code pasted"  # waiting for the paste to show in the prompt before Enter
    CODE_SENT = "code sent"  # waiting for the token or an error
    STORING = "saving the token"  # the token is captured; nothing happens until the vault has it
    RETRYING = "retrying"  # Enter pressed at "Press Enter to retry"; waiting for the prompt
    PASTE_STARTING = "starting OpenClaw"  # waiting for "Paste token for anthropic"
    TOKEN_PASTED = "token pasted"  # waiting for the paste to show before Enter
    TOKEN_SUBMITTED = "token submitted"  # waiting for OpenClaw's verdict
    VERIFYING = "verifying"
    CHOOSING_MODEL = "waiting for the operator: default model"
    SETTING_MODEL = "setting the default model"
    RESTARTING_GATEWAY = "restarting the gateway"
    GATEWAY_STATUS = "checking the gateway"
    CHECKING = "ready check"
    VERIFIED = "ready"  # `models status --check` passed: the box runs on Claude
    NOT_IN_USE = "stored, not in use"  # the operator kept a non-Anthropic default model
    FAILED = "failed"


class Recovery(StrEnum):
    RETRY_CODE = "retry code"  # press Enter at "Press Enter to retry" and take a new code
    RESTART = "restart"  # start setup-token again (a new sign-in link)
    RESUME = "resume"  # inject the token kept in the vault, without a new sign-in
    VERIFY_AGAIN = "verify again"
    RETRY_STORE = "retry saving"  # write the captured token to the vault again (folder fixed)
    PASTE_UNKEPT = "paste without keeping it"  # the vault failed: paste from memory (confirmed)


@dataclass(frozen=True)
class Timeouts:
    """Seconds each phase may last. The code wait is the customer's time: long."""

    connect: float = 45.0
    url: float = 60.0
    code: float = 30 * 60.0
    echo: float = 5.0
    exchange: float = 60.0
    retry: float = 60.0
    prompt: float = 60.0
    submit: float = 60.0
    verify: float = 90.0


MAX_CODE_ATTEMPTS = 5
MAX_PASTE_ATTEMPTS = 2


# --------------------------------------------------------------------------------------------
# Events in
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Begin:
    """Start onboarding; with `resume`, inject the token already captured (vault) instead."""

    resume_token: Token | None = None


@dataclass(frozen=True)
class Connected:
    pass


@dataclass(frozen=True)
class ConnectFailed:
    error: ClawError


@dataclass(frozen=True)
class PaneFailed:
    """A program could not even be started (channel refused, connection gone), or its pane
    failed on its output (`DisplayError`: the runner stopped the program)."""

    pane: PaneName
    error: ClawError


@dataclass(frozen=True)
class PaneScreen:
    pane: PaneName
    screen: ScreenText


@dataclass(frozen=True)
class PaneExited:
    pane: PaneName
    status: int | None
    signal: str | None = None


@dataclass(frozen=True)
class Dropped:
    """The SSH connection is gone."""

    reason: str


@dataclass(frozen=True)
class CodeEntered:
    text: str


@dataclass(frozen=True)
class Act:
    recovery: Recovery


@dataclass(frozen=True)
class Stored:
    pass


@dataclass(frozen=True)
class StoreFailed:
    error: ClawError


@dataclass(frozen=True)
class StatusResult:
    exit_status: int | None
    output: str


@dataclass(frozen=True)
class StatusFailed:
    error: ClawError


@dataclass(frozen=True)
class CommandResult:
    """A non-interactive command (`RunCommand`) ended; stdout and stderr apart."""

    purpose: CommandPurpose
    exit_status: int | None
    stdout: str
    stderr: str = ""


@dataclass(frozen=True)
class CommandFailed:
    purpose: CommandPurpose
    error: ClawError


@dataclass(frozen=True)
class ModelChosen:
    """The operator's answer to `AskModel`: a model to switch to, or None to keep the current."""

    model: str | None


@dataclass(frozen=True)
class Tick:
    pass


@dataclass(frozen=True)
class Abort:
    """The operator (or the headless command's closed input) gave up on the current step."""

    reason: str


Event = (
    Begin
    | Connected
    | ConnectFailed
    | PaneFailed
    | PaneScreen
    | PaneExited
    | Dropped
    | CodeEntered
    | Act
    | Stored
    | StoreFailed
    | StatusResult
    | StatusFailed
    | CommandResult
    | CommandFailed
    | ModelChosen
    | Tick
    | Abort
)


# --------------------------------------------------------------------------------------------
# Effects out
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Connect:
    pass


@dataclass(frozen=True)
class Start:
    pane: PaneName
    command: str


@dataclass(frozen=True)
class Close:
    pane: PaneName


@dataclass(frozen=True)
class Paste:
    """Paste a secret into a pane as a bracketed paste (never with a newline inside)."""

    pane: PaneName
    secret: Token | Code


@dataclass(frozen=True)
class Send:
    pane: PaneName
    data: bytes


@dataclass(frozen=True)
class StoreToken:
    token: Token


@dataclass(frozen=True)
class DeleteToken:
    pass


@dataclass(frozen=True)
class RunStatus:
    command: str


#: What a `RunCommand` is for; its `CommandResult` carries the same tag back.
CommandPurpose = Literal[
    "verify", "verify-text", "set-model", "gateway-restart", "gateway-status", "check"
]


@dataclass(frozen=True)
class RunCommand:
    """Run a non-interactive command on the box (an exec channel, no terminal)."""

    purpose: CommandPurpose
    command: str


@dataclass(frozen=True)
class AskModel:
    """The box's default model is not Anthropic's and the inventory names none: ask the
    operator (the TUI shows a dialog; the headless command answers "keep")."""

    current: str | None
    proposed: str


@dataclass(frozen=True)
class Audit:
    step: AuditStep
    outcome: str
    reason: str | None = None
    token: Token | None = None  # the audit writer keeps only its fingerprint


@dataclass(frozen=True)
class UrlReady:
    url: SignInUrl
    changed: bool  # a different link than the one announced before: the old code is useless


@dataclass(frozen=True)
class CodeRejected:
    """The operator's input was not sent to the box; `message` says what to ask for."""

    message: str


@dataclass(frozen=True)
class Notify:
    message: str
    level: Literal["info", "warning", "error"] = "info"


@dataclass(frozen=True)
class Failure:
    step: Step
    reason: str
    recoveries: tuple[Recovery, ...]
    error: ClawError | None = None  # e.g. a HostKeyUnknownError the UI can act on


@dataclass(frozen=True)
class Finished:
    """The flow reached an end: ready (failure None), stored but not in use (failure None,
    `not_in_use` True), or failed with recoveries."""

    failure: Failure | None
    not_in_use: bool = False


Effect = (
    Connect
    | Start
    | Close
    | Paste
    | Send
    | StoreToken
    | DeleteToken
    | RunStatus
    | RunCommand
    | AskModel
    | Audit
    | UrlReady
    | CodeRejected
    | Notify
    | Finished
)


# --------------------------------------------------------------------------------------------
# After the paste (issue 7): what the box runs on
# --------------------------------------------------------------------------------------------


@dataclass
class AfterPaste:
    """What the steps after the paste found out, for the final line, the banner and the audit."""

    #: `models status --json` showed the pasted token's last 8 characters (vault entry deleted).
    stored: bool = False
    default_model: str | None = None
    requested_model: str | None = None
    expires_at_ms: int | None = None
    #: OpenClaw said after the paste that its gateway did not pick the new auth up.
    gateway_warning: bool = False
    gateway: str | None = None  # "restarted and running", "not installed as a service", …
    restart_words: str = ""
    restart_exit: int | None = None
    expiring: bool = False


def expiry_date(expires_at_ms: int | None) -> str | None:
    """`YYYY-MM-DD` (UTC) of an OpenClaw `expiresAt`; None when there is none or it is absurd."""
    if expires_at_ms is None:
        return None
    try:
        return datetime.fromtimestamp(expires_at_ms / 1000, UTC).strftime("%Y-%m-%d")
    except (OverflowError, OSError, ValueError):
        return None


_AFTER_PASTE_PHASES = frozenset(
    {
        Phase.VERIFYING,
        Phase.CHOOSING_MODEL,
        Phase.SETTING_MODEL,
        Phase.RESTARTING_GATEWAY,
        Phase.GATEWAY_STATUS,
        Phase.CHECKING,
    }
)

_PURPOSE_PHASES: dict[str, Phase] = {
    "verify": Phase.VERIFYING,
    "verify-text": Phase.VERIFYING,
    "set-model": Phase.SETTING_MODEL,
    "gateway-restart": Phase.RESTARTING_GATEWAY,
    "gateway-status": Phase.GATEWAY_STATUS,
    "check": Phase.CHECKING,
}

_PURPOSE_STEPS: dict[str, Step] = {
    "verify": Step.VERIFY,
    "verify-text": Step.VERIFY,
    "set-model": Step.MODEL,
    "gateway-restart": Step.GATEWAY,
    "gateway-status": Step.GATEWAY,
    "check": Step.CHECK,
}

_AFTER_PASTE_TIMEOUTS: dict[Phase, tuple[Step, str]] = {
    Phase.SETTING_MODEL: (Step.MODEL, "`openclaw models set` did not answer"),
    Phase.RESTARTING_GATEWAY: (Step.GATEWAY, "`openclaw gateway restart` did not answer"),
    Phase.GATEWAY_STATUS: (Step.GATEWAY, "`openclaw gateway status --json` did not answer"),
    Phase.CHECKING: (Step.CHECK, "`openclaw models status --check` did not answer"),
}


def _quote(word: str) -> str:
    """Shell-quote an inventory value for the box's shell."""
    return shlex.quote(word)


_AUTH_PROBLEM = re.compile(
    r"\b(?:Missing|Expired|Expiring|Unavailable|Incompatible|Indeterminate) auth\b", re.I
)


def _check_words(stdout: str, stderr: str) -> str:
    """What `models status --check` says is wrong (its `Missing auth - openai …` lines), else
    the last thing it said. Untrusted text: `openclaw_words` cleans and caps it."""
    lines = [openclaw_words(line, "") for line in (stderr + "\n" + stdout).splitlines()]
    problems = [line for line in lines if _AUTH_PROBLEM.search(line)]
    chosen = problems or [line for line in lines if line][-1:]
    return openclaw_words("\n".join(chosen), "")


# --------------------------------------------------------------------------------------------
# The machine
# --------------------------------------------------------------------------------------------

_ENTER = b"\r"
_CTRL_C = b"\x03"
_TOKEN_HEADING = "Your OAuth token"  # claude's line above the token (oauth.py reads it too)


@dataclass
class Flow:
    box: Box
    timeouts: Timeouts = field(default_factory=Timeouts)

    phase: Phase = Phase.IDLE
    url: SignInUrl | None = None
    token: Token | None = None
    failure: Failure | None = None
    warnings: list[str] = field(default_factory=list)
    steps: dict[Step, StepRecord] = field(default_factory=lambda: {s: StepRecord() for s in STEPS})
    deadline: float | None = None

    _connected: bool = False
    _after_connect: Literal["setup", "paste", "verify"] = "setup"
    _code: Code | None = None
    _pending_code: Code | None = None
    _code_attempts: int = 0
    _paste_attempts: int = 0
    _stale_error: SetupTokenError | None = None
    _stale_validation: Validation | None = None
    _last_setup: SetupTokenStatus | None = None
    _last_paste: PasteTokenStatus | None = None
    _running: set[PaneName] = field(default_factory=set)
    #: True once the vault confirmed (written and fsynced) the token in memory.
    token_kept: bool = False
    #: The operator chose "paste without keeping it" for the token in memory.
    _unkept_ok: bool = False
    #: Fingerprints of token-like blocks shown before a code was sent: never captured.
    _ignored_tokens: set[str] = field(default_factory=set)
    #: Absolute rows of "Your OAuth token" headings shown before a code was sent: the parser
    #: never sees them again, so claude's own answer (a newer heading) is read, not theirs.
    _stale_headings: set[int] = field(default_factory=set)
    _foreign_hosts: set[str] = field(default_factory=set)  # warned about in this setup run
    #: After the paste (issue 7): what `models status --json` and later steps found.
    after: AfterPaste = field(default_factory=lambda: AfterPaste())
    #: This run renews a box that was ready before (the audit says `renew`).
    renewal: bool = False

    # ---------------------------------------------------------------- public

    @property
    def done(self) -> bool:
        return self.phase in (Phase.VERIFIED, Phase.NOT_IN_USE, Phase.FAILED)

    @property
    def recoveries(self) -> tuple[Recovery, ...]:
        return self.failure.recoveries if self.failure else ()

    @property
    def awaiting_code(self) -> bool:
        """True when a CODE#STATE from the operator would be sent now (or right after a retry)."""
        return self.phase in (Phase.WAITING_CODE, Phase.RETRYING)

    def handle(self, event: Event, now: float) -> list[Effect]:
        """Feed one event; returns the effects to perform, in order."""
        out: list[Effect] = []
        match event:
            case Begin(resume_token=token):
                self._begin(token, now, out)
            case Connected():
                self._on_connected(now, out)
            case ConnectFailed(error=error):
                self._on_connect_failed(error, now, out)
            case PaneFailed(pane=pane, error=error):
                self._on_pane_failed(pane, error, now, out)
            case PaneScreen(pane=pane, screen=screen):
                if pane == SETUP:
                    self._on_setup_screen(screen, now, out)
                else:
                    self._on_paste_screen(screen, now, out)
            case PaneExited(pane=pane, status=status, signal=signal):
                self._on_exit(pane, status, signal, now, out)
            case Dropped(reason=reason):
                self._on_dropped(reason, now, out)
            case CodeEntered(text=text):
                self._on_code(text, now, out)
            case Act(recovery=recovery):
                self._on_action(recovery, now, out)
            case Stored():
                self._on_stored(now, out)
            case StoreFailed(error=error):
                self._on_store_failed(error, now, out)
            case StatusResult(exit_status=status, output=output):
                self._on_status(status, output, now, out)
            case CommandResult() | CommandFailed() | ModelChosen():
                self._on_after_paste_event(event, now, out)
            case StatusFailed(error=error):
                if self.phase == Phase.VERIFYING:
                    self._fail(
                        Step.VERIFY,
                        f"Could not run the verification on {self.box.name}: {error}",
                        (Recovery.VERIFY_AGAIN, Recovery.RESUME),
                        now,
                        out,
                        error=error,
                    )
            case Tick():
                self._on_tick(now, out)
            case Abort(reason=reason):
                if not self.done:
                    for pane in sorted(self._running):
                        out.append(Close(pane))
                    self._running.clear()
                    recovery = Recovery.RESUME if self.token is not None else Recovery.RESTART
                    self._fail(self._active_step(), reason, (recovery,), now, out)
        return out

    def code_state(self) -> str | None:
        """The `state` a code for this box must carry (None when the link shows none)."""
        if self.url is None or self.phase not in (Phase.WAITING_CODE, Phase.RETRYING):
            return None
        return self.url.state

    # ---------------------------------------------------------------- bookkeeping

    def _enter(self, phase: Phase, now: float, timeout: float | None) -> None:
        self.phase = phase
        self.deadline = None if timeout is None else now + timeout

    def _step(self, step: Step, state: StepState, now: float) -> None:
        record = self.steps[step]
        if state == StepState.ACTIVE:
            record.started = now
            record.finished = None
        elif state in (StepState.DONE, StepState.FAILED, StepState.SKIPPED):
            if record.started is None:
                record.started = now
            record.finished = now
        record.state = state

    def _reset_steps(self, first: Step) -> None:
        for step in STEPS[STEPS.index(first) :]:
            self.steps[step] = StepRecord()

    def _fail(
        self,
        step: Step,
        reason: str,
        recoveries: Sequence[Recovery],
        now: float,
        out: list[Effect],
        *,
        error: ClawError | None = None,
    ) -> None:
        # Resuming pastes the token in memory: only once it is kept, or explicitly unkept, and
        # never once OpenClaw has stored it (later steps are verified again instead).
        can_resume = (
            self.token is not None
            and (self.token_kept or self._unkept_ok)
            and not self.after.stored
        )
        usable = [r for r in recoveries if r != Recovery.RESUME or can_resume]
        if can_resume and Recovery.RESUME not in usable and step not in (Step.CONNECT,):
            usable.append(Recovery.RESUME)
        self.failure = Failure(step, reason, tuple(dict.fromkeys(usable)), error)
        self._step(step, StepState.FAILED, now)
        self._enter(Phase.FAILED, now, None)
        out.append(Audit(AuditStep(step.value), FAILED, reason, token=self.token))
        out.append(Finished(self.failure))

    # ---------------------------------------------------------------- start / connect

    def _begin(self, resume_token: Token | None, now: float, out: list[Effect]) -> None:
        self.failure = None
        self.warnings.clear()
        self.steps = {s: StepRecord() for s in STEPS}
        self.after = AfterPaste()
        if self.renewal:
            out.append(Audit(AuditStep.RENEW, "started"))
        if resume_token is not None:
            self.token = resume_token
            self.token_kept = True  # it comes from the vault
            self._after_connect = "paste"
            for step in (Step.START, Step.URL, Step.CODE, Step.TOKEN):
                self._step(step, StepState.SKIPPED, now)
            out.append(
                Audit(AuditStep.RESUME, "started", "token from the vault", token=resume_token)
            )
        else:
            self._after_connect = "setup"
        self._connect(now, out)

    def _connect(self, now: float, out: list[Effect]) -> None:
        self._step(Step.CONNECT, StepState.ACTIVE, now)
        self._enter(Phase.CONNECTING, now, self.timeouts.connect)
        if self._connected:
            self._on_connected(now, out)  # still connected: carry on at once
        else:
            out.append(Connect())

    def _on_connected(self, now: float, out: list[Effect]) -> None:
        if self.phase != Phase.CONNECTING:
            return
        self._connected = True
        self._step(Step.CONNECT, StepState.DONE, now)
        out.append(Audit(AuditStep.CONNECT, "ok"))
        if self._after_connect == "setup":
            self._start_setup(now, out)
        elif self._after_connect == "paste":
            self._start_paste(now, out)
        else:
            self._start_verify(now, out)

    def _on_connect_failed(self, error: ClawError, now: float, out: list[Effect]) -> None:
        if self.phase != Phase.CONNECTING:
            return
        self._connected = False
        retry = Recovery.RESUME if self._after_connect != "setup" else Recovery.RESTART
        if self._after_connect == "verify":
            retry = Recovery.VERIFY_AGAIN
        # A changed host key is never retried blindly; the operator must sort it out first.
        recoveries = () if isinstance(error, HostKeyChangedError) else (retry,)
        if isinstance(error, HostKeyUnknownError):
            recoveries = (retry,)
        self._fail(Step.CONNECT, str(error), recoveries, now, out, error=error)

    def _on_pane_failed(
        self, pane: PaneName, error: ClawError, now: float, out: list[Effect]
    ) -> None:
        step = Step.START if pane == SETUP else Step.PROMPT
        if self.done:
            return
        if isinstance(error, DisplayError):
            # The program ran, and the runner stopped it: what failed is the step it served.
            self._running.discard(pane)
            step = self._active_step()
        self._fail(step, str(error), (Recovery.RESTART,), now, out, error=error)

    # ---------------------------------------------------------------- setup-token

    def _start_setup(self, now: float, out: list[Effect]) -> None:
        self.url = None
        self._code = None
        self._pending_code = None
        self._code_attempts = 0
        self._stale_error = None
        self._last_setup = None
        self._foreign_hosts = set()
        self.token = None
        self.token_kept = False
        self._unkept_ok = False
        self._ignored_tokens.clear()
        self._stale_headings.clear()
        self._running.add(SETUP)
        self._step(Step.START, StepState.ACTIVE, now)
        self._enter(Phase.STARTING, now, self.timeouts.url)
        out.append(Start(SETUP, self.box.setup_token_command))
        out.append(Audit(AuditStep.SETUP_STARTED, "ok"))

    def _on_setup_screen(self, screen: ScreenText, now: float, out: list[Effect]) -> None:
        if self.phase in (Phase.IDLE, Phase.CONNECTING, Phase.FAILED, Phase.VERIFIED):
            return
        if self.token is not None:
            return  # the rest of the setup-token output is of no interest any more
        before_code = self.phase != Phase.CODE_SENT
        screen = self._without_stale_headings(screen)
        try:
            status = read_setup_token(screen, test_signin_base=self.box.test_signin_base)
        except TokenParseError as error:
            if not before_code:
                self._fail(Step.TOKEN, str(error), (Recovery.RESTART,), now, out, error=error)
                return
            # Not claude's answer (no code was sent): a box's own text must not end the run.
            self._forget_headings(screen)
            out.append(
                Audit(
                    AuditStep.TOKEN_IGNORED,
                    "ignored",
                    "an unreadable token block shown before any code was sent in this run",
                )
            )
            try:
                status = read_setup_token(
                    self._without_stale_headings(screen),
                    test_signin_base=self.box.test_signin_base,
                )
            except TokenParseError:  # pragma: no cover - its headings were just taken out
                return
        self._last_setup = status
        self._warn_foreign_links(status.foreign_hosts, out)
        if status.no_pty:
            self._fail(
                Step.START,
                f"claude on {self.box.name} says 'Raw mode is not supported': it was started "
                "without a terminal. clawtui always asks for one (a PTY); the box's SSH server "
                "refused it — check that PermitTTY is not disabled in its sshd_config, then "
                "restart.",
                (Recovery.RESTART,),
                now,
                out,
            )
            return
        try:
            capture = status.token
        except TokenParseError as error:  # pragma: no cover - raised inside read_setup_token
            self._fail(Step.TOKEN, str(error), (Recovery.RESTART,), now, out, error=error)
            return
        if capture is not None:
            fingerprint = capture.token.fingerprint
            if not before_code and fingerprint not in self._ignored_tokens:
                self._capture(capture.token, capture.warnings, now, out)
                return
            if before_code:
                self._forget_headings(screen)
            self._ignore_token(capture.token, out)

        match self.phase:
            case Phase.STARTING:
                if status.url is not None and status.prompt_ready:
                    self._step(Step.START, StepState.DONE, now)
                    self._announce_url(status.url, now, out)
                    self._step(Step.URL, StepState.DONE, now)
                    self._step(Step.CODE, StepState.ACTIVE, now)
                    self._enter(Phase.WAITING_CODE, now, self.timeouts.code)
            case Phase.WAITING_CODE:
                if status.url is not None and status.prompt_ready:
                    self._announce_url(status.url, now, out)
            case Phase.CODE_PASTED:
                if self._code is not None and _echo_shows(status, self._code):
                    self._send_code_enter(now, out)
            case Phase.CODE_SENT:
                self._check_code_answer(status, now, out)
            case Phase.RETRYING:
                if status.error is None and status.url is not None and status.prompt_ready:
                    self._announce_url(status.url, now, out)
                    self._enter(Phase.WAITING_CODE, now, self.timeouts.code)
                    pending, self._pending_code = self._pending_code, None
                    if pending is not None:
                        self._try_code(pending, now, out)
            case _:
                pass

    def _warn_foreign_links(self, hosts: Sequence[str], out: list[Effect]) -> None:
        """A sign-in link to another host is never offered (the parser drops it); the operator
        hears of it once per host, and the flow keeps waiting for Anthropic's link."""
        for host in hosts:
            if host in self._foreign_hosts:
                continue
            self._foreign_hosts.add(host)
            out.append(
                Notify(
                    f"the box showed a sign-in link to {host}, which is not Anthropic's: "
                    "do not send it",
                    "warning",
                )
            )
            out.append(Audit(AuditStep.LINK_REFUSED, "not anthropic", host))

    def _announce_url(self, url: SignInUrl, now: float, out: list[Effect]) -> None:
        if self.url is not None and url.url == self.url.url:
            return
        changed = self.url is not None
        self.url = url
        out.append(UrlReady(url, changed))
        if changed:
            out.append(
                Notify(
                    "The sign-in link changed: the customer must open the NEW link; a code from "
                    "the old one will not work.",
                    "warning",
                )
            )
        out.append(Audit(AuditStep.URL_READY, "new link" if changed else "ok"))

    def _on_code(self, text: str, now: float, out: list[Effect]) -> None:
        if self.phase not in (Phase.WAITING_CODE, Phase.RETRYING):
            if self.phase in (Phase.IDLE, Phase.CONNECTING, Phase.STARTING):
                out.append(
                    CodeRejected(
                        "Not yet: wait for the sign-in link, send it to the customer, "
                        "then enter the code they are shown."
                    )
                )
            elif self.phase in (Phase.CODE_PASTED, Phase.CODE_SENT):
                out.append(CodeRejected("A code was just sent; wait for claude's answer."))
            else:
                out.append(CodeRejected("No code is needed now."))
            return
        expected = self.url.state if self.url is not None else None
        try:
            code = normalize_code(text, expected_state=expected)
        except CodeError as error:
            out.append(CodeRejected(str(error)))
            return
        if self.phase == Phase.RETRYING:
            # claude is redrawing its prompt after "Press Enter to retry": send once it is back.
            self._pending_code = code
            out.append(Notify("Code kept; it will be sent as soon as the prompt is back."))
            return
        self._try_code(code, now, out)

    def _try_code(self, code: Code, now: float, out: list[Effect]) -> None:
        if self.url is not None and self.url.state is not None and code.state != self.url.state:
            out.append(
                CodeRejected(
                    "This code belongs to an older sign-in link (its #STATE does not match the "
                    "link on the box now). Ask the customer to open the current link and send "
                    "the new code."
                )
            )
            return
        self._code = code
        self._code_attempts += 1
        self._stale_error = self._last_setup.error if self._last_setup else None
        self._enter(Phase.CODE_PASTED, now, self.timeouts.echo)
        # Enter follows once the paste shows in the prompt (see CODE_PASTED), never blind.
        out.append(Paste(SETUP, code))

    def _send_code_enter(self, now: float, out: list[Effect]) -> None:
        self._enter(Phase.CODE_SENT, now, self.timeouts.exchange)
        out.append(Send(SETUP, _ENTER))
        out.append(Audit(AuditStep.CODE_SENT, "ok", f"attempt {self._code_attempts}"))

    def _check_code_answer(self, status: SetupTokenStatus, now: float, out: list[Effect]) -> None:
        error = status.error
        if error is not None and self._stale_error is not None and error == self._stale_error:
            return  # still the previous attempt's message
        if error is None:
            self._stale_error = None
            return
        self._step(Step.CODE, StepState.ACTIVE, now)
        advice = _CODE_ADVICE.get(error.kind, _CODE_ADVICE[SetupTokenErrorKind.OTHER])
        reason = f"claude says: {error.message} {advice}"
        out.append(Audit(AuditStep.CODE_REFUSED, error.kind.value, error.message))
        if self._code_attempts >= MAX_CODE_ATTEMPTS:
            self._fail(
                Step.CODE,
                f"{reason} ({self._code_attempts} codes refused; restart for a fresh link.)",
                (Recovery.RESTART,),
                now,
                out,
            )
            return
        out.append(Notify(reason, "warning"))
        self._stale_error = error
        if status.retry_offered:
            self._enter(Phase.RETRYING, now, self.timeouts.retry)
            out.append(Send(SETUP, _ENTER))
        else:
            # 2.1.332 keeps its prompt open under an inline message: just take another code.
            self._enter(Phase.WAITING_CODE, now, self.timeouts.code)

    def _forget_headings(self, screen: ScreenText) -> None:
        for index, line in enumerate(screen.lines):
            if _TOKEN_HEADING in line:
                self._stale_headings.add(screen.row_offset + index)

    def _without_stale_headings(self, screen: ScreenText) -> ScreenText:
        if not self._stale_headings:
            return screen
        offset = screen.row_offset
        lines = tuple(
            "" if offset + index in self._stale_headings else line
            for index, line in enumerate(screen.lines)
        )
        return replace(screen, lines=lines)

    def _ignore_token(self, token: Token, out: list[Effect]) -> None:
        """A token-like block shown before any code was sent in this run: not claude's answer
        (a login banner, a wrapper, a hostile box). Masked on screen; never captured."""
        if token.fingerprint in self._ignored_tokens:
            return
        self._ignored_tokens.add(token.fingerprint)
        out.append(
            Audit(
                AuditStep.TOKEN_IGNORED,
                "ignored",
                "shown before any code was sent in this run",
                token=token,
            )
        )
        out.append(
            Notify(
                f"{self.box.name} showed something that looks like a token before any code was "
                "sent; clawtui ignores it and takes only the token claude prints after the "
                "customer's code.",
                "warning",
            )
        )

    def _capture(
        self, token: Token, warnings: Sequence[str], now: float, out: list[Effect]
    ) -> None:
        self.token = token
        self.token_kept = False
        self._unkept_ok = False
        self._step(Step.CODE, StepState.DONE, now)
        self._step(Step.TOKEN, StepState.ACTIVE, now)
        out.append(Audit(AuditStep.TOKEN_CAPTURED, "ok", token=token))
        for warning in warnings:
            self.warnings.append(warning)
            out.append(Notify(warning, "warning"))
        self._running.discard(SETUP)
        # Before anything else: the vault. The paste waits for `Stored` (see `_on_stored`).
        self._enter(Phase.STORING, now, None)
        out.append(StoreToken(token))

    def _on_stored(self, now: float, out: list[Effect]) -> None:
        if self.phase != Phase.STORING or self.token is None:
            return
        self.token_kept = True
        self._step(Step.TOKEN, StepState.DONE, now)
        out.append(Audit(AuditStep.TOKEN_STORED, "ok", "in the vault", token=self.token))
        self._start_paste(now, out)

    def _on_store_failed(self, error: ClawError, now: float, out: list[Effect]) -> None:
        if self.phase != Phase.STORING or self.token is None:
            return
        self.token_kept = False
        self._fail(
            Step.TOKEN,
            f"The token was NOT kept: {error} It has not been pasted. Fix the folder and retry "
            "saving, or paste it without keeping it (if that paste fails and clawtui is closed, "
            "the customer must sign in again).",
            (Recovery.RETRY_STORE, Recovery.PASTE_UNKEPT),
            now,
            out,
            error=error,
        )

    # ---------------------------------------------------------------- OpenClaw

    def _start_paste(self, now: float, out: list[Effect]) -> None:
        if not self._connected:
            self._after_connect = "paste"
            self._connect(now, out)
            return
        self._paste_attempts = 0
        self._stale_validation = None
        self._last_paste = None
        self._running.add(PASTE)
        self._step(Step.PROMPT, StepState.ACTIVE, now)
        self._enter(Phase.PASTE_STARTING, now, self.timeouts.prompt)
        out.append(Start(PASTE, self.box.paste_command))

    def _on_paste_screen(self, screen: ScreenText, now: float, out: list[Effect]) -> None:
        if self.phase in _AFTER_PASTE_PHASES and not self.after.gateway_warning:
            # OpenClaw's stderr warning may come after "Auth profile:": keep reading for it.
            self.after.gateway_warning = read_paste_token(screen).gateway_warning
        if self.phase not in (Phase.PASTE_STARTING, Phase.TOKEN_PASTED, Phase.TOKEN_SUBMITTED):
            return
        status = read_paste_token(screen)
        self._last_paste = status
        match self.phase:
            case Phase.PASTE_STARTING:
                if status.success:
                    return  # a leftover screen; cannot happen with a fresh pane
                if status.prompt_ready and status.validation is None:
                    self._step(Step.PROMPT, StepState.DONE, now)
                    self._step(Step.PASTE, StepState.ACTIVE, now)
                    out.append(Audit(AuditStep.PASTE_PROMPT, "ok"))
                    self._paste_token(now, out)
            case Phase.TOKEN_PASTED if status.success or status.cancelled:
                self._check_paste_answer(status, now, out)
            case Phase.TOKEN_PASTED:
                if _paste_echo_shows(screen):
                    self._enter(Phase.TOKEN_SUBMITTED, now, self.timeouts.submit)
                    out.append(Send(PASTE, _ENTER))
            case Phase.TOKEN_SUBMITTED:
                self._check_paste_answer(status, now, out)
            case _:
                pass

    def _paste_token(self, now: float, out: list[Effect]) -> None:
        assert self.token is not None
        self._paste_attempts += 1
        self._stale_validation = self._last_paste.validation if self._last_paste else None
        self._enter(Phase.TOKEN_PASTED, now, self.timeouts.echo)
        out.append(Paste(PASTE, self.token))

    def _check_paste_answer(self, status: PasteTokenStatus, now: float, out: list[Effect]) -> None:
        assert self.token is not None
        if status.success:
            self._step(Step.PASTE, StepState.DONE, now)
            out.append(Audit(AuditStep.TOKEN_PASTED, "ok", status.profile, token=self.token))
            self._running.discard(PASTE)
            self._start_verify(now, out)
            return
        if status.cancelled:
            self._fail(
                Step.PASTE,
                "OpenClaw's prompt was cancelled before it took the token.",
                (Recovery.RESUME,),
                now,
                out,
            )
            return
        validation = status.validation
        if validation is None:
            self._stale_validation = None
            return
        if validation == self._stale_validation:
            return
        if validation == Validation.REQUIRED and self._paste_attempts < MAX_PASTE_ATTEMPTS:
            out.append(
                Notify("OpenClaw got an empty input ('Required'); pasting again.", "warning")
            )
            out.append(Audit(AuditStep.TOKEN_PASTED, "required", "pasting again"))
            self._paste_token(now, out)
            return
        out.append(Send(PASTE, _CTRL_C))  # leave OpenClaw's prompt cleanly
        self._running.discard(PASTE)
        reason = {
            Validation.REQUIRED: "OpenClaw kept receiving an empty input ('Required').",
            Validation.BAD_PREFIX: (
                "OpenClaw says the input does not start with sk-ant-oat01-: the paste arrived "
                "damaged."
            ),
            Validation.TOO_SHORT: (
                f"OpenClaw says the token looks too short ({len(self.token)} characters; newer "
                "OpenClaw wants at least 90). Restart setup-token for a new token, or install "
                "an OpenClaw that accepts it, then resume."
            ),
        }.get(
            validation,  # Validation.OTHER: words this clawtui does not know; show OpenClaw's
            f"OpenClaw refused the token: {status.validation_message or 'no reason given'}.",
        )
        recoveries = (
            (Recovery.RESTART, Recovery.RESUME)
            if validation == Validation.TOO_SHORT
            else (Recovery.RESUME,)
        )
        self._fail(Step.PASTE, reason, recoveries, now, out)

    # ---------------------------------------------------------------- verification

    def _start_verify(self, now: float, out: list[Effect]) -> None:
        if not self._connected:
            self._after_connect = "verify"
            self._connect(now, out)
            return
        if self._last_paste is not None and self._last_paste.gateway_warning:
            self.after.gateway_warning = True
        self._step(Step.VERIFY, StepState.ACTIVE, now)
        self._enter(Phase.VERIFYING, now, self.timeouts.verify)
        out.append(RunCommand("verify", f"{self.box.status_command} --json"))

    def _on_status(
        self, exit_status: int | None, output: str, now: float, out: list[Effect]
    ) -> None:
        """`openclaw models status` answered (`StatusResult`, the text form)."""
        self._on_verify_output(exit_status, output, "", now, out, text_only=True)

    def _on_verify_output(
        self,
        exit_status: int | None,
        stdout: str,
        stderr: str,
        now: float,
        out: list[Effect],
        *,
        text_only: bool = False,
    ) -> None:
        if self.phase != Phase.VERIFYING or self.token is None:
            return
        if exit_status == 127:
            error = CommandNotFoundError(
                f"`{program_name(self.box.status_command)}` is not installed on "
                f"{self.box.name}. {install_hint(program_name(self.box.status_command))}",
                box=self.box.name,
                command=self.box.status_command,
            )
            self._fail(Step.VERIFY, str(error), (Recovery.VERIFY_AGAIN,), now, out, error=error)
            return
        try:
            status = parse_models_status_text(stdout) if text_only else read_models_status(stdout)
        except OpenClawAnswerError as error:
            self._fail(
                Step.VERIFY,
                f"{error} ({self.box.name}). Verify again; if it persists, look at "
                f"`{self.box.status_command} --json` on the box.",
                (Recovery.VERIFY_AGAIN, Recovery.RESUME),
                now,
                out,
                error=error,
            )
            return
        shown = status.manual_last8
        if shown is None and status.from_text and not text_only:
            # An older OpenClaw without `--json` (it refused the option, or ignored it and
            # printed text without our profile): ask again in the text form.
            out.append(RunCommand("verify-text", self.box.status_command))
            return
        if shown is None:
            self._fail(
                Step.VERIFY,
                f"`{self.box.status_command}` on {self.box.name} shows no anthropic:manual "
                "token, so the paste did not stick. Resume to paste it again.",
                (Recovery.RESUME, Recovery.VERIFY_AGAIN),
                now,
                out,
            )
            return
        if shown != self.token.last8:
            self._fail(
                Step.VERIFY,
                f"OpenClaw on {self.box.name} holds a different token (ends …{shown[-4:]}, the "
                f"captured one ends …{self.token.last4}). Resume to paste the captured token "
                "again.",
                (Recovery.RESUME, Recovery.VERIFY_AGAIN),
                now,
                out,
            )
            return
        # The token is stored: the vault copy has done its job, whatever happens next.
        first = not self.after.stored
        self.after.stored = True
        self.after.default_model = status.default_model
        if status.expires_at_ms is not None or first:
            self.after.expires_at_ms = status.expires_at_ms
        self._step(Step.VERIFY, StepState.DONE, now)
        if first:
            out.append(DeleteToken())
            expiry = expiry_date(self.after.expires_at_ms) or "no expiry recorded"
            out.append(
                Audit(
                    AuditStep.TOKEN_STORED,
                    "ok",
                    f"anthropic:manual; default {status.default_model or 'unknown'}; "
                    f"expires {expiry}",
                    token=self.token,
                )
            )
        self._default_model_step(now, out)

    # ---------------------------------------------------------------- after the paste

    def _on_after_paste_event(
        self, event: CommandResult | CommandFailed | ModelChosen, now: float, out: list[Effect]
    ) -> None:
        match event:
            case ModelChosen(model=model):
                if self.phase != Phase.CHOOSING_MODEL:
                    return
                if model:
                    self._set_model(model, now, out)
                else:
                    self._keep_model(now, out)
            case CommandFailed(purpose=purpose, error=error):
                expected = _PURPOSE_PHASES.get(purpose)
                if expected is None or self.phase != expected:
                    return
                step = _PURPOSE_STEPS[purpose]
                self._fail(
                    step,
                    f"Could not run `{purpose.replace('-', ' ')}` on {self.box.name}: {error}",
                    (Recovery.VERIFY_AGAIN,),
                    now,
                    out,
                    error=error,
                )
            case CommandResult(purpose=purpose, exit_status=code, stdout=stdout, stderr=stderr):
                if self.phase != _PURPOSE_PHASES.get(purpose):
                    return
                if purpose in ("verify", "verify-text"):
                    self._on_verify_output(
                        code, stdout, stderr, now, out, text_only=purpose == "verify-text"
                    )
                elif purpose == "set-model":
                    self._on_model_set(code, stdout, stderr, now, out)
                elif purpose == "gateway-restart":
                    self._on_gateway_restart(code, stdout, stderr, now, out)
                elif purpose == "gateway-status":
                    self._on_gateway_status(code, stdout, stderr, now, out)
                else:
                    self._on_check(code, stdout, stderr, now, out)

    def _default_model_step(self, now: float, out: list[Effect]) -> None:
        current = self.after.default_model
        self._step(Step.MODEL, StepState.ACTIVE, now)
        if is_anthropic_model(current):
            self._step(Step.MODEL, StepState.DONE, now)
            out.append(Audit(AuditStep.DEFAULT_MODEL, "ok", current))
            self._gateway_step(now, out)
            return
        if self.box.default_model:
            self._set_model(self.box.default_model, now, out)
            return
        self._enter(Phase.CHOOSING_MODEL, now, None)  # the operator's time
        out.append(AskModel(current, PROPOSED_MODEL))

    def _set_model(self, model: str, now: float, out: list[Effect]) -> None:
        self.after.requested_model = model
        self._enter(Phase.SETTING_MODEL, now, self.timeouts.verify)
        out.append(
            RunCommand("set-model", f"{self.box.openclaw_command} models set {_quote(model)}")
        )

    def _keep_model(self, now: float, out: list[Effect]) -> None:
        current = self.after.default_model or "unknown"
        self._step(Step.MODEL, StepState.FAILED, now)
        for step in (Step.GATEWAY, Step.CHECK, Step.VERIFIED):
            self._step(step, StepState.SKIPPED, now)
        self._enter(Phase.NOT_IN_USE, now, None)
        out.append(Audit(AuditStep.NOT_IN_USE, "kept", f"default {current}", token=self.token))
        out.append(Finished(None, not_in_use=True))

    def _on_model_set(
        self, code: int | None, stdout: str, stderr: str, now: float, out: list[Effect]
    ) -> None:
        model = self.after.requested_model or PROPOSED_MODEL
        if code != 0:
            self._fail(
                Step.MODEL,
                f"`openclaw models set {model}` failed on {self.box.name} (exit {code}): "
                f"{openclaw_words(stdout, stderr) or 'no message'}",
                (Recovery.VERIFY_AGAIN,),
                now,
                out,
            )
            return
        self.after.default_model = model
        self._step(Step.MODEL, StepState.DONE, now)
        out.append(Audit(AuditStep.DEFAULT_MODEL, "switched", model))
        self._gateway_step(now, out)

    def _gateway_step(self, now: float, out: list[Effect]) -> None:
        if not self.after.gateway_warning:
            self._step(Step.GATEWAY, StepState.SKIPPED, now)
            self.after.gateway = "no restart needed"
            self._check_step(now, out)
            return
        if not self.box.restart_gateway:
            self._step(Step.GATEWAY, StepState.SKIPPED, now)
            self.after.gateway = "restart turned off"
            note = (
                f"OpenClaw on {self.box.name} says its gateway did not pick the new token up; "
                "the gateway restart is turned off, so run `openclaw gateway restart` there."
            )
            self.warnings.append(note)
            out.append(Notify(note, "warning"))
            out.append(Audit(AuditStep.GATEWAY, "skipped", "restart turned off"))
            self._check_step(now, out)
            return
        self._step(Step.GATEWAY, StepState.ACTIVE, now)
        self._enter(Phase.RESTARTING_GATEWAY, now, self.timeouts.verify)
        out.append(RunCommand("gateway-restart", f"{self.box.openclaw_command} gateway restart"))

    def _on_gateway_restart(
        self, code: int | None, stdout: str, stderr: str, now: float, out: list[Effect]
    ) -> None:
        # Its exit status proves nothing (0 without systemd): the status below decides.
        self.after.restart_words = openclaw_words(stdout, stderr)
        self.after.restart_exit = code
        self._enter(Phase.GATEWAY_STATUS, now, self.timeouts.verify)
        out.append(
            RunCommand("gateway-status", f"{self.box.openclaw_command} gateway status --json")
        )

    def _on_gateway_status(
        self, code: int | None, stdout: str, stderr: str, now: float, out: list[Effect]
    ) -> None:
        try:
            state = parse_gateway_status_json(stdout).state
        except OpenClawAnswerError:
            state = GatewayState.UNKNOWN
        words = self.after.restart_words
        if state == GatewayState.RUNNING and self.after.restart_exit in (0, None):
            self.after.gateway = "restarted and running"
            self._step(Step.GATEWAY, StepState.DONE, now)
            out.append(Audit(AuditStep.GATEWAY, "restarted", "running"))
            self._check_step(now, out)
            return
        if state in (GatewayState.NO_SERVICE_MANAGER, GatewayState.NOT_LOADED):
            self.after.gateway = "not installed as a service"
            why = (
                "no systemd user services on this box"
                if state == GatewayState.NO_SERVICE_MANAGER
                else "no service loaded"
            )
            note = (
                f"The OpenClaw gateway on {self.box.name} is not installed as a service "
                f"({why}), "
                "so clawtui could not restart it. The customer must restart the gateway "
                "wherever they run it (stop `openclaw gateway run` and start it again), or "
                "install it as a service with `openclaw gateway install`."
            )
            self.warnings.append(note)
            self._step(Step.GATEWAY, StepState.DONE, now)
            out.append(Notify(note, "warning"))
            out.append(Audit(AuditStep.GATEWAY, "no service manager", note))
            self._check_step(now, out)
            return
        self.after.gateway = "restart failed"
        detail = words or f"gateway status says {state.value}"
        self._fail(
            Step.GATEWAY,
            f"The gateway restart failed on {self.box.name}: OpenClaw says: {detail}. The token "
            "is stored; fix the gateway on the box, then run the remaining steps again.",
            (Recovery.VERIFY_AGAIN,),
            now,
            out,
        )

    def _check_step(self, now: float, out: list[Effect]) -> None:
        self._step(Step.CHECK, StepState.ACTIVE, now)
        self._enter(Phase.CHECKING, now, self.timeouts.verify)
        out.append(RunCommand("check", f"{self.box.status_command} --check"))

    def _on_check(
        self, code: int | None, stdout: str, stderr: str, now: float, out: list[Effect]
    ) -> None:
        words = _check_words(stdout, stderr)
        if code == CHECK_EXPIRING:
            self.after.expiring = True
            note = (
                f"The token on {self.box.name} expires soon: {words or 'OpenClaw says expiring'}."
            )
            self.warnings.append(note)
            out.append(Notify(note, "warning"))
        elif code != CHECK_READY:
            reason = (
                f"`openclaw models status --check` on {self.box.name} says the box is not ready "
                f"(exit {code}): {words or 'no reason given'}"
            )
            self._fail(Step.CHECK, reason, (Recovery.VERIFY_AGAIN,), now, out)
            return
        self._step(Step.CHECK, StepState.DONE, now)
        self._step(Step.VERIFIED, StepState.DONE, now)
        self._enter(Phase.VERIFIED, now, None)
        out.append(
            Audit(
                AuditStep.READY,
                "expiring" if self.after.expiring else "ok",
                f"anthropic:manual; default {self.after.default_model or 'unknown'}; "
                f"expires {expiry_date(self.after.expires_at_ms) or 'unknown'}; "
                f"gateway {self.after.gateway or 'unknown'}" + ("; renew" if self.renewal else ""),
                token=self.token,
            )
        )
        out.append(Finished(None))

    def ready_line(self) -> str:
        """`Ready: anthropic:manual on BOX, default MODEL, expires YYYY-MM-DD (token …abcd)`."""
        tail = f"…{self.token.last4}" if self.token is not None else "…"
        expires = expiry_date(self.after.expires_at_ms) or "unknown"
        return (
            f"Ready: anthropic:manual on {self.box.name}, default "
            f"{self.after.default_model or 'unknown'}, expires {expires} (token {tail})"
        )

    def not_in_use_line(self) -> str:
        current = self.after.default_model or "unknown"
        return (
            f"Stored but not in use: the token is in OpenClaw on {self.box.name}, but its default "
            f"model is {current}, not an Anthropic one. Switch with --default-model "
            f"{PROPOSED_MODEL} (or set default_model in the inventory)."
        )

    # ---------------------------------------------------------------- exits, drops, time

    def _on_exit(
        self, pane: PaneName, status: int | None, signal: str | None, now: float, out: list[Effect]
    ) -> None:
        if pane not in self._running:
            return
        self._running.discard(pane)
        if self.done:
            return
        if pane == SETUP:
            if self.phase not in (
                Phase.STARTING,
                Phase.WAITING_CODE,
                Phase.CODE_PASTED,
                Phase.CODE_SENT,
                Phase.RETRYING,
            ):
                return
            step = Step.START if self.phase == Phase.STARTING else Step.CODE
            how = f"signal {signal}" if signal else f"exit status {status}"
            if status == 127:
                reason = (
                    f"`claude` is not installed on {self.box.name} (exit 127): "
                    f"{install_hint(CLAUDE)}"
                )
            else:
                reason = (
                    f"claude setup-token ended ({how}) before printing a token. The sign-in link "
                    "it showed is dead: restart for a new one."
                )
            self._fail(step, reason, (Recovery.RESTART,), now, out)
            return
        # The OpenClaw pane.
        if self.phase not in (Phase.PASTE_STARTING, Phase.TOKEN_PASTED, Phase.TOKEN_SUBMITTED):
            return
        if status == 127:
            reason = (
                f"`openclaw` is not installed on {self.box.name} (exit 127): "
                f"{install_hint(OPENCLAW)} {self._kept_note()}; resume afterwards."
            )
        else:
            how = f"signal {signal}" if signal else f"exit status {status}"
            reason = (
                f"OpenClaw's paste-token ended ({how}) without saying 'Auth profile: "
                f"anthropic:manual'. {self._kept_note()}: resume to paste it again."
            )
        step = Step.PROMPT if self.phase == Phase.PASTE_STARTING else Step.PASTE
        self._fail(step, reason, (Recovery.RESUME,), now, out)

    def _on_dropped(self, reason: str, now: float, out: list[Effect]) -> None:
        was_connected = self._connected
        self._connected = False
        self._running.clear()
        if self.done or not was_connected:
            return
        current = self._active_step()
        if self.after.stored:
            self._fail(
                current,
                f"The connection to {self.box.name} dropped ({reason}). The token is stored in "
                "OpenClaw: verify again to run the remaining steps.",
                (Recovery.VERIFY_AGAIN,),
                now,
                out,
            )
        elif self.token is not None:
            self._fail(
                current,
                f"The connection to {self.box.name} dropped ({reason}). The token was captured "
                + (
                    "and is safe in the vault"
                    if self.token_kept
                    else "but is NOT kept in the vault (only in this clawtui's memory)"
                )
                + ": resume to paste it without a new sign-in.",
                (Recovery.RESUME,),
                now,
                out,
            )
        else:
            self._fail(
                current,
                f"The connection to {self.box.name} dropped ({reason}) before a token was "
                "printed. Restart: the customer will need the new sign-in link.",
                (Recovery.RESTART,),
                now,
                out,
            )

    def _on_tick(self, now: float, out: list[Effect]) -> None:
        if self.deadline is None or now < self.deadline:
            return
        phase = self.phase
        if phase in _AFTER_PASTE_TIMEOUTS:
            step, what = _AFTER_PASTE_TIMEOUTS[phase]
            reason = f"{what} within {self.timeouts.verify:.0f} s on {self.box.name}."
            self._fail(step, reason, (Recovery.VERIFY_AGAIN,), now, out)
            return
        if phase == Phase.CODE_PASTED:
            # The echo never showed (or looked different from what we expect): press Enter anyway;
            # claude's own answer tells us what happened.
            self._send_code_enter(now, out)
            return
        if phase == Phase.TOKEN_PASTED:
            self._enter(Phase.TOKEN_SUBMITTED, now, self.timeouts.submit)
            out.append(Send(PASTE, _ENTER))
            return
        messages: dict[Phase, tuple[Step, str, tuple[Recovery, ...]]] = {
            Phase.CONNECTING: (
                Step.CONNECT,
                f"Connecting to {self.box.name} took too long.",
                (Recovery.RESTART,),
            ),
            Phase.STARTING: (
                Step.START,
                f"claude setup-token showed no sign-in link within {self.timeouts.url:.0f} s.",
                (Recovery.RESTART,),
            ),
            Phase.WAITING_CODE: (
                Step.CODE,
                f"No code was entered within {self.timeouts.code / 60:.0f} minutes; the sign-in "
                "link may have expired. Restart for a fresh link.",
                (Recovery.RESTART,),
            ),
            Phase.CODE_SENT: (
                Step.CODE,
                f"claude gave no answer within {self.timeouts.exchange:.0f} s of the code.",
                (Recovery.RESTART,),
            ),
            Phase.RETRYING: (
                Step.CODE,
                "claude did not show its prompt again after 'Press Enter to retry'.",
                (Recovery.RETRY_CODE, Recovery.RESTART),
            ),
            Phase.PASTE_STARTING: (
                Step.PROMPT,
                f"OpenClaw showed no 'Paste token for anthropic' prompt within "
                f"{self.timeouts.prompt:.0f} s.",
                (Recovery.RESUME,),
            ),
            Phase.TOKEN_SUBMITTED: (
                Step.PASTE,
                f"OpenClaw gave no verdict within {self.timeouts.submit:.0f} s of the token.",
                (Recovery.RESUME,),
            ),
            Phase.VERIFYING: (
                Step.VERIFY,
                f"`{self.box.status_command}` did not answer within {self.timeouts.verify:.0f} s.",
                (Recovery.VERIFY_AGAIN,),
            ),
        }
        if phase in messages:
            step, reason, recoveries = messages[phase]
            if phase in (Phase.PASTE_STARTING, Phase.TOKEN_SUBMITTED):
                self._running.discard(PASTE)
                out.append(Close(PASTE))
            self._fail(step, reason, recoveries, now, out)

    def _kept_note(self) -> str:
        """Where the captured token is: never claims the vault unless it holds it."""
        if self.token_kept:
            return "The token is kept in the vault"
        return "The token is NOT kept in the vault, only in this clawtui's memory"

    def _active_step(self) -> Step:
        for step in STEPS:
            if self.steps[step].state == StepState.ACTIVE:
                return step
        return Step.CONNECT

    # ---------------------------------------------------------------- recoveries

    def _on_action(self, recovery: Recovery, now: float, out: list[Effect]) -> None:
        # A restart (a fresh sign-in link) is always possible; the others only when offered.
        if recovery not in self.recoveries and recovery != Recovery.RESTART:
            out.append(Notify(f"'{recovery.value}' is not possible now.", "warning"))
            return
        failure = self.failure
        self.failure = None
        out.append(Audit(AuditStep(recovery.value), "requested"))
        match recovery:
            case Recovery.RETRY_CODE:
                self._enter(Phase.RETRYING, now, self.timeouts.retry)
                self._step(Step.CODE, StepState.ACTIVE, now)
                out.append(Send(SETUP, _ENTER))
            case Recovery.RESTART:
                for pane in sorted(self._running):
                    out.append(Close(pane))
                self._running.clear()
                self.url = None
                self._reset_steps(Step.START)
                # An earlier token stays in the vault until a new capture overwrites it.
                self._after_connect = "setup"
                self._connect(now, out)
            case Recovery.RESUME:
                if self.token is None:
                    self.failure = failure
                    out.append(Notify("There is no captured token to resume with.", "warning"))
                    return
                self._running.discard(PASTE)
                out.append(Close(PASTE))
                self._reset_steps(Step.PROMPT)
                self._after_connect = "paste"
                self._start_paste(now, out) if self._connected else self._connect(now, out)
            case Recovery.RETRY_STORE | Recovery.PASTE_UNKEPT if self.token is None:
                self.failure = failure
                out.append(Notify("There is no captured token to save or paste.", "warning"))
            case Recovery.RETRY_STORE:
                token = self.token
                assert token is not None  # the case above handles None
                self._step(Step.TOKEN, StepState.ACTIVE, now)
                self._enter(Phase.STORING, now, None)
                out.append(StoreToken(token))
            case Recovery.PASTE_UNKEPT:
                self._unkept_ok = True
                self._step(Step.TOKEN, StepState.DONE, now)
                out.append(
                    Audit(
                        AuditStep.TOKEN_STORED,
                        "skipped",
                        "pasted without keeping it",
                        token=self.token,
                    )
                )
                out.append(
                    Notify(
                        "Pasting a token that is NOT kept in the vault: if this paste fails and "
                        "clawtui is closed, the customer must sign in again.",
                        "warning",
                    )
                )
                self._reset_steps(Step.PROMPT)
                self._after_connect = "paste"
                self._start_paste(now, out) if self._connected else self._connect(now, out)
            case Recovery.VERIFY_AGAIN:
                self._reset_steps(Step.VERIFY)
                self._after_connect = "verify"
                self._start_verify(now, out) if self._connected else self._connect(now, out)


_CODE_ADVICE: dict[SetupTokenErrorKind, str] = {
    SetupTokenErrorKind.MISSING_STATE: (
        "Ask the customer for the whole code, including the part after the #."
    ),
    SetupTokenErrorKind.VERIFICATION_CODE: (
        "That was the 6-digit verification code, which goes in the browser. Ask the customer "
        "for the long code the page shows after it."
    ),
    SetupTokenErrorKind.CODE_REFUSED: (
        "Ask the customer to open the current sign-in link again and send the new code."
    ),
    SetupTokenErrorKind.SERVICE_UNREACHABLE: (
        "The box cannot reach Anthropic's sign-in service: check its internet connection and "
        "DNS, then enter the code again."
    ),
    SetupTokenErrorKind.OTHER: "Ask the customer for a fresh code from the current link.",
}


def _echo_shows(status: SetupTokenStatus, code: Code) -> bool:
    """Has the pasted code arrived in claude's input field? 2.1.197 echoes it in clear, 2.1.332
    shows stars and the last 6 characters; both end with the code's last characters."""
    shown = status.prompt_input
    if not shown:
        return False
    compact = "".join(shown.split())
    return compact.endswith(code.reveal()[-6:])


def _paste_echo_shows(screen: ScreenText) -> bool:
    """Has the paste arrived in OpenClaw's input line? It echoes every character as `▪`."""
    lines = screen.screen
    for row in range(len(lines) - 1, -1, -1):
        if "Paste token for anthropic" in lines[row]:
            return any("▪" in line for line in lines[row + 1 :])
    return False
