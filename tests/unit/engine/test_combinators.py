"""Combinators: results, failures, cancellation, timing on a virtual clock."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from fsmnb import EffectError
from fsmnb.effects import (
    batch,
    cache,
    call,
    circuit_breaker,
    delay,
    parallel,
    race,
    rate_limit,
    retry,
    saga,
    sequence,
    step,
    timeout,
    with_compensation,
)
from fsmnb.engine import VirtualClock, resources
from fsmnb.engine.journal import EffectRetry
from fsmnb.errors import CircuitOpenError

from .helpers import run_effect, start_effect


class Flaky:
    """Fails `failures` times with `error`, then returns `value`; counts calls."""

    def __init__(self, failures: int, value: Any = "ok", error: type[Exception] = ConnectionError):
        self.failures, self.value, self.error, self.calls = failures, value, error, 0

    def __call__(self) -> Any:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error(f"failure {self.calls}")
        return self.value


def recorder() -> tuple[list[str], Any]:
    seen: list[str] = []

    def note(label: str) -> str:
        seen.append(label)
        return label

    return seen, note


async def test_sequence_returns_every_result_in_order() -> None:
    assert await run_effect(sequence(call(lambda: 1), call(lambda: 2))) == [1, 2]
    assert await run_effect(sequence()) == []


async def test_parallel_runs_concurrently_and_keeps_order() -> None:
    clock = VirtualClock()
    effect = parallel(sequence(delay(3), call(lambda: "slow")), call(lambda: "fast"))
    assert await run_effect(effect, clock=clock) == [[None, "slow"], "fast"]
    assert clock.now() == 3


async def test_parallel_failure_cancels_the_siblings() -> None:
    started: list[str] = []

    async def long() -> None:
        started.append("long")
        await asyncio.sleep(10)
        started.append("never")

    def boom() -> None:
        raise ValueError("nope")

    with pytest.raises(EffectError, match="ValueError: nope"):
        await run_effect(parallel(call(long), sequence(delay(0.001), call(boom))))
    assert started == ["long"]


async def test_race_first_success_wins_and_losers_are_cancelled() -> None:
    clock = VirtualClock()
    seen, note = recorder()
    effect = race(
        sequence(delay(5), call(note, "slow")),
        sequence(delay(1), call(note, "quick")),
    )
    assert await run_effect(effect, clock=clock) == [None, "quick"]
    assert seen == ["quick"]


async def test_race_fails_only_when_all_fail() -> None:
    def boom(msg: str) -> None:
        raise RuntimeError(msg)

    with pytest.raises(EffectError, match="every one of the 2 effects in `race` failed") as caught:
        await run_effect(race(call(boom, "a"), call(boom, "b")))
    assert any("RuntimeError: a" in n for n in caught.value.__notes__)


async def test_retry_exponential_backoff_timing() -> None:
    clock = VirtualClock()
    flaky = Flaky(3)
    effect = retry(call(flaky), attempts=4, backoff="exponential", base=0.5, factor=2)
    assert await run_effect(effect, clock=clock) == "ok"
    assert flaky.calls == 4
    assert clock.sleeps == [0.5, 1.0, 2.0]


@pytest.mark.parametrize(
    ("backoff", "waits"),
    [("constant", [0.2, 0.2, 0.2]), ("linear", [0.2, 0.4, 0.6])],
)
async def test_retry_constant_and_linear_backoff(backoff: Any, waits: list[float]) -> None:
    clock = VirtualClock()
    effect = retry(call(Flaky(3)), attempts=4, backoff=backoff, base=0.2)
    await run_effect(effect, clock=clock)
    assert clock.sleeps == pytest.approx(waits)


async def test_retry_caps_the_wait_and_applies_jitter_below_it() -> None:
    clock = VirtualClock()
    effect = retry(call(Flaky(3)), attempts=4, base=10, factor=10, max_delay=15, jitter=0.5)
    await run_effect(effect, clock=clock)
    assert all(5 <= w <= 15 for w in clock.sleeps) and len(clock.sleeps) == 3


async def test_retry_gives_up_and_keeps_the_last_error() -> None:
    flaky = Flaky(5)
    with pytest.raises(EffectError, match="failure 3") as caught:
        await run_effect(retry(call(flaky), attempts=3, base=0), clock=VirtualClock())
    assert flaky.calls == 3
    assert "gave up after 3 attempts" in caught.value.__notes__


async def test_retry_on_filters_by_the_original_exception() -> None:
    flaky = Flaky(1, error=KeyError)
    with pytest.raises(EffectError, match="KeyError"):
        await run_effect(retry(call(flaky), retry_on=ConnectionError), clock=VirtualClock())
    assert flaky.calls == 1
    predicate = Flaky(1, error=KeyError)
    effect = retry(call(predicate), retry_on=lambda e: isinstance(e, KeyError), base=0)
    assert await run_effect(effect, clock=VirtualClock()) == "ok"


async def test_retry_attempts_are_journaled() -> None:
    run = start_effect(retry(call(Flaky(2)), attempts=3, base=0), clock=VirtualClock())
    await run
    retries = [e for e in run.journal if isinstance(e, EffectRetry)]
    assert [e.attempt for e in retries] == [1, 2]
    assert "failure 1" in retries[0].error


async def test_timeout_on_the_loop_clock() -> None:
    with pytest.raises(EffectError, match=r"timed out after 0\.01 s"):
        await run_effect(timeout(delay(5), 0.01))
    assert await run_effect(timeout(call(lambda: 7), 1)) == 7


async def test_timeout_on_a_virtual_clock() -> None:
    clock = VirtualClock()
    with pytest.raises(EffectError, match="timed out after 2 s"):
        await run_effect(timeout(delay(60), 2), clock=clock)
    assert clock.now() == 2


async def test_with_compensation_runs_on_failure_only() -> None:
    seen, note = recorder()

    def boom() -> None:
        raise ValueError("payment failed")

    assert await run_effect(with_compensation(call(note, "work"), call(note, "undo"))) == "work"
    assert seen == ["work"]
    with pytest.raises(EffectError, match="payment failed"):
        await run_effect(with_compensation(call(boom), call(note, "refund")))
    assert seen == ["work", "refund"]


async def test_with_compensation_runs_on_cancellation() -> None:
    seen, note = recorder()
    run = start_effect(with_compensation(delay(30), call(note, "rolled back")))
    await asyncio.sleep(0.01)
    run.cancel()
    with pytest.raises(Exception, match="cancelled"):
        await run
    assert seen == ["rolled back"]
    assert run.status == "cancelled"


async def test_saga_compensates_done_steps_in_reverse() -> None:
    seen, note = recorder()

    def reserve_fails() -> None:
        raise RuntimeError("out of stock")

    effect = saga(
        step(call(note, "charge"), compensate=call(note, "refund")),
        (call(note, "hold"), call(note, "release")),
        call(note, "notify"),  # nothing to undo
        step(call(reserve_fails), compensate=call(note, "never")),
    )
    with pytest.raises(EffectError, match="out of stock"):
        await run_effect(effect)
    assert seen == ["charge", "hold", "notify", "release", "refund"]


async def test_saga_success_returns_every_result() -> None:
    assert await run_effect(saga(call(lambda: 1), (call(lambda: 2), call(lambda: 0)))) == [1, 2]


async def test_batch_bounds_concurrency() -> None:
    active, peak = 0, 0

    async def job(i: int) -> int:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.001)
        active -= 1
        return i

    result = await run_effect(batch([call(job, i) for i in range(20)], concurrency=3))
    assert result == list(range(20))
    assert peak == 3


async def test_cache_reuses_results_until_ttl_expires() -> None:
    clock = VirtualClock()
    counter = Flaky(0)
    counter.value = "v"
    effect = sequence(
        cache(call(counter), "k", ttl=10),
        cache(call(counter), "k", ttl=10),
        delay(11),
        cache(call(counter), "k", ttl=10),
    )
    assert await run_effect(effect, clock=clock) == ["v", "v", None, "v"]
    assert counter.calls == 2


async def test_rate_limit_spaces_calls() -> None:
    clock = VirtualClock()
    starts: list[float] = []
    effect = sequence(
        *[
            rate_limit(call(lambda: starts.append(clock.now())), "api", rate=2, per=1)
            for _ in range(5)
        ]
    )
    await run_effect(effect, clock=clock)
    assert starts == pytest.approx([0, 0, 0.5, 1.0, 1.5])


async def test_circuit_breaker_opens_half_opens_and_closes() -> None:
    clock = VirtualClock()
    flaky = Flaky(3)

    def guarded() -> Any:
        return circuit_breaker(call(flaky), "payments", failure_threshold=2, reset_timeout=30)

    for _ in range(2):
        with pytest.raises(EffectError, match="failure"):
            await run_effect(guarded(), clock=clock)
    assert resources.breakers["payments"].state == "open"
    with pytest.raises(CircuitOpenError, match="circuit `payments` is open"):
        await run_effect(guarded(), clock=clock)
    assert flaky.calls == 2  # refused without calling
    clock.advance(30)
    with pytest.raises(EffectError, match="failure 3"):  # the half-open trial fails
        await run_effect(guarded(), clock=clock)
    assert resources.breakers["payments"].state == "open"
    clock.advance(30)
    assert await run_effect(guarded(), clock=clock) == "ok"
    assert resources.breakers["payments"].state == "closed"


async def test_nested_paths_are_deterministic() -> None:
    def boom() -> None:
        raise ValueError("deep")

    effect = sequence(
        call(lambda: 0), parallel(call(lambda: 1), retry(call(boom), attempts=2, base=0))
    )
    with pytest.raises(EffectError) as caught:
        await run_effect(effect, clock=VirtualClock())
    # state go, visit 0, 1st ctx.run, sequence[1], parallel[1], retry attempt 2
    assert caught.value.path == "go#0/1/1/1/2:call(boom)"
