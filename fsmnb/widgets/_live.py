"""`LiveWidget`: an anywidget whose updates are coalesced to at most `max_rate` per second.

A run may publish thousands of telemetry events per second. A live widget
applies each one to plain Python state at once (a few dict and deque
operations) and only *marks itself dirty*; the first mark arms a timer on the
event loop (`loop.call_later`), and when it fires `flush()` copies the state
into the synced traits inside `hold_sync()`, so the browser receives one comm
message per flush whatever happened in between. The run never waits for the
browser and the browser never sees more than ~`max_rate` messages per second.

A flush costs time on the same loop as the run (serializing the traits and
handing them to the kernel's iopub socket), so the interval also stretches to
keep flushing under `max_share` of the loop's time: a widget with a large
payload updates less often instead of slowing the run.

Without a running loop (a script, a thread) an update is flushed at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, ClassVar

import anywidget

__all__ = ("LiveWidget",)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class LiveWidget(anywidget.AnyWidget):
    """Base class: coalesced trait updates and owned subscriptions.

    Subclasses update their Python-side state, call `_touch()`, and implement
    `_values()` to give the traits' values from that state.

    Attributes:
        max_rate: the most flushes (comm messages) per second.
        max_share: the largest share of the loop's time that flushing may take.
        flushes: how many flushes this widget has done (for tests and benchmarks).
    """

    max_rate: ClassVar[float] = 30.0
    max_share: ClassVar[float] = 0.01

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._timer: asyncio.Handle | None = None
        self._last_flush = float("-inf")
        self._interval = 1.0 / self.max_rate
        self._loop = _running_loop()
        self._unsubscribe: list[Callable[[], None]] = []
        self.flushes = 0

    # -- coalescing ------------------------------------------------------------------------------

    def _touch(self) -> None:
        """Note that the state changed; a flush follows within 1/`max_rate` seconds."""
        if self._timer is not None:
            return
        loop = _running_loop()
        if loop is None:
            owner = self._loop
            if owner is not None and owner.is_running() and not owner.is_closed():
                # Another thread (a streaming client, say): hand the timer to the loop's thread.
                self._timer = owner.call_soon_threadsafe(self._arm, owner)
            else:
                self.flush()
            return
        self._arm(loop)

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        delay = self._last_flush + self._interval - loop.time()
        self._timer = loop.call_later(max(delay, 0.0), self.flush)

    def flush(self) -> None:
        """Send the pending state to the browser now (one comm message)."""
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        started = time.perf_counter()
        with self.hold_sync():
            self._sync()
        self.flushes += 1
        cost = time.perf_counter() - started
        self._interval = max(1.0 / self.max_rate, cost / self.max_share)
        loop = _running_loop()
        if loop is not None:
            self._last_flush = loop.time()

    def _sync(self) -> None:
        """Copy the Python-side state into the synced traits (only changed ones are sent)."""
        for name, value in self._values().items():
            setattr(self, name, value)

    def _values(self) -> dict[str, Any]:
        """The synced traits' values from the Python-side state."""
        raise NotImplementedError

    # -- lifetime --------------------------------------------------------------------------------

    def _own(self, unsubscribe: Callable[[], None]) -> None:
        self._unsubscribe.append(unsubscribe)

    def detach(self) -> None:
        """Stop listening (to runs or the bus); what is shown stays."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()

    def close(self) -> None:
        """Stop listening, cancel a pending flush and close the widget's comm."""
        self.detach()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        super().close()
