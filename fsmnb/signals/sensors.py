"""Sensors: async producers of signals, periodic (`read` every `interval`) or event-driven (`watch`).

    sensor = SystemHealthSensor(router, cpu_threshold=0.9, interval=5)
    async with sensor:          # started and stopped with its owner
        ...
    supervisor = Supervisor([sensor, agent])   # or supervised like an agent

A sensor emits into a `Router` (published) or any ``fn(signal)``. A failing
`read` is isolated: it is counted, kept as `last_error`, reported as a
``sensor.error`` signal, and the next read happens on time. A failing `watch`
ends `run` with the error, for the owner (a `Supervisor`) to restart it.
Configuration is a pydantic model (`Config`), checked when the sensor is made.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from fsmnb.errors import DefinitionError, SignalError
from fsmnb.signals.signal import Signal

__all__ = ("NoConfig", "QueueSensor", "Sensor", "check_config")


class NoConfig(BaseModel):
    """No configuration (extra keys are refused)."""

    model_config = ConfigDict(extra="forbid")


def check_config(owner: str, model: type[BaseModel], config: dict[str, Any]) -> Any:
    """Validate `config` against `model`; a `DefinitionError` naming each field otherwise."""
    try:
        return model.model_validate(config)
    except ValidationError as e:
        problems = [
            f"`{'.'.join(str(p) for p in err['loc']) or '$'}`: {err['msg']}" for err in e.errors()
        ]
        fields = ", ".join(sorted(model.model_fields)) or "none"
        raise DefinitionError(
            f"`{owner}` configuration is invalid: "
            + "; ".join(problems)
            + f". Its fields: {fields}."
        ) from None


class Sensor:
    """A producer of signals; subclass it and define `read` (periodic) or `watch` (event-driven).

    Args:
        emit: a `Router` (its `publish`) or ``fn(signal)`` receiving the signals.
        name: the sensor's name (default: the class's `name`).
        **config: fields of `Config`.
    """

    name: str = "sensor"
    Config: ClassVar[type[BaseModel]] = NoConfig
    #: seconds between reads of a periodic sensor (a config field `interval` overrides it)
    interval: float = 10.0

    def __init__(self, emit: Any = None, *, name: str | None = None, **config: Any) -> None:
        self.config: Any = check_config(type(self).__name__, self.Config, config)
        self.name = name or type(self).name
        self.interval = float(getattr(self.config, "interval", type(self).interval))
        self._emit = _emitter(emit)
        self.emitted = 0
        self.errors = 0
        self.last_error: str | None = None
        self.last_read: float | None = None
        self.status = "stopped"
        self._task: asyncio.Task[None] | None = None

    @property
    def source(self) -> str:
        """The CloudEvents `source` of its signals."""
        return f"sensor:{self.name}"

    def connect(self, emit: Any) -> None:
        """Send the signals to `emit` (a `Router` or a function) from now on."""
        self._emit = _emitter(emit)

    # -- what a subclass defines ---------------------------------------------------------------

    async def read(self) -> Signal | Iterable[Signal] | None:
        """Take one reading (periodic sensors)."""
        raise NotImplementedError(f"Sensor `{self.name}` defines neither `read` nor `watch`.")

    async def watch(self) -> AsyncIterator[Signal]:
        """Yield signals as they happen (event-driven sensors); the default polls `read`."""
        while True:
            try:
                out = await self.read()
            except Exception as exc:  # isolated: count it, report it, read again on time
                self.errors += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                yield Signal(
                    type="sensor.error",
                    source=self.source,
                    data={"sensor": self.name, "error": self.last_error},
                )
            else:
                self.last_read = time.time()
                if isinstance(out, Signal):
                    yield out
                elif out is not None:
                    for s in out:
                        yield s
            await asyncio.sleep(self.interval)

    # -- running -------------------------------------------------------------------------------

    def signal(self, type: str, data: Any = None, **attributes: Any) -> Signal:
        """A signal from this sensor."""
        return Signal(type=type, source=self.source, data=data, **attributes)

    async def run(self) -> None:
        """Emit what `watch` yields until cancelled (a `Supervisor` child's entry point)."""
        self.status = "running"
        try:
            async for s in self.watch():
                self.emitted += 1
                self._emit(s)
        finally:
            self.status = "stopped"

    def start(self) -> asyncio.Task[None]:
        """Run it in a task of its own (stopped by `stop` or leaving `async with`)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run(), name=self.name)
        return self._task

    async def stop(self) -> None:
        """Stop the task `start` made and wait for it."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def __aenter__(self) -> Sensor:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def health(self) -> dict[str, Any]:
        """Its status for `/health` and the supervision widget."""
        return {
            "name": self.name,
            "kind": "sensor",
            "status": self.status,
            "emitted": self.emitted,
            "errors": self.errors,
            "last_error": self.last_error,
        }

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} {self.status}, {self.emitted} emitted>"


def _emitter(emit: Any) -> Callable[[Signal], Any]:
    if emit is None:
        return lambda s: None
    publish = getattr(emit, "publish", None)
    if callable(publish):
        return publish  # type: ignore[no-any-return]
    if callable(emit):
        return emit  # type: ignore[no-any-return]
    raise DefinitionError(
        f"A sensor emits into a `Router` or a function, got {type(emit).__name__}."
    )


class QueueConfig(BaseModel):
    """QueueSensor's configuration."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)
    type: str = "queue.item"


class QueueSensor(Sensor):
    """Turn items put on an `asyncio.Queue` into signals.

    A `Signal` passes as is; a mapping with a ``type`` is validated as a CloudEvent
    at the edge (a refused one is counted and reported as ``sensor.error``); anything
    else becomes the data of a signal of the configured `type`.
    """

    name = "queue_sensor"
    Config = QueueConfig

    def __init__(self, queue: asyncio.Queue[Any], emit: Any = None, **config: Any) -> None:
        super().__init__(emit, **config)
        self.queue = queue

    async def watch(self) -> AsyncIterator[Signal]:
        while True:
            item = await self.queue.get()
            self.last_read = time.time()
            if isinstance(item, Signal):
                yield item
            elif isinstance(item, dict) and "type" in item:
                try:
                    yield Signal.parse(item)
                except SignalError as e:
                    self.errors += 1
                    self.last_error = str(e)
                    yield self.signal("sensor.error", {"sensor": self.name, "error": str(e)})
            else:
                yield self.signal(self.config.type, item)
