"""Resume durable runs: rebuild a run from its journal and let it go on.

`rebuild` folds a journal into what a run needs to continue (pure, no I/O);
`restore` turns that into a `Run` attached to its store again; `resume` (also
`fsmnb.resume`) and `Manager.recover` schedule the restored run. A resumed run
re-enters the state it was in: the state's code runs again, and every effect
result journaled in that state is returned from the journal instead of being
executed (failures are raised again), so only the effects that were in flight
at the crash run a second time — with the same idempotency key.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fsmnb.engine.codecs import find_class
from fsmnb.engine.durable import replay_key, resolve_store, writer_of
from fsmnb.engine.handlers import Path, format_path
from fsmnb.engine.journal import (
    EffectFailed,
    EffectFinished,
    EffectRetry,
    Entry,
    LogEntry,
    RunFinished,
    RunStarted,
    RunStatus,
    Transition,
)
from fsmnb.engine.journal_codec import apply_diff
from fsmnb.engine.live import _LIVE, live_run
from fsmnb.engine.run import Run
from fsmnb.engine.run_make import restore_run, settle
from fsmnb.engine.store import DurableStore, LeasingStore
from fsmnb.errors import EffectError, RunError, RunLeased, RunNotFound
from fsmnb.workflow.catalog import get_workflow

if TYPE_CHECKING:
    from fsmnb.engine.clock import Clock
    from fsmnb.engine.history_limit import History
    from fsmnb.engine.leases import Lease
    from fsmnb.engine.store import Store
    from fsmnb.workflow.workflow import Workflow

__all__ = ("Rebuilt", "continue_run", "rebuild", "restore", "restore_from", "resume")

_log = logging.getLogger("fsmnb")


@dataclass(slots=True)
class Rebuilt:
    """What a journal says about a run: where it is, its data, what its current state journaled."""

    workflow: str
    state: str
    data: dict[str, Any]
    steps: int = 0
    status: str | None = None
    error: str | None = None
    event: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)
    replay: dict[Path, Any] = field(default_factory=dict)
    expect: Counter[tuple[Any, ...]] = field(default_factory=Counter)


def rebuild(journal: list[Entry]) -> Rebuilt:
    """Fold a durable journal (as `SqliteStore.load` returns it) into a `Rebuilt`.

    Raises:
        RunError: the journal does not begin with a `run_started` entry.
    """
    first = journal[0] if journal else None
    if not isinstance(first, RunStarted):
        raise RunError(
            "A journal must begin with a `run_started` entry; this one is corrupt or empty."
        )
    out = Rebuilt(workflow=first.workflow, state=first.state, data=dict(first.data or {}))
    for entry in journal[1:]:
        if isinstance(entry, Transition):
            out.steps += 1
            out.state, out.event, out.payload = entry.target, entry.event, entry.payload or {}
            apply_diff(out.data, entry.diff)
            out.replay = {}
            out.expect = Counter()
        elif isinstance(entry, EffectFinished):
            out.replay[entry.path] = entry.result
        elif isinstance(entry, EffectFailed):
            out.replay[entry.path] = _failure(entry)
        elif isinstance(entry, LogEntry | EffectRetry):
            out.expect[replay_key(entry)] += 1
        elif isinstance(entry, RunFinished):
            out.status, out.error = entry.status, entry.error
            apply_diff(out.data, entry.diff)
    return out


def _failure(entry: EffectFailed) -> EffectError:
    """The error a journaled effect failure is replayed as (its original class when loaded)."""
    path, label, text = entry.path, entry.label, entry.error
    cls = find_class(entry.error_type) if entry.error_type else None
    if cls is not None and issubclass(cls, EffectError):
        return cls(text, path=format_path(path))
    cause: Exception
    try:
        cause = cls(text) if cls is not None and issubclass(cls, Exception) else RuntimeError(text)
    except Exception:
        cause = RuntimeError(text)
    error = EffectError(
        f"`{label}` failed: {type(cause).__name__}: {text}", path=f"{format_path(path)}:{label}"
    )
    error.__cause__ = cause
    return error


def restore(
    store: DurableStore,
    journal: list[Entry],
    workflow: Workflow,
    *,
    run_id: str,
    tenant: str = "default",
    parent: str | None = None,
    clock: Clock | None = None,
    lease: Lease | None = None,
    history: History | None = None,
) -> Run:
    """A `Run` rebuilt from its journal and attached to `store` again, not yet scheduled.

    A run that must run code again (it was in a state with an action) has status
    ``interrupted`` until `continue_run` schedules it.
    """
    found = rebuild(journal)
    return restore_run(
        store, journal, found, workflow, run_id=run_id, tenant=tenant, parent=parent, clock=clock,
        lease=lease, history=history,
    )  # fmt: skip


def continue_run(run: Run) -> Run:
    """Schedule an ``interrupted`` run on the running loop (it re-enters its state)."""
    if run.status == RunStatus.INTERRUPTED:
        _LIVE[run.id] = run
        settle(run)
    return run


def resume(
    run_id: str,
    *,
    store: Store | str | None = None,
    workflow: Workflow | None = None,
    clock: Clock | None = None,
    wait: float = 0.0,
) -> Run:
    """Continue a durable run after its process died or its kernel restarted.

    Effects whose results are journaled are not executed again; the effect that
    was in flight is, with the same `fsmnb.engine.current_effect_key()`. A run
    that had ended is returned as it ended. Call it where a loop runs (a
    notebook cell, an async function) and `await` the returned run.

    At most one process drives a durable run: resume takes the run's lease
    (see ``docs/durability.md``) before it reads the journal, and holds it while
    the run lives. A run whose owner died is taken over once its lease expires
    (at once when the owner was a process of this host).

    Args:
        run_id: the run to resume.
        store: its store (a `SqliteStore` or a path); default: the engine-wide default.
        workflow: the workflow it runs (default: the one registered under the journaled name).
        clock: the clock to run on (default: the loop's).
        wait: seconds to wait for another process's lease to end (blocking) before
            giving up with `RunLeased`.

    Raises:
        RunNotFound: the store has no such run.
        RunLeased: another live process drives the run (the error names it and when
            its lease expires).
        RunError: there is no durable store, or no running loop while code must run.
    """
    durable = resolve_store(store)
    live = live_run(run_id)
    writer = writer_of(live) if live is not None else None
    held: object = writer.store if writer is not None else None
    if live is not None and held is durable and writer is not None and writer.stopped is None:
        # It is here already, on this store: driven under its lease, or (a record a Manager
        # loaded) taking it at its first entry or effect, refused if the journal moved on.
        return continue_run(live)
    if not isinstance(durable, DurableStore):
        raise RunError(
            f'Cannot resume `{run_id}` without a durable store: pass `store="runs.db"` (or a '
            f"`SqliteStore`), or set one with `fsmnb.engine.set_default_store(...)`."
        )
    run = load_leased(durable, run_id, workflow=workflow, clock=clock, wait=wait)
    _LIVE[run.id] = run
    return continue_run(run)


def restore_from(
    store: DurableStore,
    run_id: str,
    *,
    workflow: Workflow | None = None,
    clock: Clock | None = None,
    history: History | None = None,
    lease: Lease | None = None,
) -> Run:
    """The run `run_id` of `store`, restored as a record (not scheduled).

    With `lease` (taken before the journal is read here) the run is driven under it.

    Raises:
        RunNotFound: the store has no such run.
        DefinitionError: its workflow is not registered (pass `workflow=`).
    """
    journal = store.load(run_id)
    if not journal:
        raise RunNotFound(f"The store `{store.path}` has no run `{run_id}`.")
    info = store.info(run_id) or {}
    first = journal[0]
    name = first.workflow if isinstance(first, RunStarted) else info.get("workflow", "")
    wf = workflow if workflow is not None else get_workflow(name)
    return restore(
        store, journal, wf, run_id=run_id, tenant=info.get("tenant", "default"),
        parent=info.get("parent"), clock=clock, history=history, lease=lease,
    )  # fmt: skip


def load_leased(
    store: DurableStore,
    run_id: str,
    *,
    workflow: Workflow | None = None,
    clock: Clock | None = None,
    wait: float = 0.0,
    history: History | None = None,
) -> Run:
    """Take the lease of `run_id` (when the store leases), then read its journal and restore it.

    The lease is released again when the run had ended or cannot be restored.

    Raises:
        RunNotFound: the store has no such run.
        RunLeased: another live process holds the lease.
    """
    if not isinstance(store, LeasingStore):
        return restore_from(store, run_id, workflow=workflow, clock=clock, history=history)
    lease = store.acquire_lease(run_id, wait=wait)
    try:
        run = restore_from(
            store, run_id, workflow=workflow, clock=clock, history=history, lease=lease
        )
    except BaseException:
        store.release_lease(lease)
        raise
    if run.done:
        store.release_lease(lease)
    return run


def take_over(store: DurableStore, run: Run, *, history: History | None = None) -> Run | None:
    """`run` (a record restored without a lease) under its lease, read again from the store.

    Returns None when another live process drives it (it is left to that process).
    """
    if not isinstance(store, LeasingStore):
        return run
    try:
        return load_leased(store, run.id, workflow=run.workflow, history=history)
    except RunLeased as leased:
        _log.info("fsmnb: run %s is driven elsewhere: %s", run.id, leased)
        return None
