"""Seed 004's targets: routing throughput, action round trip, concurrent DAG flows, recovery.

    .venv/bin/python bench/signals_bench.py                      # every section
    .venv/bin/python bench/signals_bench.py --only routing,roundtrip

1. routing — 100,000 signals published through 1,000 routes (700 exact, 200 with ``*``,
   100 with ``**``), types drawn from 2,000 names (most match 1–3 routes). Deliveries per
   second of `Router.publish`, against two peers in the same run: the floor, a dict from
   exact type to handlers (what a router without wildcards costs), and a linear scan
   with `fnmatch`-style regexes over all 1,000 routes (what the trie avoids, timed on
   1,000 signals). "cold" clears the router's match cache before every publish, so every
   publish walks the trie. Target (DESIGN.md): ≥ 100,000 deliveries/s.
2. roundtrip — signal → route → action (a sync `Action` with a pydantic schema) → reply
   signal → the reply's handler; median and p99 of 20,000 round trips, and the same with
   an async action (one task per delivery). Target (issue 13): median < 50 µs.
3. flows — 1,000 concurrent `Flow`s of 6 steps, each step an action awaiting 10 ms
   (`asyncio.sleep`), against one flow alone in the same run. Target: ≤ 1.5× one flow.
4. recovery — 1,000 flows of 6 steps where 30 % of action attempts fail at random with a
   transient error; steps retry up to 7 times (0.3^7 ≈ 0.02 % of steps give up).
   Target: ≥ 99 % of flows complete; the same flows without retries are the peer.

Signals are built before timing (building a `Signal` is timed on its own line). Nothing
here asserts on a time: it prints the numbers, the conditions and the verdicts.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import BaseModel

from fsmnb.signals import Action, ActionContext, Router, Signal

SECTIONS = ("routing", "roundtrip", "flows", "recovery")


def _verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


# -- 1. routing ---------------------------------------------------------------------------------


def _routes(rng: random.Random) -> list[str]:
    patterns = [f"svc{i % 70}.evt{i // 70}" for i in range(700)]
    patterns += [f"svc{i % 70}.*.x{i // 70}" for i in range(200)]
    patterns += [f"**.m{i}" for i in range(100)]
    rng.shuffle(patterns)
    return patterns


def _types(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.7:
            out.append(f"svc{rng.randrange(70)}.evt{rng.randrange(10)}")
        elif kind < 0.9:
            out.append(f"svc{rng.randrange(70)}.evt{rng.randrange(10)}.x{rng.randrange(3)}")
        else:
            out.append(f"app.svc{rng.randrange(70)}.m{rng.randrange(100)}")
    return out


def _glob(pattern: str) -> re.Pattern[str]:
    parts = []
    for seg in pattern.split("."):
        parts.append(r"[^.]+" if seg == "*" else r".*" if seg == "**" else re.escape(seg))
    return re.compile("^" + r"\.".join(parts).replace(r".*\.", r"(?:.*\.)?") + "$")


def bench_routing(n_signals: int = 100_000) -> None:
    rng = random.Random(4)
    patterns = _routes(rng)
    names = _types(rng, 2000)
    t0 = time.perf_counter()
    signals = [Signal(type=rng.choice(names), data={"i": i}) for i in range(n_signals)]
    build_us = (time.perf_counter() - t0) / n_signals * 1e6

    count = [0]

    def handler(signal: Signal) -> None:
        count[0] += 1

    router = Router()
    for p in patterns:
        router.route(p, handler)

    # the floor: exact types only, a dict of lists
    table: dict[str, list[Any]] = {}
    for p in patterns:
        if "*" not in p:
            table.setdefault(p, []).append(handler)

    def dict_floor() -> None:
        get = table.get
        for s in signals:
            for h in get(s.type, ()):
                h(s)

    def router_warm() -> None:
        publish = router.publish
        for s in signals:
            publish(s)

    def router_cold() -> None:
        publish = router.publish
        trie_cache = router._trie._cache  # the benchmark reaches in to empty the caches
        sorted_cache = router._sorted
        for s in signals[: n_signals // 10]:
            trie_cache.clear()
            sorted_cache.clear()
            publish(s)

    compiled = [(_glob(p), handler) for p in patterns]

    def linear_scan() -> None:
        for s in signals[:1000]:
            for rx, h in compiled:
                if rx.match(s.type):
                    h(s)

    rows = []
    for label, fn, n in (
        ("dict lookup, exact routes only (floor)", dict_floor, n_signals),
        ("Router.publish (match cache warm)", router_warm, n_signals),
        ("Router.publish (cold: trie walk every publish)", router_cold, n_signals // 10),
        ("linear scan of 1,000 regexes (peer)", linear_scan, 1000),
    ):
        best = []
        for _ in range(3):
            count[0] = 0
            gc.disable()
            t = time.perf_counter()
            fn()
            best.append((time.perf_counter() - t, count[0]))
            gc.enable()
        elapsed, delivered = min(best)
        rows.append((label, n, delivered, delivered / elapsed, elapsed / n * 1e6))
    floor_rate = rows[0][3]
    print(f"\n## routing — {n_signals:,} signals, 1,000 routes (700 exact, 200 `*`, 100 `**`)\n")
    print(f"building one Signal (pydantic, not in the timings): {build_us:.2f} µs\n")
    print("| path | signals | deliveries | deliveries/s | µs/signal | vs dict floor |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, n, delivered, rate, us in rows:
        print(
            f"| {label} | {n:,} | {delivered:,} | {rate:,.0f} | {us:.2f} | {rate / floor_rate:.2f}× |"
        )
    warm, cold = rows[1][3], rows[2][3]
    print(
        f"\ntarget ≥ 100,000 deliveries/s (types seen before: the steady state): {warm:,.0f} — "
        f"{_verdict(warm >= 100_000)}; a type never seen before costs one trie walk: "
        f"{rows[2][4]:.1f} µs/signal ({cold:,.0f} deliveries/s), "
        f"{rows[3][4] / rows[2][4]:.0f}× less than scanning every route"
    )


# -- 2. round trip ------------------------------------------------------------------------------


class Double(Action, register=False):
    """Double x (the round trip's action)."""

    class Params(BaseModel):
        x: int

    def run(self, params: Any, ctx: ActionContext) -> dict[str, int]:
        return {"y": params.x * 2}


class DoubleLater(Double, register=False):
    """Double x in a coroutine."""

    async def run(self, params: Any, ctx: ActionContext) -> dict[str, int]:  # type: ignore[override]
        return {"y": params.x * 2}


def _percentiles(samples: list[float]) -> tuple[float, float]:
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99)]


