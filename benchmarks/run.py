"""`python benchmarks/run.py`: every performance figure clawtui promises, measured in one run.

Prints `name=value` lines, one per figure, as soon as each is measured, plus context lines that
start with `#` (machine, Python, date, and how each figure came about). A figure that misses its
goal adds `# GOAL MISSED: name …`; the exit status stays 0 for that. It is 1 only when a figure
could not be measured at all (`# ERROR: …`), because then nothing was checked.

    python benchmarks/run.py                 # all figures (about 90 s)
    python benchmarks/run.py NAME [NAME...]  # only these, e.g. keystroke_echo_ms
    python benchmarks/run.py --list          # the figures and their goals

Each measurement runs in a child process of its own (`--measure KEY`): peak memory, CPU time and
event-loop state of one cannot leak into another, and a stuck one is stopped after its time
limit without losing the others. What each figure measures, and how: benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import operator
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(BENCH_DIR), str(ROOT)]


@dataclass(frozen=True)
class Figure:
    name: str
    goal: float
    #: "<=" or ">=": how the value must compare with the goal.
    direction: str
    fmt: str

    def met(self, value: float) -> bool:
        compare = operator.le if self.direction == "<=" else operator.ge
        return bool(compare(value, self.goal))


@dataclass(frozen=True)
class Measurement:
    """One child process's work: the figures it yields and how long it may take."""

    key: str
    figures: tuple[Figure, ...]
    time_limit: float
    #: "module:function"; the function returns ({figure: value}, [context lines]).
    target: str


FIGURES = {
    figure.name: figure
    for figure in (
        Figure("pane_throughput_ratio", 0.8, ">=", ".3f"),
        Figure("keystroke_echo_ms", 20.0, "<=", ".2f"),
        Figure("idle_cpu_percent", 2.0, "<=", ".3f"),
        Figure("first_frame_s", 1.5, "<=", ".3f"),
        Figure("url_detect_ms", 50.0, "<=", ".2f"),
        Figure("flow_overhead_s", 0.5, "<=", ".3f"),
        Figure("batch20_wall_ratio", 1.5, "<=", ".3f"),
        Figure("batch20_rss_mb", 300.0, "<=", ".1f"),
        Figure("batch100_wall_ratio", 3.0, "<=", ".3f"),
        Figure("batch100_rss_mb", 250.0, "<=", ".1f"),
        Figure("batch100_ui_late_p99_ms", 50.0, "<=", ".1f"),
    )
}

MEASUREMENTS = (
    Measurement("pane", (FIGURES["pane_throughput_ratio"],), 150, "run:_pane_throughput"),
    Measurement("echo", (FIGURES["keystroke_echo_ms"],), 60, "panes:measure_keystroke_echo"),
    Measurement("idle", (FIGURES["idle_cpu_percent"],), 60, "panes:measure_idle_cpu"),
    Measurement("first_frame", (FIGURES["first_frame_s"],), 60, "first_frame:measure_first_frame"),
    Measurement("url", (FIGURES["url_detect_ms"],), 60, "onboarding:measure_url_detect"),
    Measurement("flow", (FIGURES["flow_overhead_s"],), 120, "onboarding:measure_flow_overhead"),
    Measurement(
        "batch",
        (FIGURES["batch20_wall_ratio"], FIGURES["batch20_rss_mb"]),
        120,
        "onboarding:measure_batch",
    ),
    Measurement(
        "batch100",
        (
            FIGURES["batch100_wall_ratio"],
            FIGURES["batch100_rss_mb"],
            FIGURES["batch100_ui_late_p99_ms"],
        ),
        600,
        "batch100:measure_batch100",
    ),
)


def _pane_throughput() -> tuple[dict[str, float], list[str]]:
    from pane import measure_pane_throughput

    result = measure_pane_throughput()
    note = (
        f"pane_throughput_ratio: TerminalView in a 120x40 app {result['pane_mb_s']:.3f} MB/s, "
        f"bare pyte {result['pyte_mb_s']:.3f} MB/s (CPU time, ~2 MB of coloured output)"
    )
    return {"pane_throughput_ratio": result["pane_throughput_ratio"]}, [note]


# --------------------------------------------------------------------------------- child side


