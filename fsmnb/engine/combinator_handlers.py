"""Handlers of the combinators: structured concurrency, retries, timeouts, sagas, caching, limits.

Children get deterministic paths: the parent's path plus the child's index
(and, for `retry`, the attempt number), so a durable run can replay them.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import TYPE_CHECKING, Any

from fsmnb.effects.combinators import (
    Batch,
    Cache,
    CircuitBreaker,
    Parallel,
    Race,
    RateLimit,
    Retry,
    Saga,
    Sequence,
    Timeout,
    WithCompensation,
)
from fsmnb.engine.clock import LoopClock
from fsmnb.engine.handlers import Path, format_path, interpret, register_handler
from fsmnb.engine.journal import EffectRetry
from fsmnb.engine.resources import resources
from fsmnb.engine.telemetry import TelemetryEvent
from fsmnb.errors import CircuitOpenError, EffectError

if TYPE_CHECKING:
    from fsmnb.engine.context import Context

__all__ = ()


@register_handler(Sequence)
async def _sequence(effect: Sequence, ctx: Context, path: Path) -> list[Any]:
    return [await interpret(e, ctx, (*path, i)) for i, e in enumerate(effect.effects)]


def _first_error(group: BaseExceptionGroup[Any]) -> BaseException:
    # TaskGroup wraps failures; the first leaf is the one the user cares about.
    error: BaseException = group
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error


@register_handler(Parallel)
async def _parallel(effect: Parallel, ctx: Context, path: Path) -> list[Any]:
    children = effect.effects
    if all(e.is_inline for e in children):
        return [await interpret(e, ctx, (*path, i)) for i, e in enumerate(children)]
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [
                group.create_task(interpret(e, ctx, (*path, i))) for i, e in enumerate(children)
            ]
    except BaseExceptionGroup as failed:
        raise _first_error(failed) from None
    return [t.result() for t in tasks]


@register_handler(Race)
async def _race(effect: Race, ctx: Context, path: Path) -> Any:
    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(interpret(e, ctx, (*path, i))) for i, e in enumerate(effect.effects)]
    errors: list[BaseException] = []
    try:
        pending = set(tasks)
        while pending:
            finished, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for t in tasks:
                if t in finished:
                    if t.cancelled():
                        continue
                    if t.exception() is None:
                        return t.result()
                    errors.append(t.exception())  # type: ignore[arg-type]
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    error = EffectError(
        f"every one of the {len(tasks)} effects in `race` failed",
        path=format_path(path, effect),
        effect=effect,
    )
    for e in errors:
        error.add_note(f"- {e}")
    raise error from errors[0] if errors else None


@register_handler(Retry)
async def _retry(effect: Retry, ctx: Context, path: Path) -> Any:
    for attempt in range(1, effect.attempts + 1):
        try:
            return await interpret(effect.effect, ctx, (*path, attempt))
        except EffectError as error:
            cause = error.__cause__ or error
            if attempt == effect.attempts or not effect.should_retry(cause):
                if attempt > 1:
                    error.add_note(f"gave up after {attempt} attempts")
                raise
            wait = effect.wait_before(attempt + 1)
            if effect.jitter:
                wait -= wait * effect.jitter * random.random()
            run = ctx.instance
            run.record(
                EffectRetry(time.time(), ctx.state, (*path, attempt), attempt, str(cause), wait)
            )
            run.publish(
                TelemetryEvent(
                    "effect_retry",
                    run.id,
                    ctx.state,
                    format_path(path),
                    effect.effect.label(),
                    data={"attempt": attempt, "error": str(cause), "wait": wait},
                )
            )
            await ctx.clock.sleep(wait)
    raise AssertionError("unreachable: retry ran out of attempts without raising")


@register_handler(Timeout)
async def _timeout(effect: Timeout, ctx: Context, path: Path) -> Any:
    child = interpret(effect.effect, ctx, (*path, 0))
    try:
        if isinstance(ctx.clock, LoopClock):
            async with asyncio.timeout(effect.seconds):
                return await child
        return await _timeout_on_clock(child, effect.seconds, ctx)
    except TimeoutError as exc:
        raise EffectError(
            f"`{effect.effect.label()}` timed out after {effect.seconds:g} s",
            path=format_path(path, effect),
            effect=effect,
        ) from exc


async def _timeout_on_clock(child: Any, seconds: float, ctx: Context) -> Any:
    loop = asyncio.get_running_loop()
    work = loop.create_task(child)
    timer = loop.create_task(ctx.clock.sleep(seconds))
    try:
        await asyncio.wait({work, timer}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        timer.cancel()
    if work.done():
        return work.result()
    work.cancel()
    await asyncio.gather(work, return_exceptions=True)
    raise TimeoutError


@register_handler(WithCompensation)
async def _with_compensation(effect: WithCompensation, ctx: Context, path: Path) -> Any:
    try:
        return await interpret(effect.effect, ctx, (*path, 0))
    except (Exception, asyncio.CancelledError) as failure:
        try:
            await interpret(effect.compensation, ctx, (*path, 1))
        except Exception as comp_error:
            failure.add_note(f"the compensation failed too: {comp_error}")
        raise


@register_handler(Saga)
async def _saga(effect: Saga, ctx: Context, path: Path) -> list[Any]:
    results: list[Any] = []
    done: list[int] = []
    for i, s in enumerate(effect.steps):
        try:
            results.append(await interpret(s.action, ctx, (*path, i, 0)))
            done.append(i)
        except (Exception, asyncio.CancelledError) as failure:
            for j in reversed(done):
                compensation = effect.steps[j].compensation
                if compensation is None:
                    continue
                try:
                    await interpret(compensation, ctx, (*path, j, 1))
                except Exception as comp_error:
                    failure.add_note(
                        f"compensating saga step `{effect.steps[j].name}` failed: {comp_error}"
                    )
            raise
    return results


@register_handler(Batch)
async def _batch(effect: Batch, ctx: Context, path: Path) -> list[Any]:
    gate = asyncio.Semaphore(effect.concurrency)

    async def one(i: int) -> Any:
        async with gate:
            return await interpret(effect.effects[i], ctx, (*path, i))

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(i)) for i in range(len(effect.effects))]
    except BaseExceptionGroup as failed:
        raise _first_error(failed) from None
    return [t.result() for t in tasks]


_NOTHING = object()


@register_handler(Cache)
async def _cache(effect: Cache, ctx: Context, path: Path) -> Any:
    now = ctx.clock.now()
    hit = resources.cache.get(effect.key)
    if hit is not None:
        expires, value = hit
        if expires is None or now < expires:
            return value
    value = await interpret(effect.effect, ctx, (*path, 0))
    expires = None if effect.ttl is None else now + effect.ttl
    resources.cache[effect.key] = (expires, value)
    return value


@register_handler(RateLimit)
async def _rate_limit(effect: RateLimit, ctx: Context, path: Path) -> Any:
    await resources.bucket(effect.name, effect.rate, effect.per).acquire(ctx.clock)
    return await interpret(effect.effect, ctx, (*path, 0))


@register_handler(CircuitBreaker)
async def _circuit_breaker(effect: CircuitBreaker, ctx: Context, path: Path) -> Any:
    breaker = resources.breaker(effect.name, effect.failure_threshold, effect.reset_timeout)
    now = ctx.clock.now()
    if not breaker.admit(now):
        raise CircuitOpenError(
            f"circuit `{effect.name}` is {breaker.state.replace('_', '-')} after "
            f"{breaker.failures} failures; it lets a trial call through in "
            f"{breaker.retry_in(now):.1f} s",
            path=format_path(path, effect),
            effect=effect,
        )
    try:
        result = await interpret(effect.effect, ctx, (*path, 0))
    except EffectError:
        breaker.failed(ctx.clock.now())
        raise
    except asyncio.CancelledError:
        breaker.trial_in_flight = False
        raise
    breaker.succeeded()
    return result
