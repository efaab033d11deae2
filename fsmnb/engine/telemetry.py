"""The telemetry bus: everyone may listen to what runs and effects do.

Publishing costs one attribute check when nobody listens, so the engine
publishes unconditionally from its slow paths and checks `bus.active` on its
hot paths.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ("TelemetryBus", "TelemetryEvent", "bus")

logger = logging.getLogger("fsmnb")

Listener = Callable[["TelemetryEvent"], None]


@dataclass(slots=True)
class TelemetryEvent:
    """One thing that happened.

    Attributes:
        kind: ``run_started``, ``state_entered``, ``transition``, ``event``,
            ``effect_started``, ``effect_finished``, ``effect_failed``, ``log``,
            ``run_finished``, ``llm_token``, ``llm_call``, ``agent_message``,
            ``consensus_round``, …
        run_id: the run it belongs to ("" for none).
        state: the state it happened in.
        path: the effect's path, for effect events.
        name: the effect label, event name, or target state.
        duration: seconds, for finished/failed effects.
        data: anything else (error text, token delta, usage, …).
        time: wall-clock seconds since the epoch.

    Not frozen on purpose: a frozen dataclass costs twice as much to build, and
    one is built per transition and per effect whenever anyone listens. Treat
    events as read-only.
    """

    kind: str
    run_id: str = ""
    state: str = ""
    path: str = ""
    name: str = ""
    duration: float | None = None
    data: dict[str, Any] = field(default_factory=dict)
    time: float = field(default_factory=time.time)


class TelemetryBus:
    """Fan out `TelemetryEvent`s to subscribers; a failing subscriber is logged, never raised."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self.active = False

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(event)` for every event; returns a function that unsubscribes."""
        self._listeners.append(listener)
        self.active = True

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)
            self.active = bool(self._listeners)

        return unsubscribe

    def publish(self, event: TelemetryEvent) -> None:
        """Deliver `event` to every listener."""
        for listener in tuple(self._listeners):
            try:
                listener(event)
            except Exception:  # a broken dashboard must never break a run
                logger.exception("fsmnb telemetry listener %r failed", listener)


#: The process-wide bus.
bus = TelemetryBus()
