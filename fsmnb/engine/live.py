"""Live runs by id in this process, and run ids."""

from __future__ import annotations

import itertools
import secrets
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fsmnb.engine.run import Run
    from fsmnb.engine.store import Store

__all__ = ("find_run", "live_run", "new_run_id")

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


def find_run(run_id: str, store: Store | str | None = None) -> Run | None:
    """The run with this id: live in this process, else restored from a durable store.

    Looks in `store` if given, else in the engine-wide default store and every
    store this process has opened by path. A run found only in a store (a fork
    nobody holds any more, a run of a previous kernel) comes back as a record —
    ended, waiting, or ``interrupted`` (`fsmnb.resume` continues it); nothing runs.
    """
    found = live_run(run_id)
    if found is not None:
        return found
    from fsmnb.engine.durable import open_stores, resolve_store
    from fsmnb.engine.resume import restore_from
    from fsmnb.engine.store import DurableStore

    candidates = [resolve_store(store)] if store is not None else [resolve_store(None)]
    if store is None:
        candidates += open_stores()
    for candidate in candidates:
        if isinstance(candidate, DurableStore) and candidate.has(run_id):
            run = restore_from(candidate, run_id)
            _LIVE[run_id] = run
            return run
    return None
