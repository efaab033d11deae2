"""Structured calls against loopback llama.cpp, Ollama, vLLM, LM Studio and bare servers.

The real `openai` SDK talks to each personality (`servers.py`). A refused JSON
mode is stepped down from at once, without a retry, and remembered per base URL;
transient failures are still retried; permanent ones are not.
"""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from fsmnb import llm
from fsmnb.agents import Agent
from fsmnb.errors import ProviderError
from fsmnb.llm.adapters.openai_sdk import OpenAIProvider
from fsmnb.llm.capabilities import Capabilities, is_unsupported
from fsmnb.llm.schemas import Solution
from tests.integration.llm.conftest import SECRET
from tests.integration.llm.fake_server import FakeLLMServer, Recorded, Reply, openai_completion
from tests.integration.llm.servers import PERSONALITIES, SETTLES_ON, json_reply, llama_cpp


class Verdict(BaseModel):
    label: str
    score: int


VERDICT = {"label": "ok", "score": 3}


def _formats(server: FakeLLMServer) -> list[str | None]:
    return [
        (r.body.get("response_format") or {}).get("type")
        for r in server.requests
        if r.path.endswith("/chat/completions")
    ]


@pytest.mark.parametrize("name", sorted(PERSONALITIES))
async def test_each_server_settles_on_the_strongest_mode_it_accepts_and_remembers_it(
    name: str, server: FakeLLMServer, openai_model: str
) -> None:
    serve = PERSONALITIES[name](json_reply(VERDICT))
    server.then(*[serve] * 8)

    first = await llm.structured(Verdict, prompt="judge", model=openai_model)
    second = await llm.structured(Verdict, prompt="judge again", model=openai_model)

    assert first.value == second.value == Verdict(label="ok", score=3)
    settled = SETTLES_ON[name]
    formats = _formats(server)
    assert formats[-1] == formats[-2] == settled  # the second call goes straight there
    ladder = ["json_schema", "json_object", None]
    assert formats[:-1] == ladder[: ladder.index(settled) + 1]  # each refused rung asked once


async def test_llama_cpp_500_is_not_retried_as_transient(
    server: FakeLLMServer, openai_model: str
) -> None:
    """The issue's bug: llama.cpp's 500 "only json_object" was retried four times, then raised."""
    server.then(llama_cpp(json_reply(VERDICT)), llama_cpp(json_reply(VERDICT)))

    result = await llm.structured(Verdict, prompt="judge", model=openai_model)

    assert result.value.score == 3 and len(result.attempts) == 1
    assert _formats(server) == ["json_schema", "json_object"]
    sent = server.requests[1].body["response_format"]
    assert sent["schema"]["properties"]["label"] == {"type": "string"}  # cut to grammar size


async def test_the_schema_is_in_the_prompt_when_no_json_mode_is_left(
    server: FakeLLMServer, fast_policy: llm.Policy
) -> None:
    provider = OpenAIProvider(
        "m",
        api_key=SECRET,
        base_url=server.openai_url,
        name="plain",
        capabilities=Capabilities(json_schema=False, json_object=False),
    )
    llm.register_provider("plain", provider)
    server.then(Reply.json(openai_completion('{"label": "x", "score": 1}')))

    await llm.structured(Verdict, prompt="judge", model="plain:m")

    (sent,) = server.requests
    assert "response_format" not in sent.body  # declared: no probing at all
    assert '"score"' in sent.body["messages"][0]["content"]  # the schema, in the system prompt
    await provider.aclose()


async def test_streaming_without_usage_support_falls_back_once(
    server: FakeLLMServer, openai_model: str
) -> None:
    serve = PERSONALITIES["bare"](lambda _r: "streamed text")
    server.then(serve, serve, serve)

    first = await llm.complete("hi", model=openai_model, stream=True)
    second = await llm.complete("hi", model=openai_model, stream=True)

    assert first == second == "streamed text"
    assert ["stream_options" in r.body for r in server.requests] == [True, False, False]


async def test_native_false_on_an_agent_and_in_call_llm_sends_no_response_format(
    server: FakeLLMServer, openai_model: str
) -> None:
    reply = Solution(answer="4", explanation="2 + 2", confidence=0.9).model_dump_json()
    server.then(*[Reply.json(openai_completion(reply)) for _ in range(2)])
    agent = Agent("plain-json", model=openai_model, native=False, register=False)

    await agent.ask(Solution, {"problem": "2 + 2"})
    await llm.structured(Solution, prompt="2 + 2", model=openai_model, native=False)

    assert _formats(server) == [None, None]


@pytest.mark.parametrize(
    ("status", "message", "transient"),
    [
        (429, "rate limited", True),
        (503, "loading model", True),
        (500, "CUDA error", True),
        (400, "bad request", False),
        (404, "model not found", False),
        (422, "validation error", False),
        (501, "not implemented", False),
        (500, 'response_format type must be one of "text" or "json_object"', False),
        (400, "unknown field `stream_options`", False),
    ],
)
async def test_errors_classify_as_transient_or_permanent(
    status: int, message: str, transient: bool, server: FakeLLMServer, openai_model: str
) -> None:
    server.then(
        Reply.error(status, message), Reply.error(status, message), Reply.error(status, message)
    )

    with pytest.raises(ProviderError) as caught:
        await llm.complete("hi", model=openai_model)

    assert caught.value.is_retryable is transient
    assert len(server.requests) == (3 if transient else 1)  # fast_policy: 3 attempts


def test_is_unsupported_needs_a_feature_and_a_refusal() -> None:
    def error(status: int, text: str) -> ProviderError:
        return ProviderError(text, status=status)

    assert is_unsupported(error(400, "response_format is not supported"))
    assert is_unsupported(error(400, "'response_format.type' must be 'json_schema'"))
    assert not is_unsupported(error(400, "response_format: expected an object"))
    assert not is_unsupported(error(503, "json_schema not supported while loading"))
    assert not is_unsupported(ProviderError("not supported json_schema"))  # no status
    assert not is_unsupported(error(500, "out of memory"))


async def test_a_request_log_shows_what_each_rung_carried(
    server: FakeLLMServer, openai_model: str
) -> None:
    seen: list[Recorded] = []

    def record(request: Recorded) -> Reply:
        seen.append(request)
        return PERSONALITIES["bare"](json_reply(VERDICT))(request)

    server.then(record, record, record)
    await llm.structured(Verdict, prompt="judge", model=openai_model)

    assert [r.body.get("response_format", {}).get("type") for r in seen] == [
        "json_schema",
        "json_object",
        None,
    ]
