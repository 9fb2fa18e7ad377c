"""Profile one pane taking the 2 MB flood through a PTY (the `pane_vs_textual_tty` round).

    python benchmarks/profile_flood.py [SORT] [COUNT]   # cProfile, e.g. tottime 30

Prints the round's CPU and wall time, how much of the CPU went to Python's cyclic garbage
collector (by generation; cProfile charges it to whatever function happened to allocate), and
cProfile's top entries. A first round runs unprofiled to warm up imports and caches. Not a
figure of `run.py`: a tool for finding where the time goes.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import flood  # noqa: E402


async def _profile(sort: str, count: int) -> None:
    collections = {generation: [0, 0.0] for generation in range(3)}
    started = [0.0]

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.process_time()
        else:
            entry = collections[info["generation"]]
            entry[0] += 1
            entry[1] += time.process_time() - started[0]

    with tempfile.TemporaryDirectory(prefix="clawtui-profile-") as folder:
        path = Path(folder) / "flood.log"
        path.write_bytes(flood._flood())
        await flood.round_ours(path)
        profile = cProfile.Profile()
        gc.callbacks.append(on_gc)
        profile.enable()
        result = await flood.round_ours(path)
        profile.disable()
        gc.callbacks.remove(on_gc)
    print(f"round: {result.cpu:.2f} s CPU, {result.wall:.2f} s wall (profiled)")
    for generation, (number, seconds) in collections.items():
        print(f"gc generation {generation}: {number} collections, {seconds:.2f} s CPU")
    pstats.Stats(profile).sort_stats(sort).print_stats(count)


def main() -> None:
    sort = sys.argv[1] if len(sys.argv) > 1 else "tottime"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    asyncio.run(_profile(sort, count))


if __name__ == "__main__":
    main()
