"""The interpreter: `await interpret(effect, ctx)` and the registry of effect handlers.

A handler is `fn(effect, ctx, path) -> result`, sync or async. Sync handlers
run inline (no task, no await); async ones are awaited. Leaf failures are
wrapped in `EffectError` carrying the effect's path, with the cause chained;
leaf results are journaled (the journal is what durable replay reads), and
every effect reports started/finished/failed to the telemetry bus when anyone
listens.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from fsmnb.effects.base import Effect
from fsmnb.engine.journal import EffectFailed, EffectFinished
from fsmnb.engine.telemetry import TelemetryEvent, bus
from fsmnb.errors import EffectError, MissingHandlerError

if TYPE_CHECKING:
    from fsmnb.engine.context import Context

__all__ = ("Path", "format_path", "handler_for", "interpret", "register_handler")

Path = tuple[Any, ...]
Handler = Callable[[Any, "Context", Path], Any]
E = TypeVar("E", bound=Effect)

#: effect type -> (handler, is_async)
_HANDLERS: dict[type[Effect], tuple[Handler, bool]] = {}

#: Where the handlers of effects that the core does not implement come from.
_PROVIDED_BY = {
    "call_llm": "fsmnb.llm",
    "embed_text": "fsmnb.llm",
    "vector_search": "fsmnb.llm",
    "rag_pipeline": "fsmnb.llm",
    "invoke_agent": "fsmnb.agents",
    "coordinate_agents": "fsmnb.agents",
}

_MISSING = object()


def register_handler(
    effect_type: type[E],
) -> Callable[[Callable[[E, Context, Path], Any]], Callable[[E, Context, Path], Any]]:
    """Register the decorated function as the handler of `effect_type` (replacing any other).

    The handler is `fn(effect, ctx, path)`; it may be sync (run inline) or async.
    Handlers of combinators call `interpret(child, ctx, path + (i,))` for their children.
    """

    def attach(fn: Callable[[E, Context, Path], Any]) -> Callable[[E, Context, Path], Any]:
        _HANDLERS[effect_type] = (fn, inspect.iscoroutinefunction(fn))
        return fn

    return attach


def handler_for(effect_type: type[Effect]) -> Handler | None:
    """The handler registered for `effect_type`, or None."""
    registered = _HANDLERS.get(effect_type)
    if registered is None:
        return None
    fn, _is_async = registered
    return fn


def format_path(path: Path, effect: Effect | None = None) -> str:
    """A readable path: ``payment#1/0/2`` plus the effect's label when given."""
    if not path:
        text = ""
    elif len(path) >= 2 and isinstance(path[0], str):
        text = "/".join([f"{path[0]}#{path[1]}", *map(str, path[2:])])
    else:
        text = "/".join(map(str, path))
    if effect is not None:
        text = f"{text}:{effect.label()}" if text else effect.label()
    return text


def _missing(effect: Effect) -> MissingHandlerError:
    provider = _PROVIDED_BY.get(effect.kind)
    if provider:
        fix = f"Import `{provider}` (or `import fsmnb`, which registers it) before running."
    else:
        fix = "Register one with `@fsmnb.engine.register_handler(YourEffect)`."
    return MissingHandlerError(
        f"No handler is registered for effect `{effect.kind}` ({type(effect).__name__}). {fix}",
        effect=effect,
    )


async def interpret(effect: Effect, ctx: Context, path: Path = ()) -> Any:
    """Carry out `effect` in `ctx` and return its result.

    Raises:
        EffectError: the effect (or one inside it) failed; `.path` says where.
        asyncio.CancelledError: the run left the state or was cancelled.
    """
    entry = _HANDLERS.get(type(effect))
    if entry is None:
        if not isinstance(effect, Effect):
            raise EffectError(
                f"Expected an effect, got {type(effect).__name__} `{effect!r:.80}`",
                path=format_path(path),
            )
        raise _missing(effect)
    fn, is_async = entry
    if not effect.is_leaf:
        return await fn(effect, ctx, path) if is_async else fn(effect, ctx, path)
    run = ctx.instance
    replay = run.replay
    if replay is not None:
        hit = replay.get(path, _MISSING)
        if hit is not _MISSING:
            if isinstance(hit, EffectError):
                raise hit  # a failure journaled before a crash, replayed as it happened
            return hit
        if replay.__class__ is not dict and not effect.is_inline:
            # durable: commit first (a run whose commit is being retried pauses here)
            paused = replay.before_effect(path)  # type: ignore[attr-defined]
            if paused is not None:
                await paused
    observed = bus.active or run.observed
    if observed:
        _publish(ctx, "effect_started", path, effect)
    t0 = time.perf_counter()
    try:
        result = fn(effect, ctx, path)
        if is_async:
            result = await result
    except asyncio.CancelledError:
        if observed:
            _publish(ctx, "effect_cancelled", path, effect, time.perf_counter() - t0)
        raise
    except Exception as exc:
        duration = time.perf_counter() - t0
        error = exc if isinstance(exc, EffectError) else _wrap(exc, effect, path)
        run.record(
            EffectFailed(
                time.time(),
                ctx.state,
                path,
                effect.label(),
                duration,
                str(exc),
                f"{type(exc).__module__}:{type(exc).__qualname__}",
            )
        )
        if observed:
            _publish(ctx, "effect_failed", path, effect, duration, {"error": str(error)})
        if error is exc:
            raise
        raise error from exc
    duration = time.perf_counter() - t0
    if not effect.is_inline:
        run.record(EffectFinished(time.time(), ctx.state, path, effect.label(), duration, result))
    if observed:
        _publish(ctx, "effect_finished", path, effect, duration, {"result": result})
    return result


def _wrap(exc: Exception, effect: Effect, path: Path) -> EffectError:
    return EffectError(
        f"`{effect.label()}` failed: {type(exc).__name__}: {exc}",
        path=format_path(path, effect),
        effect=effect,
    )


def _publish(
    ctx: Context,
    kind: str,
    path: Path,
    effect: Effect,
    duration: float | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    ctx.instance.publish(
        TelemetryEvent(
            kind=kind,
            run_id=ctx.instance.id,
            state=ctx.state,
            path=format_path(path),
            name=effect.label(),
            duration=duration,
            data=data or {},
        )
    )


async def maybe_await(value: Any) -> Any:
    """Await `value` if it is awaitable (a sync function's result passes through)."""
    if inspect.isawaitable(value):
        return await value
    return value


def is_awaitable(value: Any) -> bool:
    """Whether `value` must be awaited."""
    return inspect.isawaitable(value)


AwaitableAny = Awaitable[Any]
