"""Live runs by id in this process, and run ids."""

from __future__ import annotations

import itertools
import secrets
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fsmnb.engine.run import Run

__all__ = ("live_run", "new_run_id")

#: Runs started with `start()`, by id (weak: a run nobody holds goes away).
_LIVE: weakref.WeakValueDictionary[str, Run] = weakref.WeakValueDictionary()

_ID_PREFIX = secrets.token_hex(4)
_ID_COUNTER = itertools.count(1)


def new_run_id() -> str:
    """A short id, unique across processes sharing a store: a random per-process prefix + a counter."""
    return f"{_ID_PREFIX}{next(_ID_COUNTER):04x}"


#: Managers register here so that `live_run` finds their instances too.
_SOURCES: weakref.WeakSet[Any] = weakref.WeakSet()


def live_run(run_id: str) -> Run | None:
    """The run with this id in this process (started with `start()` or held by a `Manager`)."""
    run = _LIVE.get(run_id)
    if run is None:
        for source in _SOURCES:
            run = source.loaded(run_id)
            if run is not None:
                break
    return run
