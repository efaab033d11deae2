"""Carry out one state's entry: its `on_enter` hook and its action, whatever form they take.

An action may return an event name, an `Event`, an effect, or None; it may be
async, a generator that yields effects and receives their results, or an async
generator. Every effect it yields gets a deterministic path
`(state, visit, n)`, which is what the journal keys results by.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fsmnb.effects.base import Effect
from fsmnb.engine.handlers import interpret, is_awaitable
from fsmnb.errors import RunError
from fsmnb.workflow.events import Event

if TYPE_CHECKING:
    from fsmnb.engine.context import Context
    from fsmnb.workflow.state import StateDef

__all__ = ("act", "hook", "outcome_of")


def outcome_of(value: Any, ctx: Context, where: str) -> Event | None:
    """Turn what an action returned into the event that leaves the state (or None: wait)."""
    if value is None:
        return ctx.emitted
    if isinstance(value, str):
        return Event(value)
    if isinstance(value, Event):
        return value
    raise RunError(
        f"{where} returned {type(value).__name__} `{value!r:.80}`. An action returns an event "
        f"name, an `Event`, an effect, or None (to wait for an external event)."
    )


async def _interpret_yielded(ctx: Context, value: Any, where: str) -> Any:
    if not isinstance(value, Effect):
        raise RunError(
            f"{where} yielded {type(value).__name__} `{value!r:.80}`; generators yield effects "
            f"(e.g. `result = yield call(fn, x)`)."
        )
    ctx.effect_count += 1
    return await interpret(value, ctx, (ctx.state, ctx.instance.steps, ctx.effect_count))


async def hook(fn: Callable[..., Any], ctx: Context) -> None:
    """Run an `on_enter`/`on_exit` hook: sync or async; a returned effect is interpreted."""
    value = fn(ctx)
    if is_awaitable(value):
        value = await value
    if isinstance(value, Effect):
        await _interpret_yielded(ctx, value, f"Hook `{getattr(fn, '__name__', fn)}`")


async def act(sdef: StateDef, ctx: Context) -> Event | None:
    """Run `sdef`'s entry hook and action; return the event that leaves the state, if any."""
    ctx.emitted = None
    ctx.effect_count = 0
    if sdef.on_enter is not None:
        await hook(sdef.on_enter, ctx)
    kind = sdef.kind
    if kind == "none":
        return ctx.emitted
    fn = sdef.action
    assert fn is not None
    where = f"The action of state `{sdef.name}`"
    if kind == "sync":
        value = fn(ctx)
    elif kind == "async":
        value = await fn(ctx)
    elif kind == "gen":
        value = await _drive_generator(fn(ctx), ctx, where)
    else:
        value = await _drive_async_generator(fn(ctx), ctx, where)
    if isinstance(value, Effect):
        await _interpret_yielded(ctx, value, where)
        return ctx.emitted
    return outcome_of(value, ctx, where)


async def _drive_generator(gen: Any, ctx: Context, where: str) -> Any:
    sent: Any = None
    error: BaseException | None = None
    while True:
        try:
            yielded = gen.throw(error) if error is not None else gen.send(sent)
        except StopIteration as stop:
            return stop.value
        error = None
        try:
            sent = await _interpret_yielded(ctx, yielded, where)
        except Exception as exc:  # let the generator handle its effect's failure
            error = exc
        except BaseException:
            gen.close()
            raise


async def _drive_async_generator(agen: Any, ctx: Context, where: str) -> Any:
    sent: Any = None
    error: BaseException | None = None
    last: Any = None
    while True:
        try:
            yielded = await (agen.athrow(error) if error is not None else agen.asend(sent))
        except StopAsyncIteration:
            # Async generators cannot `return` a value; the last yielded event name wins.
            return last
        error = None
        if isinstance(yielded, str | Event):
            last = yielded
            sent = None
            continue
        try:
            sent = await _interpret_yielded(ctx, yielded, where)
        except Exception as exc:
            error = exc
        except BaseException:
            await agen.aclose()
            raise
