"""Sequential, parallel and vote coordination."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fsmnb.agents.coordination._base import CoordinationResult, Team
from fsmnb.errors import RunError

if TYPE_CHECKING:
    from fsmnb.agents.agent import Agent

__all__ = ("parallel", "sequential", "vote")


def _all_failed(team: Team) -> RunError:
    listed = "; ".join(f"`{k}`: {v}" for k, v in team.result.errors.items())
    return RunError(f"Every agent failed on “{team.result.task[:80]}”: {listed}")


async def sequential(team: Team, agents: Sequence[Agent], **_: Any) -> CoordinationResult:
    """Each agent in turn, seeing the previous agent's answer; a failure is skipped over."""
    task, previous = team.result.task, None
    for number, agent in enumerate(agents, 1):
        context: dict[str, Any] = {} if previous is None else {"previous_answer": previous}

        async def ask(a: Agent, context: dict[str, Any] = context) -> str:
            return await a.respond(task, context)

        round_ = await team.ask_each([agent], ask, number=number, kind="answers")
        previous = round_.answers[agent.name] or previous
    if previous is None:
        raise _all_failed(team)
    team.result.answer = previous
    return team.result


async def parallel(team: Team, agents: Sequence[Agent], **_: Any) -> CoordinationResult:
    """Every agent at once; the answer maps each agent that succeeded to its answer."""
    task = team.result.task
    round_ = await team.ask_each(agents, lambda a: a.respond(task), number=1, kind="answers")
    if not round_.ok:
        raise _all_failed(team)
    team.result.answer = round_.ok
    return team.result


async def vote(
    team: Team, agents: Sequence[Agent], *, choices: Sequence[str] | None = None, **_: Any
) -> CoordinationResult:
    """Each agent answers (one of `choices` when given, as a structured choice); the majority wins.

    Failed agents abstain. Ties go to the answer given first. `reached` says
    whether the winner has a strict majority of the votes cast.
    """
    task = team.result.task
    if choices:
        options = list(choices)

        async def ask(a: Agent) -> str:
            return (await a.choose(task, options)).choice
    else:

        async def ask(a: Agent) -> str:
            return await a.respond(task)

    round_ = await team.ask_each(agents, ask, number=1, kind="votes")
    cast = {k: _normal(v) for k, v in round_.ok.items()}
    if not cast:
        raise _all_failed(team)
    tally = Counter(cast.values())
    order = list(dict.fromkeys(cast.values()))
    winner = max(order, key=lambda v: (tally[v], -order.index(v)))
    original = next(round_.ok[k] for k, v in cast.items() if v == winner)
    team.result.answer = original
    team.result.score = round(tally[winner] / len(cast), 4)
    team.result.reached = tally[winner] * 2 > len(cast)
    team.result.details = {"votes": dict(round_.ok), "tally": dict(tally)}
    team.publish("coordinator", "vote", f"{original} wins {tally[winner]}/{len(cast)} votes")
    return team.result


def _normal(answer: str) -> str:
    return " ".join(answer.lower().strip().strip(".!").split())
