"""Run a coroutine to completion from synchronous code, in a script or inside Jupyter."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ("run_sync",)

T = TypeVar("T")

_local = threading.local()
_LOOPS: list[asyncio.AbstractEventLoop] = []


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to completion and return its result.

    Without a running loop (a script) it runs on this thread's own event loop,
    kept from call to call: building and closing a loop per call, as
    `asyncio.run` does, costs more than a short run itself. The loop is closed
    at interpreter exit; an interrupt (Ctrl-C) cancels the coroutine and lets
    it clean up before `KeyboardInterrupt` propagates. Inside a running loop (a
    Jupyter cell) it applies `nest_asyncio` to that loop — here, at the first
    such call, never at import — and runs the coroutine on it, so the cell
    blocks until the coroutine is done while the kernel's own loop stays the
    one in use.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return _run_on_thread_loop(coro)
    import nest_asyncio

    nest_asyncio.apply(loop)
    return loop.run_until_complete(coro)


def _run_on_thread_loop(coro: Coroutine[Any, Any, T]) -> T:
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = _local.loop = asyncio.new_event_loop()
        _LOOPS.append(loop)
    task = loop.create_task(coro)
    try:
        return loop.run_until_complete(task)
    except BaseException:
        if not task.done():  # interrupted (KeyboardInterrupt, SystemExit): let it clean up
            task.cancel()
            with contextlib.suppress(BaseException):
                loop.run_until_complete(task)
        raise


@atexit.register
def _close_loops() -> None:
    for loop in _LOOPS:
        if loop.is_running() or loop.is_closed():
            continue
        with contextlib.suppress(Exception):  # a broken loop must not spoil the exit
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
    _LOOPS.clear()
