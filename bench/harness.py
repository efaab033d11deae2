"""Timing and memory measurement shared by every scenario of `bench/compare.py`.

Timing: each row of a scenario is a `Timed` workload, a batch function
`batch(n)`. Every workload gets a warm-up call and a calibrated `n` (one repeat
lasts about `TARGET_BATCH_S`); then the repeats of all the rows of a scenario
are **interleaved** (row A, row B, ..., row A, row B, ...) with the garbage
collector off, timed with `time.perf_counter_ns`, and each row keeps the median
of its repeats. Interleaving matters on a shared machine: a neighbour's burst
then slows one repeat of every row instead of every repeat of one row, so the
ratios between rows — what the targets are about — stay honest. The process's
CPU time (`time.process_time_ns`) is taken over the same repeats.

Memory: `tracemalloc` counts what a batch of instances keeps alive, divided by
the count.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ("Sample", "Timed", "alloc_per_item", "measure_interleaved", "on_loop", "timed_once")

#: Each repeat runs for about this long (after calibration), so that timer resolution
#: and scheduling noise stay small against it.
TARGET_BATCH_S = 0.08
REPEATS = 7


@dataclass(frozen=True)
class Timed:
    """A workload to time: `batch(n)` performs `n` calls of `ops_per_call` operations each.

    Attributes:
        batch: a function, or a coroutine function when `is_async` (run on the
            benchmark loop, the whole batch inside one `run_until_complete`).
        ops_per_call: operations per call, to report per-operation costs.
        is_async: whether `batch` is a coroutine function.
    """

    batch: Callable[[int], Any]
    ops_per_call: int = 1
    is_async: bool = False


def timed_once(once: Callable[[], Awaitable[Any]]) -> Timed:
    """A `Timed` for an awaitable operation that takes milliseconds (one call per op)."""

    async def batch(n: int) -> None:
        for _ in range(n):
            await once()

    return Timed(batch, is_async=True)


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


def _once(t: Timed, n: int) -> tuple[int, int]:
    """Run `t.batch(n)`; return (wall ns, CPU ns)."""
    if t.is_async:

        async def timed() -> tuple[int, int]:
            c0 = time.process_time_ns()
            t0 = time.perf_counter_ns()
            await t.batch(n)
            t1 = time.perf_counter_ns()
            return t1 - t0, time.process_time_ns() - c0

        result: tuple[int, int] = on_loop(timed())
        return result
    c0 = time.process_time_ns()
    t0 = time.perf_counter_ns()
    t.batch(n)
    t1 = time.perf_counter_ns()
    return t1 - t0, time.process_time_ns() - c0


def calibrate(t: Timed) -> int:
    """Warm `t` up, then find the `n` for which one repeat lasts about `TARGET_BATCH_S`."""
    _once(t, 1)  # warm-up: first-call costs (imports, caches) are not what we measure
    n = 1
    while True:
        elapsed = _once(t, n)[0]
        if elapsed >= TARGET_BATCH_S * 1e9 / 4 or n >= 1 << 22:
            break
        n *= 4
    return max(1, int(n * TARGET_BATCH_S * 1e9 / max(elapsed, 1)))


def measure_interleaved(
    workloads: Sequence[Timed], *, repeats: int | None = None
) -> list[Sample | BaseException]:
    """Time every workload, interleaving their repeats; a failing workload yields its error."""
    repeats = repeats or REPEATS
    sizes: list[int | BaseException] = []
    for t in workloads:
        try:
            sizes.append(calibrate(t))
        except Exception as exc:
            sizes.append(exc)
    wall: list[list[float]] = [[] for _ in workloads]
    cpu: list[list[float]] = [[] for _ in workloads]
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            for i, t in enumerate(workloads):
                n = sizes[i]
                if isinstance(n, BaseException):
                    continue
                try:
                    w, c = _once(t, n)
                except Exception as exc:
                    sizes[i] = exc
                    continue
                wall[i].append(w / (n * t.ops_per_call))
                cpu[i].append(c / (n * t.ops_per_call))
    finally:
        if enabled:
            gc.enable()
    out: list[Sample | BaseException] = []
    for i, t in enumerate(workloads):
        n = sizes[i]
        if isinstance(n, BaseException):
            out.append(n)
        else:
            out.append(
                Sample(
                    ns=statistics.median(wall[i]),
                    low=min(wall[i]),
                    high=max(wall[i]),
                    cpu_ns=statistics.median(cpu[i]),
                    ops=n * t.ops_per_call,
                )
            )
    return out


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
