"""Tokens, tenants and rate limits: pure logic, no server."""

from __future__ import annotations

import pytest

from fsmnb.mcp.security import RateLimit, Tenants


def test_each_token_resolves_to_its_tenant_and_nothing_else() -> None:
    tenants = Tenants()
    a = tenants.add("acme")
    b = tenants.add("beta", "b" * 32)
    assert (tenants.resolve(a), tenants.resolve(b)) == ("acme", "beta")
    assert tenants.resolve(a[:-1]) is None and tenants.resolve("") is None
    assert tenants.names == ["acme", "beta"] and len(a) >= 40


def test_short_tokens_and_empty_tenants_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 16"):
        Tenants().add("acme", "short")
    with pytest.raises(ValueError, match="non-empty"):
        Tenants().add("")


def test_tokens_are_not_kept_in_clear() -> None:
    tenants = Tenants()
    token = tenants.add("acme")
    assert token not in repr(vars(tenants))


def test_rate_limit_allows_a_burst_then_refills_at_its_rate() -> None:
    limit = RateLimit(rate=2.0, burst=3)
    assert [limit.wait_time(b"k", now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limit.wait_time(b"k", now=0.0) == pytest.approx(0.5)
    assert limit.wait_time(b"k", now=0.5) == 0.0
    assert limit.wait_time(b"other", now=0.5) == 0.0  # buckets are per token
