"""Tools over runs: create_fsm, send_event, get_fsm_state, batch_send_events, get_fsm_metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from fsmnb.engine.journal import entry_fields
from fsmnb.errors import FsmnbError, TransitionError
from fsmnb.mcp._json import jsonable, run_uri
from fsmnb.mcp.models import BatchItem, BatchResult, EventResult, Metrics, RunInfo
from fsmnb.mcp.progress import ProgressRelay
from fsmnb.mcp.quotas import json_size
from fsmnb.mcp.specs import workflow_from_spec

if TYPE_CHECKING:
    from fsmnb.engine.run import Run
    from fsmnb.mcp.server import FsmServer

__all__ = ("BatchEvent", "register", "run_info")

MAX_BATCH = 10_000

RunId = Annotated[str, Field(strict=True, min_length=1, max_length=128, description="A run id.")]
EventName = Annotated[
    str, Field(strict=True, min_length=1, max_length=200, description="The event to send.")
]
Payload = Annotated[
    dict[str, Any] | None, Field(description="Data carried by the event (a JSON object).")
]


class BatchEvent(BaseModel):
    """One event of a batch."""

    model_config = ConfigDict(extra="forbid", strict=True)
    run_id: RunId
    event: EventName
    payload: dict[str, Any] | None = None


def spec_input_schema() -> dict[str, Any]:
    """The JSON schema of a machine spec (`fsmnb.fsm.MachineSpec`), self-contained, or null."""
    from fsmnb.fsm.spec import MachineSpec

    schema = MachineSpec.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(defs[ref.rsplit("/", 1)[1]])
            return {k: inline(v) for k, v in node.items() if k != "title"}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    out: dict[str, Any] = inline(schema)
    out["type"] = ["object", "null"]
    out.pop("description", None)  # the parameter's own description says it for clients
    del out["properties"]["transitions"]["items"]["properties"]["guard"]  # code: refused here
    return out


def run_info(run: Run, *, data: bool = True, history: bool = False) -> RunInfo:
    """A run as a client sees it."""
    error = run.error
    return RunInfo(
        run_id=run.id,
        workflow=run.workflow.name,
        state=run.state,
        status=run.status,
        allowed_events=list(run.allowed_events),
        uri=run_uri(run.id),
        data=jsonable(run.data) if data else None,
        visits=run.visits if history else None,
        error=str(error) if error is not None else None,
        history=[jsonable(entry_fields(e)) for e in run.journal] if history else None,
    )


def register(app: FsmServer) -> None:
    """Add the run tools to `app`."""
    manager = app.manager

    @app.tool()
    async def create_fsm(
        workflow: Annotated[
            str | None, Field(strict=True, max_length=200, description="A served workflow's name.")
        ] = None,
        spec: Annotated[
            dict[str, Any] | None,
            WithJsonSchema(spec_input_schema()),
            Field(
                description="A JSON machine spec: name, initial, states, transitions. Its runs "
                "wait in each state for the events you send."
            ),
        ] = None,
        data: Annotated[dict[str, Any] | None, Field(description="The run's start data.")] = None,
        run_id: Annotated[
            str | None,
            Field(
                strict=True,
                min_length=1,
                max_length=128,
                pattern=r"^[\w.\-]+$",
                description="Choose the run id (default: generated).",
            ),
        ] = None,
        ctx: Context | None = None,
    ) -> RunInfo:
        """Start a run of a served workflow, or of a machine given as a JSON spec."""
        tenant = app.tenant(ctx)
        if (workflow is None) == (spec is None):
            raise ToolError("Give exactly one of `workflow` (a served workflow's name) or `spec`.")
        if spec is not None:
            wf = workflow_from_spec(spec)
            found = app.workflows(tenant).get(wf.name)
            if found is not None and found[1] != "spec":
                raise ToolError(
                    f"The name `{wf.name}` belongs to a {found[1]} workflow; rename the spec."
                )
        else:
            assert workflow is not None
            wf = app.workflow(tenant, workflow)
        size = json_size(data) if data else 0
        spec_size = json_size(spec) if spec is not None else 0
        app.quotas.admit(
            tenant, size=size + spec_size, runs=1, workflow=wf.name if spec is not None else None
        )
        rid = manager.create(wf, dict(data or {}), tenant=tenant, run_id=run_id)
        app.quotas.add_run(tenant, rid, size)
        if spec is not None:
            app.add_private(tenant, wf, "spec")
            app.quotas.add_workflow(tenant, wf.name, spec_size)
        await asyncio.sleep(0)  # let a first state with an action begin
        return run_info(app.run(tenant, rid))

    @app.tool()
    async def send_event(
        run_id: RunId,
        event: EventName,
        payload: Payload = None,
        wait: Annotated[
            bool, Field(strict=True, description="Wait until the run stops again (idle or ended).")
        ] = False,
        ctx: Context | None = None,
    ) -> EventResult:
        """Send an event to a run; the result says which state it led to."""
        tenant = app.tenant(ctx)
        run = app.run(tenant, run_id)
        size = json_size(payload) if payload else 0
        if size:
            app.quotas.admit(tenant, size=size)
        previous = run.state
        try:
            state = run.send(event, **(payload or {}))
        except TransitionError:
            app.count(tenant, "!refused")
            raise
        app.quotas.add_bytes(tenant, run.id, size)
        app.count(tenant, "!sent")
        if wait and not run.done:
            state = await _wait(app, run, ctx)
        return EventResult(
            run_id=run.id,
            event=event,
            previous_state=previous,
            state=state,
            status=run.status,
            allowed_events=list(run.allowed_events),
        )

    @app.tool(read_only=True)
    async def get_fsm_state(
        run_id: RunId,
        include_data: Annotated[bool, Field(strict=True)] = True,
        include_history: Annotated[
            bool, Field(strict=True, description="Add the journal and visit counts.")
        ] = False,
        ctx: Context | None = None,
    ) -> RunInfo:
        """The state, status, data and allowed events of a run."""
        run = app.run(app.tenant(ctx), run_id)
        return run_info(run, data=include_data, history=include_history)

    @app.tool()
    async def batch_send_events(
        events: Annotated[
            list[BatchEvent],
            Field(min_length=1, max_length=MAX_BATCH, description="Events, sent in order."),
        ],
        ctx: Context | None = None,
    ) -> BatchResult:
        """Send many events in one call; one result per event, a refused one does not stop the rest.

        Every run id is checked first: if one is unknown, nothing is sent.
        """
        tenant = app.tenant(ctx)
        unknown = sorted({e.run_id for e in events if not _visible(app, tenant, e.run_id)})
        if unknown:
            listed = ", ".join(f"`{r}`" for r in unknown[:20])
            raise ToolError(f"Unknown runs {listed}; nothing was sent.")
        specs = [(e.run_id, e.event, e.payload or {}) for e in events]
        sizes = [json_size(e.payload) if e.payload else 0 for e in events]
        if any(sizes):
            app.quotas.admit(tenant, size=sum(sizes))
        outcomes = manager.send_many(specs, tenant=tenant)
        for e, size, out in zip(events, sizes, outcomes, strict=True):
            if size and not isinstance(out, FsmnbError):
                app.quotas.add_bytes(tenant, e.run_id, size)
        items = []
        for e, out in zip(events, outcomes, strict=True):
            if isinstance(out, FsmnbError):
                allowed = list(out.allowed) if isinstance(out, TransitionError) else None
                items.append(
                    BatchItem(
                        run_id=e.run_id,
                        event=e.event,
                        ok=False,
                        error=str(out),
                        allowed_events=allowed,
                    )
                )
            else:
                items.append(BatchItem(run_id=e.run_id, event=e.event, ok=True, state=out))
        sent = sum(i.ok for i in items)
        app.count(tenant, "!sent", sent)
        app.count(tenant, "!refused", len(items) - sent)
        return BatchResult(sent=sent, refused=len(items) - sent, results=items)

    @app.tool(read_only=True)
    async def get_fsm_metrics(ctx: Context | None = None) -> Metrics:
        """Counts of your runs by status, workflow and state, and of events and tool calls."""
        tenant = app.tenant(ctx)
        m = manager.metrics(tenant=tenant)
        counts: Mapping[str, int] = app.counts.get(tenant, {})
        return Metrics(
            instances=m["instances"],
            by_status=m["by_status"],
            by_workflow=m["by_workflow"],
            by_state=m["by_state"],
            events_sent=counts.get("!sent", 0),
            events_refused=counts.get("!refused", 0),
            tool_calls={k: v for k, v in counts.items() if not k.startswith("!")},
            tool_errors=counts.get("!errors", 0),
            stored_bytes=app.quotas.stored_bytes(tenant),
        )


def _visible(app: FsmServer, tenant: str, run_id: str) -> bool:
    try:
        app.manager.get(run_id, tenant=tenant)
    except FsmnbError:
        return False
    return True


async def _wait(app: FsmServer, run: Run, ctx: Context | None) -> str:
    """Wait until `run` is idle or ended, reporting each transition and effect as progress."""
    relay = ProgressRelay(ctx)

    def progress(event: Any) -> None:
        if event.kind in ("effect_finished", "effect_failed", "transition"):
            relay.push(relay.pushed + 1, None, f"{event.kind} {event.name} in {event.state}")

    unsubscribe = run.subscribe(progress)
    try:
        async with asyncio.timeout(app.max_wait):
            await run.wait(until_idle=True)
    except (TimeoutError, FsmnbError):
        pass  # still running after max_wait, or failed/cancelled: the status says which
    finally:
        unsubscribe()
        await relay.close()
    return run.state
