"""`Context`: what a state's action receives as `ctx`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fsmnb.effects.base import Effect
from fsmnb.engine.clock import Clock
from fsmnb.engine.handlers import interpret
from fsmnb.workflow.events import Event

if TYPE_CHECKING:
    from fsmnb.engine.run import Run

__all__ = ("Context",)


class Context:
    """The run as seen from inside a state's action.

    Attributes:
        data: the run's data (a dict you may read and change).
        state: the current state's name.
        event: the event that led into this state (None in the initial state).
        payload: that event's payload.
        instance: the `Run` itself.
        clock: the engine's clock.
        emitted: the event the action emitted so far (`ctx.emit`, the `emit` effect).
        effect_count: how many effects the action has run in this visit (the last
            part of each effect's path).
    """

    __slots__ = (
        "clock",
        "data",
        "effect_count",
        "emitted",
        "event",
        "instance",
        "payload",
        "state",
    )

    def __init__(self, run: Run, clock: Clock) -> None:
        self.instance = run
        self.clock = clock
        self.data: dict[str, Any] = run.data
        self.state = run.state
        self.event: str | None = None
        self.payload: Mapping[str, Any] = {}
        self.emitted: Event | None = None
        self.effect_count = 0

    @property
    def run_id(self) -> str:
        """The run's id."""
        return self.instance.id

    @property
    def workflow(self) -> str:
        """The workflow's name."""
        return self.instance.workflow.name

    async def run(self, effect: Effect) -> Any:
        """Interpret `effect` now and return its result (for async actions).

        Effects started this way are cancelled when the run leaves the state.
        """
        self.effect_count += 1
        return await interpret(effect, self, (self.state, self.instance.steps, self.effect_count))

    def emit(self, event: str, **payload: Any) -> None:
        """Leave the state by `event` once the action is done (like the `emit` effect)."""
        self.emitted = Event(event, payload)

    def log(self, message: str, level: str = "info") -> None:
        """Write `message` to the run's log and the telemetry bus."""
        self.instance.log(level, message)

    @property
    def idempotency_key(self) -> str:
        """A key that is stable for the current step across replays: pass it to the outside world."""
        return f"{self.instance.id}:{self.state}#{self.instance.steps}:{self.effect_count}"

    def __repr__(self) -> str:
        return (
            f"<Context run={self.instance.id!r} state={self.state!r} data_keys={list(self.data)}>"
        )
