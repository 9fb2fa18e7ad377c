"""A batch of 100 boxes through the TUI's own batch path, against one box through the same path.

The app runs headless (`App.run_test`), as in the UI tests: all boxes are selected in the box
list and started with ctrl+o, exactly what an operator does; the customers answer through the
batch-wide code field's routing (`Fleet.route_code`, what the field calls) the moment each link
is ready. The simulated boxes are served by another process (`fleet.py`), so their CPU and
memory are not counted. The parallel limit is lifted to 100, so that the figure measures how
clawtui copes with 100 live onboardings, not how long a queue waits.

- `batch100_wall_ratio`: wall time from ctrl+o until every box is verified, over the same for one
  box alone (the same app, just before).
- `batch100_rss_mb`: this process's peak RSS at the end (the app, 100 runners, 200 panes' models).
- `batch100_ui_late_p99_ms`: lateness of a 100 ms timer of the app during the batch, 99th
  percentile: what an operator would feel as a sluggish UI.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from common import BenchError, code_from_page, fleet, median, percentile, rss_mb, run_delay_s

from clawtui import flow as f
from clawtui.audit import AuditLog
from clawtui.tui.app import ClawApp
from clawtui.tui.screens.boxes import BoxListScreen
from clawtui.vault import Vault

TIME_SCALE = 1.0
BOXES = 100
TIMEOUT = 600.0


async def _customers(app: ClawApp, names: list[str], stop: asyncio.Event) -> None:
    """Every customer answers as soon as their link is ready (each link answered once)."""
    answered: set[str] = set()
    while not stop.is_set():
        for row in app.fleet.ready_links():
            if row.box in answered or row.box not in names:
                continue
            answered.add(row.box)
            code = await code_from_page(row.url)
            routed = app.fleet.route_code(code)
            if routed.box != row.box:
                raise BenchError(f"the code for {row.box} went to {routed.box}: {routed.message}")
        await asyncio.sleep(0.02)


async def _batch(app: ClawApp, names: list[str]) -> float:
    """Select `names` in the box list, press ctrl+o, answer every link; the wall time."""
    screen = app.screen
    assert isinstance(screen, BoxListScreen)
    screen.selected = set(names)
    stop = asyncio.Event()
    start = time.perf_counter()
    screen.action_onboard()
    customers = asyncio.ensure_future(_customers(app, names, stop))
    try:
        async with asyncio.timeout(TIMEOUT):
            while True:
                if customers.done():
                    customers.result()  # raises what went wrong
                onboardings = [app.fleet.get(name) for name in names]
                if all(o is not None and o.flow.done for o in onboardings):
                    break
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise BenchError(f"{len(names)} boxes did not finish within {TIMEOUT:g} s") from None
    finally:
        wall = time.perf_counter() - start
        stop.set()
        await asyncio.gather(customers, return_exceptions=True)
    failed = [name for name in names if app.fleet.onboardings[name].flow.failure is not None]
    if failed:
        failure = app.fleet.onboardings[failed[0]].flow.failure
        raise BenchError(f"{len(failed)} box(es) failed, e.g. {failed[0]}: {failure}")
    return wall


async def measure_batch100(boxes: int = BOXES) -> tuple[dict[str, float], list[str]]:
    async with fleet(boxes=boxes + 1, time_scale=TIME_SCALE) as fleet_:
        with tempfile.TemporaryDirectory(prefix="clawtui-bench-") as temp:
            state = Path(temp)
            app = ClawApp(
                boxes=fleet_.boxes,
                vault=Vault(state / "vault"),
                audit=AuditLog(state / "audit.jsonl", operator="benchmark"),
            )
            lateness: list[float] = []
            async with app.run_test(size=(160, 50)) as pilot:
                await pilot.pause()
                app.fleet.max_parallel = boxes
                names = [box.name for box in fleet_.boxes]
                # One box alone (the last one), then the other 100 at once.
                alone = await _batch(app, names[-1:])
                app.show_boxes()  # one box started alone opened its onboarding screen
                await pilot.pause()
                expected = time.perf_counter() + 0.1

                def tick() -> None:
                    nonlocal expected
                    now = time.perf_counter()
                    lateness.append(max(0.0, now - expected))
                    expected = now + 0.1

                timer = app.set_interval(0.1, tick)
                waited = run_delay_s()
                batch = await _batch(app, names[:boxes])
                if waited is not None:
                    waited = (run_delay_s() or 0.0) - waited
                timer.stop()
                phases = {o.flow.phase for o in app.fleet.onboardings.values()}
            rss = rss_mb()
    if phases != {f.Phase.VERIFIED}:
        raise BenchError(f"not every box ended verified: {phases}")
    notes = [
        f"batch100: one box alone {alone:.2f} s; {boxes} at once {batch:.2f} s through the box "
        f"list's ctrl+o (time_scale {TIME_SCALE:g}, claude 2.1.332, limit lifted to {boxes})",
        f"batch100: 100 ms timer lateness median {median(lateness) * 1000:.1f} ms, p99 "
        f"{percentile(lateness, 0.99) * 1000:.1f} ms, max {max(lateness) * 1000:.1f} ms "
        f"({len(lateness)} ticks)",
        f"batch100: {fleet_.placement} (they used {fleet_.cpu} of CPU); clawtui's UI thread "
        f"waited {'(unknown)' if waited is None else f'{waited:.2f} s'} of the batch for a CPU",
    ]
    return {
        "batch100_wall_ratio": batch / alone,
        "batch100_rss_mb": rss,
        "batch100_ui_late_p99_ms": percentile(lateness, 0.99) * 1000,
    }, notes
