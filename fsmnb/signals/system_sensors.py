"""Sensors of the machine and the file system: SystemHealthSensor (psutil), FileSensor (watchfiles).

Both libraries come with ``pip install 'fsmnb[signals]'`` and are imported
when a sensor is made, so the rest of the layer works without them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from fsmnb.errors import DefinitionError, MissingExtraError
from fsmnb.signals.sensors import Sensor
from fsmnb.signals.signal import Signal

__all__ = ("FileSensor", "SystemHealthSensor", "health_level")


class HealthConfig(BaseModel):
    """SystemHealthSensor's thresholds (fractions of the whole) and interval (seconds)."""

    model_config = ConfigDict(extra="forbid")
    cpu_threshold: float = Field(default=0.8, gt=0, le=1)
    memory_threshold: float = Field(default=0.8, gt=0, le=1)
    disk_threshold: float = Field(default=0.9, gt=0, le=1)
    critical_threshold: float = Field(default=0.95, gt=0, le=1)
    interval: float = Field(default=10.0, gt=0)
    disk_path: str = "/"


def health_level(reading: dict[str, float], config: HealthConfig) -> str:
    """``critical`` when any usage reaches `critical_threshold`, ``warning`` when one reaches
    its own threshold, else ``normal``."""
    usages = (reading["cpu_usage"], reading["memory_usage"], reading["disk_usage"])
    if max(usages) >= config.critical_threshold:
        return "critical"
    limits = (config.cpu_threshold, config.memory_threshold, config.disk_threshold)
    if any(u >= limit for u, limit in zip(usages, limits, strict=True)):
        return "warning"
    return "normal"


class SystemHealthSensor(Sensor):
    """CPU, memory and disk usage every `interval` s, as ``system.health.{normal,warning,critical}``.

    Args:
        emit: where signals go.
        probe: a function returning ``{"cpu_usage", "memory_usage", "disk_usage",
            "process_count"}`` (default: psutil); tests pass their own.
        **config: `HealthConfig` fields.
    """

    name = "system_health_sensor"
    Config = HealthConfig

    def __init__(
        self,
        emit: Any = None,
        *,
        probe: Callable[[], dict[str, float]] | None = None,
        **config: Any,
    ) -> None:
        super().__init__(emit, **config)
        if probe is None:
            try:
                import psutil
            except ImportError as e:
                raise MissingExtraError("SystemHealthSensor", "signals", "psutil") from e
            psutil.cpu_percent(None)  # the first call only starts the measurement
            path = self.config.disk_path

            def probe() -> dict[str, float]:
                return {
                    "cpu_usage": psutil.cpu_percent(None) / 100,
                    "memory_usage": psutil.virtual_memory().percent / 100,
                    "disk_usage": psutil.disk_usage(path).percent / 100,
                    "process_count": float(len(psutil.pids())),
                }

        self.probe = probe

    async def read(self) -> Signal:
        reading = self.probe()
        level = health_level(reading, self.config)
        return self.signal(f"system.health.{level}", {**reading, "level": level})


class FileConfig(BaseModel):
    """FileSensor's configuration: the paths to watch (the operator's choice, never a signal's)."""

    model_config = ConfigDict(extra="forbid")
    paths: list[str] = Field(min_length=1)
    recursive: bool = True
    debounce_ms: int = Field(default=50, ge=0)


_CHANGES = {1: "added", 2: "modified", 3: "deleted"}


class FileSensor(Sensor):
    """``file.added`` / ``file.modified`` / ``file.deleted`` signals for changes under `paths`."""

    name = "file_sensor"
    Config = FileConfig

    def __init__(self, emit: Any = None, **config: Any) -> None:
        super().__init__(emit, **config)
        missing = [p for p in self.config.paths if not Path(p).exists()]
        if missing:
            shown = ", ".join(f"`{p}`" for p in missing)
            raise DefinitionError(f"FileSensor: {shown} does not exist; create it or fix the path.")
        try:
            import watchfiles
        except ImportError as e:
            raise MissingExtraError("FileSensor", "signals", "watchfiles") from e
        self._watchfiles = watchfiles
        self.ready = asyncio.Event()

    async def watch(self) -> AsyncIterator[Signal]:
        stop = asyncio.Event()
        watcher = self._watchfiles.awatch(
            *self.config.paths,
            recursive=self.config.recursive,
            debounce=self.config.debounce_ms,
            step=20,
            stop_event=stop,
            yield_on_timeout=True,
            rust_timeout=100,
        )
        try:
            async for changes in watcher:
                self.ready.set()  # the first (timeout) batch: the watcher is armed
                for change, path in sorted(changes, key=lambda c: c[1]):
                    kind = _CHANGES.get(int(change), "modified")
                    yield self.signal(f"file.{kind}", {"path": path, "change": kind}, subject=path)
        finally:
            stop.set()
