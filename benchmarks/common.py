"""What the benchmarks share: a simulated fleet in another process, the customer, timing helpers.

Every figure in `run.py` measures clawtui's own process against simulated boxes that run in a
separate process (`clawtui sim`, or `fleet.py` for many identical boxes), so the simulator's CPU
time and memory never count as clawtui's. The customer's part is one HTTP request to the
simulated sign-in page, as in the end-to-end tests. Nothing here sleeps a guessed time: waits
are on a line of output, a future or a condition, each with a deadline.
"""

from __future__ import annotations

import asyncio
import atexit
import dataclasses
import html
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from clawtui.inventory import Box, load_inventory  # noqa: E402
from clawtui.openclaw import PROPOSED_MODEL  # noqa: E402
from clawtui.ssh import Output, ProcessEvent, SshConnection, connect  # noqa: E402


def hermetic_environment() -> None:
    """Keep the operator's ~/.ssh/config and ssh-agent out of the measurements (as the tests
    do), and send clawtui's own files (vault, audit log, config) to a folder of their own."""
    os.environ["CLAWTUI_SSH_CONFIG"] = os.devnull
    os.environ.pop("SSH_AUTH_SOCK", None)
    scratch = Path(tempfile.mkdtemp(prefix="clawtui-bench-state-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    os.environ.setdefault("CLAWTUI_CONFIG_DIR", str(scratch / "config"))
    os.environ.setdefault("CLAWTUI_STATE_DIR", str(scratch / "state"))
    os.environ.setdefault("CLAWTUI_OPERATOR", "benchmark")


# --------------------------------------------------------------------------------- statistics


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], fraction: float) -> float:
    """The `fraction` quantile (0..1) by nearest rank: a value that was actually measured."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def spread(values: Sequence[float], unit: str, scale: float = 1.0) -> str:
    """`n=…, min …, median …, p90 …, max …` for a context line."""
    shown = [value * scale for value in values]
    return (
        f"n={len(shown)}, min {min(shown):.2f}{unit}, median {median(shown):.2f}{unit}, "
        f"p90 {percentile(shown, 0.9):.2f}{unit}, max {max(shown):.2f}{unit}"
    )


# --------------------------------------------------------------------------------- the fleet


class BenchError(RuntimeError):
    """A figure could not be measured (not a missed goal: the measurement itself broke)."""


@dataclass
class Fleet:
    """Simulated boxes served by another process, and where their files are."""

    process: asyncio.subprocess.Process
    root: Path
    inventory: Path
    boxes: list[Box]
    output: list[str] = field(default_factory=list)
    #: How the simulated boxes share this machine's CPUs with clawtui (for the figures' notes).
    placement: str = ""
    #: What the simulator used, known once it stopped ("server 3.1 s, programs 55.8 s").
    cpu: str = "unknown"

    def box(self, name: str) -> Box:
        for box in self.boxes:
            if box.name == name:
                return box
        raise BenchError(f"no box {name!r} in {self.inventory}")

    def home(self, name: str) -> Path:
        # SimServer's layout: <root>/homes/<box>.
        return self.root / "homes" / name


async def _read_until(
    process: asyncio.subprocess.Process, needle: str, lines: list[str], timeout: float
) -> str:
    assert process.stdout is not None
    try:
        async with asyncio.timeout(timeout):
            while True:
                raw = await process.stdout.readline()
                if not raw:
                    break
                line = raw.decode(errors="replace").rstrip("\n")
                lines.append(line)
                if needle in line:
                    return line
    except TimeoutError:
        pass
    shown = "\n".join(lines[-20:])
    raise BenchError(f"the simulator never printed {needle!r}; its output:\n{shown}")


async def _stop(process: asyncio.subprocess.Process, grace: float = 15.0) -> None:
    """Interrupt the simulator (it then hangs up on every program it runs), kill it if stuck."""
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(process.wait(), grace)
    except TimeoutError:
        process.kill()
        await process.wait()


_SHARED = "simulated boxes at nice 15 (no CPU cgroups here: they compete with clawtui for the CPU)"
_GROUPED = (
    "the simulated boxes' programs in an idle CPU cgroup, their SSH server in one weighing 1/16 "
    "of clawtui"
)


@dataclass
class CpuGroup:
    """A CPU cgroup of the benchmark's own, for the simulated boxes (cgroup v1 or v2).

    Real boxes are machines of their own; here 100 simulated boxes share clawtui's two cores:
    one SSH server, and a Python process per program a box runs (some 700 in a batch, most of
    the simulator's CPU). At nice 15 they still took the CPU from clawtui: each PTY session is a
    scheduling autogroup of its own, and a hundred of them outweigh one nice-0 process, so
    clawtui's UI thread waited 8 s for a CPU in a 40 s batch (its `run_delay` in /proc). In
    groups (autogroups do not apply outside the root group) they use what clawtui leaves, as
    remote machines would: the programs run in an idle group (`cpu.idle`; fleet.py moves each
    there as it starts), and the server in a group of a 16th of a process's usual weight, above
    its programs (or a crowd of them would stall the handshakes of boxes still connecting) and
    below clawtui (measured: the UI thread then waits ~1.3 s of a batch instead of ~3). Making
    them needs write access to the cgroup tree (root, or a delegated subtree); without it
    everything stays at nice 15, and the notes say so.
    """

    path: Path

    @classmethod
    def make(cls, name: str, *settings: tuple[str, str]) -> CpuGroup | None:
        """A new group `name`, with the first of `settings` (file, value) the tree has."""
        for base in (Path("/sys/fs/cgroup/cpu"), Path("/sys/fs/cgroup")):
            if not (base / "cgroup.procs").exists():
                continue
            path = base / f"clawtui-bench-{os.getpid()}-{name}"
            try:
                path.mkdir(exist_ok=True)
            except OSError:
                continue
            for file, value in settings:
                try:
                    (path / file).write_text(f"{value}\n")
                except OSError:
                    continue
                return cls(path)
            _rmdir(path)
        return None

    @classmethod
    def idle(cls, name: str) -> CpuGroup | None:
        return cls.make(name, ("cpu.idle", "1"))

    @classmethod
    def light(cls, name: str) -> CpuGroup | None:
        # A 16th of the default: cpu.shares 1024 in v1, cpu.weight 100 in v2.
        return cls.make(name, ("cpu.shares", "64"), ("cpu.weight", "6"))

    def join(self, pid: int) -> bool:
        try:
            (self.path / "cgroup.procs").write_text(f"{pid}\n")
        except OSError:
            return False
        return True

    def remove(self) -> None:
        """Hand any process left (a program outliving the simulator) back, then remove it."""
        try:
            left = (self.path / "cgroup.procs").read_text().split()
            for pid in left:
                (self.path.parent / "cgroup.procs").write_text(f"{pid}\n")
        except OSError:
            pass
        _rmdir(self.path)


def _rmdir(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass


@asynccontextmanager
async def fleet(
    *,
    boxes: int = 1,
    time_scale: float = 1.0,
    generation: str = "2.1.332",
    demo: bool = False,
) -> AsyncIterator[Fleet]:
    """Serve simulated boxes in a separate process for the duration of the block.

    `demo=True`: the demo's fleet through `clawtui sim --dir` (the command an operator runs);
    otherwise `boxes` happy boxes `bench-NN` through `fleet.py`.
    """
    # The demo's fleet (a few boxes, one benchmark at a time) needs no groups.
    idle = None if demo else CpuGroup.idle("programs")
    server_group = CpuGroup.light("server") if idle is not None else None
    if idle is not None and server_group is None:
        idle.remove()  # both or neither: the programs alone idle would stall their server
        idle = None
    placement = _GROUPED if server_group is not None else _SHARED
    with tempfile.TemporaryDirectory(prefix="clawtui-bench-sim-") as temp:
        root = Path(temp)
        if demo:
            argv = [sys.executable, "-m", "clawtui", "sim", "--dir", str(root)]
            argv += ["--time-scale", str(time_scale)]
        else:
            argv = [sys.executable, str(BENCH_DIR / "fleet.py"), "--dir", str(root)]
            argv += ["--boxes", str(boxes), "--time-scale", str(time_scale)]
            argv += ["--generation", generation]
            if idle is not None:
                argv += ["--idle-cgroup", str(idle.path)]
        env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT))
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=str(ROOT),
        )
        # At once: the server starts programs only when a session opens, long after this.
        if server_group is not None and not server_group.join(process.pid):
            placement = _SHARED
        lines: list[str] = []
        try:
            line = await _read_until(process, "Inventory:", lines, timeout=60.0)
            inventory = Path(line.split("Inventory:", 1)[1].strip())
            if not demo:
                await _read_until(process, "Ready", lines, timeout=60.0)
            listed = load_inventory(inventory)
            if not demo:
                # Operators onboarding a fleet name the model to switch to, as the README says:
                # every onboarding then ends Ready, switching OpenClaw's default model on the way.
                listed = [dataclasses.replace(b, default_model=PROPOSED_MODEL) for b in listed]
            served = Fleet(process, root, inventory, listed, lines, placement)
            yield served
        finally:
            await _stop(process)
            for group in (idle, server_group):
                if group is not None:
                    group.remove()
        rest = (await process.stdout.read()).decode(errors="replace") if process.stdout else ""
        used = [line for line in rest.splitlines() if line.startswith("CPU:")]
        if used:
            served.cpu = used[-1].removeprefix("CPU:").strip()


# --------------------------------------------------------------------------------- the customer

_CODE = re.compile(r'<code id="auth-code">(.*?)</code>', re.S)


def _fetch_code(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
        page = response.read().decode("utf-8")
    match = _CODE.search(page)
    if match is None:
        raise BenchError("the simulated sign-in page shows no code")
    return html.unescape(match.group(1)).strip()


async def code_from_page(url: str) -> str:
    """The CODE#STATE the customer reads after opening `url` (blocking I/O kept off the loop)."""
    return await asyncio.to_thread(_fetch_code, url)


# --------------------------------------------------------------------------------- timing SSH


@dataclass
class Chunk:
    """An output chunk as the runner's pump received it."""

    received: float  # time.perf_counter()
    pane_started: int  # index of the PTY session it belongs to (0, 1, … in start order)
    data: bytes


class _TimedProcess:
    """A `PtyProcess` whose output events are timestamped the moment the consumer gets them."""

    def __init__(self, process: Any, index: int, chunks: list[Chunk]) -> None:
        self._process = process
        self._index = index
        self._chunks = chunks

    def __getattr__(self, name: str) -> Any:
        return getattr(self._process, name)

    async def events(self) -> AsyncIterator[ProcessEvent]:
        async for event in self._process.events():
            if isinstance(event, Output):
                self._chunks.append(Chunk(time.perf_counter(), self._index, event.data))
            yield event


class _TimedConnection:
    """An `SshConnection` whose PTY sessions report when each output chunk reaches the runner."""

    def __init__(self, connection: SshConnection, sessions: list[list[Chunk]]) -> None:
        self._connection = connection
        self._sessions = sessions

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    async def open_pty(self, command: str | None, **kwargs: Any) -> Any:
        process = await self._connection.open_pty(command, **kwargs)
        chunks: list[Chunk] = []
        self._sessions.append(chunks)
        return _TimedProcess(process, len(self._sessions) - 1, chunks)


def timed_connector(
    sessions: list[list[Chunk]],
) -> Callable[..., Any]:
    """A `Runner(connector=...)` that records every PTY session's output chunks in `sessions`."""

    async def connector(box: Box, **kwargs: Any) -> Any:
        return _TimedConnection(await connect(box, **kwargs), sessions)

    return connector


# --------------------------------------------------------------------------------- sim delays

_IN_MODIFY = 0x00000002
_IN_CREATE = 0x00000100
_IN_NONBLOCK = os.O_NONBLOCK
_IN_CLOEXEC = os.O_CLOEXEC


class DelayWatch:
    """When each built-in delay of a simulated box started, and so how long the box was busy.

    The simulated programs append each delay (seconds) to `delays_log(HOME)` right before they
    wait it. Their plain sum overstates the box's share of an onboarding, because clawtui works
    while some of them run (it starts OpenClaw while `claude` lingers after printing the token).
    Linux inotify tells this process the moment a line is appended, so each delay becomes an
    interval [appended, appended + seconds], and `busy(start, end)` is the measure of their
    union: the time the box was waiting on purpose, whatever clawtui did meanwhile.
    """

    def __init__(self, log: Path) -> None:
        self.log = log
        self.intervals: list[tuple[float, float]] = []
        self.total = 0.0  # the plain sum, for comparison
        self._offset = log.stat().st_size if log.exists() else 0
        self._fd = -1

    def start(self) -> None:
        import ctypes
        import ctypes.util

        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        fd = libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
        if fd < 0:
            raise BenchError("inotify is not available: this benchmark needs Linux")
        folder = str(self.log.parent).encode()
        if libc.inotify_add_watch(fd, folder, _IN_MODIFY | _IN_CREATE) < 0:
            os.close(fd)
            raise BenchError(f"cannot watch {self.log.parent} with inotify")
        self._fd = fd
        asyncio.get_running_loop().add_reader(fd, self._on_event)

    def _on_event(self) -> None:
        now = time.perf_counter()
        try:
            while os.read(self._fd, 65536):
                pass
        except BlockingIOError:
            pass
        self._read_new(now)

    def _read_new(self, now: float) -> None:
        try:
            with self.log.open("rb") as log:
                log.seek(self._offset)
                data = log.read()
        except FileNotFoundError:
            return
        complete = data[: data.rfind(b"\n") + 1]
        self._offset += len(complete)
        for line in complete.splitlines():
            if line.strip():
                seconds = float(line)
                self.total += seconds
                self.intervals.append((now, now + seconds))

    def stop(self) -> None:
        if self._fd >= 0:
            asyncio.get_running_loop().remove_reader(self._fd)
            self._on_event()
            os.close(self._fd)
            self._fd = -1

    def busy(self, start: float, end: float) -> float:
        """Seconds within [start, end] covered by at least one delay."""
        covered = 0.0
        reach = start
        for first, last in sorted(self.intervals):
            first, last = max(first, reach), min(last, end)
            if last > first:
                covered += last - first
                reach = last
        return covered


def rss_mb() -> float:
    """This process's peak resident set size so far, in MB (Linux reports ru_maxrss in KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_delay_s() -> float | None:
    """How long the calling thread has waited, runnable, for a CPU so far (Linux schedstat): the
    part of a UI's lateness that is the machine's, not the UI's own work. None if unknown."""
    try:
        return int(Path("/proc/thread-self/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None
