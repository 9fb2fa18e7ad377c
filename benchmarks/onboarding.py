"""What clawtui adds to an onboarding: its own time, how fast it spots the link, how it scales.

An onboarding mostly waits on the box (`claude` starting, the sign-in exchange, `openclaw`
saving, `openclaw models status`): seconds clawtui cannot shorten. These figures measure what it
can, against simulated boxes served by another process (`fleet.py`) with realistic delays
(time_scale 1), the customer answering at once through the simulated sign-in page:

- `flow_overhead_s`: an onboarding's wall time minus the simulator's built-in delays (which each
  simulated program appends to `delays_log(HOME)`), median of 5.
- `url_detect_ms`: from the moment the runner's pump received the output chunk that completed
  the sign-in link (with its prompt) to the headless printer's `Sign-in URL:` line.
- `batch20_wall_ratio`, `batch20_rss_mb`: 20 onboardings at once in one process, wall time over
  one alone, and this process's peak RSS.

Each onboarding drives the same `Runner` and `LinePrinter` as `clawtui onboard`; only standard
input is replaced by the customer (an HTTP fetch of the sign-in page), and for `url_detect_ms`
the SSH connection is wrapped to timestamp each output chunk as the runner receives it.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from common import (
    BenchError,
    Chunk,
    DelayWatch,
    Fleet,
    code_from_page,
    fleet,
    median,
    rss_mb,
    spread,
    timed_connector,
)

from clawtui import flow as f
from clawtui.audit import AuditLog
from clawtui.headless import LinePrinter
from clawtui.oauth import read_setup_token
from clawtui.runner import Runner
from clawtui.sim.config import delays_log
from clawtui.terminal import TerminalModel
from clawtui.vault import Vault

#: Realistic: the simulated programs wait as long as the real ones.
TIME_SCALE = 1.0
#: Longest an onboarding may take before the benchmark gives up on it.
ONBOARD_TIMEOUT = 120.0
URL_LINE = "Sign-in URL: "


class _StampedOutput(io.StringIO):
    """The headless command's output stream, noting when each `Sign-in URL:` line is written."""

    def __init__(self) -> None:
        super().__init__()
        self.url_lines: list[float] = []
        self.url_printed = asyncio.Event()

    def write(self, text: str) -> int:
        if text.startswith(URL_LINE):
            self.url_lines.append(time.perf_counter())
            self.url_printed.set()
        return super().write(text)


class _Customer(LinePrinter):
    """`clawtui onboard`'s printer, with the customer typing each code the moment a link shows."""

    def __init__(self, out: io.StringIO) -> None:
        super().__init__(out)
        self._tasks: set[asyncio.Task[None]] = set()
        self.error: BaseException | None = None

    def on_effect(self, runner: Runner, effect: f.Effect) -> None:
        super().on_effect(runner, effect)
        if isinstance(effect, f.UrlReady):
            task = asyncio.ensure_future(self._answer(runner, effect.url.url))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _answer(self, runner: Runner, url: str) -> None:
        try:
            code = await code_from_page(url)
        except Exception as error:  # noqa: BLE001 - reported by the caller
            self.error = error
            runner.abort(f"the benchmark's customer could not read the sign-in page: {error}")
            return
        self.codes.append(code)
        self.feed_codes(runner)


@dataclass
class Onboarding:
    box: str
    wall: float
    runner: Runner
    output: str
    #: Sum of the simulator's built-in delays during the run, and the time they covered.
    sim_delays: float = 0.0
    sim_busy: float = 0.0


def _new_runner(
    fleet_: Fleet, name: str, state: Path, listener: LinePrinter, **kw: object
) -> Runner:
    return Runner(
        fleet_.box(name),
        vault=Vault(state / "vault"),
        audit=AuditLog(state / "audit.jsonl", operator="benchmark"),
        listener=listener,
        **kw,  # type: ignore[arg-type]
    )


async def onboard_once(
    fleet_: Fleet, name: str, state: Path, *, watch_delays: bool = False
) -> Onboarding:
    """Onboard box `name` as `clawtui onboard` would; wall time includes closing the runner.
    `watch_delays`: also find how long the box spent in its built-in delays meanwhile."""
    watch = DelayWatch(delays_log(fleet_.home(name))) if watch_delays else None
    if watch is not None:
        watch.start()
    out = io.StringIO()
    customer = _Customer(out)
    runner = _new_runner(fleet_, name, state, customer)
    start = time.perf_counter()
    try:
        outcome = await asyncio.wait_for(runner.run(), ONBOARD_TIMEOUT)
    except TimeoutError:
        raise BenchError(
            f"onboarding {name} did not finish within {ONBOARD_TIMEOUT:g} s:\n{out.getvalue()}"
        ) from None
    finally:
        await runner.close()
        end = time.perf_counter()
        if watch is not None:
            watch.stop()
    if outcome.failure is not None or customer.error is not None:
        raise BenchError(f"onboarding {name} failed:\n{out.getvalue()}")
    result = Onboarding(name, end - start, runner, out.getvalue())
    if watch is not None:
        result.sim_busy = watch.busy(start, end)
        result.sim_delays = watch.total
    return result


# --------------------------------------------------------------------------------- the figures


