"""The real `openai` SDK against the loopback server: JSON, SSE, tools, schemas, faults."""

from __future__ import annotations

import json

import pytest

from fsmnb import llm
from fsmnb.engine import TelemetryEvent, bus
from fsmnb.errors import ProviderError, StructuredOutputError
from fsmnb.llm.schemas import Solution
from tests.integration.llm.conftest import SECRET
from tests.integration.llm.fake_server import (
    FakeLLMServer,
    Reply,
    openai_completion,
    openai_stream,
    openai_text,
)


def _listen() -> tuple[list[TelemetryEvent], object]:
    seen: list[TelemetryEvent] = []
    return seen, bus.subscribe(seen.append)


async def test_plain_completion_carries_text_usage_and_cost(
    server: FakeLLMServer, openai_model: str
) -> None:
    llm.set_price(openai_model, input=1.0, output=2.0)
    server.then(Reply.json(openai_completion("Hello there", usage=(100, 50))))

    reply = await llm.complete(
        "Hi", model=openai_model, system="Be brief", max_tokens=20, temperature=0
    )

    assert reply == "Hello there"
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (100, 50)
    assert reply.cost == pytest.approx((100 * 1.0 + 50 * 2.0) / 1e6)
    sent = server.requests[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.body["messages"] == [
        {"role": "system", "content": "Be brief"},
        {"role": "user", "content": "Hi"},
    ]
    assert sent.body["max_tokens"] == 20 and sent.body["temperature"] == 0
    assert sent.headers["authorization"] == f"Bearer {SECRET}"


async def test_streaming_publishes_each_delta_then_the_call(
    server: FakeLLMServer, openai_model: str
) -> None:
    server.then(Reply.sse(openai_stream(["The ", "answer ", "is 42"], usage=(9, 4))))
    seen, unsubscribe = _listen()
    try:
        reply = await llm.complete("q", model=openai_model)
    finally:
        unsubscribe()  # type: ignore[operator]

    assert reply == "The answer is 42"
    assert server.requests[0].body["stream"] is True
    tokens = [e for e in seen if e.kind == "llm_token"]
    assert [e.data["delta"] for e in tokens] == ["The ", "answer ", "is 42"]
    assert {e.data["message_id"] for e in tokens} == {reply.message_id}
    assert {e.data["model"] for e in tokens} == {openai_model}
    (call,) = [e for e in seen if e.kind == "llm_call"]
    assert (call.data["input_tokens"], call.data["output_tokens"]) == (9, 4)


async def test_tool_calls_json_and_streamed(server: FakeLLMServer, openai_model: str) -> None:
    call = {"id": "call_1", "name": "get_weather", "arguments": {"city": "Oslo"}}
    tool = {
        "name": "get_weather",
        "description": "weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    }
    server.then(
        Reply.json(openai_completion(None, tool_calls=[call], finish="tool_calls")),
        Reply.sse(openai_stream([], tool_calls=[call])),
    )

    plain = await llm.complete("weather?", model=openai_model, tools=[tool])
    streamed = await llm.complete("weather?", model=openai_model, tools=[tool], stream=True)

    for reply in (plain, streamed):
        assert [(c.id, c.name, dict(c.arguments)) for c in reply.tool_calls] == [
            ("call_1", "get_weather", {"city": "Oslo"})
        ]
    assert server.requests[0].body["tools"][0]["function"]["name"] == "get_weather"


async def test_structured_call_uses_json_schema_and_retries_with_feedback(
    server: FakeLLMServer, openai_model: str
) -> None:
    server.then(
        Reply.json(openai_completion('{"answer": 42}')),
        Reply.json(openai_completion('{"answer": "42", "confidence": 0.9}')),
    )

    result = await llm.structured(Solution, prompt="What is 6*7?", model=openai_model)

    assert result.value.answer == "42" and len(result.attempts) == 2
    first, second = (r.body for r in server.requests)
    assert first["response_format"]["type"] == "json_schema"
    assert first["response_format"]["json_schema"]["schema"]["title"] == "Solution"
    feedback = second["messages"][-1]["content"]
    assert "confidence" in feedback and "Field required" in feedback
    assert second["messages"][-2] == {"role": "assistant", "content": '{"answer": 42}'}


async def test_structured_call_gives_up_with_every_attempt(
    server: FakeLLMServer, openai_model: str
) -> None:
    server.then(*[Reply.json(openai_completion("no json here")) for _ in range(3)])
    with pytest.raises(StructuredOutputError) as caught:
        await llm.structured(Solution, prompt="x", model=openai_model, max_attempts=3)
    assert [a.reply for a in caught.value.attempts] == ["no json here"] * 3


async def test_429_with_retry_after_is_retried(server: FakeLLMServer, openai_model: str) -> None:
    server.then(Reply.error(429, "slow down", retry_after="0.01"), openai_text("ok"))
    seen, unsubscribe = _listen()
    try:
        assert await llm.complete("x", model=openai_model) == "ok"
    finally:
        unsubscribe()  # type: ignore[operator]
    (retry,) = [e for e in seen if e.kind == "llm_retry"]
    assert retry.data["wait"] == pytest.approx(0.01) and "429" in retry.data["error"]


async def test_500_then_success_and_400_is_not_retried(
    server: FakeLLMServer, openai_model: str
) -> None:
    server.then(Reply.error(500), Reply.json(openai_completion("recovered")))
    assert await llm.complete("x", model=openai_model) == "recovered"

    server.then(Reply.error(400, "bad request"))
    with pytest.raises(ProviderError) as caught:
        await llm.complete("x", model=openai_model)
    assert caught.value.status == 400 and not caught.value.is_retryable
    assert len(server.requests) == 3


async def test_truncated_and_malformed_bodies_are_retried(
    server: FakeLLMServer, openai_model: str
) -> None:
    server.then(
        Reply.truncated(openai_completion("whole")),
        Reply.raw("{not json"),
        Reply.json(openai_completion("fine")),
    )
    assert await llm.complete("x", model=openai_model) == "fine"
    assert len(server.requests) == 3


async def test_a_slow_reply_times_out_then_the_breaker_opens(
    server: FakeLLMServer, openai_model: str
) -> None:
    llm.configure(
        policy=llm.Policy(timeout=0.05, max_attempts=1, breaker_threshold=2, breaker_reset=60)
    )
    server.then(
        *[
            Reply.json(
                openai_completion("late"),
            )
            for _ in range(2)
        ]
    )
    for r in server.script:
        r.delay = 0.3  # type: ignore[union-attr]
    for _ in range(2):
        with pytest.raises(ProviderError, match="did not answer within"):
            await llm.complete("x", model=openai_model)
    sent = len(server.requests)
    with pytest.raises(ProviderError, match="circuit breaker"):
        await llm.complete("x", model=openai_model)
    assert len(server.requests) == sent  # refused without a request


async def test_embeddings_through_the_sdk(server: FakeLLMServer, fast_policy: llm.Policy) -> None:
    from fsmnb.llm.embeddings import OpenAIEmbedder

    embedder = OpenAIEmbedder("text-embedding-3-small", api_key=SECRET, base_url=server.openai_url)
    vectors = await embedder.embed(["ab", "abcd"])
    assert vectors == [[2.0, 1.0, 0.0], [4.0, 1.0, 0.0]]
    assert server.requests[0].body == {
        "model": "text-embedding-3-small",
        "input": ["ab", "abcd"],
        "encoding_format": "base64",
    } or server.requests[0].body["input"] == ["ab", "abcd"]


async def test_the_key_never_leaks(server: FakeLLMServer, openai_model: str) -> None:
    server.then(Reply.error(401, f"Incorrect API key provided: {SECRET}"), openai_text("ok"))
    seen, unsubscribe = _listen()
    try:
        with pytest.raises(ProviderError) as caught:
            await llm.complete("x", model=openai_model)
        reply = await llm.complete("y", model=openai_model)
    finally:
        unsubscribe()  # type: ignore[operator]
    from fsmnb.llm.provider import get_provider

    texts = [str(caught.value), repr(caught.value), repr(reply), repr(get_provider(openai_model))]
    texts += [json.dumps(e.data, default=str) for e in seen]
    assert not [t for t in texts if SECRET in t]
