"""Malformed structured replies through the real OpenAI SDK and the loopback server (100 replies)."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fsmnb import llm
from fsmnb.errors import StructuredOutputError
from fsmnb.llm.adapters.openai_sdk import OpenAIProvider
from tests.integration.llm.fake_server import FakeLLMServer, openai_text
from tests.unit.llm.test_fault_injection import VALID, Verdict, malformed


async def _drive(replies: list[str]) -> None:
    server = await FakeLLMServer().start()
    provider = OpenAIProvider(
        "gpt-test", api_key="sk-test", base_url=server.openai_url, name="faultyhttp"
    )
    try:
        for reply in replies:
            usable = llm.validate_reply(reply, Verdict)[1] is None
            server.then(openai_text(reply), openai_text(VALID))
            result = await llm.structured(
                Verdict, prompt="judge", model=provider, max_attempts=2, native=False
            )
            assert len(result.attempts) == (1 if usable else 2)
            server.script.clear()
            server.then(openai_text(reply))
            try:
                await llm.structured(
                    Verdict, prompt="judge", model=provider, max_attempts=1, native=False
                )
            except StructuredOutputError as error:
                assert not usable and error.attempts[0].reply == reply
            server.script.clear()
    finally:
        await provider.aclose()
        await server.stop()


@settings(
    max_examples=4,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(replies=st.lists(malformed(), min_size=25, max_size=25))
def test_malformed_replies_over_http(replies: list[str]) -> None:
    asyncio.run(_drive(replies))