async def measure_flow_overhead(runs: int = 5) -> tuple[dict[str, float], list[str]]:
    """flow_overhead_s: median over `runs` onboardings of a happy 2.1.332 box."""
    overheads: list[float] = []
    walls: list[float] = []
    delays: list[float] = []
    busy: list[float] = []
    async with fleet(boxes=1, time_scale=TIME_SCALE, generation="2.1.332") as fleet_:
        with tempfile.TemporaryDirectory(prefix="clawtui-bench-") as temp:
            for _ in range(runs):
                result = await onboard_once(fleet_, "bench-00", Path(temp), watch_delays=True)
                walls.append(result.wall)
                delays.append(result.sim_delays)
                busy.append(result.sim_busy)
                overheads.append(result.wall - result.sim_busy)
    notes = [
        f"flow_overhead_s: wall {spread(walls, ' s')}",
        f"flow_overhead_s: simulator delays: sum {spread(delays, ' s')}; time covered "
        f"{spread(busy, ' s')} (some overlap clawtui's work, e.g. claude lingering after the "
        "token while OpenClaw starts)",
        f"flow_overhead_s: overhead {spread(overheads, ' s')} (claude 2.1.332, time_scale "
        f"{TIME_SCALE:g})",
    ]
    return {"flow_overhead_s": median(overheads)}, notes


def _completing_chunk(
    chunks: list[Chunk], url: str, columns: int, lines: int, test_signin_base: str | None
) -> tuple[int, int]:
    """Replay the setup pane's chunks through a fresh model and the flow's own reader: the index
    of the chunk after which the link was whole, and of the one after which the flow could act
    on it (link and prompt both drawn)."""
    model = TerminalModel(columns, lines)
    url_index = -1
    for index, chunk in enumerate(chunks):
        model.feed(chunk.data)
        status = read_setup_token(model.snapshot(), test_signin_base=test_signin_base)
        if status.url is not None and status.url.url == url:
            if url_index < 0:
                url_index = index
            if status.prompt_ready:
                return url_index, index
    raise BenchError("replaying the recorded output never showed the sign-in link again")


async def _url_once(fleet_: Fleet, state: Path, size: tuple[int, int]) -> tuple[float, bool]:
    sessions: list[list[Chunk]] = []
    out = _StampedOutput()
    printer = LinePrinter(out)
    runner = _new_runner(
        fleet_, "bench-00", state, printer, connector=timed_connector(sessions), size=size
    )
    run = asyncio.ensure_future(runner.run())
    try:
        waiter = asyncio.ensure_future(out.url_printed.wait())
        done, _ = await asyncio.wait({run, waiter}, timeout=60.0, return_when="FIRST_COMPLETED")
        waiter.cancel()
        if not out.url_lines:
            raise BenchError(f"no `Sign-in URL:` line within 60 s:\n{out.getvalue()}")
    finally:
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)
        await runner.close()
    printed = out.url_lines[0]
    url = runner.flow.url.url if runner.flow.url is not None else ""
    received = [chunk for chunk in sessions[0] if chunk.received <= printed]
    url_index, ready_index = _completing_chunk(received, url, *size, runner.box.test_signin_base)
    return printed - received[ready_index].received, url_index == ready_index


async def measure_url_detect(runs: int = 10) -> tuple[dict[str, float], list[str]]:
    """url_detect_ms: median over `runs` starts of `claude setup-token` on a happy box."""
    latencies: list[float] = []
    same_chunk = 0
    async with fleet(boxes=1, time_scale=TIME_SCALE, generation="2.1.332") as fleet_:
        with tempfile.TemporaryDirectory(prefix="clawtui-bench-") as temp:
            for _ in range(runs):
                latency, same = await _url_once(fleet_, Path(temp), (120, 40))
                latencies.append(latency)
                same_chunk += same
    notes = [
        f"url_detect_ms: {spread(latencies, ' ms', 1000)}; the link and its prompt arrived in "
        f"the same chunk in {same_chunk}/{runs} runs",
    ]
    return {"url_detect_ms": median(latencies) * 1000}, notes


def _load_tui() -> str:
    """Load the TUI's code (Textual and clawtui's screens and widgets), as the TUI process has
    it, so that the peak RSS is not flattered by a headless process; say what was loaded."""
    try:
        import clawtui.tui.app  # noqa: F401
    except ImportError as error:
        return f"the TUI not loaded ({error})"
    return "the TUI's code loaded"


async def measure_batch(boxes: int = 20) -> tuple[dict[str, float], list[str]]:
    """batch20_wall_ratio and batch20_rss_mb: `boxes` onboardings at once vs one alone."""
    async with fleet(boxes=boxes, time_scale=TIME_SCALE, generation="2.1.332") as fleet_:
        with tempfile.TemporaryDirectory(prefix="clawtui-bench-") as temp:
            state = Path(temp)
            rss_start = rss_mb()
            tui = _load_tui()
            rss_before = rss_mb()
            alone = await onboard_once(fleet_, "bench-00", state)
            rss_alone = rss_mb()
            names = [box.name for box in fleet_.boxes]
            start = time.perf_counter()
            results = await asyncio.gather(*(onboard_once(fleet_, name, state) for name in names))
            batch_wall = time.perf_counter() - start
            rss_batch = rss_mb()
            # The runners (each holding its two panes' TerminalModels) are still alive here.
            models = sum(len(result.runner.models) for result in results)
    walls = [result.wall for result in results]
    notes = [
        f"batch20: one box alone {alone.wall:.2f} s; {boxes} at once {batch_wall:.2f} s "
        f"(each: {spread(walls, ' s')}); time_scale {TIME_SCALE:g}, claude 2.1.332",
        f"batch20: peak RSS {rss_start:.0f} MB at start, {rss_before:.0f} MB with {tui}, "
        f"{rss_alone:.0f} MB after one box, {rss_batch:.0f} MB after {boxes} (headless "
        f"runners, {models} terminal models alive)",
    ]
    return {
        "batch20_wall_ratio": batch_wall / alone.wall,
        "batch20_rss_mb": rss_batch,
    }, notes
