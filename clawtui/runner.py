"""The Runner: where the flow's effects meet SSH, the terminal models, the vault and the audit log.

One Runner per box being onboarded. It owns the SSH connection, one `TerminalModel` per pane
(`setup` for `claude setup-token`, `paste` for OpenClaw), and the event queue of its `Flow`.
Output is fed to a pane's model the moment it arrives; the flow then reads a fresh snapshot
(one per turn of the loop, however many chunks arrived, so a flood costs one parse). The loop
waits on its queue with the flow's next deadline as timeout: it reacts to output at once and
never sleeps a guessed time.

The TUI and `clawtui onboard` both drive a Runner; they differ only in their `RunnerListener`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from . import flow as f
from .audit import AuditLog
from .audit_steps import FAILED, AuditStep
from .errors import ClawError, DisconnectedError, DisplayError, HostKeyUnknownError
from .inventory import Box
from .keys import encode_paste
from .recording import Recorder, recordings_dir
from .secret import Code, Token
from .ssh import Disconnected, Exited, Output, PtyProcess, SshConnection, connect
from .terminal import TerminalModel, display_error
from .vault import Vault, VaultError

# Feeding pyte is pure Python (~0.5 MB/s): feed big chunks in slices and let the event loop
# breathe in between, so the UI stays responsive while a pane floods.
FEED_SLICE = 16 * 1024


@dataclass(frozen=True)
class _PaneChanged:
    """Internal: a pane's model was fed; the flow should look at it (coalesced)."""

    pane: f.PaneName


class RunnerListener:
    """What a face (TUI screen, headless command, test) hears from a Runner. All no-ops here."""

    def on_effect(self, runner: Runner, effect: f.Effect) -> None:
        """Every effect the flow produced, after the runner performed it."""

    def on_pane(self, runner: Runner, pane: f.PaneName, model: TerminalModel) -> None:
        """A program started in `pane`, drawn by this (fresh) model."""

    def on_output(self, runner: Runner, pane: f.PaneName) -> None:
        """The pane's model was fed new output."""

    def on_change(self, runner: Runner) -> None:
        """The flow handled an event (its phase, steps or URL may have changed)."""


Connector = Callable[..., Awaitable[SshConnection]]


