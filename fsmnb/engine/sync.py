"""Run a coroutine to completion from synchronous code, in a script or inside Jupyter."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ("run_sync",)

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to completion and return its result.

    Without a running loop (a script) this is `asyncio.run`. Inside a running
    loop (a Jupyter cell) it applies `nest_asyncio` to that loop — here, at
    the first such call, never at import — and runs the coroutine on it, so
    the cell blocks until the coroutine is done while the kernel's own loop
    stays the one in use.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    import nest_asyncio

    nest_asyncio.apply(loop)
    return loop.run_until_complete(coro)
