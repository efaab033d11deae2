"""The one way to make a run: create, restore or fork it, then settle it.

`start_run` (`wf.start`, `wf.run`, child runs), `Manager.create`, resume
(`fsmnb.resume`, `Manager(store=...)`) and `run.fork` all build their run
here and hand it to `settle`, which puts it where its state says: code to run
is scheduled on the loop, a final state ends the run, any other state waits.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fsmnb.engine.context import Context
from fsmnb.engine.history_limit import History, history_limit
from fsmnb.engine.journal import RunForked, RunStarted, RunStatus
from fsmnb.engine.run import _DONE, _IDLE, Run
from fsmnb.engine.store import DurableStore
from fsmnb.errors import CancelledRun, DefinitionError, RunError

if TYPE_CHECKING:
    from fsmnb.engine.clock import Clock
    from fsmnb.engine.journal import Entry
    from fsmnb.engine.leases import Lease
    from fsmnb.engine.resume import Rebuilt
    from fsmnb.engine.store import Store
    from fsmnb.workflow.events import Result
    from fsmnb.workflow.workflow import Workflow

__all__ = ("create_run", "drive_inline", "fork_from", "restore_run", "run_to_end", "settle")


def create_run(
    workflow: Workflow,
    data: dict[str, Any],
    *,
    run_id: str | None = None,
    tenant: str = "default",
    parent: str | None = None,
    store: Store | None = None,
    clock: Clock | None = None,
    state: str | None = None,
    forked: tuple[str, int] | None = None,
    event: tuple[str | None, Mapping[str, Any]] | None = None,
    history: History | None = None,
) -> Run:
    """A new run, attached to `store` and journaled from its `run_started` entry; not settled.

    Args:
        workflow: what it runs (checked and its input validated by the caller).
        data: its data (the dict itself, not a copy).
        run_id, tenant, parent: who it is.
        store: where it journals (None: in memory only).
        clock: the clock its actions see (None: the loop's).
        state: the state it starts in (default: the workflow's initial state).
        forked: ``(parent id, step)`` for a fork, journaled as `run_forked`.
        event: the event (and payload) that led into `state`, for a fork.
        history: journal entries kept in memory (see `fsmnb.engine.history_limit`;
            None: none for a durable run, whose store keeps them, else the default).
    """
    run = Run(workflow, data, run_id=run_id, tenant=tenant, parent=parent, state=state)
    run._keep = _keep(history, store)
    if clock is not None:
        run._ctx = Context(run, clock)
    if store is not None:
        if forked is None:
            sink = store.attach(run)
        else:
            sink = store.attach(run, forked_from=forked[0], fork_step=forked[1])
        run._sink = sink
        run.replay = sink.replay
    started = (time.time(), workflow.name, dict(data) if data else None, run.state)
    run.record(tuple.__new__(RunStarted, started))
    if forked is not None:
        run.record(RunForked(time.time(), *forked))
    if event is not None:
        ctx = run._context()
        ctx.event, ctx.payload = event[0], event[1]
    return run


def restore_run(
    store: DurableStore,
    journal: list[Entry],
    found: Rebuilt,
    workflow: Workflow,
    *,
    run_id: str,
    tenant: str = "default",
    parent: str | None = None,
    clock: Clock | None = None,
    lease: Lease | None = None,
    history: History | None = None,
) -> Run:
    """A run rebuilt from its journal (folded into `found`) and attached to `store` again.

    With `lease` (taken before the journal was read) the run is driven under it;
    without, a durable store takes it at the run's first entry or effect.

    A run that ended stays ended; one in a state with code is ``interrupted``
    until `settle` schedules it; others are settled here (waiting or done).

    Raises:
        DefinitionError: the journaled state is no longer in `workflow`.
    """
    if found.state not in workflow.states:
        raise DefinitionError(
            f"Run `{run_id}` is in state `{found.state}`, which workflow `{workflow.name}` no "
            f"longer defines. Restore the state, or resume with a workflow that has it."
        )
    run = Run(workflow, found.data, run_id=run_id, tenant=tenant, parent=parent, state=found.state)
    run._keep = _keep(history, store)
    run._journal[:] = journal
    if len(journal) > run._keep:
        run._trim()
    run._visit = found.steps
    if clock is not None:
        run._ctx = Context(run, clock)
    ctx = run._context()
    ctx.event, ctx.payload = found.event, found.payload
    sink = store.reattach(
        run,
        seq=len(journal),
        data=found.data,
        replay=found.replay,
        expect=found.expect,
        **({"lease": lease} if lease is not None else {}),
    )
    run._sink = sink
    run.replay = sink.replay
    if found.status is not None:
        run._phase = _DONE
        run.status = RunStatus(found.status)
        if found.status == RunStatus.FAILED:
            run._error = RunError(found.error or "failed")
        elif found.status == RunStatus.CANCELLED:
            run._error = CancelledRun(found.error or f"Run `{run_id}` was cancelled.")
        return run
    if workflow.states[found.state].is_passive:
        settle(run)
    else:
        run.status = RunStatus.INTERRUPTED
    return run


def fork_from(
    source: Run,
    *,
    step: int,
    state: str,
    data: dict[str, Any],
    event: str | None,
    payload: Mapping[str, Any],
    run_id: str | None = None,
) -> Run:
    """A new run that starts in `state` with `data`, journaled as a fork of `source` at `step`.

    It lives in the store `source` journals to (memory when none) and is settled.
    """
    child = create_run(
        source.workflow,
        data,
        run_id=run_id,
        tenant=source.tenant,
        parent=source.id,
        store=source.store,
        state=state,
        forked=(source.id, step),
        event=(event, payload),
    )
    return settle(child)


def _keep(history: History | None, store: Store | None) -> int:
    if history is None and store is not None and _is_durable(store):
        return 0  # replay needs only the writer's table; `run.journal` reads the store
    return history_limit(history)


_DURABLE: dict[type, bool] = {}


def _is_durable(store: Store) -> bool:
    """Whether `store` is a `DurableStore`, decided once per class (a protocol isinstance
    check costs ~1 ms of attribute lookups: it was a sixth of a durable run's start)."""
    cls = type(store)
    known = _DURABLE.get(cls)
    if known is None:
        known = _DURABLE[cls] = isinstance(store, DurableStore)
    return known


def settle(run: Run, *, schedule: bool = True) -> Run:
    """Put `run` where its state says: schedule its code, end it, or let it wait.

    With `schedule=False` a run whose state has code is left for the caller to
    drive (`drive_inline`). An ``interrupted`` run is scheduled (it re-enters its state).
    """
    if run._phase == _DONE:
        return run
    sdef = run.workflow.states[run.state]
    if not sdef.is_passive:
        if schedule:
            run._schedule()
        elif run.status == RunStatus.INTERRUPTED:
            run.status = RunStatus.RUNNING
    elif sdef.final:
        run._finish(RunStatus.DONE)
    else:
        run._idle()
    return run


async def run_to_end(workflow: Workflow, data: dict[str, Any], /, **options: Any) -> Result:
    """Start a run and drive it to its end in the caller's task (`await wf.run(...)`).

    Raises:
        RunError: the run failed, or stopped to wait for an external event.
    """
    from fsmnb.engine.start import start_run

    run = start_run(workflow, data, schedule=False, **options)
    if run._phase == _IDLE and run.status == RunStatus.RUNNING:
        await run._drive_here()  # in this task: no task or loop round trip per run
    result = await run.wait(until_idle=True)
    if result.status == RunStatus.WAITING:
        allowed = ", ".join(f"`{e}`" for e in run.allowed_events)
        raise RunError(
            f"Run `{run.id}` of `{workflow.name}` is waiting in state `{run.state}` for one "
            f"of {allowed}. `run()` runs to the end; use `run = {workflow.name}.start(...)` "
            f"and `run.send(event)` for workflows that wait for events."
        )
    return result


async def drive_inline(run: Run) -> None:
    """Drive a run settled with `schedule=False` in the caller's task (no extra task)."""
    if run._phase == _IDLE and run.status == RunStatus.RUNNING:
        await run._drive_here()
