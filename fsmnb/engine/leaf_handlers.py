"""Handlers of the core leaf effects: calls, HTTP, time, logging, data, events, sub-workflows."""

from __future__ import annotations

import asyncio
import inspect
import weakref
from typing import TYPE_CHECKING, Any

from fsmnb.effects.leaves import (
    Call,
    CallApi,
    Delay,
    Emit,
    GetData,
    InvokeFsm,
    Log,
    MergeData,
    PutData,
    SendEvent,
    SpawnFsm,
    UpdateData,
)
from fsmnb.effects.registry import resolve_callable
from fsmnb.engine.handlers import Path, register_handler
from fsmnb.errors import EffectError, MissingExtraError, RunError
from fsmnb.workflow.events import Event

if TYPE_CHECKING:
    from fsmnb.engine.context import Context
    from fsmnb.engine.run import Run
    from fsmnb.workflow.workflow import Workflow

__all__ = ()


@register_handler(Call)
async def _call(effect: Call, ctx: Context, path: Path) -> Any:
    fn = resolve_callable(effect.fn) if isinstance(effect.fn, str) else effect.fn
    args = (ctx, *effect.args) if effect.pass_context else effect.args
    if effect.cpu:  # another process: the loop stays free for other runs
        from fsmnb.engine.executors import run_cpu

        return await run_cpu(fn, args, effect.kwargs, effect.label())
    result = fn(*args, **effect.kwargs)
    if inspect.isawaitable(result):
        result = await result
    return result


_HTTP_CLIENTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
    weakref.WeakKeyDictionary()
)


@register_handler(CallApi)
async def _call_api(effect: CallApi, ctx: Context, path: Path) -> Any:
    try:
        import httpx
    except ImportError:
        raise MissingExtraError("The `call_api` effect", "http", "httpx") from None
    loop = asyncio.get_running_loop()
    client = _HTTP_CLIENTS.get(loop)
    if client is None:  # one pooled client per loop: building one costs ~100 ms of TLS setup
        client = _HTTP_CLIENTS[loop] = httpx.AsyncClient()
    response = await client.request(
        effect.method,
        effect.url,
        json=effect.json,
        params=dict(effect.params) or None,
        headers=dict(effect.headers) or None,
        timeout=effect.timeout,
    )
    if response.status_code >= 400:
        raise EffectError(
            f"`{effect.method} {effect.url}` answered HTTP {response.status_code}: "
            f"{response.text[:200]}"
        )
    if "json" in response.headers.get("content-type", ""):
        return response.json()
    return response.text


@register_handler(Delay)
async def _delay(effect: Delay, ctx: Context, path: Path) -> None:
    await ctx.clock.sleep(effect.seconds)


@register_handler(Log)
def _log(effect: Log, ctx: Context, path: Path) -> None:
    ctx.instance.log(effect.level, effect.message)


@register_handler(PutData)
def _put(effect: PutData, ctx: Context, path: Path) -> Any:
    ctx.data[effect.key] = effect.value
    return effect.value


@register_handler(GetData)
def _get(effect: GetData, ctx: Context, path: Path) -> Any:
    return ctx.data.get(effect.key, effect.default)


@register_handler(MergeData)
def _merge(effect: MergeData, ctx: Context, path: Path) -> Any:
    ctx.data.update(effect.values)
    return dict(effect.values)


@register_handler(UpdateData)
def _update(effect: UpdateData, ctx: Context, path: Path) -> Any:
    fn = resolve_callable(effect.fn) if isinstance(effect.fn, str) else effect.fn
    value = fn(ctx.data.get(effect.key, effect.default))
    ctx.data[effect.key] = value
    return value


@register_handler(Emit)
def _emit(effect: Emit, ctx: Context, path: Path) -> None:
    ctx.emitted = Event(effect.event, effect.payload)


def _workflow(ref: Any) -> Workflow:
    from fsmnb.workflow.catalog import get_workflow
    from fsmnb.workflow.workflow import Workflow

    return ref if isinstance(ref, Workflow) else get_workflow(ref)


def _start_child(effect: InvokeFsm | SpawnFsm, ctx: Context) -> Run:
    """Start a sub-workflow as a child of this run: same tenant, same store."""
    return ctx.instance.start_child(_workflow(effect.workflow), effect.data)


@register_handler(InvokeFsm)
async def _invoke(effect: InvokeFsm, ctx: Context, path: Path) -> Any:
    child = _start_child(effect, ctx)
    try:
        # Awaited to the end: a child that waits for events is driven by `send_event`.
        return await child.wait()
    except asyncio.CancelledError:
        child.cancel("parent left the state")
        raise


@register_handler(SpawnFsm)
def _spawn(effect: SpawnFsm, ctx: Context, path: Path) -> str:
    child = _start_child(effect, ctx)
    _DETACHED.add(child)
    child.subscribe(lambda e: _DETACHED.discard(child) if e.kind == "run_finished" else None)
    return child.id


#: Detached runs are kept alive until they end (the weak registry alone would drop them).
_DETACHED: set[Run] = set()


@register_handler(SendEvent)
def _send(effect: SendEvent, ctx: Context, path: Path) -> str:
    from fsmnb.engine.live import live_run

    target = live_run(effect.run_id)
    if target is None or target.tenant != ctx.instance.tenant:
        raise RunError(f"No live run `{effect.run_id}` to send `{effect.event}` to.")
    return target.send(effect.event, **effect.payload)
