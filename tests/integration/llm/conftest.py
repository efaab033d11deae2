"""The loopback server, real SDK providers pointed at it, and a clean LLM layer per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from fsmnb import llm
from fsmnb.llm.adapters.anthropic_sdk import AnthropicProvider
from fsmnb.llm.adapters.openai_sdk import OpenAIProvider
from tests.integration.llm.fake_server import FakeLLMServer
from tests.unit.llm.conftest import fresh_llm_state

#: A fake key: tests assert it never shows up in telemetry, journals, reprs or errors.
SECRET = "sk-test-SECRET-4242-do-not-leak"

__all__ = ("SECRET",)

_ = fresh_llm_state  # the autouse fixture, shared with the unit tests


@pytest.fixture
async def server() -> AsyncIterator[FakeLLMServer]:
    srv = await FakeLLMServer().start()
    yield srv
    await srv.stop()


@pytest.fixture
def fast_policy() -> Iterator[llm.Policy]:
    """Retries without real waiting: tiny backoffs, short timeouts."""
    policy = llm.Policy(
        timeout=2.0,
        max_attempts=3,
        base_delay=0.001,
        max_delay=1.0,
        breaker_threshold=3,
        breaker_reset=60.0,
    )
    previous = llm.settings.policy
    llm.configure(policy=policy)
    yield policy
    llm.configure(policy=previous)


@pytest.fixture
async def openai_model(server: FakeLLMServer, fast_policy: llm.Policy) -> AsyncIterator[str]:
    provider = OpenAIProvider(
        "gpt-test", api_key=SECRET, base_url=server.openai_url, name="fakeopenai"
    )
    llm.register_provider("fakeopenai", provider)
    yield "fakeopenai:gpt-test"
    await provider.aclose()


@pytest.fixture
async def anthropic_model(server: FakeLLMServer, fast_policy: llm.Policy) -> AsyncIterator[str]:
    provider = AnthropicProvider("claude-test", api_key=SECRET, base_url=server.anthropic_url)
    llm.register_provider("fakeanthropic", provider)
    yield "fakeanthropic:claude-test"
    await provider.aclose()
