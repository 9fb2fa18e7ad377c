"""The fleet: every box being onboarded, in one place, for the TUI and a headless batch alike.

A support engineer onboards one box; onboarding staff start dozens at once. Either way the same
questions come up, and they are answered here rather than in a screen: which boxes run, which
wait their turn, which have a link ready for the customer, which need attention; to which box a
pasted CODE#STATE belongs; which links are ready to send out as a list.

The parallel limit (`max_parallel`) is a limit on *starting* work: a box holds one of the slots
from the moment it starts until its sign-in link is shown (or it ends, or fails). Waiting for the
customer's code does not hold a slot, so slow customers never starve the batch; and a box whose
code arrives carries on at once, so a customer on the call is never kept waiting behind others.

No Textual here: a face (the TUI, a headless batch, a test) passes a `FleetListener` to hear
about changes and a `Launcher` that runs each box's coroutine (a Textual worker, an asyncio task).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from . import flow as f
from .audit import AuditLog
from .audit_steps import AuditStep
from .errors import ClawError
from .inventory import DEFAULT_MAX_PARALLEL, Box
from .oauth import CodeError, normalize_code
from .runner import Runner, RunnerListener
from .terminal import TerminalModel
from .vault import Vault

#: The phases of a box that is working its way to a sign-in link: these hold a slot.
_BEFORE_LINK = frozenset({f.Phase.IDLE, f.Phase.CONNECTING, f.Phase.STARTING})


class Standing(StrEnum):
    """Where a box stands in the batch, for the queue panel's counts."""

    WAITING = "waiting"  # queued: its turn has not come
    RUNNING = "running"  # holds a slot: connecting, starting, up to its link
    LINK_READY = "link ready"  # the customer has the link; no slot held
    WORKING = "working"  # after the code (token, paste, checks); no slot held
    DONE = "done"  # ended, well or not


class FleetListener:
    """What a face hears from the fleet. All no-ops here."""

    def on_started(self, box: BoxOnboarding, *, resume: bool) -> None:
        """The box's turn came and its runner starts (`resume`: from the vault)."""

    def on_effect(self, box: BoxOnboarding, effect: f.Effect) -> None:
        """An effect of the box's flow, after its runner performed it."""

    def on_pane(self, box: BoxOnboarding, pane: f.PaneName, model: TerminalModel) -> None:
        """A program started in one of the box's panes, drawn by this (fresh) model."""

    def on_output(self, box: BoxOnboarding, pane: f.PaneName) -> None:
        """The pane's model was fed new output."""

    def on_changed(self, box: BoxOnboarding) -> None:
        """Something a list of boxes shows of this box changed (state, standing, attention)."""


#: Runs a box's coroutine to its end: a Textual worker in the TUI, an asyncio task elsewhere.
Launcher = Callable[["BoxOnboarding", Awaitable[None]], None]
#: Makes the Runner of a box; the fleet's onboarding is its listener.
RunnerFactory = Callable[[Box, RunnerListener], Runner]


@dataclass(frozen=True)
class LinkRow:
    """A sign-in link ready to send: for the list the operator copies out."""

    box: str
    customer: str
    url: str


@dataclass(frozen=True)
class Routed:
    """Where a CODE#STATE went: `box` is None when it went nowhere; `message` says why."""

    box: str | None
    message: str


@dataclass(frozen=True)
class Counts:
    waiting: int = 0
    running: int = 0
    link_ready: int = 0
    working: int = 0
    done: int = 0

    def __str__(self) -> str:
        parts = [f"{self.running} running", f"{self.waiting} waiting"]
        if self.link_ready:
            parts.append(f"{self.link_ready} link ready")
        if self.working:
            parts.append(f"{self.working} finishing")
        parts.append(f"{self.done} done")
        return " / ".join(parts)


