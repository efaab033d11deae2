"""Seed 004's skills: AutoScalingSkill and IntelligentMonitoringSkill, working.

AutoScalingSkill resizes a worker pool between `min_agents` and `max_agents`
on load signals, with a cool-down between resizes; any object with a `size`
and ``resize(n)`` is a pool (`AgentPool` is the one over a `Supervisor`).
IntelligentMonitoringSkill keeps a bounded history of every numeric field
of ``*.metrics`` and health signals, flags values far from the window's mean
(a z-score) and rising health trends, and turns its own alerts into insights.
"""

from __future__ import annotations

import collections
import math
import statistics
import time
from collections.abc import Callable
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from fsmnb.signals.signal import Signal
from fsmnb.signals.skills import Skill, SkillRoute

__all__ = ("AutoScalingSkill", "IntelligentMonitoringSkill", "Pool")


class Pool(Protocol):
    """What AutoScalingSkill scales."""

    @property
    def size(self) -> int: ...

    def resize(self, n: int) -> Any: ...


class ScalingConfig(BaseModel):
    """AutoScalingSkill's configuration."""

    model_config = ConfigDict(extra="forbid")
    scale_up_threshold: float = Field(default=0.8, gt=0, le=1)
    scale_down_threshold: float = Field(default=0.2, ge=0, lt=1)
    min_agents: int = Field(default=1, ge=0)
    max_agents: int = Field(default=10, ge=1)
    cooldown_seconds: float = Field(default=60.0, ge=0)
    emergency_step: int = Field(default=2, ge=1)


def _load(signal: Signal) -> float:
    data = signal.data if isinstance(signal.data, dict) else {}
    value = data.get("load", data.get("cpu_usage", 0.0))
    return float(value) if isinstance(value, int | float) else 0.0


class AutoScalingSkill(Skill):
    """Scale a worker pool on ``system.load.high/low`` and ``agent.queue.overflow`` signals.

    Args:
        pool: the pool to resize.
        clock: seconds, monotonic (tests pass a fake one).
        **config: `ScalingConfig` fields.
    """

    name = "auto_scaling"
    description = "Automatically scales agents based on load"
    Config = ScalingConfig
    inputs = ("system.load.*", "agent.queue.*")
    outputs = ("scaling.agent.spawned", "scaling.agent.terminated")

    def __init__(
        self, pool: Pool, *, clock: Callable[[], float] = time.monotonic, **config: Any
    ) -> None:
        super().__init__(**config)
        self.pool = pool
        self.clock = clock
        self.state.update(last_scaled=-math.inf, scaled_up=0, scaled_down=0, held=0)

    def routes(self) -> list[SkillRoute]:
        c = self.config
        return [
            SkillRoute(
                "system.load.high", self.scale_up, priority=100,
                when=lambda s: _load(s) > c.scale_up_threshold and self.pool.size < c.max_agents,
            ),
            SkillRoute(
                "system.load.low", self.scale_down, priority=50,
                when=lambda s: _load(s) < c.scale_down_threshold and self.pool.size > c.min_agents,
            ),
            SkillRoute("agent.queue.overflow", self.emergency, priority=200),
        ]  # fmt: skip

    def _cooling(self) -> bool:
        if self.clock() - self.state["last_scaled"] < self.config.cooldown_seconds:
            self.state["held"] += 1
            return True
        return False

    def _resize(self, target: int, reason: str, signal: Signal) -> list[Signal]:
        c = self.config
        target = max(c.min_agents, min(c.max_agents, target))
        before = self.pool.size
        if target == before:
            return []
        self.pool.resize(target)
        self.state["last_scaled"] = self.clock()
        kind = "spawned" if target > before else "terminated"
        self.state["scaled_up" if target > before else "scaled_down"] += 1
        return [
            signal.reply(
                f"scaling.agent.{kind}",
                {"reason": reason, "from": before, "total_agents": target},
                source=f"skill:{self.name}",
            )
        ]

    def scale_up(self, signal: Signal) -> list[Signal]:
        """One more worker on high load, unless cooling down."""
        return [] if self._cooling() else self._resize(self.pool.size + 1, "high_load", signal)

    def scale_down(self, signal: Signal) -> list[Signal]:
        """One fewer worker on low load, unless cooling down."""
        return [] if self._cooling() else self._resize(self.pool.size - 1, "low_load", signal)

    def emergency(self, signal: Signal) -> list[Signal]:
        """`emergency_step` more workers at once, cool-down or not."""
        return self._resize(self.pool.size + self.config.emergency_step, "queue_overflow", signal)


