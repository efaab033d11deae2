"""Seed 003's decision tree, and `solve` following it.

`decide` (what `Agent.reason` does):

1. **compute** — the problem is plain arithmetic (`fsmnb.agents.compute`): the
   safe evaluator computes it, with no model call.
2. Otherwise the registry ranks its workflows by similarity to the problem
   (leaving out any workflow an enclosing solve is running), and the model is
   asked the ``strategy`` request with those candidates: **direct** (it answers
   now), **compute** (it gives an expression, which the safe evaluator
   computes — never `eval`), **existing_workflow** (a listed one), or
   **new_workflow**. An answer that cannot stand is corrected and the
   correction recorded in the reason: an unknown workflow or an expression
   that does not evaluate becomes ``new_workflow`` / ``direct``. A solve
   nested deeper than the agent's `planning_depth` is offered no workflows and
   any workflow strategy becomes ``direct``: sub-problems are answered, not
   planned again without end (the recursion's base case).

`solve` pushes the problem on the recursion stack (depth limit, cycle
detection, the shared budget), decides, does it, and returns a `Solution`
whose reason and confidence are also published as ``agent_message``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fsmnb.agents.compute import format_number, plain_arithmetic
from fsmnb.agents.recursion import current_stack, format_stack, running_workflows, solving
from fsmnb.agents.results import Decision, Plan, Solution
from fsmnb.errors import BudgetExceededError
from fsmnb.llm.safe_eval import try_evaluate

if TYPE_CHECKING:
    from fsmnb.agents.agent import Agent
    from fsmnb.agents.metadata import Match

__all__ = ("decide", "plan", "solve")

#: Candidates scoring at or below this share nothing with the problem and are not offered.
MIN_SIMILARITY = 0.0


async def _candidates(agent: Agent, problem: str, k: int) -> tuple[Match, ...]:
    busy = set(running_workflows())
    found = await agent.registry.find_similar(problem, k=k + len(busy))
    return tuple(m for m in found if m.name not in busy and m.score > MIN_SIMILARITY)[:k]


def _offered(candidates: tuple[Match, ...]) -> list[dict[str, Any]]:
    """The candidates as the model sees them, with the registry's score (`similarity`)."""
    return [
        {
            "name": m.name,
            "description": m.metadata.description,
            "domain": m.metadata.domain,
            "tags": m.metadata.tags,
            "examples": [e["problem"] for e in m.metadata.examples[-3:] if e.get("problem")],
            "similarity": m.score,
        }
        for m in candidates
    ]


def _request(agent: Agent, problem: str, candidates: tuple[Match, ...]) -> dict[str, Any]:
    return {
        "problem": problem,
        "workflows": _offered(candidates),
        "create_new_below": agent.registry.create_new_below,
    }


async def plan(agent: Agent, problem: str, *, k: int = 5) -> Plan:
    """The registered workflow that fits `problem`, or ``Plan(None, ...)`` to create one."""
    exact = agent.registry.find_by_name(problem.strip())
    if exact is not None and exact.name not in running_workflows():
        return Plan(exact.name, 1.0, "the problem names a registered workflow")
    candidates = await _candidates(agent, problem, k)
    if not candidates:
        return Plan(None, 1.0, "the registry holds no similar workflow")
    pick = (await agent.plan_structured(_request(agent, problem, candidates))).value
    names = {m.name for m in candidates}
    chosen = pick.selected_workflow if pick.selected_workflow in names else None
    reason = pick.reason
    if chosen is None and pick.selected_workflow != "create_new":
        reason = f"the model chose `{pick.selected_workflow}`, which was not offered; {reason}"
    return Plan(chosen, pick.confidence, reason, candidates, tuple(pick.alternatives))


