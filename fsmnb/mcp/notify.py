"""Push `notifications/resources/updated` for runs that clients watch.

Only watched runs pay for it: a run is watched (through `run.subscribe`) while
a client subscribes to its URI, with `subscriptions/listen` (protocol
2026-07-28) or with the older `resources/subscribe`. Each change of state
(a transition, the end of the run) marks the run's URI dirty; dirty URIs are
flushed once per loop iteration, so a burst of transitions becomes one
notification and a fast run cannot overflow a client's stream.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from mcp.shared.subscriptions import ResourceUpdated

from fsmnb.engine.run import Run
from fsmnb.engine.telemetry import TelemetryEvent
from fsmnb.mcp._json import run_uri
from fsmnb.mcp.tenancy import TenantBus

__all__ = ("Notifier",)

logger = logging.getLogger("fsmnb.mcp")

_CHANGES = frozenset({"transition", "run_finished"})


class Notifier:
    """Watch runs and tell subscribed clients when they change.

    Args:
        bus: the server's subscription bus (modern listen streams).
    """

    def __init__(self, bus: TenantBus) -> None:
        self.bus = bus
        self._watched: dict[str, tuple[Callable[[], None], int]] = {}
        self._legacy: dict[str, dict[int, tuple[Any, str, Callable[[], None] | None]]] = {}
        self._dirty: dict[str, str] = {}  # uri -> tenant
        self._flush_scheduled = False
        self._tasks: set[asyncio.Task[None]] = set()

    # -- watching runs ---------------------------------------------------------------------------

    def watch(self, run: Run) -> Callable[[], None]:
        """Notify on `run`'s changes until the returned function is called (reference counted)."""
        watched = self._watched.get(run.id)
        if watched is None:
            uri, tenant = run_uri(run.id), run.tenant

            def changed(event: TelemetryEvent) -> None:
                if event.kind in _CHANGES:
                    self.mark(uri, tenant)

            watched = (run.subscribe(changed), 0)
        stop_watching, watchers = watched
        self._watched[run.id] = (stop_watching, watchers + 1)
        released = False

        def unwatch() -> None:
            nonlocal released
            if released:
                return
            released = True
            unsubscribe, count = self._watched.get(run.id, (None, 0))
            if count <= 1:
                self._watched.pop(run.id, None)
                if unsubscribe is not None:
                    unsubscribe()
            else:
                self._watched[run.id] = (unsubscribe, count - 1)  # type: ignore[assignment]

        return unwatch

    def is_watched(self, run_id: str) -> bool:
        """Whether any client watches `run_id`."""
        return run_id in self._watched

    # -- legacy resources/subscribe -----------------------------------------------------------

    def subscribe_session(self, uri: str, session: Any, tenant: str, run: Run | None) -> None:
        """Remember that `session` (of `tenant`) subscribed to `uri`."""
        sessions = self._legacy.setdefault(uri, {})
        if id(session) not in sessions:
            sessions[id(session)] = (session, tenant, self.watch(run) if run is not None else None)

    def unsubscribe_session(self, uri: str, session: Any) -> None:
        """Forget `session`'s subscription to `uri`."""
        subscription = self._legacy.get(uri, {}).pop(id(session), None)
        if subscription is not None:
            _session, _tenant, unwatch = subscription
            if unwatch is not None:
                unwatch()
        if uri in self._legacy and not self._legacy[uri]:
            del self._legacy[uri]

    # -- delivery -----------------------------------------------------------------------------

    def mark(self, uri: str, tenant: str) -> None:
        """Note that `uri` (owned by `tenant`) changed; subscribers hear of it once per loop turn."""
        self._dirty[uri] = tenant
        if not self._flush_scheduled:
            try:
                asyncio.get_running_loop().call_soon(self._flush)
            except RuntimeError:  # no loop (a change made from plain sync code): send now
                self._flush()
                return
            self._flush_scheduled = True

    def _flush(self) -> None:
        self._flush_scheduled = False
        dirty, self._dirty = self._dirty, {}
        for uri, tenant in dirty.items():
            self.bus.publish_nowait(ResourceUpdated(uri=uri), tenant=tenant)
            for session, owner, _ in tuple(self._legacy.get(uri, {}).values()):
                if owner == tenant:
                    self._spawn(self._send_legacy(uri, session))

    async def _send_legacy(self, uri: str, session: Any) -> None:
        try:
            await session.send_resource_updated(uri)
        except Exception:  # the client went away: drop its subscription
            logger.debug("dropping subscription of a closed session to %s", uri)
            self.unsubscribe_session(uri, session)

    def _spawn(self, coro: Any) -> None:
        try:
            task = asyncio.get_running_loop().create_task(coro)
        except RuntimeError:
            coro.close()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def close(self) -> None:
        """Stop watching every run and forget every subscription."""
        for uri in list(self._legacy):
            for _, _, unwatch in self._legacy[uri].values():
                if unwatch is not None:
                    unwatch()
        self._legacy.clear()
        for unsubscribe, _ in self._watched.values():
            unsubscribe()
        self._watched.clear()
