"""Tools over workflows: list_workflows, get_workflow_diagram, create_ai_workflow, execute_effect_pipeline."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from fsmnb.effects import effect_from_json
from fsmnb.fsm.diagram import DiagramUnavailable
from fsmnb.mcp._json import run_uri, workflow_uri
from fsmnb.mcp.models import (
    Diagram,
    PipelineResult,
    TemplateInfo,
    WorkflowCreated,
    WorkflowInfo,
    WorkflowList,
)
from fsmnb.mcp.pipeline import check_policy, run_pipeline
from fsmnb.mcp.progress import ProgressRelay
from fsmnb.mcp.quotas import json_size
from fsmnb.mcp.templates import TEMPLATES, build_from_template

if TYPE_CHECKING:
    from fsmnb.mcp.server import FsmServer
    from fsmnb.workflow.workflow import Workflow

__all__ = ("register", "workflow_info")

Name = Annotated[
    str, Field(strict=True, min_length=1, max_length=100, pattern=r"^[A-Za-z_][\w\-]*$")
]


def workflow_info(wf: Workflow, source: str) -> WorkflowInfo:
    """A workflow as a client sees it."""
    m = wf.machine
    return WorkflowInfo(
        name=wf.name,
        source=source,
        description=wf.description,
        tags=list(wf.tags),
        version=wf.version,
        initial=m.initial,
        states=list(m.states),
        finals=sorted(m.finals),
        events=sorted({t.event for t in m.transitions}),
        uri=workflow_uri(wf.name),
    )


def register(app: FsmServer) -> None:
    """Add the workflow tools to `app`."""

    @app.tool(read_only=True)
    async def list_workflows(ctx: Context | None = None) -> WorkflowList:
        """The workflows you can start (with their states and events) and the AI templates."""
        found = app.workflows(app.tenant(ctx))
        return WorkflowList(
            workflows=[workflow_info(wf, src) for wf, src in found.values()],
            templates=[
                TemplateInfo(
                    name=t.name,
                    description=t.description,
                    config_schema=t.config.model_json_schema(),
                )
                for t in TEMPLATES.values()
            ],
        )

    @app.tool(read_only=True)
    async def get_workflow_diagram(
        workflow: Annotated[str | None, Field(strict=True, max_length=200)] = None,
        run_id: Annotated[
            str | None,
            Field(
                strict=True,
                max_length=128,
                description="Draw this run's workflow with its current state lit.",
            ),
        ] = None,
        format: Literal["mermaid", "svg", "both"] = "mermaid",
        ctx: Context | None = None,
    ) -> Diagram:
        """A workflow's state diagram as mermaid text and/or SVG (of a run: its state lit)."""
        tenant = app.tenant(ctx)
        if (workflow is None) == (run_id is None):
            raise ToolError("Give exactly one of `workflow` or `run_id`.")
        highlights: dict[str, Any] = {}
        if run_id is not None:
            run = app.run(tenant, run_id)
            wf = run.workflow
            highlights = {"current": run.state, "visits": run.visits}
            if run.status == "failed":
                highlights["failed"] = [run.state]
        else:
            assert workflow is not None
            wf = app.workflow(tenant, workflow)
        out = Diagram(workflow=wf.name, current=highlights.get("current"))
        if format in ("mermaid", "both"):
            out.mermaid = wf.machine.to_mermaid(**highlights)
        if format in ("svg", "both"):
            try:
                out.svg = await asyncio.to_thread(wf.machine.to_svg, **highlights)
            except DiagramUnavailable as e:
                out.note = str(e)
        return out

    @app.tool()
    async def create_ai_workflow(
        template: Annotated[
            str,
            Field(
                strict=True, max_length=100, description="A template name (see `list_workflows`)."
            ),
        ],
        name: Annotated[Name, Field(description="The name of the new workflow.")],
        config: Annotated[dict[str, Any], Field(description="The template's config.")],
        start: Annotated[bool, Field(strict=True, description="Also start a run of it.")] = True,
        data: Annotated[dict[str, Any] | None, Field(description="The run's start data.")] = None,
        ctx: Context | None = None,
    ) -> WorkflowCreated:
        """Build a workflow from an AI template and a config (and start a run of it)."""
        tenant = app.tenant(ctx)
        existing = app.workflows(tenant).get(name)
        if existing is not None and existing[1] != "template":
            raise ToolError(
                f"The name `{name}` belongs to a {existing[1]} workflow; choose another."
            )
        app.models.check(
            app.models.problems_of_context(config, "`config`"),
            f"Template `{template[:100]}` refused",
        )
        wf = build_from_template(template, name, config)
        size, config_size = (json_size(data) if data else 0), json_size(config)
        app.quotas.admit(tenant, size=size + config_size, runs=int(start), workflow=name)
        run_id = app.manager.create(wf, dict(data or {}), tenant=tenant) if start else None
        if run_id is not None:
            app.quotas.add_run(tenant, run_id, size)
        app.add_private(tenant, wf, "template")
        app.quotas.add_workflow(tenant, name, config_size)
        m = wf.machine
        return WorkflowCreated(
            workflow=name,
            template=template,
            run_id=run_id,
            initial_state=m.initial,
            states=list(m.states),
            available_events=sorted({t.event for t in m.transitions}),
            estimated_duration_seconds=TEMPLATES[template].estimate,
            uri=run_uri(run_id) if run_id else workflow_uri(name),
        )

    @app.tool()
    async def execute_effect_pipeline(
        effects: Annotated[
            dict[str, Any],
            Field(
                description='An effect tree as JSON, e.g. {"kind": "sequence", "effects": '
                '[{"kind": "call", "fn": "registered_name", "args": [1]}]}. Functions are '
                "named by their registered name only."
            ),
        ],
        context: Annotated[
            dict[str, Any] | None, Field(description="Data the pipeline starts with.")
        ] = None,
        run_id: Annotated[
            str | None,
            Field(
                strict=True,
                max_length=128,
                description="Start from a copy of this run's data (it is not changed).",
            ),
        ] = None,
        ctx: Context | None = None,
    ) -> PipelineResult:
        """Run an effect pipeline in an isolated short-lived run; each effect reports progress."""
        tenant = app.tenant(ctx)
        effect = effect_from_json(effects)
        check_policy(
            effect,
            served=set(app.manager.workflow_names),
            allow_network=app.allow_network,
            models=app.models,
        )
        data = dict(app.run(tenant, run_id).data) if run_id is not None else {}
        data.update(context or {})

        relay = ProgressRelay(ctx)
        try:
            return await run_pipeline(
                effect,
                data,
                tenant=tenant,
                limit=app.pipeline_timeout,
                report=relay.push,
                pool=app.calls,
            )
        finally:
            await relay.close()
