"""OpenTelemetry traces from the telemetry bus: a span per run, per state visit and per effect.

Off by default: nothing is imported and nothing listens unless tracing is
asked for (`fsmnb serve --otel`, or ``OTEL_TRACES_EXPORTER`` set to an
exporter other than ``none``). The exporter is the OTLP one configured by the
standard ``OTEL_EXPORTER_OTLP_*`` variables (``console`` prints spans
instead). Every span carries ``fsmnb.run_id``; state spans are children of
their run's span and effect spans of their state's.

Spans are built from the events' own times, after the fact, so the engine
never waits on the tracer. Open spans are bounded (`MAX_OPEN_RUNS`): a run
that never finishes cannot grow memory without bound.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from fsmnb.engine.telemetry import TelemetryEvent, bus
from fsmnb.errors import MissingExtraError

__all__ = ("RunTracer", "tracing_requested")

MAX_OPEN_RUNS = 10_000


def tracing_requested() -> bool:
    """Whether the environment asks for traces (``OTEL_TRACES_EXPORTER`` other than ``none``)."""
    wanted = os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    return bool(wanted) and wanted != "none"


def _ns(seconds: float) -> int:
    return int(seconds * 1e9)


class _RunSpans:
    __slots__ = ("effects", "run", "state")

    def __init__(self, run: Any) -> None:
        self.run = run
        self.state: Any = None
        self.effects: dict[str, Any] = {}


class RunTracer:
    """Turn telemetry events into OpenTelemetry spans.

    Args:
        provider: a `TracerProvider` (default: one with the exporter the environment names).
    """

    def __init__(self, provider: Any = None) -> None:
        try:
            from opentelemetry import trace
            from opentelemetry.sdk.trace import TracerProvider
        except ImportError as e:
            raise MissingExtraError("Tracing", "signals", "opentelemetry-sdk") from e
        self._trace = trace
        if provider is None:
            provider = TracerProvider()
            provider.add_span_processor(_processor_from_env())
        self.provider = provider
        self.tracer = provider.get_tracer("fsmnb")
        self._runs: OrderedDict[str, _RunSpans] = OrderedDict()
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        """Listen to the telemetry bus."""
        if self._unsubscribe is None:
            self._unsubscribe = bus.subscribe(self.observe)

    def stop(self) -> None:
        """Stop listening and end the spans still open; flush the exporter."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for run_id in list(self._runs):
            self._end_run(run_id, "open", None)
        flush = getattr(self.provider, "force_flush", None)
        if callable(flush):
            flush()

    def _spans(self, event: TelemetryEvent) -> _RunSpans:
        spans = self._runs.get(event.run_id)
        if spans is None:
            if len(self._runs) >= MAX_OPEN_RUNS:
                self._end_run(next(iter(self._runs)), "evicted", None)
            span = self.tracer.start_span(
                f"run {event.name or event.run_id}"
                if event.kind == "run_started"
                else f"run {event.run_id}",
                start_time=_ns(event.time),
                attributes={"fsmnb.run_id": event.run_id},
            )
            spans = self._runs[event.run_id] = _RunSpans(span)
        return spans

    def observe(self, event: TelemetryEvent) -> None:
        """Open or close the spans an event starts or ends."""
        if not event.run_id:
            return
        kind = event.kind
        if kind == "run_finished":
            self._end_run(event.run_id, event.name, event.time)
            return
        spans = self._spans(event)
        if kind in ("run_started", "transition"):
            target = event.state if kind == "run_started" else event.data.get("target", event.name)
            self._enter(spans, event, str(target))
        elif kind == "effect_started":
            parent = spans.state or spans.run
            ctx = self._trace.set_span_in_context(parent)
            spans.effects[event.path] = self.tracer.start_span(
                f"effect {event.name}", context=ctx, start_time=_ns(event.time),
                attributes={"fsmnb.run_id": event.run_id, "fsmnb.effect_path": event.path},
            )  # fmt: skip
        elif kind in ("effect_finished", "effect_failed", "effect_cancelled"):
            span = spans.effects.pop(event.path, None)
            if span is not None:
                if kind != "effect_finished":
                    span.set_attribute("fsmnb.outcome", kind[7:])
                    if "error" in event.data:
                        span.set_status(
                            self._trace.Status(
                                self._trace.StatusCode.ERROR, str(event.data["error"])[:300]
                            )
                        )
                span.end(end_time=_ns(event.time))

    def _enter(self, spans: _RunSpans, event: TelemetryEvent, state: str) -> None:
        if spans.state is not None:
            spans.state.end(end_time=_ns(event.time))
        ctx = self._trace.set_span_in_context(spans.run)
        spans.state = self.tracer.start_span(
            f"state {state}", context=ctx, start_time=_ns(event.time),
            attributes={"fsmnb.run_id": event.run_id, "fsmnb.state": state},
        )  # fmt: skip

    def _end_run(self, run_id: str, status: str, at: float | None) -> None:
        spans = self._runs.pop(run_id, None)
        if spans is None:
            return
        end = _ns(at) if at is not None else None
        for span in spans.effects.values():
            span.end(end_time=end)
        if spans.state is not None:
            spans.state.end(end_time=end)
        spans.run.set_attribute("fsmnb.status", status)
        if status == "failed":
            spans.run.set_status(self._trace.Status(self._trace.StatusCode.ERROR, "run failed"))
        spans.run.end(end_time=end)


def _processor_from_env() -> Any:
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    if os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "console":
        return BatchSpanProcessor(ConsoleSpanExporter())
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError as e:
        raise MissingExtraError(
            "OTLP export", "signals", "opentelemetry-exporter-otlp-proto-http"
        ) from e
    return BatchSpanProcessor(OTLPSpanExporter())