class Runner:
    def __init__(
        self,
        box: Box,
        *,
        vault: Vault | None = None,
        audit: AuditLog | None = None,
        listener: RunnerListener | None = None,
        timeouts: f.Timeouts | None = None,
        connector: Connector = connect,
        size: tuple[int, int] = (120, 40),
        accept_new_host_key: bool = False,
        clock: Callable[[], float] = time.monotonic,
        recordings: Path | None = None,
    ) -> None:
        self.box = box
        self.vault = vault if vault is not None else Vault()
        self.audit = audit if audit is not None else AuditLog()
        self.listener = listener or RunnerListener()
        self.flow = f.Flow(box, timeouts or f.Timeouts())
        self.models: dict[f.PaneName, TerminalModel] = {}
        self.sizes: dict[f.PaneName, tuple[int, int]] = {f.SETUP: size, f.PASTE: size}
        self.accept_new_host_key = accept_new_host_key
        #: Set by the operator after confirming an unknown host key's fingerprint.
        self.accepted_fingerprint: str | None = None
        self._connector = connector
        self.clock = clock
        self._queue: asyncio.Queue[f.Event | _PaneChanged] = asyncio.Queue()
        self._pending_screens: set[f.PaneName] = set()
        self._conn: SshConnection | None = None
        self._procs: dict[f.PaneName, PtyProcess] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._pumps: dict[f.PaneName, asyncio.Task[None]] = {}
        self._closed = False
        self._audit_failed = False
        self.finished = asyncio.Event()
        self.outcome: f.Finished | None = None
        # Masked recordings of the panes (recording.py): in `recordings`, else beside the audit
        # log; none for a box with `record = false`.
        self.recorder: Recorder | None = None
        if box.record:
            folder = recordings or recordings_dir(self.audit.path.parent)
            self.recorder = Recorder(folder, box.name)

    # ---------------------------------------------------------------- operator side

    def post(self, event: f.Event) -> None:
        self._queue.put_nowait(event)

    def enter_code(self, text: str) -> None:
        self.post(f.CodeEntered(text))

    def act(self, recovery: f.Recovery) -> None:
        self.finished.clear()
        self.outcome = None
        self.post(f.Act(recovery))

    def abort(self, reason: str) -> None:
        self.post(f.Abort(reason))

    def write(self, pane: f.PaneName, data: bytes) -> None:
        """Keys the operator typed into a pane, or the model's replies to terminal queries."""
        process = self._procs.get(pane)
        if process is not None:
            process.write(data)

    def resize(self, pane: f.PaneName, columns: int, lines: int) -> None:
        self.sizes[pane] = (columns, lines)
        model = self.models.get(pane)
        if model is not None and (model.columns, model.lines) != (columns, lines):
            model.resize(columns, lines)
            self._mark_changed(pane)
        process = self._procs.get(pane)
        if process is not None:
            process.resize(columns, lines)
        writer = self.recorder.writer(pane) if self.recorder is not None else None
        if writer is not None:
            writer.resize(columns, lines)

    # ---------------------------------------------------------------- the loop

    async def run(self, *, resume: bool = False) -> f.Finished:
        """Onboard the box; returns at the first end (verified or failed). After `act()`, call
        `resume_loop()` to carry on with the chosen recovery."""
        self._begin(resume)
        return await self.resume_loop()

    async def resume_loop(self) -> f.Finished:
        await self._loop(until_finished=True)
        assert self.outcome is not None
        return self.outcome

    async def serve(self, *, resume: bool = False) -> None:
        """Onboard the box and keep serving recoveries until `close()` (the TUI's way)."""
        self._begin(resume)
        await self._loop(until_finished=False)

    def _begin(self, resume: bool) -> None:
        token = None
        if resume:
            entry = self.vault.load(self.box.name)
            if entry is None:
                raise ClawError(
                    f"There is no captured token for {self.box.name} in the vault "
                    f"({self.vault.folder}), so there is nothing to resume. Run the onboarding "
                    "without --resume to sign in again."
                )
            token = entry.token
        self.finished.clear()
        self.outcome = None
        # A box that was ready before is being renewed: same flow, the audit says so.
        self.flow.renewal = self.box.name in self.audit.last_ready()
        self.post(f.Begin(token))

    async def _loop(self, *, until_finished: bool) -> None:
        while not self._closed:
            if until_finished and self.outcome is not None and self._queue.empty():
                return
            timeout = None
            if self.flow.deadline is not None:
                timeout = max(0.0, self.flow.deadline - self.clock())
            try:
                item = await asyncio.wait_for(self._queue.get(), timeout)
            except TimeoutError:
                item = f.Tick()
            if isinstance(item, _PaneChanged):
                self._pending_screens.discard(item.pane)
                model = self.models.get(item.pane)
                if model is None:
                    continue
                event: f.Event = f.PaneScreen(item.pane, model.snapshot())
            else:
                event = item
            await self._handle(event)

    async def _handle(self, event: f.Event) -> None:
        effects = self.flow.handle(event, self.clock())
        for effect in effects:
            follow_up = await self._perform(effect)
            self.listener.on_effect(self, effect)
            if follow_up is not None:
                # Results of synchronous effects (the vault) go in before anything else happens.
                for extra in self.flow.handle(follow_up, self.clock()):
                    await self._perform(extra)
                    self.listener.on_effect(self, extra)
        self.listener.on_change(self)

    async def _perform(self, effect: f.Effect) -> f.Event | None:
        match effect:
            case f.Connect():
                self._spawn(self._do_connect())
            case f.Start(pane=pane, command=command):
                await self._start(pane, command)
            case f.Close(pane=pane):
                await self._close_pane(pane)
            case f.Paste(pane=pane, secret=secret):
                self._record_secret(secret)  # before the box can echo it
                self.write(pane, encode_paste(secret.reveal(), bracketed=True))
            case f.Send(pane=pane, data=data):
                self.write(pane, data)
            case f.StoreToken(token=token):
                # In a thread: the writes are fsynced, which can take the disk tens of
                # milliseconds, and the event loop feeds every pane and draws the UI.
                try:
                    await asyncio.to_thread(self.vault.store, self.box.name, token)
                except VaultError as error:
                    return f.StoreFailed(error)
                return f.Stored()
            case f.DeleteToken():
                try:
                    await asyncio.to_thread(self.vault.delete, self.box.name)
                except OSError as error:  # verified anyway; a leftover file is only noted
                    self._record(AuditStep.TOKEN_DELETED, FAILED, error.strerror or "", None)
            case f.RunStatus(command=command):
                self._spawn(self._do_status(command))
            case f.RunCommand(purpose=purpose, command=command):
                self._spawn(self._do_command(purpose, command))
            case f.Audit(step=step, outcome=outcome, reason=reason, token=token):
                if token is not None:
                    self._record_secret(token)
                self._record(step, outcome, reason, token)
            case f.Finished():
                self.outcome = effect
                self.finished.set()
            case _:
                pass  # UrlReady, CodeRejected, Notify: for the listener only
        return None

    def _record(
        self, step: AuditStep, outcome: str, reason: str | None, token: Token | None
    ) -> None:
        """One audit line. A state folder that broke mid-run (disk full, a file in the way)
        must not end the onboarding with a captured token in memory: say it once, go on."""
        try:
            self.audit.record(
                self.box.name,
                step,
                outcome,
                reason=reason,
                token_fingerprint=token.fingerprint if token is not None else None,
                recordings=self._recordings(),
            )
        except OSError as error:
            if not self._audit_failed:
                self._audit_failed = True
                message = (
                    f"Could not write the audit log {self.audit.path} "
                    f"({error.strerror or error}); the onboarding goes on without it."
                )
                self.listener.on_effect(self, f.Notify(message, "warning"))

    # ---------------------------------------------------------------- SSH work

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _do_connect(self) -> None:
        if self._conn is not None and not self._conn.closed:
            self.post(f.Connected())
            return
        # With --accept-new-host-key every hop may be new (a jump host, then the box behind
        # it): each unknown key is accepted in turn, at most once per hop and the box.
        hops = len([hop for hop in self.box.jump.split(",") if hop.strip()]) + 1
        for _ in range(hops):
            try:
                self._conn = await self._connector(
                    self.box, accept_host_key=self.accepted_fingerprint
                )
            except HostKeyUnknownError as error:
                if not self.accept_new_host_key or error.fingerprint == self.accepted_fingerprint:
                    self.post(f.ConnectFailed(error))
                    return
                self.accepted_fingerprint = error.fingerprint
                continue
            except ClawError as error:
                self.post(f.ConnectFailed(error))
                return
            self.post(f.Connected())
            return
        try:
            self._conn = await self._connector(self.box, accept_host_key=self.accepted_fingerprint)
        except ClawError as error:
            self.post(f.ConnectFailed(error))
            return
        self.post(f.Connected())

    async def _start(self, pane: f.PaneName, command: str) -> None:
        await self._close_pane(pane)
        if self._conn is None or self._conn.closed:
            self.post(f.Dropped("the connection is closed"))
            return
        columns, lines = self.sizes[pane]
        # The model answers the program's terminal queries (DA1, cursor position) directly.
        model = TerminalModel(columns, lines, respond=functools.partial(self.write, pane))
        self.models[pane] = model
        self._record_start(pane, columns, lines)
        self.listener.on_pane(self, pane, model)
        try:
            process = await self._conn.open_pty(command, columns=columns, lines=lines)
        except ClawError as error:
            if self._conn.closed or isinstance(error, DisconnectedError):
                # The link died under us (e.g. right after the token was printed): a drop.
                self.post(f.Dropped(self._conn.disconnect_reason or "the connection closed"))
            else:
                self.post(f.PaneFailed(pane, error))
            return
        self._procs[pane] = process
        self._pumps[pane] = asyncio.ensure_future(self._guarded_pump(pane, process, model))

    async def _guarded_pump(
        self, pane: f.PaneName, process: PtyProcess, model: TerminalModel
    ) -> None:
        """`_pump`, whose failure fails the flow at once instead of leaving it to time out."""
        try:
            await self._pump(pane, process, model)
        except Exception as error:  # noqa: BLE001 - whatever broke, the flow must hear of it
            failure = (
                error
                if isinstance(error, DisplayError)
                else display_error(error, f"the {pane} pane")
            )
            if model.error is None:
                model.show_failure(failure)
            # Nobody reads the program's output any more: stop it.
            if self._procs.get(pane) is process:
                del self._procs[pane]
            self._pumps.pop(pane, None)
            self.post(f.PaneFailed(pane, failure))
            with contextlib.suppress(Exception):  # it may be what failed
                self.listener.on_output(self, pane)  # the pane now shows the display error
            await process.close()

    async def _pump(self, pane: f.PaneName, process: PtyProcess, model: TerminalModel) -> None:
        async for event in process.events():
            match event:
                case Output(data=data):
                    self._record_output(pane, data)
                    for start in range(0, len(data), FEED_SLICE):
                        model.feed(data[start : start + FEED_SLICE])
                        self.listener.on_output(self, pane)
                        self._mark_changed(pane)
                        # Queued chunks come without a pause: let the UI and the flow run.
                        await asyncio.sleep(0)
                case Exited(status=status, signal=signal):
                    self._mark_changed(pane)
                    self.post(f.PaneExited(pane, status, signal))
                case Disconnected(reason=reason):
                    self._mark_changed(pane)
                    self.post(f.Dropped(reason))

    def _mark_changed(self, pane: f.PaneName) -> None:
        if pane not in self._pending_screens:
            self._pending_screens.add(pane)
            self._queue.put_nowait(_PaneChanged(pane))

    async def _close_pane(self, pane: f.PaneName) -> None:
        process = self._procs.pop(pane, None)
        if process is not None:
            await process.close()
        pump = self._pumps.pop(pane, None)
        if pump is not None and not pump.done():
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
        if self.recorder is not None:
            self.recorder.close(pane)

    async def _do_status(self, command: str) -> None:
        if self._conn is None or self._conn.closed:
            self.post(f.Dropped("the connection is closed"))
            return
        try:
            result = await self._conn.run(command, timeout=self.flow.timeouts.verify)
        except ClawError as error:
            self.post(f.StatusFailed(error))
            return
        self.post(f.StatusResult(result.exit_status, result.stdout))

    async def _do_command(self, purpose: f.CommandPurpose, command: str) -> None:
        """A non-interactive OpenClaw command after the paste: stdout and stderr kept apart."""
        if self._conn is None or self._conn.closed:
            self.post(f.Dropped("the connection is closed"))
            return
        try:
            result = await self._conn.run(command, timeout=self.flow.timeouts.verify)
        except ClawError as error:
            self.post(f.CommandFailed(purpose, error))
            return
        self.post(f.CommandResult(purpose, result.exit_status, result.stdout, result.stderr))

    def choose_model(self, model: str | None) -> None:
        """The operator's answer to `AskModel`: switch to `model`, or keep (None)."""
        self.post(f.ModelChosen(model))

    async def close(self) -> None:
        """Stop everything: panes, background work, the connection. Idempotent."""
        self._closed = True
        for pane in list(self._procs):
            await self._close_pane(pane)
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
        if self.recorder is not None:
            self.recorder.close_all()

    # ---------------------------------------------------------------- recordings

    def _record_start(self, pane: f.PaneName, columns: int, lines: int) -> None:
        if self.recorder is None:
            return
        try:
            self.recorder.open(pane, columns, lines)
        except OSError:
            # A full disk or a read-only state folder must not stop an onboarding.
            self.recorder = None

    def _record_output(self, pane: f.PaneName, data: bytes) -> None:
        writer = self.recorder.writer(pane) if self.recorder is not None else None
        if writer is None:
            return
        try:
            writer.write(data)
        except OSError:
            self.recorder = None

    def _record_secret(self, secret: Token | Code) -> None:
        if self.recorder is not None:
            # The code's secret half (its #STATE is in the link anyway), or the whole token.
            self.recorder.add_secret(secret.code if isinstance(secret, Code) else secret.reveal())

    def _recordings(self) -> tuple[str, ...] | None:
        if self.recorder is None or not self.recorder.paths:
            return None
        return tuple(str(path) for path in self.recorder.paths)
