"""Retry waits, retry-after parsing and retryability of provider errors."""

from __future__ import annotations

import pytest

from fsmnb import llm
from fsmnb.errors import ProviderError
from fsmnb.llm.adapters import provider_error, retry_after_of, scrub
from fsmnb.llm.resilience import call_resiliently


def test_retry_after_headers() -> None:
    assert retry_after_of({"retry-after": "2"}) == 2.0
    assert retry_after_of({"retry-after-ms": "250"}) == 0.25
    assert retry_after_of({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after_of({"retry-after": "soon"}) is None and retry_after_of(None) is None


def test_waits_honour_retry_after_else_back_off() -> None:
    policy = llm.Policy(base_delay=1.0, max_delay=8.0)
    assert policy.wait_for(1, ProviderError("x", retry_after=3.0)) == 3.0
    assert 0.5 <= policy.wait_for(1, None) <= 1.0 and 4.0 <= policy.wait_for(4, None) <= 8.0
    assert 4.0 <= policy.wait_for(10, None) <= 8.0


def test_sdk_errors_become_provider_errors_without_the_key() -> None:
    class Fake(Exception):
        status_code = 503
        response = type("R", (), {"headers": {"retry-after": "1"}})()

    error = provider_error(
        Fake("bad key sk-123456"), provider="openai", model="m", secret="sk-123456"
    )
    assert (error.status, error.is_retryable, error.retry_after) == (503, True, 1.0)
    assert "sk-123456" not in str(error) and scrub("a sk-123456 b", "sk-123456") == "a *** b"
    assert provider_error(
        ConnectionResetError("reset"), provider="p", model="m", secret=None
    ).is_retryable
    assert not provider_error(ValueError("odd"), provider="p", model="m", secret=None).is_retryable


async def test_retries_until_success_and_refuses_a_too_long_retry_after() -> None:
    calls = []

    async def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ProviderError("busy", status=503, is_retryable=True, retry_after=0.0)
        return "ok"

    policy = llm.Policy(max_attempts=3, base_delay=0.0)
    assert await call_resiliently("unit", flaky, policy=policy) == "ok" and len(calls) == 3

    async def throttled() -> str:
        raise ProviderError("later", status=429, is_retryable=True, retry_after=3600)

    with pytest.raises(ProviderError, match="later"):
        await call_resiliently("unit2", throttled, policy=policy)