def bench_roundtrip(n: int = 20_000) -> None:
    router = Router()
    done: list[float] = []
    router.route("calc.request", action=Double, reply="calc.reply")
    router.route("calc.request_async", action=DoubleLater, reply="calc.reply")
    router.route("calc.reply", lambda s: done.append(time.perf_counter()))
    requests = [Signal(type="calc.request", data={"x": i}) for i in range(n)]
    samples = []
    gc.disable()
    for s in requests:
        t = time.perf_counter()
        router.publish(s)
        samples.append(done[-1] - t)
    gc.enable()
    sync_med, sync_p99 = _percentiles(samples)

    async def async_trips() -> list[float]:
        out = []
        for i in range(n // 4):
            s = Signal(type="calc.request_async", data={"x": i})
            before = len(done)
            t = time.perf_counter()
            router.publish(s)
            while len(done) == before:
                await asyncio.sleep(0)
            out.append(done[-1] - t)
        return out

    async_med, async_p99 = _percentiles(asyncio.run(async_trips()))
    print("\n## roundtrip — signal → route → action → reply signal → handler\n")
    print("| action | trips | median µs | p99 µs |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| sync `run` (inline) | {n:,} | {sync_med * 1e6:.1f} | {sync_p99 * 1e6:.1f} |")
    print(
        f"| async `run` (a task per delivery) | {n // 4:,} | {async_med * 1e6:.1f} | "
        f"{async_p99 * 1e6:.1f} |"
    )
    print(
        f"\ntarget median < 50 µs: {sync_med * 1e6:.1f} µs sync, {async_med * 1e6:.1f} µs async — "
        f"{_verdict(max(sync_med, async_med) < 50e-6)}"
    )


# -- 3. and 4. flows ----------------------------------------------------------------------------


class WaitIO(Action, register=False):
    """Wait 10 ms (a stand-in for an I/O call); fail at random with probability `fail`."""

    class Params(BaseModel):
        step: int
        fail: float = 0.0
        seed: int = 0

    async def run(self, params: Any, ctx: ActionContext) -> dict[str, int]:
        await asyncio.sleep(0.010)
        if params.fail and _RNG.random() < params.fail:
            raise ConnectionError("transient failure")
        return {"step": params.step}


_RNG = random.Random(7)


def _six_steps(name: str, fail: float = 0.0, attempts: int = 1) -> Any:
    from fsmnb.signals import Flow, FlowStep

    steps = [
        FlowStep(
            f"s{i}",
            WaitIO,
            params={"step": i, "fail": fail},
            on_error="retry" if attempts > 1 else "halt",
            retry=attempts if attempts > 1 else None,
        )
        for i in range(6)
    ]
    return Flow(name, steps, register=False)


async def _run_many(flow: Any, n: int) -> tuple[float, int]:
    t = time.perf_counter()
    runs = [flow.start() for _ in range(n)]
    done = 0
    for run in runs:
        try:
            await run
            done += 1
        except Exception:
            pass
    return time.perf_counter() - t, done


def bench_flows(n: int = 1000) -> None:
    flow = _six_steps("bench_six_steps")

    async def bare(count: int) -> float:
        async def six() -> None:
            for _ in range(6):
                await asyncio.sleep(0.010)

        t = time.perf_counter()
        await asyncio.gather(*(six() for _ in range(count)))
        return time.perf_counter() - t

    async def measure() -> tuple[float, float, int, float, float]:
        await _run_many(flow, 10)  # warm-up
        one = min([(await _run_many(flow, 1))[0] for _ in range(5)])
        many, done = min([await _run_many(flow, n) for _ in range(3)])
        bare_one = min([await bare(1) for _ in range(5)])
        bare_many = min([await bare(n) for _ in range(3)])
        return one, many, done, bare_one, bare_many

    one, many, done, bare_one, bare_many = asyncio.run(measure())
    print(f"\n## flows — {n:,} concurrent flows of 6 sequential steps, each awaiting 10 ms\n")
    print("| what | flows | completed | wall ms | vs one |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(f"| `Flow` | 1 | 1 | {one * 1e3:.1f} | 1.00× |")
    print(f"| `Flow` | {n:,} | {done:,} | {many * 1e3:.1f} | {many / one:.2f}× |")
    print(f"| bare asyncio: 6 sleeps per task (floor) | 1 | 1 | {bare_one * 1e3:.1f} | 1.00× |")
    print(
        f"| bare asyncio: 6 sleeps per task (floor) | {n:,} | {n:,} | {bare_many * 1e3:.1f} | "
        f"{bare_many / bare_one:.2f}× |"
    )
    print(
        f"\nper step of a `Flow` beyond the floor: {(many - bare_many) / (6 * n) * 1e6:.0f} µs of CPU"
    )
    print(f"\ntarget ≤ 1.5× one flow: {many / one:.2f}× — {_verdict(many / one <= 1.5)}")


def bench_recovery(n: int = 1000) -> None:
    flow = _six_steps("bench_recovery", fail=0.3, attempts=7)
    plain = _six_steps("bench_no_retry", fail=0.3)

    async def measure() -> tuple[int, int]:
        return (await _run_many(flow, n))[1], (await _run_many(plain, n))[1]

    done, without = asyncio.run(measure())
    print(f"\n## recovery — {n:,} flows of 6 steps, 30 % of action attempts fail transiently\n")
    print("| steps retry | flows completed |")
    print("| --- | ---: |")
    print(f"| no (peer: the same flows without a retry policy) | {without / n:.1%} |")
    print(f"| up to 7 attempts, exponential backoff from 50 ms | {done / n:.1%} |")
    print(f"\ntarget ≥ 99 % complete: {done / n:.1%} — {_verdict(done / n >= 0.99)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    args = parser.parse_args()
    print(
        f"# signals bench — Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
        f"loadavg {os.getloadavg()[0]:.2f}"
    )
    for section in args.only.split(","):
        {
            "routing": bench_routing,
            "roundtrip": bench_roundtrip,
            "flows": bench_flows,
            "recovery": bench_recovery,
        }[section.strip()]()


if __name__ == "__main__":
    main()
