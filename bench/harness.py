"""Timing and memory measurement shared by every scenario of `bench/compare.py`.

Timing: a warm-up, then several repeats of a calibrated batch, garbage collection
off while a batch runs, `time.perf_counter_ns`, and the median across repeats
(with the spread, so a noisy number shows itself). The process's CPU time
(`time.process_time_ns`) is taken over the same repeats: on a shared machine a
busy neighbour inflates wall time but not CPU time, so the two side by side
tell contention from cost. Memory: `tracemalloc` counts
what a batch of instances keeps alive, divided by the count.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

__all__ = (
    "Sample",
    "alloc_per_item",
    "measure",
    "measure_async",
    "measure_once_async",
    "on_loop",
)

#: Each repeat runs for about this long (after calibration), so that timer resolution
#: and scheduling noise stay small against it.
TARGET_BATCH_S = 0.08
REPEATS = 7


@dataclass(frozen=True)
class Sample:
    """A measured cost: the median over repeats of nanoseconds per operation.

    Attributes:
        ns: median wall time per operation.
        low, high: the fastest and slowest repeat, per operation.
        cpu_ns: median process CPU time per operation over the same repeats.
        ops: operations per repeat.
    """

    ns: float
    low: float
    high: float
    cpu_ns: float
    ops: int

    @property
    def spread(self) -> float:
        """(max - min) / median across repeats: 0.05 means the repeats agree within 5%."""
        return (self.high - self.low) / self.ns if self.ns else 0.0


_LOOP: asyncio.AbstractEventLoop | None = None


def on_loop(coro: Awaitable[Any]) -> Any:
    """Run `coro` on the process's one benchmark event loop (created on first use)."""
    global _LOOP
    if _LOOP is None:
        _LOOP = asyncio.new_event_loop()
    return _LOOP.run_until_complete(coro)  # type: ignore[arg-type]


def _summarise(per_op: list[float], cpu: list[float], ops: int) -> Sample:
    return Sample(
        ns=statistics.median(per_op),
        low=min(per_op),
        high=max(per_op),
        cpu_ns=statistics.median(cpu),
        ops=ops,
    )


def measure(
    batch: Callable[[int], Any], *, ops_per_call: int = 1, repeats: int = REPEATS
) -> Sample:
    """Time `batch(n)`, which performs `n` calls of `ops_per_call` operations each.

    `n` is calibrated so one repeat takes about `TARGET_BATCH_S`. Returns ns per operation.
    """
    batch(1)  # warm-up: first-call costs (imports, caches) are not what we measure
    n = 1
    while True:
        t0 = time.perf_counter_ns()
        batch(n)
        elapsed = time.perf_counter_ns() - t0
        if elapsed >= TARGET_BATCH_S * 1e9 / 4 or n >= 1 << 22:
            break
        n *= 4
    n = max(1, int(n * TARGET_BATCH_S * 1e9 / max(elapsed, 1)))
    per_op, cpu = [], []
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            c0 = time.process_time_ns()
            t0 = time.perf_counter_ns()
            batch(n)
            t1 = time.perf_counter_ns()
            cpu.append((time.process_time_ns() - c0) / (n * ops_per_call))
            per_op.append((t1 - t0) / (n * ops_per_call))
    finally:
        if enabled:
            gc.enable()
    return _summarise(per_op, cpu, n * ops_per_call)


def measure_async(
    batch: Callable[[int], Awaitable[Any]], *, ops_per_call: int = 1, repeats: int = REPEATS
) -> Sample:
    """`measure` for a coroutine function `batch(n)`, run on the benchmark loop.

    The whole timed batch runs inside one `run_until_complete`, so loop start-up is not
    part of the measured cost, only what the operations themselves schedule.
    """

    async def timed(n: int) -> tuple[int, int]:
        c0 = time.process_time_ns()
        t0 = time.perf_counter_ns()
        await batch(n)
        t1 = time.perf_counter_ns()
        return t1 - t0, time.process_time_ns() - c0

    on_loop(timed(1))
    n = 1
    while True:
        elapsed = on_loop(timed(n))[0]
        if elapsed >= TARGET_BATCH_S * 1e9 / 4 or n >= 1 << 22:
            break
        n *= 4
    n = max(1, int(n * TARGET_BATCH_S * 1e9 / max(elapsed, 1)))
    per_op, cpu = [], []
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            wall, used = on_loop(timed(n))
            per_op.append(wall / (n * ops_per_call))
            cpu.append(used / (n * ops_per_call))
    finally:
        if enabled:
            gc.enable()
    return _summarise(per_op, cpu, n * ops_per_call)


def measure_once_async(
    once: Callable[[], Awaitable[Any]], *, warmup: int = 2, repeats: int = REPEATS
) -> Sample:
    """Wall time of single calls of `once()` (for operations that take milliseconds)."""

    async def timed() -> tuple[int, int]:
        c0 = time.process_time_ns()
        t0 = time.perf_counter_ns()
        await once()
        t1 = time.perf_counter_ns()
        return t1 - t0, time.process_time_ns() - c0

    for _ in range(warmup):
        on_loop(timed())
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        pairs = [on_loop(timed()) for _ in range(repeats)]
    finally:
        if enabled:
            gc.enable()
    return _summarise([float(w) for w, _ in pairs], [float(c) for _, c in pairs], 1)


def alloc_per_item(make: Callable[[int], Any], count: int) -> float:
    """Bytes that `make(count)` keeps alive per item, measured with `tracemalloc`.

    `make(count)` creates `count` instances and returns something holding them all
    (kept alive until the measurement is taken). A small batch is made and dropped
    first so that one-time allocations (caches, interned strings, lazily compiled
    code) are not charged to the instances.
    """
    make(max(1, count // 100))
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        held = make(count)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del held
    return (after - before) / count