class BoxOnboarding(RunnerListener):
    """One box's onboarding: its Runner, and what a face shows of it."""

    def __init__(self, fleet: Fleet, box: Box, runner_factory: RunnerFactory) -> None:
        self.fleet = fleet
        self.box = box
        self.runner = runner_factory(box, self)
        self.queued = False  # waiting for a slot
        self.running = False  # its runner's coroutine is alive
        self.url_shown_at: float | None = None
        self.link_changed = False  # the link shown is not the first one: the old one is useless
        self.attention = False  # needs the operator: a link to send, or a failure
        self.error: str | None = None  # the runner itself stopped with this
        #: The flow's latest notes and refused codes, (level, message), newest last.
        self.notes: deque[tuple[str, str]] = deque(maxlen=6)
        self.notes_total = 0  # how many notes ever came: a face can tell a new one

    @property
    def name(self) -> str:
        return self.box.name

    @property
    def flow(self) -> f.Flow:
        return self.runner.flow

    @property
    def standing(self) -> Standing:
        if self.queued:
            return Standing.WAITING
        if self.error is not None or self.flow.done or not self.running:
            return Standing.DONE
        if self.flow.phase in _BEFORE_LINK:
            return Standing.RUNNING
        if self.flow.phase == f.Phase.WAITING_CODE:
            return Standing.LINK_READY
        return Standing.WORKING

    @property
    def holds_slot(self) -> bool:
        return self.standing is Standing.RUNNING

    @property
    def state_label(self) -> str:
        """A few words for a list's status column."""
        if self.queued:
            return "waiting its turn"
        if self.error:
            return "error"
        flow = self.flow
        match flow.phase:
            case f.Phase.IDLE:
                return "starting" if self.running else "not started"
            case f.Phase.WAITING_CODE:
                return "link ready"
            case f.Phase.VERIFIED:
                return "ready, expiring" if flow.after.expiring else "ready"
            case f.Phase.NOT_IN_USE:
                return "stored, not in use"
            case f.Phase.FAILED:
                step = flow.failure.step.value if flow.failure else ""
                return f"failed: {step}"
        return flow.phase.value

    @property
    def link_age(self) -> float | None:
        if self.url_shown_at is None:
            return None
        return self.runner.clock() - self.url_shown_at

    @property
    def ready_link(self) -> str | None:
        """The sign-in link to send the customer, while the box waits for their code."""
        flow = self.flow
        if flow.phase == f.Phase.WAITING_CODE and flow.url is not None:
            return flow.url.url
        return None

    # ---------------------------------------------------------------- RunnerListener

    def on_pane(self, runner: Runner, pane: f.PaneName, model: TerminalModel) -> None:
        self.fleet.listener.on_pane(self, pane, model)

    def on_output(self, runner: Runner, pane: f.PaneName) -> None:
        self.fleet.listener.on_output(self, pane)

    def on_effect(self, runner: Runner, effect: f.Effect) -> None:
        match effect:
            case f.UrlReady(changed=changed):
                self.url_shown_at = runner.clock()
                self.link_changed = changed
                self.attention = True
            case f.AskModel():
                self.attention = True
            case f.Finished(failure=None):
                self.attention = False
            case f.Finished():
                self.attention = True
            case f.Audit(step=AuditStep.CODE_SENT):
                self.attention = False
            case f.Notify(message=message, level=level):
                self._note(level, message)
            case f.CodeRejected(message=message):
                self._note("error", message)
            case _:
                pass
        self.fleet.listener.on_effect(self, effect)

    def _note(self, level: str, message: str) -> None:
        self.notes.append((level, message))
        self.notes_total += 1

    def on_change(self, runner: Runner) -> None:
        self.fleet.changed(self)

    # ---------------------------------------------------------------- life

    async def serve(self, *, resume: bool) -> None:
        """Run the box's onboarding and serve its recoveries until the runner is closed."""
        try:
            await self.runner.serve(resume=resume)
        except ClawError as error:
            self.error = str(error)
            self.attention = True
        finally:
            self.running = False
            self.fleet.changed(self)


