"""Agents (seed 003): plan / reason / solve / execute, a workflow registry, synthesis, coordination.

    from fsmnb.agents import Agent, WorkflowRegistry

    registry = WorkflowRegistry("workflows.db")
    registry.register(daily_equipment_check, domain="equipment_maintenance")
    agent = Agent("engineer", registry=registry)
    (await agent.solve("What is 47 + 89?")).answer             # 136, no model call
    await agent.solve("Check equipment health for Line 3")       # existing workflow
    await coordinate([a, b, c], "...", strategy="consensus")     # multi-agent

Importing this package registers the handlers of the `invoke_agent` and
`coordinate_agents` effects and the agents' request templates; it imports no
provider SDK.
"""

from __future__ import annotations

from fsmnb.agents import demo_tasks as _demo_tasks  # the demo model's answers to agent tasks
from fsmnb.agents import handlers as _handlers  # registers the effect handlers
from fsmnb.agents.actions import (
    Action,
    action_names,
    get_action,
    register_action,
    unregister_action,
)
from fsmnb.agents.agent import Agent
from fsmnb.agents.api import AgentHandle, spawn, spawn_agent
from fsmnb.agents.catalog import agent_names, get_agent, register_agent, unregister_agent
from fsmnb.agents.coordination import STRATEGY_NAMES, CoordinationResult, Round, coordinate
from fsmnb.agents.metadata import Match, WorkflowMetadata
from fsmnb.agents.recursion import Budget, current_agent
from fsmnb.agents.registry import WorkflowRegistry
from fsmnb.agents.results import Decision, Plan, Solution
from fsmnb.agents.spec import StepSpec, WorkflowSpec, parse_spec, spec_problems
from fsmnb.agents.synthesis import Synthesis, SynthesisAttempt, synthesize
from fsmnb.errors import BudgetExceededError, RecursionLimitError, SynthesisError

del _demo_tasks, _handlers

__all__ = (
    "STRATEGY_NAMES",
    "Action",
    "Agent",
    "AgentHandle",
    "Budget",
    "BudgetExceededError",
    "CoordinationResult",
    "Decision",
    "Match",
    "Plan",
    "RecursionLimitError",
    "Round",
    "Solution",
    "StepSpec",
    "Synthesis",
    "SynthesisAttempt",
    "SynthesisError",
    "WorkflowMetadata",
    "WorkflowRegistry",
    "WorkflowSpec",
    "action_names",
    "agent_names",
    "coordinate",
    "current_agent",
    "get_action",
    "get_agent",
    "parse_spec",
    "register_action",
    "register_agent",
    "spawn",
    "spawn_agent",
    "spec_problems",
    "synthesize",
    "unregister_action",
    "unregister_agent",
)
