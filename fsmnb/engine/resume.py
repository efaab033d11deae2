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
from fsmnb.engine.context import Context
from fsmnb.engine.durable import replay_key, resolve_store, writer_of
from fsmnb.engine.handlers import Path, format_path
from fsmnb.engine.journal_codec import apply_diff
from fsmnb.engine.live import _LIVE, live_run
from fsmnb.engine.run import _DONE, _IDLE, Run
from fsmnb.errors import CancelledRun, DefinitionError, EffectError, RunError, RunNotFound
from fsmnb.workflow.catalog import get_workflow

if TYPE_CHECKING:
    from fsmnb.engine.clock import Clock
    from fsmnb.engine.journal import Store
    from fsmnb.engine.manager import Manager
    from fsmnb.workflow.workflow import Workflow

__all__ = ("Rebuilt", "rebuild", "recover", "restore", "resume")

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


def rebuild(journal: list[tuple[Any, ...]]) -> Rebuilt:
    """Fold a durable journal (as `SqliteStore.load` returns it) into a `Rebuilt`.

    Raises:
        RunError: the journal does not begin with a `started` entry.
    """
    if not journal or journal[0][0] != "started":
        raise RunError("A journal must begin with a `started` entry; this one is corrupt or empty.")
    first = journal[0]
    out = Rebuilt(workflow=first[2], state=first[4], data=dict(first[3] or {}))
    for entry in journal[1:]:
        kind = entry[0]
        if kind == "transition":
            out.steps += 1
            out.state, out.event, out.payload = entry[4], entry[3], entry[5] or {}
            apply_diff(out.data, entry[7] if len(entry) > 7 else None)
            out.replay = {}
            out.expect = Counter()
        elif kind == "effect":
            out.replay[entry[3]] = entry[6]
        elif kind == "effect_failed":
            out.replay[entry[3]] = _failure(entry)
        elif kind in ("log", "retry"):
            out.expect[replay_key(entry)] += 1
        elif kind == "finished":
            out.status, out.error = entry[2], entry[4]
            apply_diff(out.data, entry[5] if len(entry) > 5 else None)
    return out


def _failure(entry: tuple[Any, ...]) -> EffectError:
    """The error a journaled effect failure is replayed as (its original class when loaded)."""
    _, _, _, path, label, _, text, *rest = entry
    cls = find_class(rest[0]) if rest else None
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
    store: Store,
    journal: list[tuple[Any, ...]],
    workflow: Workflow,
    *,
    run_id: str,
    tenant: str = "default",
    parent: str | None = None,
    clock: Clock | None = None,
) -> Run:
    """A `Run` rebuilt from its journal and attached to `store` again, not yet scheduled.

    A run that must run code again (it was in a state with an action) has status
    ``interrupted`` until `continue_run` schedules it.
    """
    found = rebuild(journal)
    if found.state not in workflow.states:
        raise DefinitionError(
            f"Run `{run_id}` is in state `{found.state}`, which workflow `{workflow.name}` no "
            f"longer defines. Restore the state, or resume with a workflow that has it."
        )
    run = Run(workflow, found.data, run_id=run_id, tenant=tenant, parent=parent)
    run._journal[:] = journal
    run.state = found.state
    run._visit = found.steps
    if clock is not None:
        run._ctx = Context(run, clock)
    ctx = run._context()
    ctx.state, ctx.event, ctx.payload = found.state, found.event, found.payload
    store.reattach(  # type: ignore[attr-defined]
        run, seq=len(journal), data=found.data, replay=found.replay, expect=found.expect
    )
    if found.status is not None:
        run._phase = _DONE
        run.status = found.status
        if found.status == "failed":
            run._error = RunError(found.error or "failed")
        elif found.status == "cancelled":
            run._error = CancelledRun(found.error or f"Run `{run_id}` was cancelled.")
        return run
    sdef = workflow.states[found.state]
    if not sdef.is_passive:
        run._phase = _IDLE
        run.status = "interrupted"
    elif sdef.final:
        run._finish("done")
    else:
        run._idle()
    return run


def continue_run(run: Run) -> Run:
    """Schedule an ``interrupted`` run on the running loop (it re-enters its state)."""
    if run.status == "interrupted":
        _LIVE[run.id] = run
        run._schedule()
    return run


def resume(
    run_id: str,
    *,
    store: Store | str | None = None,
    workflow: Workflow | None = None,
    clock: Clock | None = None,
) -> Run:
    """Continue a durable run after its process died or its kernel restarted.

    Effects whose results are journaled are not executed again; the effect that
    was in flight is, with the same `fsmnb.engine.current_effect_key()`. A run
    that had ended is returned as it ended. Call it where a loop runs (a
    notebook cell, an async function) and `await` the returned run.

    Args:
        run_id: the run to resume.
        store: its store (a `SqliteStore` or a path); default: the engine-wide default.
        workflow: the workflow it runs (default: the one registered under the journaled name).
        clock: the clock to run on (default: the loop's).

    Raises:
        RunNotFound: the store has no such run.
        RunError: there is no durable store, or no running loop while code must run.
    """
    durable = resolve_store(store)
    live = live_run(run_id)
    writer = writer_of(live) if live is not None else None
    if live is not None and writer is not None and writer.store is durable:
        return continue_run(live)  # it is running here already, on this store
    if durable is None or not hasattr(durable, "reattach"):
        raise RunError(
            f'Cannot resume `{run_id}` without a durable store: pass `store="runs.db"` (or a '
            f"`SqliteStore`), or set one with `fsmnb.engine.set_default_store(...)`."
        )
    journal = durable.load(run_id)
    if not journal:
        raise RunNotFound(f"The store `{getattr(durable, 'path', durable)}` has no run `{run_id}`.")
    info = durable.info(run_id) or {}  # type: ignore[attr-defined]
    wf = workflow if workflow is not None else get_workflow(journal[0][2])
    run = restore(
        durable, journal, wf, run_id=run_id, tenant=info.get("tenant", "default"),
        parent=info.get("parent"), clock=clock,
    )  # fmt: skip
    _LIVE[run.id] = run
    return continue_run(run)


def load_instances(manager: Manager) -> int:
    """Put every run of `manager.store` into `manager` (as records; nothing runs); return how many."""
    store = manager.store
    if store is None or not hasattr(store, "runs"):
        return 0
    rows = [r for r in store.runs() if r["run_id"] not in manager._runs]
    ids = [r["run_id"] for r in rows]
    journals = store.journals(ids) if rows else {}  # type: ignore[attr-defined]
    for row in rows:
        run_id = row["run_id"]
        live = live_run(run_id)
        if live is not None:
            manager._runs[run_id] = live
            continue
        try:
            wf = manager.workflow(row["workflow"])
            manager._runs[run_id] = restore(
                store, journals.get(run_id, []), wf, run_id=run_id, tenant=row["tenant"],
                parent=row["parent"],
            )  # fmt: skip
        except (DefinitionError, RunError) as error:
            _log.warning("fsmnb: run %s is not loaded: %s", run_id, error)
    return len(rows)


def recover(manager: Manager) -> list[str]:
    """Schedule every ``interrupted`` instance of `manager`; return their ids."""
    ids = [r.id for r in manager._runs.values() if r.status == "interrupted"]
    for run_id in ids:
        continue_run(manager._runs[run_id])
    return ids