class Fleet:
    """Every box's onboarding, the batch queue, and the routing of codes to boxes."""

    def __init__(
        self,
        boxes: Sequence[Box],
        *,
        vault: Vault,
        audit: AuditLog,
        listener: FleetListener | None = None,
        launcher: Launcher | None = None,
        runner_factory: RunnerFactory | None = None,
        max_parallel: int = DEFAULT_MAX_PARALLEL,
    ) -> None:
        if max_parallel < 1:
            raise ValueError("max_parallel must be at least 1")
        #: The inventory, looked up when a box's onboarding is made (it may be edited meanwhile).
        self.boxes = boxes
        self.vault = vault
        self.audit = audit
        self.listener = listener or FleetListener()
        self.max_parallel = max_parallel
        self._launch = launcher or self._launch_task
        self._make_runner = runner_factory or self._default_runner
        self.onboardings: dict[str, BoxOnboarding] = {}
        self._queue: list[str] = []  # names waiting for a slot, in the order they were started
        self._tasks: set[asyncio.Task[None]] = set()

    def _launch_task(self, onboarding: BoxOnboarding, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _default_runner(self, box: Box, listener: RunnerListener) -> Runner:
        return Runner(box, vault=self.vault, audit=self.audit, listener=listener)

    # ---------------------------------------------------------------- boxes

    def get(self, name: str) -> BoxOnboarding | None:
        return self.onboardings.get(name)

    def onboarding(self, name: str) -> BoxOnboarding:
        """The onboarding of a box, created (not started) on first use."""
        current = self.onboardings.get(name)
        if current is None:
            box = next((box for box in self.boxes if box.name == name), None)
            if box is None:
                raise KeyError(name)
            current = BoxOnboarding(self, box, self._make_runner)
            self.onboardings[name] = current
        return current

    def start(self, names: Iterable[str]) -> list[BoxOnboarding]:
        """Queue these boxes (in this order) and start as many as the limit allows. A box that is
        already running or queued is left as it is."""
        started: list[BoxOnboarding] = []
        for name in names:
            onboarding = self.onboarding(name)
            if onboarding.running or onboarding.queued:
                continue
            onboarding.queued = True
            onboarding.error = None
            self._queue.append(name)
            started.append(onboarding)
        self._fill_slots()
        for onboarding in started:
            self.listener.on_changed(onboarding)
        return started

    def changed(self, onboarding: BoxOnboarding) -> None:
        """A box's state moved on: a slot may have freed up."""
        self._fill_slots()
        self.listener.on_changed(onboarding)

    def _fill_slots(self) -> None:
        if not self._queue:
            # Nothing waits (most changes of a batch): no need to count the slots held, which
            # asks every box of the fleet, on every change of any box.
            return
        busy = sum(1 for onboarding in self.onboardings.values() if onboarding.holds_slot)
        while self._queue and busy < self.max_parallel:
            onboarding = self.onboardings[self._queue.pop(0)]
            onboarding.queued = False
            onboarding.running = True
            busy += 1
            resume = self.vault.load(onboarding.name) is not None
            self.listener.on_started(onboarding, resume=resume)
            self._launch(onboarding, onboarding.serve(resume=resume))
            self.listener.on_changed(onboarding)

    def counts(self) -> Counts:
        tally = dict.fromkeys(Standing, 0)
        for onboarding in self.onboardings.values():
            tally[onboarding.standing] += 1
        return Counts(
            waiting=tally[Standing.WAITING],
            running=tally[Standing.RUNNING],
            link_ready=tally[Standing.LINK_READY],
            working=tally[Standing.WORKING],
            done=tally[Standing.DONE],
        )

    # ---------------------------------------------------------------- codes and links

    def route_code(self, text: str) -> Routed:
        """A code pasted into the batch-wide field: send it to the box whose link it belongs
        to (the link's `state` names it)."""
        try:
            code = normalize_code(text)
        except CodeError as error:
            return Routed(None, str(error))
        for name, onboarding in self.onboardings.items():
            flow = onboarding.flow
            if flow.awaiting_code and flow.url is not None and flow.url.state == code.state:
                onboarding.runner.enter_code(text)
                return Routed(name, f"Sent to {name}.")
        return Routed(
            None,
            "No box is waiting for a code from this link (its #STATE matches none of the open "
            "links). Check that the customer used the newest link you sent.",
        )

    def ready_links(self) -> list[LinkRow]:
        """Every link ready to send, in inventory order."""
        rows: list[LinkRow] = []
        for box in self.boxes:
            onboarding = self.onboardings.get(box.name)
            url = onboarding.ready_link if onboarding is not None else None
            if url is not None:
                rows.append(LinkRow(box.name, box.customer, url))
        return rows

    # ---------------------------------------------------------------- end

    async def close(self) -> None:
        self._queue.clear()
        for onboarding in list(self.onboardings.values()):
            onboarding.queued = False
            await onboarding.runner.close()
        for task in list(self._tasks):
            task.cancel()
