"""Handlers of the `invoke_agent` and `coordinate_agents` effects (registered on import).

`invoke_agent(agent, task, **context)` runs `Agent.solve(task, **context)` and
returns the `Solution`; `agent` is an `Agent` or a name (`resolve_agent`). A
``model`` key in the context picks the model of an agent made from a name.
`coordinate_agents(agents, task, strategy=..., ...)` runs `coordinate` and
returns the `CoordinationResult`. Both work on behalf of the run that
interprets them: their messages go to the run's telemetry (its Transcript and
Consensus widgets) and their model calls to its cost ledger.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fsmnb.agents.catalog import resolve_agent
from fsmnb.agents.coordination import coordinate
from fsmnb.agents.recursion import acting
from fsmnb.effects.ai import CoordinateAgents, InvokeAgent
from fsmnb.engine.handlers import Path, register_handler

if TYPE_CHECKING:
    from fsmnb.engine.context import Context

__all__ = ()


@register_handler(InvokeAgent)
async def _invoke_agent(effect: InvokeAgent, ctx: Context, path: Path) -> Any:
    context = dict(effect.context)
    agent = resolve_agent(effect.agent, model=context.pop("model", None))
    with acting(ctx=ctx):
        return await agent.solve(effect.task, **context)


@register_handler(CoordinateAgents)
async def _coordinate_agents(effect: CoordinateAgents, ctx: Context, path: Path) -> Any:
    with acting(ctx=ctx):
        return await coordinate(
            list(effect.agents),
            effect.task,
            strategy=effect.strategy,
            threshold=effect.threshold,
            max_rounds=effect.max_rounds,
            timeout=effect.timeout,
            **dict(effect.options),
        )
