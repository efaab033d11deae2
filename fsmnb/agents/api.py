"""A small, stable entry point for other layers (the MCP tools) and scripts.

    handle = await fsmnb.agents.spawn("quality_specialist", task="Inspect batch B-2847")
    handle.id, handle.solution.answer

`spawn(role, model=None, task=None, context=None, tenant="default")` returns
an `AgentHandle` at once when there is no task, or after solving the task.
The agent is the one registered under `role`, or a fresh one with that role.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fsmnb.agents.agent import Agent
from fsmnb.agents.catalog import resolve_agent
from fsmnb.agents.results import Solution

__all__ = ("AgentHandle", "spawn", "spawn_agent")

_IDS = itertools.count(1)


@dataclass(slots=True)
class AgentHandle:
    """A spawned agent and what it answered.

    Attributes:
        id: ``<role>-<n>``, unique in this process.
        role: the role (the agent's name).
        agent: the `Agent`.
        tenant: the tenant it works for.
        task: the task it was given, if any.
        solution: its `Solution`, once solved.
    """

    id: str
    role: str
    agent: Agent
    tenant: str = "default"
    task: str | None = None
    solution: Solution | None = None

    async def solve(self, task: str, **context: Any) -> Solution:
        """Give the agent a (new) task and keep its solution."""
        self.task = task
        self.solution = await self.agent.solve(task, **context)
        return self.solution

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (what the MCP tool returns)."""
        return {
            "agent_id": self.id,
            "role": self.role,
            "tenant": self.tenant,
            "task": self.task,
            "solution": self.solution.to_json() if self.solution is not None else None,
        }

    def model_dump(self, mode: str = "json") -> dict[str, Any]:
        """The same as `to_json` (so JSON encoders that know pydantic dump it whole)."""
        return self.to_json()


async def spawn(
    role: str,
    model: str | None = None,
    task: str | None = None,
    context: Mapping[str, Any] | None = None,
    tenant: str = "default",
) -> AgentHandle:
    """An agent for `role` (registered, or new), solving `task` when one is given."""
    agent = resolve_agent(role, model=model)
    handle = AgentHandle(f"{role}-{next(_IDS)}", role, agent, tenant)
    if task:
        await handle.solve(task, **dict(context or {}))
    return handle


#: The name the MCP `spawn_agent` tool looks for.
spawn_agent = spawn