def _measure(key: str) -> int:
    """Run one measurement in this process and print its lines (the child's work)."""
    import common

    common.hermetic_environment()
    measurement = next(m for m in MEASUREMENTS if m.key == key)
    module_name, function_name = measurement.target.split(":")
    module = sys.modules[__name__] if module_name == "run" else __import__(module_name)
    function: Callable[[], Any] = getattr(module, function_name)
    try:
        result = function()
        if asyncio.iscoroutine(result):
            result = asyncio.run(result)
    except common.BenchError as error:
        print(f"{key}: {error}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:  # the parent's time limit: cleanup has run, no traceback needed
        print(f"{key}: interrupted", file=sys.stderr, flush=True)
        return 130
    values, notes = result
    for figure in measurement.figures:
        print(f"{figure.name}={values[figure.name]:{figure.fmt}}", flush=True)
    for note in notes:
        print(f"# {note}", flush=True)
    return 0


# --------------------------------------------------------------------------------- parent side


def _context() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for package in ("textual", "asyncssh", "pyte"):
        try:
            from importlib.metadata import version

            versions.append(f"{package} {version(package)}")
        except Exception:  # noqa: BLE001 - a context line must not stop the run
            versions.append(f"{package} ?")
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return [
        f"# machine: {platform.node()}, {cpu}, {os.cpu_count()} cores, {platform.platform()}, "
        f"load average {load}",
        f"# python: {platform.python_version()} ({sys.executable}); {', '.join(versions)}",
        f"# date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"# clawtui: commit {commit or 'unknown'} (plus any uncommitted changes in {ROOT})",
    ]


def _print(line: str) -> None:
    print(line, flush=True)


def _check(line: str) -> str | None:
    """The figure a `name=value` line reports, printing `# GOAL MISSED` if it must."""
    name, sep, raw = line.partition("=")
    figure = FIGURES.get(name)
    if not sep or figure is None or line.startswith("#"):
        return None
    try:
        value = float(raw)
    except ValueError:
        _print(f"# GOAL MISSED: {name} (not a number: {raw!r})")
        return name
    if not figure.met(value):
        relation = ">" if figure.direction == "<=" else "<"
        _print(
            f"# GOAL MISSED: {name} ({value:{figure.fmt}} {relation} goal "
            f"{figure.goal:g}, wanted {figure.direction} {figure.goal:g})"
        )
    return name


def _run_child(measurement: Measurement) -> bool:
    """Run a measurement in a child process, relaying its lines; False if it broke."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--measure", measurement.key],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    errors: list[str] = []
    drain = threading.Thread(target=lambda: errors.extend(child.stderr or ()), daemon=True)
    drain.start()
    timer = threading.Timer(measurement.time_limit, _interrupt, args=(child,))
    timer.start()
    reported: set[str] = set()
    try:
        assert child.stdout is not None
        for raw in child.stdout:
            line = raw.rstrip("\n")
            _print(line)
            name = _check(line)
            if name is not None:
                reported.add(name)
        status = child.wait()
    finally:
        timer.cancel()
    drain.join(timeout=5)
    elapsed = time.perf_counter() - started
    timed_out = elapsed >= measurement.time_limit
    missing = [figure.name for figure in measurement.figures if figure.name not in reported]
    if status == 0 and not missing:
        return True
    if timed_out:
        reason = f"stopped after its {measurement.time_limit:g} s limit"
    else:
        reason = f"exited with status {status}"
    detail = "".join(errors[-25:]).rstrip()
    _print(f"# ERROR: {', '.join(missing) or measurement.key}: the measurement {reason}")
    for line in detail.splitlines():
        _print(f"#   {line}")
    for name in missing:
        _print(f"# GOAL MISSED: {name} (not measured)")
    return False


def _interrupt(child: subprocess.Popen[str]) -> None:
    """Past its time limit: interrupt the child (it stops its simulator), then kill it."""
    if child.poll() is not None:
        return
    child.send_signal(signal.SIGINT)
    try:
        child.wait(timeout=20)
    except subprocess.TimeoutExpired:
        child.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="figures to measure (default all)")
    parser.add_argument("--list", action="store_true", help="list the figures and their goals")
    parser.add_argument("--measure", metavar="KEY", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        return _measure(args.measure)
    if args.list:
        for figure in FIGURES.values():
            print(f"{figure.name}  goal {figure.direction} {figure.goal:g}")
        return 0
    unknown = [name for name in args.names if name not in FIGURES]
    if unknown:
        parser.error(f"unknown figure(s) {', '.join(unknown)}; see --list")
    wanted = set(args.names) or set(FIGURES)
    chosen = [m for m in MEASUREMENTS if any(f.name in wanted for f in m.figures)]
    started = time.perf_counter()
    for line in _context():
        _print(line)
    broken = [m.key for m in chosen if not _run_child(m)]
    _print(f"# total: {time.perf_counter() - started:.0f} s")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
