"""State shared between runs by name: circuit breakers, rate limiters and the effect cache.

These are small on purpose and run on the engine's `Clock`, so virtual time
tests them exactly; a general-purpose library (aiolimiter, pybreaker) would
read the loop's clock or threads' locks instead, and would not let the
journal and telemetry see breaker transitions.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from fsmnb.engine.clock import Clock

__all__ = ("Breaker", "Resources", "TokenBucket", "resources")


@dataclass(slots=True)
class Breaker:
    """A circuit breaker: closed → open after N failures → half-open after a pause → closed."""

    name: str
    failure_threshold: int
    reset_timeout: float
    state: str = "closed"
    failures: int = 0
    opened_at: float = 0.0
    trial_in_flight: bool = False

    def admit(self, now: float) -> bool:
        """Whether a call may go through now (moves open → half-open when the pause is over)."""
        if self.state == "closed":
            return True
        if self.state == "open" and now - self.opened_at >= self.reset_timeout:
            self.state = "half_open"
        if self.state == "half_open" and not self.trial_in_flight:
            self.trial_in_flight = True
            return True
        return False

    def succeeded(self) -> None:
        """Record a success: the breaker closes."""
        self.state, self.failures, self.trial_in_flight = "closed", 0, False

    def failed(self, now: float) -> None:
        """Record a failure: a half-open trial or the Nth failure opens the breaker."""
        self.failures += 1
        self.trial_in_flight = False
        if self.state == "half_open" or self.failures >= self.failure_threshold:
            self.state, self.opened_at = "open", now

    def retry_in(self, now: float) -> float:
        """Seconds until the breaker lets a trial through."""
        return max(0.0, self.reset_timeout - (now - self.opened_at))


@dataclass(slots=True)
class TokenBucket:
    """`rate` tokens per `per` seconds, bursting up to `rate`; `acquire` waits for a token."""

    rate: float
    per: float
    tokens: float = -1.0
    updated: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def acquire(self, clock: Clock) -> float:
        """Take one token, sleeping until there is one; returns the time waited."""
        waited = 0.0
        async with self.lock:  # first come, first served
            while True:
                now = clock.now()
                if self.tokens < 0:
                    self.tokens, self.updated = self.rate, now
                self.tokens = min(
                    self.rate, self.tokens + (now - self.updated) * self.rate / self.per
                )
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return waited
                pause = (1 - self.tokens) * self.per / self.rate
                waited += pause
                await clock.sleep(pause)


@dataclass(slots=True)
class Resources:
    """Everything shared by name between runs of one engine (one per process by default)."""

    breakers: dict[str, Breaker] = field(default_factory=dict)
    buckets: dict[str, TokenBucket] = field(default_factory=dict)
    cache: dict[str, tuple[float | None, Any]] = field(default_factory=dict)

    def breaker(self, name: str, failure_threshold: int, reset_timeout: float) -> Breaker:
        """The breaker called `name` (created on first use with these settings)."""
        b = self.breakers.get(name)
        if b is None:
            b = self.breakers[name] = Breaker(name, failure_threshold, reset_timeout)
        return b

    def bucket(self, name: str, rate: float, per: float) -> TokenBucket:
        """The token bucket called `name` (created on first use with these settings)."""
        b = self.buckets.get(name)
        if b is None:
            b = self.buckets[name] = TokenBucket(rate, per)
        return b

    def reset(self) -> None:
        """Forget every breaker, bucket and cached result."""
        self.breakers.clear()
        self.buckets.clear()
        self.cache.clear()


#: The process-wide resources.
resources = Resources()
