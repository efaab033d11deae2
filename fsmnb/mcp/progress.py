"""Relay progress from synchronous telemetry listeners to a tool call, in order.

Telemetry listeners are plain functions, while `ctx.report_progress` is a
coroutine. `ProgressRelay.push` queues a report; one task sends them in order;
`close()` sends what is left before the tool returns its result, so every
progress notification reaches the client before the response does.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

__all__ = ("ProgressRelay",)


class ProgressRelay:
    """Send progress notifications for the request of `ctx` (a no-op when `ctx` is None)."""

    def __init__(self, ctx: Any) -> None:
        self._ctx = ctx
        self._queue: asyncio.Queue[tuple[float, float | None, str] | None] = asyncio.Queue()
        self._task = asyncio.get_running_loop().create_task(self._send()) if ctx else None
        self.sent = 0
        self.pushed = 0

    def push(self, progress: float, total: float | None, message: str) -> None:
        """Queue one report."""
        self.pushed += 1
        if self._task is not None:
            self._queue.put_nowait((progress, total, message))

    async def close(self) -> None:
        """Send every queued report, then stop."""
        if self._task is None:
            return
        self._queue.put_nowait(None)
        with contextlib.suppress(Exception):
            await self._task

    async def _send(self) -> None:
        while (item := await self._queue.get()) is not None:
            try:
                await self._ctx.report_progress(*item)
                self.sent += 1
            except Exception:  # the client went away; keep draining so close() returns
                pass
