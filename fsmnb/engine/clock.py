"""The engine's clock: real time on the event loop, or virtual time for tests and replays."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from typing import Protocol, runtime_checkable

__all__ = ("Clock", "LoopClock", "VirtualClock")


@runtime_checkable
class Clock(Protocol):
    """Where `delay`, `retry` backoff, `timeout`, `cache` ttl and `rate_limit` get their time."""

    def now(self) -> float:
        """Seconds on a monotonic scale."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds`."""
        ...


class LoopClock:
    """The running event loop's monotonic time; `sleep` is `asyncio.sleep`."""

    __slots__ = ()

    def now(self) -> float:
        """The running loop's time (falls back to `time.monotonic` outside a loop)."""
        try:
            return asyncio.get_running_loop().time()
        except RuntimeError:
            import time

            return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Wait on the loop."""
        await asyncio.sleep(seconds)


class VirtualClock:
    """A clock that only moves when every sleeper is waiting: sleeps finish instantly, in order.

    Time advances to the earliest pending wake-up whenever the loop has nothing
    else to do, so a retry with a 30 s backoff takes no real time while its
    timing stays exact. `sleeps` records every requested wait.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._queue: list[tuple[float, int, asyncio.Future[None]]] = []
        self._ids = itertools.count()
        self._pump: asyncio.Task[None] | None = None
        self.sleeps: list[float] = []

    def now(self) -> float:
        """The virtual time."""
        return self._now

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of virtual time."""
        self.sleeps.append(seconds)
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._queue, (self._now + max(seconds, 0.0), next(self._ids), fut))
        if self._pump is None or self._pump.done():
            self._pump = asyncio.get_running_loop().create_task(self._advance())
        await fut

    def advance(self, seconds: float) -> None:
        """Move time forward by hand (waking sleepers whose time has come)."""
        self._now += seconds
        self._wake_due()

    def _wake_due(self) -> None:
        while self._queue and self._queue[0][0] <= self._now:
            _, _, fut = heapq.heappop(self._queue)
            if not fut.done():
                fut.set_result(None)

    async def _advance(self) -> None:
        # Let every runnable task run first, so time only jumps when all are asleep.
        while self._queue:
            for _ in range(20):
                await asyncio.sleep(0)
            self._queue = [q for q in self._queue if not q[2].done()]
            heapq.heapify(self._queue)
            if not self._queue:
                break
            self._now = max(self._now, self._queue[0][0])
            self._wake_due()