async def decide(agent: Agent, problem: str, context: Mapping[str, Any]) -> Decision:
    """How to solve `problem` (see the module doc)."""
    found = plain_arithmetic(problem)
    if found is not None:
        return Decision(
            "compute",
            1.0,
            "plain arithmetic: computed by the safe evaluator, no model call",
            expression=found[0],
            value=found[1],
        )
    depth = len(current_stack())
    planning = depth <= agent.planning_depth
    candidates = await _candidates(agent, problem, 5) if planning else ()
    result = await agent.ask("strategy", _request(agent, problem, candidates))
    s = result.value
    calls = len(result.attempts)
    strategy, reason, value, workflow = s.strategy, s.reason, None, None
    if strategy == "compute":
        value = try_evaluate(s.expression or "")
        if value is None:
            strategy, reason = (
                "direct",
                f"{reason} (the expression `{s.expression}` did not evaluate)",
            )
    if strategy == "existing_workflow":
        workflow = s.workflow if s.workflow in {m.name for m in candidates} else None
        if workflow is None:
            strategy = "new_workflow"
            reason = f"{reason} (`{s.workflow}` is not a registered, available workflow)"
    if strategy == "new_workflow" and not planning:
        strategy = "direct"
        reason = f"{reason} (a sub-problem at depth {depth}: answered directly)"
    return Decision(
        strategy,
        s.confidence,
        reason,
        expression=s.expression,
        value=value,
        answer=s.answer,
        workflow=workflow,
        candidates=candidates,
        model_calls=calls,
    )


async def solve(agent: Agent, problem: str, context: Mapping[str, Any]) -> Solution:
    """Solve `problem` as `agent` (see the module doc)."""
    with solving(
        problem, agent.name, max_depth=agent.max_depth, budget=agent.new_budget()
    ) as budget:
        depth = len(current_stack())
        found = plain_arithmetic(problem)
        if found is not None:  # the base case: no model, no timer, no workflow
            answer = found[1]
            agent.say(
                f"{problem} = {format_number(answer)} (computed, no model call)",
                strategy="compute",
                confidence=1.0,
            )
            return Solution(
                problem, answer, "compute", 1.0,
                "plain arithmetic: computed by the safe evaluator, no model call",
                agent=agent.name, spent=budget.summary(), depth=depth,
            )  # fmt: skip
        if depth > 1:
            return await _follow(agent, problem, context, depth, budget)
        try:
            async with asyncio.timeout(budget.remaining_seconds()):
                return await _follow(agent, problem, context, depth, budget)
        except TimeoutError:
            stack = [f.problem for f in current_stack()]
            raise BudgetExceededError(
                f"The solve spent its budget of {budget.max_seconds} seconds.\n"
                f"{format_stack(stack)}\nRaise it with `Agent(..., budget=Budget(max_seconds=...))`.",
                resource="seconds",
                limit=budget.max_seconds,
                used=round(budget.elapsed, 3),
                stack=stack,
            ) from None


async def _follow(
    agent: Agent, problem: str, context: Mapping[str, Any], depth: int, budget: Any
) -> Solution:
    decision = await decide(agent, problem, context)
    agent.say(
        f"[{decision.strategy} {decision.confidence:.2f}] {decision.reason}",
        strategy=decision.strategy,
        confidence=decision.confidence,
        problem=problem,
    )
    workflow, result, synthesized = decision.workflow, None, False
    if decision.strategy == "compute":
        answer: Any = decision.value
    elif decision.strategy == "direct":
        answer = decision.answer
        if not answer:
            reply = await agent.ask("solve", {"problem": problem, "context": dict(context)})
            answer = reply.value.answer
    else:
        if decision.strategy == "new_workflow":
            from fsmnb.agents.synthesis import synthesize

            made = await synthesize(agent, problem)
            workflow, synthesized = made.workflow.name, True
            target: Any = made.workflow
        else:
            target = workflow
        result = await agent.execute(target, {"problem": problem, **context}, problem=problem)
        answer = answer_of(result)
    agent.say(f"{problem} → {_short(answer)}", strategy=decision.strategy, answer=_short(answer))
    return Solution(
        problem, answer, decision.strategy, decision.confidence, decision.reason,
        agent=agent.name, workflow=workflow, result=result, synthesized=synthesized,
        spent=budget.summary(), depth=depth,
    )  # fmt: skip


def answer_of(result: Any) -> Any:
    """What a workflow run answered: ``data["answer"]``, else the last state's result, else the data."""
    data = result.data
    if "answer" in data:
        return data["answer"]
    results = data.get("results")
    if isinstance(results, Mapping) and results:
        return results.get(result.state, list(results.values())[-1])
    return {k: v for k, v in data.items() if k != "problem"}


def _short(value: Any, limit: int = 160) -> str:
    text = format_number(value) if isinstance(value, int | float) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
