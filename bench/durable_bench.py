"""Journaled transitions per second on a durable SQLite store, next to the same work in memory.

    .venv/bin/python bench/durable_bench.py [--runs 2000] [--rounds 5] [--instances 10000]

Two workloads, each timed on a SQLite store (a file in a temporary directory, WAL,
``synchronous=NORMAL``) and in memory, in the same process, interleaved round by round:

- **actions**: a 10-state workflow whose every state has a sync action (the
  DESIGN.md target): `--runs` runs started with ``wf.start(..., store=...)`` and
  awaited together; each run makes 10 journaled transitions. One action in
  three changes the run's data (a data diff is journaled), the others do not.
  The figure is transitions per wall second, commits included (the store is
  flushed before the clock stops).
- **send_many**: `Manager.send_many` on `--instances` idle instances of a door
  (passive states): every event is one journaled transition, committed before
  `send_many` returns.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

from fsmnb import Manager, Workflow
from fsmnb.engine import SqliteStore

STATES = 10


def door() -> Workflow:
    """Two passive states and a final one: every event is one transition."""
    wf = Workflow("bench_door", register=False)
    wf.add_state("closed", on={"open": "opened"}, initial=True)
    wf.add_state("opened", on={"close": "closed", "kick": "broken"})
    wf.add_state("broken")
    wf.final("broken")
    return wf


def chain() -> Workflow:
    """Ten states with sync actions, then a final one; every third action changes the data."""
    wf = Workflow("bench_chain", register=False)

    def make(i: int) -> Callable[[Any], str]:
        if i % 3 == 2:

            def counting(ctx: Any) -> str:
                ctx.data["n"] = i
                return "next"

            counting.__name__ = f"s{i}"
            return counting

        def plain(ctx: Any) -> str:
            return "next"

        plain.__name__ = f"s{i}"
        return plain

    for i in range(STATES):
        target = f"s{i + 1}" if i + 1 < STATES else "end"
        wf.add_state(f"s{i}", make(i), on={"next": target}, initial=i == 0)
    wf.final("end")
    return wf


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


async def _actions_round(wf: Workflow, runs: int, store: SqliteStore | None) -> tuple[float, float]:
    """Start `runs` runs, await them all (and the commit); return (wall, CPU) seconds."""
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    started = [wf.start(store=store, n=0) for _ in range(runs)]
    for run in started:
        await run
    if store is not None:
        store.flush()
    return time.perf_counter() - t0, time.process_time() - c0


def bench_actions(runs: int, rounds: int, tmp: str) -> dict[str, float]:
    """Transitions per wall and per CPU second with sync actions: durable (SQLite) and in memory."""
    wf = chain()

    async def main() -> dict[str, list[tuple[float, float]]]:
        store = SqliteStore(os.path.join(tmp, "actions.db"))
        times: dict[str, list[tuple[float, float]]] = {"sqlite": [], "memory": []}
        await _actions_round(wf, runs, store)  # warm-up: both paths, the file, the caches
        await _actions_round(wf, runs, None)
        for _ in range(rounds):
            times["sqlite"].append(await _actions_round(wf, runs, store))
            times["memory"].append(await _actions_round(wf, runs, None))
        journaled = store.db.execute("SELECT count(*) FROM entries").fetchone()[0]
        want = (rounds + 1) * runs * (STATES + 2)  # started, 10 transitions, finished
        assert journaled == want, f"{journaled} journal rows, want {want}"
        store.close()
        return times

    times = asyncio.run(main())
    count = runs * STATES
    out = {side: count / statistics.median(w for w, _ in t) for side, t in times.items()}
    out.update(
        {f"{side} cpu": count / statistics.median(c for _, c in t) for side, t in times.items()}
    )
    return out


def bench_send_many(instances: int, rounds: int, tmp: str) -> dict[str, float]:
    """Transitions per second of `Manager.send_many` on idle instances: durable and in memory."""
    wf = door()
    out: dict[str, float] = {}
    for side in ("sqlite", "memory"):
        store = SqliteStore(os.path.join(tmp, "send_many.db")) if side == "sqlite" else None
        manager = Manager([wf], store=store)
        ids = [manager.create(wf, tag="bench") for _ in range(instances)]
        if store is not None:
            store.flush()
        events = [(i, "open") for i in ids] + [(i, "close") for i in ids]
        gc.collect()
        t0 = time.perf_counter()
        for _ in range(rounds):
            sent = manager.send_many(events)
        elapsed = time.perf_counter() - t0
        assert all(isinstance(s, str) for s in sent)
        out[side] = rounds * len(events) / elapsed
        if store is not None:
            store.close()
    return out


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--instances", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        actions = bench_actions(args.runs, args.rounds, tmp)
        events = bench_send_many(args.instances, args.rounds, tmp)
    print(f"load average {_load()}; {args.rounds} rounds, medians")
    print(
        f"sync actions, {args.runs} runs x {STATES} transitions via wf.start(store=...):\n"
        f"  SQLite  {actions['sqlite']:>10,.0f} transitions/s wall, "
        f"{actions['sqlite cpu']:>10,.0f} per CPU second\n"
        f"  memory  {actions['memory']:>10,.0f} transitions/s wall, "
        f"{actions['memory cpu']:>10,.0f} per CPU second\n"
        f"  memory / SQLite: {actions['memory'] / actions['sqlite']:.2f}x wall, "
        f"{actions['memory cpu'] / actions['sqlite cpu']:.2f}x CPU (target <= 3x; "
        f"target >= 20,000/s)"
    )
    print(
        f"send_many on {args.instances} idle instances:\n"
        f"  SQLite  {events['sqlite']:>10,.0f} transitions/s\n"
        f"  memory  {events['memory']:>10,.0f} transitions/s\n"
        f"  memory / SQLite: {events['memory'] / events['sqlite']:.2f}x"
    )


if __name__ == "__main__":
    main()
