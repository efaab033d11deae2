"""Agents by name, so that effects sent as data (`invoke_agent("analyst", ...)`) can name them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fsmnb.agents.agent import Agent

__all__ = ("agent_names", "get_agent", "register_agent", "resolve_agent", "unregister_agent")

_AGENTS: dict[str, Agent] = {}


def register_agent(agent: Agent) -> Agent:
    """Make `agent` findable by its name (replacing an agent of the same name)."""
    _AGENTS[agent.name] = agent
    return agent


def unregister_agent(name: str) -> None:
    """Forget the agent called `name` (no error when absent)."""
    _AGENTS.pop(name, None)


def get_agent(name: str) -> Agent | None:
    """The agent registered as `name`, or None."""
    return _AGENTS.get(name)


def agent_names() -> tuple[str, ...]:
    """Every registered agent's name, sorted."""
    return tuple(sorted(_AGENTS))


def resolve_agent(agent: Any, *, model: str | None = None) -> Agent:
    """An `Agent` for `agent`: itself, the agent registered by that name, or a new one.

    A name no agent is registered under makes a fresh agent whose role is that
    name (``"fact_checker"`` → "You are a fact checker."), with `model`; it is
    not registered, so a client's typo leaves no trace.
    """
    from fsmnb.agents.agent import Agent

    if isinstance(agent, Agent):
        return agent
    name = str(agent)
    found = _AGENTS.get(name)
    if found is not None and (model is None or model == found.model):
        return found
    role = name.replace("_", " ").replace("-", " ")
    return Agent(
        name,
        model=model if model is not None else getattr(found, "model", None),
        system=getattr(found, "system", "") or f"You are a {role}.",
        capabilities=getattr(found, "capabilities", ()) or tuple(role.split()),
        registry=getattr(found, "registry", None),
        register=False,
    )
