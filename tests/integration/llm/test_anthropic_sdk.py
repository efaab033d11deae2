"""The real `anthropic` SDK against the loopback server: messages, SSE, forced tool use, faults."""

from __future__ import annotations

import json

import pytest

from fsmnb import llm
from fsmnb.engine import TelemetryEvent, bus
from fsmnb.errors import ProviderError
from fsmnb.llm.schemas import WorkflowSelection
from tests.integration.llm.conftest import SECRET
from tests.integration.llm.fake_server import (
    FakeLLMServer,
    Reply,
    anthropic_message,
    anthropic_stream,
    anthropic_text,
)


async def test_message_with_system_and_usage(server: FakeLLMServer, anthropic_model: str) -> None:
    server.then(Reply.json(anthropic_message("Bonjour", usage=(20, 3))))
    reply = await llm.complete("Hello in French", model=anthropic_model, system="Translate")
    assert reply == "Bonjour" and (reply.usage.input_tokens, reply.usage.output_tokens) == (20, 3)
    sent = server.requests[0]
    assert sent.path == "/v1/messages"
    assert sent.body["system"] == "Translate" and sent.body["max_tokens"] == 1024
    assert sent.body["messages"] == [{"role": "user", "content": "Hello in French"}]
    assert SECRET in (
        sent.headers.get("x-api-key", ""),
        sent.headers.get("authorization", "").removeprefix("Bearer "),
    )


async def test_streamed_text_deltas(server: FakeLLMServer, anthropic_model: str) -> None:
    server.then(Reply.sse(anthropic_stream(["Once ", "upon ", "a time"], usage=(8, 6))))
    seen: list[TelemetryEvent] = []
    unsubscribe = bus.subscribe(seen.append)
    try:
        reply = await llm.complete("story", model=anthropic_model)
    finally:
        unsubscribe()
    assert reply == "Once upon a time" and reply.usage.output_tokens == 6
    assert [e.data["delta"] for e in seen if e.kind == "llm_token"] == ["Once ", "upon ", "a time"]


async def test_structured_output_by_forced_tool_use(
    server: FakeLLMServer, anthropic_model: str
) -> None:
    choice = {"selected_workflow": "daily_check", "confidence": 0.8, "reason": "fits"}
    server.then(Reply.json(anthropic_message(tool=("WorkflowSelection", choice))))

    result = await llm.structured(WorkflowSelection, prompt="pick one", model=anthropic_model)

    assert result.value.selected_workflow == "daily_check"
    body = server.requests[0].body
    assert body["tool_choice"] == {"type": "tool", "name": "WorkflowSelection"}
    assert body["tools"][0]["input_schema"]["title"] == "WorkflowSelection"


async def test_streamed_forced_tool_use_with_a_bad_first_reply(
    server: FakeLLMServer, anthropic_model: str
) -> None:
    good = json.dumps({"selected_workflow": "create_new", "confidence": 0.5, "reason": "none fits"})
    server.then(
        Reply.sse(
            anthropic_stream([], tool=("WorkflowSelection", '{"selected_workflow": "x", "confid'))
        ),
        Reply.sse(anthropic_stream([], tool=("WorkflowSelection", good))),
    )

    result = await llm.structured(
        WorkflowSelection, prompt="pick", model=anthropic_model, stream=True
    )

    assert result.value.selected_workflow == "create_new"
    assert [a.ok for a in result.attempts] == [False, True]
    assert "no complete JSON" in (result.attempts[0].error or "")


async def test_overloaded_then_ok(server: FakeLLMServer, anthropic_model: str) -> None:
    server.then(Reply.error(529, "overloaded"), Reply.error(503), anthropic_text("finally"))
    assert await llm.complete("x", model=anthropic_model) == "finally"
    assert len(server.requests) == 3


async def test_a_client_error_is_not_retried_and_hides_the_key(
    server: FakeLLMServer, anthropic_model: str
) -> None:
    server.then(Reply.error(401, f"invalid x-api-key {SECRET}"))
    with pytest.raises(ProviderError) as caught:
        await llm.complete("x", model=anthropic_model)
    assert caught.value.status == 401 and SECRET not in str(caught.value)
    assert len(server.requests) == 1
