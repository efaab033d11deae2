"""Profile fsmnb's hot paths with cProfile: where a sync transition and `send_many` spend time.

    python bench/profile_fsmnb.py [--top 25] [--output bench/profile.txt]

Three workloads, each profiled on its own:

- `wf.run`: `await wf.run()` of the 10-state linear workflow of scenario 1,
  so the run's start and end are included (what the ≤ 3 µs target measures);
- `cycle`: one run taking 100,000 transitions through 10 sync states, which
  isolates the per-transition loop from start-up;
- `send_many`: `Manager.send_many` over 10,000 idle instances, repeatedly.

cProfile adds a fixed cost per Python call, so absolute times are inflated
several times; read the ranking and the call counts (calls per transition), not
the seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sides.fsmnb_side import cycling, linear, next_event, toggle

from fsmnb import Manager


def _wf_run() -> tuple[Callable[[], Any], int]:
    wf = linear("profile_sync", next_event)
    runs = 20_000

    def work() -> None:
        async def go() -> None:
            for _ in range(runs):
                await wf.run()

        asyncio.run(go())

    return work, runs * 10


def _cycle() -> tuple[Callable[[], Any], int]:
    wf = cycling()
    rounds = 10_000

    def work() -> None:
        asyncio.run(wf.run(left=rounds))

    return work, rounds * 10


def _send_many() -> tuple[Callable[[], Any], int]:
    manager = Manager([toggle()])
    specs = [(manager.create("bench_toggle"), "toggle") for _ in range(10_000)]
    repeats = 20

    def work() -> None:
        for _ in range(repeats):
            manager.send_many(specs)

    return work, repeats * len(specs)


WORKLOADS = {"wf.run": _wf_run, "cycle": _cycle, "send_many": _send_many}


def profile(name: str, top: int) -> str:
    """Profile workload `name`; return its report (top functions by own time and by cumulative)."""
    work, ops = WORKLOADS[name]()
    work()  # warm-up outside the profiler
    profiler = cProfile.Profile()
    profiler.enable()
    work()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    total_calls = stats.total_calls  # type: ignore[attr-defined]
    out.write(
        f"## {name}: {ops:,} operations, {total_calls / ops:.1f} Python calls per operation\n"
    )
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--only", choices=sorted(WORKLOADS))
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    names = [args.only] if args.only else list(WORKLOADS)
    text = "\n".join(profile(name, args.top) for name in names)
    print(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
