"""Service parts without a process: traces from telemetry, metrics text, health, module discovery."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from fsmnb.errors import DefinitionError
from fsmnb.signals import Flow, FlowStep, Router, Signal, SupervisedAgent, Supervisor
from fsmnb.signals.examples.orders import ValidateOrder
from fsmnb.signals.service import Service, service_from_namespace
from fsmnb.signals.tracing import RunTracer, tracing_requested


def test_traces_have_a_span_per_run_state_and_effect() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = RunTracer(provider)
    tracer.start()
    try:
        flow = Flow("traced", [FlowStep("validate", ValidateOrder)], register=False)
        result = flow.run_sync(order_id="T1", items=[{"sku": "book", "qty": 1, "price": 1.0}])
    finally:
        tracer.stop()
    spans = {s.name: s for s in exporter.get_finished_spans()}
    run_span = next(s for n, s in spans.items() if n.startswith("run "))
    assert run_span.attributes is not None and run_span.attributes["fsmnb.status"] == "done"
    state = spans["state validate"]
    effect = next(s for n, s in spans.items() if n.startswith("effect act(validate_order)"))
    assert state.parent is not None and state.parent.span_id == run_span.context.span_id
    assert effect.parent is not None and effect.parent.span_id == state.context.span_id
    run_id = run_span.attributes["fsmnb.run_id"]
    assert state.attributes is not None and state.attributes["fsmnb.run_id"] == run_id
    assert result.status == "done"


def test_tracing_is_off_unless_the_environment_asks(monkeypatch: Any) -> None:
    monkeypatch.delenv("OTEL_TRACES_EXPORTER", raising=False)
    assert not tracing_requested()
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    assert not tracing_requested()
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    assert tracing_requested()


async def test_metrics_and_health_of_a_started_service() -> None:
    router = Router(name="r")
    router.route("a.*", lambda s: None)
    agent = SupervisedAgent("idle")
    service = Service(supervisor=Supervisor([agent]), routers=[router], name="svc")
    assert not service.health()["ready"]
    await service.start()
    try:
        router.publish(Signal(type="a.b"))
        router.publish(Signal(type="nowhere"))
        text = service.metrics.render()[0].decode()
        assert 'fsmnb_signals_published_total{router="r"} 2.0' in text
        assert 'fsmnb_signals_dead_lettered_total{router="r"} 1.0' in text
        for _ in range(100):
            if agent.status == "running":
                break
            await asyncio.sleep(0)
        assert service.health()["ready"]
    finally:
        await service.stop()
    assert service.health()["components"][0]["status"] != "running"


def test_a_module_namespace_becomes_a_service() -> None:
    router = Router()
    a, b = SupervisedAgent("a"), SupervisedAgent("b")
    inner = Supervisor([b], name="inner")
    service = service_from_namespace({"router": router, "a": a, "b": b, "inner": inner})
    assert service.supervisor is not None
    assert [c.name for c in service.supervisor.children] == ["inner", "a"]
    assert service.routers == [router]
    with pytest.raises(DefinitionError, match="nothing to serve"):
        service_from_namespace({"x": 1})
