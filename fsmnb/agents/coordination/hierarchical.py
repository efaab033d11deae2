"""Hierarchical coordination: a coordinator decomposes, assigns by capability, and integrates.

The coordinator (the `coordinator` option, else the first agent) splits the
task into sub-tasks — given as `subtasks`, or asked of its model as a workflow
plan whose steps are the sub-tasks (the last step, the summary, is the
coordinator's own integration). Each sub-task goes to the worker whose name
and declared capabilities share the most words with it (ties: the least
loaded, then the first). Workers run concurrently: with ``mode="solve"`` each
runs `Agent.solve` on its sub-task (deciding, and planning or synthesizing its
own workflow); with ``mode="respond"`` each answers directly. A failed
sub-task is recorded and left out. The coordinator then integrates the results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fsmnb.agents.coordination._base import CoordinationResult, Team
from fsmnb.agents.coordination.basic import _all_failed
from fsmnb.llm.overlap import words

if TYPE_CHECKING:
    from fsmnb.agents.agent import Agent

__all__ = ("assign", "hierarchical")


def assign(subtasks: Sequence[str], workers: Sequence[Agent]) -> list[tuple[str, Agent]]:
    """Each sub-task with the worker whose capabilities fit it best (see the module doc)."""
    load = {w.name: 0 for w in workers}
    pairs = []
    for task in subtasks:
        need = words(task)

        def fit(i: int, need: set[str] = need) -> tuple[int, int, int]:
            w = workers[i]
            skills = words(" ".join([w.name, *w.capabilities]))
            return (len(need & skills), -load[w.name], -i)

        worker = workers[max(range(len(workers)), key=fit)]
        load[worker.name] += 1
        pairs.append((task, worker))
    return pairs


async def _decompose(coordinator: Agent, task: str) -> list[str]:
    plan = (await coordinator.ask("agent_workflow", {"problem": task, "actions": []})).value
    steps = [s.task or s.description or s.name.replace("_", " ") for s in plan.states]
    return steps[:-1] if len(steps) > 1 else steps


async def hierarchical(
    team: Team,
    agents: Sequence[Agent],
    *,
    coordinator: Agent | None = None,
    subtasks: Sequence[str] | None = None,
    mode: str = "respond",
    context: Mapping[str, Any] | None = None,
    **_: Any,
) -> CoordinationResult:
    """Decompose, delegate by capability, run the workers concurrently, integrate."""
    task, result = team.result.task, team.result
    boss = coordinator or agents[0]
    workers = [a for a in agents if a is not boss] or [boss]
    parts = list(subtasks) if subtasks else await _decompose(boss, task)
    pairs = assign(parts, workers)
    result.details["assignments"] = [{"task": t, "agent": w.name} for t, w in pairs]
    for t, w in pairs:
        team.publish("coordinator", boss.name, f"assigns to {w.name}: {t}", round=1)
    by_worker: dict[str, list[str]] = {}
    for t, w in pairs:
        by_worker.setdefault(w.name, []).append(t)
    extra = dict(context or {})

    async def work(a: Agent) -> str:
        answers = []
        for t in by_worker[a.name]:
            if mode == "solve":
                solution = await a.solve(t, **extra)
                answers.append(_text(solution.answer))
            else:
                answers.append(await a.respond(t, extra))
        return "\n".join(answers)

    busy = [w for w in workers if w.name in by_worker]
    round_ = await team.ask_each(busy, work, number=1, kind="subtasks")
    round_.tasks = {name: "; ".join(ts) for name, ts in by_worker.items()}
    if not round_.ok:
        raise _all_failed(team)

    async def integrate(a: Agent) -> str:
        return await a.respond(
            f"Integrate the specialists' results into one response: {task}",
            {"specialist_results": round_.ok, "failed": dict(round_.errors)},
        )

    final = await team.ask_each([boss], integrate, number=2, kind="integration")
    result.answer = final.answers[boss.name] if final.answers[boss.name] is not None else round_.ok
    result.details["coordinator"] = boss.name
    return result


def _text(value: Any) -> str:
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)
