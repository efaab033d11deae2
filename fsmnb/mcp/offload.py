"""Run a client's synchronous registered functions off the event loop, with bounded threads.

A registered function named by a client's effect tree (`call.fn`,
`update_data.fn`) may be synchronous and slow; run on the server's loop it
would stall every session. `offloaded(effect, pool, tenant)` returns a copy of
the tree in which each synchronous function runs in `pool`'s threads instead,
so the loop keeps answering while it works and the pipeline's deadline
cancels the wait.

Python cannot stop a thread, so a function that never returns keeps its
thread: `CallPool` bounds how many threads one tenant (`per_tenant`) and all
tenants (`workers`) may hold, and refuses a call with a clear error when they
are all taken, rather than queueing work behind a spinning function.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import functools
import inspect
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fsmnb.effects import Call, UpdateData
from fsmnb.effects.base import Effect
from fsmnb.effects.combinators import SagaStep
from fsmnb.effects.registry import resolve_callable
from fsmnb.errors import RunError

__all__ = ("CallPool", "offloaded")


class CallPool:
    """Threads for synchronous functions, at most `per_tenant` busy for one tenant.

    Args:
        workers: threads in all.
        per_tenant: threads one tenant may keep busy at once.
    """

    def __init__(self, *, workers: int = 4, per_tenant: int = 2) -> None:
        self.workers = workers
        self.per_tenant = min(per_tenant, workers)
        self._busy: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def busy(self, tenant: str | None = None) -> int:
        """Threads busy (for `tenant`, or in all)."""
        with self._lock:
            return self._busy[tenant] if tenant is not None else sum(self._busy.values())

    async def run(self, tenant: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`fn(*args, **kwargs)` in a thread; its slot is freed when it returns, not when awaited.

        Raises:
            RunError: the tenant's (or the server's) threads are all busy.
        """
        with self._lock:
            if self._busy[tenant] >= self.per_tenant or sum(self._busy.values()) >= self.workers:
                raise RunError(
                    f"All {self.per_tenant} threads for your synchronous functions are busy "
                    "(a call is still running); wait for it to finish and try again."
                )
            self._busy[tenant] += 1
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="fsmnb-mcp-call")
        context = contextvars.copy_context()
        future = self._pool.submit(context.run, functools.partial(fn, *args, **kwargs))
        future.add_done_callback(lambda _: self._release(tenant))
        return await asyncio.wrap_future(future)

    def _release(self, tenant: str) -> None:
        with self._lock:
            self._busy[tenant] -= 1
            if self._busy[tenant] <= 0:
                del self._busy[tenant]

    def close(self) -> None:
        """Stop taking work (running threads finish on their own)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def _is_sync(fn: Any) -> bool:
    target = fn.func if isinstance(fn, functools.partial) else fn
    call = type(target).__call__ if not inspect.isroutine(target) else None
    return not (inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(call))


def offloaded(effect: Effect, pool: CallPool, tenant: str) -> Effect:
    """A copy of `effect` whose synchronous `call` and `update_data` functions run in `pool`."""
    if isinstance(effect, Call):
        fn = resolve_callable(effect.fn) if isinstance(effect.fn, str) else effect.fn
        if not _is_sync(fn) or effect.pass_context:
            return effect
        run = functools.partial(pool.run, tenant, fn)
        run.__name__ = effect.fn if isinstance(effect.fn, str) else getattr(fn, "__name__", "fn")  # type: ignore[attr-defined]
        return dataclasses.replace(effect, fn=run)
    if isinstance(effect, UpdateData):
        fn = resolve_callable(effect.fn) if isinstance(effect.fn, str) else effect.fn
        if not _is_sync(fn):
            return effect
        key, default = effect.key, effect.default

        async def update(ctx: Any) -> Any:
            value = await pool.run(tenant, fn, ctx.data.get(key, default))
            ctx.data[key] = value
            return value

        update.__name__ = effect.fn if isinstance(effect.fn, str) else getattr(fn, "__name__", "fn")
        return Call(fn=update, pass_context=True)
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(effect):
        value = getattr(effect, f.name)
        mapped = _map(value, pool, tenant)
        if mapped is not value:
            changes[f.name] = mapped
    return dataclasses.replace(effect, **changes) if changes else effect


def _map(value: Any, pool: CallPool, tenant: str) -> Any:
    if isinstance(value, Effect):
        return offloaded(value, pool, tenant)
    if isinstance(value, SagaStep):
        changes: dict[str, Any] = {
            f.name: offloaded(v, pool, tenant)
            for f in dataclasses.fields(value)
            if isinstance(v := getattr(value, f.name), Effect)
        }
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple) and any(isinstance(v, Effect | SagaStep) for v in value):
        return tuple(_map(v, pool, tenant) for v in value)
    return value