class MonitoringConfig(BaseModel):
    """IntelligentMonitoringSkill's configuration."""

    model_config = ConfigDict(extra="forbid")
    window: int = Field(default=50, ge=3)
    min_samples: int = Field(default=10, ge=3)
    z_threshold: float = Field(default=3.0, gt=0)
    alert_confidence_threshold: float = Field(default=0.7, ge=0, le=1)
    metric_history_limit: int = Field(default=1000, ge=1)
    prediction_horizon: int = Field(default=10, ge=1)


class IntelligentMonitoringSkill(Skill):
    """Anomaly detection on metric streams → ``alert.predictive.*`` → ``insight.generated``."""

    name = "intelligent_monitoring"
    description = "Anomaly detection with predictive alerts"
    Config = MonitoringConfig
    inputs = ("**.metrics", "system.health.**", "alert.predictive.**")
    outputs = ("alert.predictive.*", "insight.generated")

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self.history: dict[str, collections.deque[float]] = {}
        self.insights: collections.deque[dict[str, Any]] = collections.deque(maxlen=100)

    def routes(self) -> list[SkillRoute]:
        return [
            SkillRoute("**.metrics", self.analyze_metrics, priority=10),
            SkillRoute("system.health.**", self.predict_issues, priority=50),
            SkillRoute("alert.predictive.**", self.trigger_preventive_action, priority=100),
        ]

    def _series(self, key: str) -> collections.deque[float]:
        series = self.history.get(key)
        if series is None:
            if len(self.history) >= self.config.metric_history_limit:
                self.history.pop(next(iter(self.history)))  # bounded: forget the oldest metric
            series = self.history[key] = collections.deque(maxlen=self.config.window)
        return series

    def analyze_metrics(self, signal: Signal) -> list[Signal]:
        """A z-score per numeric field against its window; far outliers become alerts."""
        out = []
        data = signal.data if isinstance(signal.data, dict) else {}
        for field, value in data.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            series = self._series(f"{signal.source}/{signal.type}/{field}")
            if len(series) >= self.config.min_samples:
                mean = statistics.fmean(series)
                spread = statistics.pstdev(series) or 1e-9
                z = (value - mean) / spread
                confidence = min(1.0, abs(z) / (2 * self.config.z_threshold))
                if (
                    abs(z) >= self.config.z_threshold
                    and confidence >= self.config.alert_confidence_threshold * 0.5
                ):
                    out.append(signal.reply(
                        f"alert.predictive.{field}",
                        {"metric": field, "value": value, "mean": round(mean, 4),
                         "z": round(z, 2), "confidence": round(confidence, 2)},
                        source=f"skill:{self.name}",
                    ))  # fmt: skip
            series.append(float(value))
        return out

    def predict_issues(self, signal: Signal) -> list[Signal]:
        """A least-squares trend of each usage; one projected past 1.0 soon is an alert."""
        out = []
        data = signal.data if isinstance(signal.data, dict) else {}
        for field in ("cpu_usage", "memory_usage", "disk_usage"):
            value = data.get(field)
            if not isinstance(value, int | float):
                continue
            series = self._series(f"health/{field}")
            series.append(float(value))
            if len(series) < self.config.min_samples:
                continue
            slope = statistics.linear_regression(range(len(series)), series).slope
            projected = series[-1] + slope * self.config.prediction_horizon
            if slope > 0 and projected >= 1.0:
                out.append(signal.reply(
                    f"alert.predictive.{field}",
                    {"metric": field, "value": value, "projected": round(projected, 3),
                     "confidence": round(min(1.0, projected - series[-1] + 0.5), 2)},
                    source=f"skill:{self.name}",
                ))  # fmt: skip
        return out

    def trigger_preventive_action(self, signal: Signal) -> Signal | None:
        """A confident alert becomes an insight (a real system would act here)."""
        data = signal.data if isinstance(signal.data, dict) else {}
        if float(data.get("confidence", 0.0)) < self.config.alert_confidence_threshold:
            return None
        insight = {"alert": signal.type, "metric": data.get("metric"), "advice": "investigate"}
        self.insights.append(insight)
        return self.signal("insight.generated", insight, subject=signal.subject)
