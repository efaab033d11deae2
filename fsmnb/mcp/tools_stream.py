"""Monitoring tools: stream_fsm_events and get_workflow_analytics.

MCP has no server push outside a request except resource subscriptions, so
`stream_fsm_events` streams *during* its call: every event of the run is sent
as a progress notification (its message is the event as JSON) until the run
ends, waits, or a limit is reached; the call then returns the events it sent.
For updates that outlive a call, subscribe to the run's resource URI.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import TYPE_CHECKING, Annotated, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from fsmnb.engine.telemetry import TelemetryEvent
from fsmnb.errors import FsmnbError
from fsmnb.mcp._json import jsonable, run_uri
from fsmnb.mcp.analytics import engine_analytics, journal_analytics
from fsmnb.mcp.models import Analytics, StreamedEvent, StreamResult
from fsmnb.mcp.progress import ProgressRelay

if TYPE_CHECKING:
    from fsmnb.mcp.server import FsmServer

__all__ = ("EVENT_KINDS", "register")

EVENT_KINDS = (
    "transition",
    "effect_started",
    "effect_finished",
    "effect_failed",
    "effect_cancelled",
    "effect_retry",
    "log",
    "run_finished",
)
EventKind = Literal[
    "transition",
    "effect_started",
    "effect_finished",
    "effect_failed",
    "effect_cancelled",
    "effect_retry",
    "log",
    "run_finished",
]


def streamed(event: TelemetryEvent) -> StreamedEvent:
    """A telemetry event as a client sees it."""
    return StreamedEvent(
        kind=event.kind,
        run_id=event.run_id,
        state=event.state,
        name=event.name,
        path=event.path,
        time=event.time,
        data=jsonable(event.data),
        duration_ms=None if event.duration is None else round(event.duration * 1e3, 3),
    )


def register(app: FsmServer) -> None:
    """Add the monitoring tools to `app`."""

    @app.tool(read_only=True)
    async def stream_fsm_events(
        run_id: Annotated[str, Field(strict=True, min_length=1, max_length=128)],
        event_types: Annotated[
            list[EventKind] | None, Field(description="Kinds to stream (default: all).")
        ] = None,
        max_events: Annotated[int, Field(strict=True, ge=1, le=10_000)] = 100,
        timeout_seconds: Annotated[float, Field(ge=0.0, le=3600.0)] = 10.0,
        stop_when_idle: Annotated[
            bool, Field(strict=True, description="Stop once the run, having moved, waits again.")
        ] = False,
        ctx: Context | None = None,
    ) -> StreamResult:
        """Stream a run's events as progress notifications until it ends, idles, or a limit hits."""
        run = app.run(app.tenant(ctx), run_id)
        kinds = set(event_types or EVENT_KINDS)
        events: list[StreamedEvent] = []
        relay = ProgressRelay(ctx)
        stop = asyncio.Event()
        reason: list[str] = []

        def finish(why: str) -> None:
            if not reason:
                reason.append(why)
            stop.set()

        def listen(event: TelemetryEvent) -> None:
            if event.kind in kinds and len(events) < max_events:
                item = streamed(event)
                events.append(item)
                relay.push(len(events), None, json.dumps(item.model_dump(mode="json")))
                if len(events) >= max_events:
                    finish("max_events")
            if event.kind == "run_finished":
                finish("done")
            elif event.kind == "transition":
                moved.set()

        async def until_idle() -> None:
            await moved.wait()
            with contextlib.suppress(FsmnbError):
                await run.wait(until_idle=True)
            finish("done" if run.done else "idle")

        moved = asyncio.Event()
        if run.done:
            finish("done")
        unsubscribe = run.subscribe(listen)
        watcher = asyncio.create_task(until_idle()) if stop_when_idle else None
        try:
            await asyncio.wait_for(stop.wait(), min(timeout_seconds, app.max_wait))
        except TimeoutError:
            finish("timeout")
        finally:
            unsubscribe()
            if watcher is not None:
                watcher.cancel()
            await relay.close()
        return StreamResult(
            run_id=run.id,
            uri=run_uri(run.id),
            events=events,
            stopped_because=reason[0],
            state=run.state,
            status=run.status,
        )

    @app.tool(read_only=True)
    async def get_workflow_analytics(
        workflow: Annotated[str | None, Field(strict=True, max_length=200)] = None,
        run_id: Annotated[str | None, Field(strict=True, max_length=128)] = None,
        time_window_seconds: Annotated[
            float | None, Field(gt=0, description="Only runs started this recently.")
        ] = None,
        ctx: Context | None = None,
    ) -> Analytics:
        """Durations, success rate, time per state and effect timings of your runs."""
        tenant = app.tenant(ctx)
        if workflow is not None and run_id is not None:
            raise ToolError("Give `workflow`, `run_id`, or neither (all your runs), not both.")
        since = time.time() - time_window_seconds if time_window_seconds else None
        if run_id is not None:
            run = app.run(tenant, run_id)
            return journal_analytics([run], run.workflow.name, since)
        if workflow is not None:
            app.workflow(tenant, workflow)  # a tool error listing the workflows if unknown
        rows = app.manager.list(tenant=tenant, workflow=workflow)
        runs = [app.run(tenant, r["run_id"]) for r in rows]
        out = journal_analytics(runs, workflow, since)
        if workflow is not None:
            out.engine = engine_analytics(
                workflow, tenant=tenant, since=since, store=app.manager.store
            )
            if out.engine is not None:
                out.source = "run journals; engine: fsmnb.engine.analytics (durable store)"
        return out
