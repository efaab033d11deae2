"""Fixtures for the agents' tests: scripted models by request type, clean catalogs, telemetry."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml

from fsmnb.agents import actions as actions_module
from fsmnb.agents import catalog
from fsmnb.engine.telemetry import TelemetryEvent, bus
from fsmnb.llm import scripted
from fsmnb.llm.demo import DemoModelNotice
from fsmnb.llm.types import LLMRequest


def task_of(request: LLMRequest) -> dict[str, Any]:
    """The ``task`` mapping of a rendered YAML request ({} for other prompts)."""
    try:
        doc = yaml.safe_load(request.prompt)
    except yaml.YAMLError:
        return {}
    return doc.get("task", {}) if isinstance(doc, dict) else {}


@pytest.fixture
def by_type() -> Callable[..., str]:
    """`by_type(name, strategy=fn_or_reply, solve=..., ...)` -> the model string ``scripted:name``.

    Each reply is a value (dict sent as JSON, str, or exception) or `fn(task) -> value`,
    chosen by the request's task type; a list is used in order.
    """

    def make(name: str = "agents", **replies: Any) -> str:
        queues = {k: list(v) for k, v in replies.items() if isinstance(v, list)}

        def answer(request: LLMRequest) -> Any:
            task = task_of(request)
            kind = str(task.get("type", "free"))
            if kind in queues:
                return queues[kind].pop(0)
            reply = replies.get(kind, replies.get("default"))
            if reply is None:
                raise AssertionError(f"unexpected {kind} request: {request.prompt[:200]}")
            return reply(task) if callable(reply) else reply

        scripted(answer, name=name)
        return f"scripted:{name}"

    return make


@pytest.fixture
def events() -> Iterator[list[TelemetryEvent]]:
    """Every telemetry event published while the test runs."""
    seen: list[TelemetryEvent] = []
    unsubscribe = bus.subscribe(seen.append)
    yield seen
    unsubscribe()


@pytest.fixture(autouse=True)
def _clean_agents() -> Iterator[None]:
    """Agents and actions registered by a test are forgotten after it; the demo's notice is quiet."""
    agents, acts = dict(catalog._AGENTS), dict(actions_module._ACTIONS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DemoModelNotice)
        yield
    catalog._AGENTS.clear()
    catalog._AGENTS.update(agents)
    actions_module._ACTIONS.clear()
    actions_module._ACTIONS.update(acts)
