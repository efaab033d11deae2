"""Prometheus metrics of a service: runs, transitions, effect latency, signals, restarts.

Counters fed by the telemetry bus (`transition`, `effect_finished`,
`effect_failed`, `run_finished`) and collectors that read the router's and
the supervisors' counters when Prometheus scrapes, so routing pays nothing
for being measured. Each service has its own `CollectorRegistry`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from fsmnb.engine.telemetry import TelemetryEvent, bus
from fsmnb.errors import MissingExtraError

if TYPE_CHECKING:
    from fsmnb.signals.service import Service

__all__ = ("ServiceMetrics",)

_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ServiceMetrics:
    """The metrics of `service`, subscribed to the telemetry bus while `start`ed."""

    def __init__(self, service: Service) -> None:
        try:
            import prometheus_client as prom
        except ImportError as e:
            raise MissingExtraError("`fsmnb serve` metrics", "signals", "prometheus_client") from e
        self._prom = prom
        self.registry = prom.CollectorRegistry()
        self.runs = prom.Counter(
            "fsmnb_runs_finished", "Runs that finished, by status.", ["status"],
            registry=self.registry,
        )  # fmt: skip
        self.transitions = prom.Counter(
            "fsmnb_transitions", "State transitions taken.", registry=self.registry
        )
        self.effects = prom.Histogram(
            "fsmnb_effect_seconds", "Effect latency, by effect kind and outcome.",
            ["effect", "outcome"], buckets=_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.registry.register(_Live(service, prom))
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        """Listen to the telemetry bus."""
        if self._unsubscribe is None:
            self._unsubscribe = bus.subscribe(self.observe)

    def stop(self) -> None:
        """Stop listening."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def observe(self, event: TelemetryEvent) -> None:
        """Count one telemetry event."""
        kind = event.kind
        if kind == "transition":
            self.transitions.inc()
        elif kind in ("effect_finished", "effect_failed") and event.duration is not None:
            effect = event.name.split("(", 1)[0] or "effect"
            outcome = "ok" if kind == "effect_finished" else "error"
            self.effects.labels(effect, outcome).observe(event.duration)
        elif kind == "run_finished":
            self.runs.labels(event.name or "unknown").inc()

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        return self._prom.generate_latest(self.registry), self._prom.CONTENT_TYPE_LATEST


class _Live:
    """Reads the service's live counters at scrape time."""

    def __init__(self, service: Service, prom: Any) -> None:
        self.service = service
        from prometheus_client import core

        self.family = core

    def describe(self) -> list[Any]:
        return []  # collected on demand only; no fixed description needed

    def collect(self) -> Iterator[Any]:
        core = self.family
        routed = core.CounterMetricFamily(
            "fsmnb_signals_published", "Signals published.", labels=["router"]
        )
        delivered = core.CounterMetricFamily(
            "fsmnb_signals_delivered", "Signal deliveries.", labels=["router"]
        )
        dead = core.CounterMetricFamily(
            "fsmnb_signals_dead_lettered", "Signals dead-lettered.", labels=["router"]
        )
        for router in self.service.routers:
            routed.add_metric([router.name], router.published)
            delivered.add_metric([router.name], router.delivered)
            dead.add_metric([router.name], router.dead)
        yield from (routed, delivered, dead)
        restarts = core.CounterMetricFamily(
            "fsmnb_restarts", "Children restarted by supervisors.", labels=["supervisor"]
        )
        for sup in self.service.supervisors():
            restarts.add_metric([sup.name], sup.restarts)
        yield restarts
        runs = core.GaugeMetricFamily(
            "fsmnb_runs", "Runs in the service's manager, by status.", labels=["status"]
        )
        for status, count in self.service.run_counts().items():
            runs.add_metric([status], count)
        yield runs
