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
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from clawtui.sim.boxes import SimBox  # noqa: E402
from clawtui.sim.config import GENERATIONS  # noqa: E402
from clawtui.sim.server import SimServer  # noqa: E402


def bench_boxes(count: int, generation: str = "2.1.332") -> list[SimBox]:
    """`count` boxes where everything works, all of the same `claude` generation."""
    return [
        SimBox(f"bench-{index:02d}", f"Bench {index:02d}", generation) for index in range(count)
    ]


async def serve(root: Path, count: int, time_scale: float, generation: str) -> None:
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
    async with SimServer(root, bench_boxes(count, generation), time_scale=time_scale) as server:
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
    args = parser.parse_args()
    # Real boxes are machines of their own: here they share clawtui's two cores, so they run
    # at a low priority (their programs inherit it), and clawtui's figures are clawtui's.
    os.nice(15)
    asyncio.run(serve(args.dir, args.boxes, args.time_scale, args.generation))


if __name__ == "__main__":
    main()
