"""`start_run`: validate a workflow and its input, then start a run on the running loop."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from fsmnb.engine.clock import Clock
from fsmnb.engine.durable import resolve_store
from fsmnb.engine.history_limit import History
from fsmnb.engine.live import _LIVE
from fsmnb.engine.run import Run
from fsmnb.engine.run_make import create_run, settle
from fsmnb.engine.telemetry import TelemetryEvent, bus
from fsmnb.errors import RunError

if TYPE_CHECKING:
    from fsmnb.engine.store import Store
    from fsmnb.workflow.workflow import Workflow

__all__ = ("start_run",)


def start_run(
    workflow: Workflow,
    data: dict[str, Any],
    *,
    run_id: str | None = None,
    tenant: str = "default",
    parent: str | None = None,
    store: Store | str | None = None,
    clock: Clock | None = None,
    schedule: bool = True,
    history: History | None = None,
) -> Run:
    """Validate `workflow` and its input, then start a run on the running loop.

    `store` is a `Store`, or the path of a SQLite file (durable runs); None
    means the engine-wide default (`fsmnb.engine.set_default_store`). `history`
    is how many journal entries the run keeps in memory (`fsmnb.engine.history_limit`).
    With `schedule=False` the caller drives it with `await drive_inline(run)`
    (`fsmnb.engine.run_make`).
    """
    workflow.check()
    workflow.validate_input(data)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise RunError(
            f"`{workflow.name}.start()` needs a running event loop (a notebook cell or an async "
            f"function). In a script use `{workflow.name}.run_sync(...)`."
        ) from None
    run = create_run(
        workflow,
        data,
        run_id=run_id,
        tenant=tenant,
        parent=parent,
        store=resolve_store(store),
        clock=clock,
        history=history,
    )
    _LIVE[run.id] = run
    if bus.active:
        bus.publish(TelemetryEvent("run_started", run.id, run.state, name=workflow.name))
    return settle(run, schedule=schedule)
