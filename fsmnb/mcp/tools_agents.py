"""Tools over the agents layer: spawn_agent and coordinate_agents.

They go through the effect algebra (`invoke_agent`, `coordinate_agents`), whose
handlers the agents layer (`fsmnb.agents`) registers, so this server needs no
knowledge of how agents work. When the layer is absent from this build, both
tools answer with a tool error that says so instead of pretending.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from fsmnb.effects import CoordinateAgents, InvokeAgent, coordinate_agents, invoke_agent
from fsmnb.engine.handlers import handler_for
from fsmnb.mcp.models import AgentResult
from fsmnb.mcp.pipeline import run_pipeline
from fsmnb.mcp.progress import ProgressRelay

if TYPE_CHECKING:
    from fsmnb.effects import Effect
    from fsmnb.mcp.server import FsmServer

__all__ = ("MISSING", "agents_layer", "register")

MISSING = "the agents layer (fsmnb.agents) is not installed in this build"

Text = Annotated[str, Field(strict=True, min_length=1, max_length=20_000)]
AgentName = Annotated[str, Field(strict=True, min_length=1, max_length=200)]


def agents_layer() -> Any:
    """The `fsmnb.agents` module, or a `ToolError` saying it is not installed.

    An empty `fsmnb/agents` directory imports as a namespace package, so the
    layer counts as installed only once it registers its effect handlers.
    """
    try:
        module = importlib.import_module("fsmnb.agents")
    except ImportError:
        raise ToolError(MISSING[:1].upper() + MISSING[1:] + ".") from None
    if handler_for(InvokeAgent) is None and handler_for(CoordinateAgents) is None:
        raise ToolError(MISSING[:1].upper() + MISSING[1:] + ".")
    return module


def register(app: FsmServer) -> None:
    """Add the agent tools to `app`."""

    async def run(effect: Effect, tenant: str, ctx: Context | None) -> Any:
        relay = ProgressRelay(ctx)
        try:
            out = await run_pipeline(
                effect,
                {},
                tenant=tenant,
                limit=app.pipeline_timeout,
                report=relay.push,
                pool=app.calls,
            )
        finally:
            await relay.close()
        return out.result

    @app.tool()
    async def spawn_agent(
        role: Annotated[AgentName, Field(description="A registered agent (its role).")],
        task: Text,
        model: Annotated[str | None, Field(strict=True, max_length=200)] = None,
        context: dict[str, Any] | None = None,
        ctx: Context | None = None,
    ) -> AgentResult:
        """Give one AI agent a task and return its answer."""
        tenant = app.tenant(ctx)
        app.models.check(
            app.models.problems_of_model(model, "`model`")
            + app.models.problems_of_context(context or {}, "`context`"),
            "spawn_agent refused",
        )
        layer = agents_layer()
        spawn = getattr(layer, "spawn_agent", None)
        if callable(spawn):
            out = await _maybe_await(
                spawn(role=role, model=model, task=task, context=dict(context or {}), tenant=tenant)
            )
            return AgentResult(agent_id=getattr(out, "id", None), result=_plain(out))
        extra = {**(context or {}), **({"model": model} if model else {})}
        result = await run(invoke_agent(role, task, **extra), tenant, ctx)
        return AgentResult(agent_id=role, result=result)

    @app.tool(name="coordinate_agents")
    async def coordinate_agents_tool(
        agents: Annotated[list[AgentName], Field(min_length=1, max_length=50)],
        task: Text,
        strategy: Literal[
            "sequential", "parallel", "consensus", "debate", "hierarchical", "voting"
        ] = "parallel",
        threshold: Annotated[float, Field(ge=0.0, le=1.0)] = 0.8,
        max_rounds: Annotated[int, Field(strict=True, ge=1, le=20)] = 3,
        ctx: Context | None = None,
    ) -> AgentResult:
        """Have several agents work on one task (parallel, consensus, debate, ...)."""
        tenant = app.tenant(ctx)
        agents_layer()
        effect = coordinate_agents(
            agents, task, strategy=strategy, threshold=threshold, max_rounds=max_rounds
        )
        return AgentResult(result=await run(effect, tenant, ctx))


async def _maybe_await(value: Any) -> Any:
    import inspect

    return await value if inspect.isawaitable(value) else value


def _plain(value: Any) -> Any:
    from fsmnb.mcp._json import jsonable

    return jsonable(value)
