"""A fleet of identical happy simulated boxes, served from a process of its own.

The benchmarks measure clawtui, not the simulator: the SSH server and the simulated programs must
not count in the client's CPU time or peak memory, nor share its event loop. `clawtui sim` serves
only the demo's fleet, one box per failure; a batch of 20 concurrent onboardings needs 20 boxes
where everything works. So this script starts a `SimServer` with `--boxes N` happy boxes named
`bench-00`, `bench-01`, … and prints, flushed, one line each:

    Inventory: <path of boxes.toml>
    Homes: <folder holding one HOME per box>
    Ready

then serves until it is interrupted (SIGINT, SIGTERM) or its standard input closes, so that it
never outlives a benchmark that died without stopping it.

    python benchmarks/fleet.py --dir DIR [--boxes 20] [--time-scale 1] [--generation 2.1.332]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import signal
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import CpuGroup  # noqa: E402

from clawtui.sim.boxes import SimBox  # noqa: E402
from clawtui.sim.config import GENERATIONS  # noqa: E402
from clawtui.sim.server import SimServer  # noqa: E402


def bench_boxes(count: int, generation: str = "2.1.332") -> list[SimBox]:
    """`count` boxes where everything works, all of the same `claude` generation."""
    return [
        SimBox(f"bench-{index:02d}", f"Bench {index:02d}", generation) for index in range(count)
    ]


class BenchSimServer(SimServer):
    """A SimServer whose programs run in an idle CPU cgroup, when it is given one.

    The programs (a Python process per command, some 700 in a batch of 100 boxes) are most of
    the simulator's CPU; the server itself (SSH for every box) stays out of their group, so that
    a crowd of programs does not stall the handshakes of the boxes still connecting (the
    benchmark puts it in a light group of its own: common.fleet).
    """

    def __init__(self, *args: Any, idle_cgroup: Path | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.idle = CpuGroup(idle_cgroup) if idle_cgroup is not None else None

    def program_started(self, pid: int) -> None:
        # Failing (it ended already, or the group went), it stays in the server's group.
        if self.idle is not None:
            self.idle.join(pid)


async def serve(
    root: Path, count: int, time_scale: float, generation: str, idle_cgroup: Path | None
) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)

    def on_input() -> None:
        # End of standard input means the process that started us is gone.
        if not os.read(sys.stdin.fileno(), 4096):
            stop.set()

    loop.add_reader(sys.stdin.fileno(), on_input)
    root.mkdir(parents=True, exist_ok=True)
    boxes = bench_boxes(count, generation)
    async with BenchSimServer(
        root, boxes, time_scale=time_scale, idle_cgroup=idle_cgroup
    ) as server:
        inventory = root / "boxes.toml"
        server.write_inventory(inventory)
        print(f"Inventory: {inventory}", flush=True)
        print(f"Homes: {root / 'homes'}", flush=True)
        print("Ready", flush=True)
        await stop.wait()
        loop.remove_reader(sys.stdin.fileno())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, required=True, help="folder for keys, HOMEs, inventory")
    parser.add_argument("--boxes", type=int, default=20)
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--generation", choices=GENERATIONS, default="2.1.332")
    parser.add_argument(
        "--idle-cgroup",
        type=Path,
        help="a CPU cgroup folder: every program the boxes start is moved into it",
    )
    args = parser.parse_args()
    # Real boxes are machines of their own: here they share clawtui's two cores, so they run
    # at a low priority (their programs inherit it), and clawtui's figures are clawtui's. The
    # programs also go into an idle CPU group when the benchmark could make one (common.py).
    os.nice(15)
    asyncio.run(serve(args.dir, args.boxes, args.time_scale, args.generation, args.idle_cgroup))
    # What the simulated boxes cost, for the figures' notes (the benchmark reads it at the end).
    server = resource.getrusage(resource.RUSAGE_SELF)
    programs = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"CPU: server {server.ru_utime + server.ru_stime:.1f} s, "
        f"programs {programs.ru_utime + programs.ru_stime:.1f} s",
        flush=True,
    )


if __name__ == "__main__":
    main()
