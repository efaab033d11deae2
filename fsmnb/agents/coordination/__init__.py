"""Multi-agent coordination: `coordinate(agents, task, strategy=...)` (seed 000's orchestrator).

Strategies: ``sequential``, ``parallel``, ``consensus``, ``debate``,
``hierarchical`` and ``vote`` (``voting`` is the same). Agents are asked
concurrently; an agent that fails or times out is recorded in the round and
in `CoordinationResult.errors`, and the strategy decides whether to go on
(see each strategy's doc). Every message goes to the result's transcript and
is published as ``agent_message`` telemetry; every consensus round as
``consensus_round`` — so the `Transcript` and `Consensus` widgets update live.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fsmnb.agents.catalog import resolve_agent
from fsmnb.agents.coordination._base import CoordinationResult, Round, Team
from fsmnb.agents.coordination.basic import parallel, sequential, vote
from fsmnb.agents.coordination.consensus import consensus, debate
from fsmnb.agents.coordination.hierarchical import assign, hierarchical
from fsmnb.errors import DefinitionError

__all__ = ("STRATEGY_NAMES", "CoordinationResult", "Round", "assign", "coordinate")

_STRATEGIES = {
    "sequential": sequential,
    "parallel": parallel,
    "consensus": consensus,
    "debate": debate,
    "hierarchical": hierarchical,
    "vote": vote,
    "voting": vote,
}
STRATEGY_NAMES = ("sequential", "parallel", "consensus", "debate", "hierarchical", "vote")


async def coordinate(
    agents: Sequence[Any],
    task: str,
    *,
    strategy: str = "parallel",
    threshold: float = 0.8,
    max_rounds: int = 3,
    timeout: float | None = None,  # noqa: ASYNC109  (a per-agent limit, not one on this call)
    embedder: Any = None,
    **options: Any,
) -> CoordinationResult:
    """Have `agents` work on `task` with `strategy`; returns every round and the transcript.

    Args:
        agents: `Agent`s or registered agent names (an unknown name gets a fresh
            agent with that role).
        task: what they work on.
        strategy: one of `STRATEGY_NAMES` (``voting`` is accepted for ``vote``).
        threshold: consensus: the mean pairwise similarity to reach.
        max_rounds: consensus: feedback rounds at most; debate: rounds before the synthesis.
        timeout: seconds each agent may take per round (None: no limit).
        embedder: for consensus scores (an `Embedder` or model string; default ``hash``).
        **options: strategy options: ``coordinator``, ``subtasks``, ``mode``, ``context``
            (hierarchical); ``synthesizer`` (debate); ``choices`` (vote).

    Raises:
        DefinitionError: an unknown strategy, or no agents.
        RunError: every agent failed.
    """
    run = _STRATEGIES.get(strategy)
    if run is None:
        known = ", ".join(f"`{s}`" for s in STRATEGY_NAMES)
        raise DefinitionError(f"Unknown coordination strategy `{strategy}`; use one of {known}.")
    if not agents:
        raise DefinitionError("`coordinate` needs at least one agent.")
    team_agents = [resolve_agent(a) for a in agents]
    for key in ("coordinator", "synthesizer"):
        if options.get(key) is not None:
            options[key] = resolve_agent(options[key])
    team = Team(team_agents, task, "vote" if strategy == "voting" else strategy,
                timeout=timeout, embedder=embedder)  # fmt: skip
    return await run(team, team_agents, threshold=threshold, max_rounds=max_rounds, **options)
