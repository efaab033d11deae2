"""Where CPU-bound `call(fn, ..., cpu=True)` effects run: a Dask cluster or a local process pool.

Everything else stays on the kernel's loop. A CPU-bound call would block that
loop (and every other run, widget and MCP session on it), so it is shipped to
another process and awaited:

- `set_executor(client)` sends them to a `distributed.Client` (any cluster);
- `set_executor(pool)` to a `concurrent.futures` executor you made;
- by default, a local process pool of ``os.cpu_count()`` processes, started
  on first use (``spawn``: safe beside threads and a running loop).

Inside a run that itself executes on a Dask worker or in a pool process, a
CPU-bound call runs inline: that process's loop serves only that run.

The function and its arguments are pickled with cloudpickle before they are
submitted; `fsmnb.engine.pickling.check_picklable` names what does not pickle.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import multiprocessing
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any, Protocol, runtime_checkable

from fsmnb.engine.pickling import check_picklable, loads

__all__ = (
    "CpuExecutor",
    "DaskExecutor",
    "PoolExecutor",
    "as_executor",
    "get_executor",
    "is_dask_client",
    "run_cpu",
    "set_executor",
)

#: True while a run executes in a worker process (a Dask task or a pool process).
IN_WORKER: ContextVar[bool] = ContextVar("fsmnb_in_worker", default=False)


@runtime_checkable
class CpuExecutor(Protocol):
    """Runs a pickled call in another process; `submit` returns an awaitable of its result."""

    def submit_pickled(self, payload: bytes, label: str) -> asyncio.Future[Any]:
        """Start ``_call_pickled(payload)`` elsewhere; the future is bound to the running loop."""
        ...


def _call_pickled(payload: bytes) -> Any:
    """Unpickle ``(fn, args, kwargs)`` and call it (runs in the other process)."""
    fn, args, kwargs = loads(payload)
    return fn(*args, **kwargs)


class PoolExecutor:
    """A `concurrent.futures.Executor` (by default a spawned local process pool)."""

    def __init__(self, pool: concurrent.futures.Executor | None = None) -> None:
        self._pool = pool
        self.owned = pool is None

    @property
    def pool(self) -> concurrent.futures.Executor:
        """The pool, started on first use."""
        if self._pool is None:
            self._pool = concurrent.futures.ProcessPoolExecutor(
                mp_context=multiprocessing.get_context("spawn")
            )
        return self._pool

    def submit_pickled(self, payload: bytes, label: str) -> asyncio.Future[Any]:
        """Run the call in the pool."""
        return asyncio.wrap_future(self.pool.submit(_call_pickled, payload))

    def shutdown(self) -> None:
        """Stop the pool if this object started it."""
        if self.owned and self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


class DaskExecutor:
    """A `distributed.Client` (synchronous or asynchronous) of any cluster."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def submit_pickled(self, payload: bytes, label: str) -> asyncio.Future[Any]:
        """Submit the call as one Dask task and bridge its completion to the running loop."""
        future = self.client.submit(_call_pickled, payload, pure=False)
        return dask_future_to_asyncio(future, self.client)


def dask_future_to_asyncio(future: Any, client: Any) -> asyncio.Future[Any]:
    """An asyncio future (on the running loop) settled by a `distributed.Future`.

    Dask calls done-callbacks in a thread of its own; the result (or the
    exception) is fetched there and handed to the loop thread-safely.
    """
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[Any] = loop.create_future()

    def settle(outcome: tuple[bool, Any]) -> None:
        if waiter.done():
            return
        ok, value = outcome
        if ok:
            waiter.set_result(value)
        else:
            waiter.set_exception(value)

    def done(f: Any) -> None:
        try:
            outcome: tuple[bool, Any] = (True, f.result())
        except BaseException as error:
            outcome = (False, error)
        if not loop.is_closed():
            loop.call_soon_threadsafe(settle, outcome)

    def cancel_remote(w: asyncio.Future[Any]) -> None:
        if w.cancelled():
            future.cancel()

    waiter.add_done_callback(cancel_remote)
    future.add_done_callback(done)
    return waiter


def is_dask_client(obj: Any) -> bool:
    """Whether `obj` is a `distributed.Client` (checked without importing Dask)."""
    return any(
        c.__name__ == "Client" and c.__module__.startswith("distributed") for c in type(obj).__mro__
    )


def as_executor(obj: Any) -> CpuExecutor:
    """`obj` as a `CpuExecutor`: a Dask client, a `concurrent.futures` executor, or one already.

    Raises:
        TypeError: `obj` is none of these.
    """
    if isinstance(obj, CpuExecutor):
        return obj
    if is_dask_client(obj):
        return DaskExecutor(obj)
    if isinstance(obj, concurrent.futures.Executor):
        return PoolExecutor(obj)
    raise TypeError(
        f"`executor` must be a `distributed.Client`, a `concurrent.futures.Executor` or None, "
        f"not {type(obj).__name__}."
    )


_CURRENT: list[CpuExecutor | None] = [None]
_DEFAULT_POOL = PoolExecutor()
atexit.register(_DEFAULT_POOL.shutdown)


def set_executor(executor: Any) -> CpuExecutor | None:
    """Send CPU-bound `call(..., cpu=True)` effects to `executor` (None: back to the local pool).

    Args:
        executor: a `distributed.Client`, a `concurrent.futures.Executor`, or None
            for the local process pool.

    Returns:
        The executor now in effect (None for the local default).
    """
    _CURRENT[0] = None if executor is None else as_executor(executor)
    return _CURRENT[0]


def get_executor() -> CpuExecutor | None:
    """The executor set by `set_executor` (None: CPU-bound calls use the local process pool)."""
    return _CURRENT[0]


async def run_cpu(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any], label: str
) -> Any:
    """Run ``fn(*args, **kwargs)`` in another process and await its result.

    Runs inline when this run already executes in a worker process.

    Raises:
        SerializationError: the function or an argument does not pickle (named).
    """
    if IN_WORKER.get():
        return fn(*args, **kwargs)
    payload = check_picklable(
        (fn, tuple(args), dict(kwargs)),
        f"The CPU-bound `{label}`",
        root="(fn, args, kwargs)",
        fix="Pass plain data as arguments and define the function at module level or in a cell.",
    )
    executor = _CURRENT[0] or _DEFAULT_POOL
    return await executor.submit_pickled(payload, label)
