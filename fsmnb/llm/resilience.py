"""Timeouts, retries, a circuit breaker and a rate limit around remote provider calls.

Retries use tenacity (stop after N attempts, exponential backoff with jitter,
`retry-after` honoured, sleeping on the engine's clock so virtual time tests
them). The breaker and the rate limit are the engine's own named `Breaker`
and `TokenBucket` (``llm:<provider>``) rather than pybreaker/aiolimiter: they
run on the same `Clock`, are shared with the `circuit_breaker` and
`rate_limit` effects of the same name, and are already tested there; a second
implementation of the same two state machines would only drift from them.
The SDKs' own retries are switched off (``max_retries=0``) so there is
exactly one retry policy.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fsmnb.engine.clock import Clock, LoopClock
from fsmnb.engine.resources import resources
from fsmnb.errors import ProviderError

__all__ = ("Policy", "call_resiliently")

T = TypeVar("T")
_LOOP_CLOCK = LoopClock()


@dataclass(frozen=True, slots=True)
class Policy:
    """How hard to try a remote provider.

    Attributes:
        timeout: seconds one attempt may take (connect, send, whole reply).
        max_attempts: attempts in all, the first included.
        base_delay: backoff before the 2nd attempt; doubles each time (with jitter).
        max_delay: the longest backoff, and the longest `retry-after` honoured:
            a provider asking for more ends the retries at once.
        breaker_threshold: consecutive failed calls that open the provider's breaker.
        breaker_reset: seconds the breaker stays open before it lets a trial through.
        rate: calls allowed per `per` seconds (None: no limit).
        per: the rate limit's window in seconds.
    """

    timeout: float = 60.0
    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0
    breaker_threshold: int = 5
    breaker_reset: float = 30.0
    rate: float | None = None
    per: float = 1.0

    def wait_for(self, attempt: int, error: BaseException | None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            return float(retry_after)
        backoff: float = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return backoff * random.uniform(0.5, 1.0)


def _is_retryable(policy: Policy) -> Callable[[BaseException], bool]:
    def check(error: BaseException) -> bool:
        if not isinstance(error, ProviderError) or not error.is_retryable:
            return False
        retry_after = error.retry_after
        return retry_after is None or retry_after <= policy.max_delay

    return check


async def call_resiliently(
    provider: str,
    attempt: Callable[[], Awaitable[T]],
    *,
    policy: Policy,
    clock: Clock | None = None,
    on_retry: Callable[[int, BaseException, float], None] | None = None,
) -> T:
    """Run `attempt()` under `policy`: breaker, rate limit, timeout per attempt, retries.

    Raises:
        ProviderError: the breaker is open, an attempt failed in a way that retrying
            cannot fix, or every attempt failed (the last error).
    """
    from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

    clock = clock or _LOOP_CLOCK
    breaker = resources.breaker(f"llm:{provider}", policy.breaker_threshold, policy.breaker_reset)
    now = clock.now()
    if not breaker.admit(now):
        raise ProviderError(
            f"The circuit breaker of provider `{provider}` is open after {breaker.failures} "
            f"failed calls; it lets a trial call through in {breaker.retry_in(now):.1f} s.",
            provider=provider,
            is_retryable=False,
        )
    if policy.rate is not None:
        await resources.bucket(f"llm:{provider}", policy.rate, policy.per).acquire(clock)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        return policy.wait_for(state.attempt_number, error)

    def before_sleep(state: RetryCallState) -> None:
        if on_retry is not None and state.outcome is not None and state.next_action is not None:
            error = state.outcome.exception()
            assert error is not None
            on_retry(state.attempt_number, error, state.next_action.sleep)

    async def timed() -> T:
        try:
            async with asyncio.timeout(policy.timeout):
                return await attempt()
        except TimeoutError:
            raise ProviderError(
                f"Provider `{provider}` did not answer within {policy.timeout:g} s.",
                provider=provider,
                is_retryable=True,
            ) from None

    retrying: Any = AsyncRetrying(
        stop=stop_after_attempt(policy.max_attempts),
        wait=wait,
        retry=retry_if_exception(_is_retryable(policy)),
        sleep=clock.sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        result: T = await retrying(timed)
    except ProviderError as error:
        if error.is_retryable and error.status != 429:
            breaker.failed(clock.now())
        else:
            breaker.trial_in_flight = False
        raise
    except BaseException:
        breaker.trial_in_flight = False
        raise
    breaker.succeeded()
    return result
