"""Recursion control: depth limit, cycle detection and the budget, each showing the stack."""

from __future__ import annotations

import pytest

from fsmnb import Workflow
from fsmnb.agents import (
    Agent,
    Budget,
    BudgetExceededError,
    RecursionLimitError,
    WorkflowRegistry,
    current_agent,
)
from fsmnb.agents.recursion import fingerprint, solving


def test_fingerprints_ignore_case_punctuation_and_spacing() -> None:
    assert fingerprint("Check pump 3.") == fingerprint("check   pump 3")
    assert fingerprint("check pump 3") != fingerprint("check pump 4")


def test_the_stack_refuses_cycles_and_depth() -> None:
    budget = Budget()
    with solving("outer problem", "a", max_depth=2, budget=budget):
        with (
            pytest.raises(RecursionLimitError) as cycle,
            solving("Outer problem!", "a", max_depth=2, budget=budget),
        ):
            pass
        assert cycle.value.reason == "cycle"
        assert "← cycle" in str(cycle.value)
        with (
            solving("inner", "a", max_depth=2, budget=budget),
            pytest.raises(RecursionLimitError) as deep,
            solving("innermost", "a", max_depth=2, budget=budget),
        ):
            pass
    assert deep.value.stack == ("outer problem", "inner", "innermost")
    assert "depth limit of 2" in str(deep.value)


def _recursive_workflow(name: str, sub_problem) -> Workflow:
    wf = Workflow(name, description="solve a sub-problem", register=False)

    @wf.state(initial=True, on={"next": "done"})
    async def delegate(ctx):
        solution = await current_agent().solve(sub_problem(ctx.data["problem"]))
        ctx.data["answer"] = solution.answer
        return "next"

    wf.final("done")
    return wf


def _always(workflow: str):
    return lambda task: {"strategy": "existing_workflow", "confidence": 0.9, "reason": "loop",
                         "workflow": workflow}  # fmt: skip


async def test_a_workflow_solving_its_own_problem_is_a_cycle_with_the_stack(by_type) -> None:
    registry = WorkflowRegistry()
    registry.register(_recursive_workflow("echo", lambda p: p), tags=["echo"])
    agent = Agent("a", model=by_type(strategy=_always("echo")), registry=registry,
                  register=False, planning_depth=3)  # fmt: skip
    with pytest.raises(RecursionLimitError) as err:
        await agent.solve("echo this problem")
    assert err.value.reason == "cycle"
    assert err.value.stack == ("echo this problem", "echo this problem")
    assert "Stack of problems" in str(err.value)


async def test_ever_deeper_sub_problems_hit_the_depth_limit(by_type) -> None:
    registry = WorkflowRegistry()
    for n in range(5):
        registry.register(
            _recursive_workflow(f"deeper{n}", lambda p: p + " again"), tags=["deeper"]
        )

    def pick(task):  # alternate, since a running workflow is never offered again
        return _always(task["available_workflows"][0]["name"])(task)

    agent = Agent("a", model=by_type(strategy=pick), registry=registry, register=False,
                  max_depth=3, planning_depth=5)  # fmt: skip
    with pytest.raises(RecursionLimitError) as err:
        await agent.solve("deeper problem")
    assert err.value.reason == "depth"
    assert len(err.value.stack) == 4 and err.value.stack[0] == "deeper problem"


async def test_sub_problems_below_the_planning_depth_are_answered_directly(by_type) -> None:
    registry = WorkflowRegistry()
    registry.register(_recursive_workflow("outer", lambda p: "sub: " + p), tags=["outer"])
    model = by_type(strategy=lambda task: _always("outer")(task) if task["available_workflows"]
                    else {"strategy": "new_workflow", "confidence": 0.5, "reason": "none"},
                    solve={"answer": "leaf answer", "confidence": 0.5})  # fmt: skip
    solution = await Agent("a", model=model, registry=registry, register=False).solve("outer job")
    assert solution.answer == "leaf answer"


async def test_the_budget_of_model_calls_is_shared_by_nested_solves(by_type) -> None:
    registry = WorkflowRegistry()
    registry.register(_recursive_workflow("outer", lambda p: "sub: " + p), tags=["outer"])
    model = by_type(strategy=lambda task: _always("outer")(task) if task["available_workflows"]
                    else {"strategy": "direct", "confidence": 0.5, "reason": "leaf"},
                    solve={"answer": "leaf", "confidence": 0.5})  # fmt: skip
    agent = Agent("a", model=model, registry=registry, register=False,
                  budget=Budget(max_model_calls=2))  # fmt: skip
    with pytest.raises(BudgetExceededError) as err:
        await agent.solve("outer job")
    assert err.value.resource == "model_calls" and err.value.limit == 2
    assert err.value.stack == ("outer job", "sub: outer job")
    assert "max_model_calls" in str(err.value)


async def test_the_token_and_time_budgets(by_type) -> None:
    model = by_type(strategy={"strategy": "direct", "confidence": 0.5, "reason": "r" * 50,
                              "answer": "x"})  # fmt: skip
    with pytest.raises(BudgetExceededError) as tokens:
        await Agent("a", model=model, register=False, budget=Budget(max_tokens=5)).solve("q")
    assert tokens.value.resource == "tokens"
    with pytest.raises(BudgetExceededError) as seconds:
        await Agent("b", model=model, register=False, budget=Budget(max_seconds=0.0)).solve("q")
    assert seconds.value.resource == "seconds"


async def test_each_top_level_solve_gets_a_fresh_budget(by_type) -> None:
    model = by_type(strategy={"strategy": "direct", "confidence": 0.5, "reason": "r",
                              "answer": "x"})  # fmt: skip
    agent = Agent("a", model=model, register=False, budget=Budget(max_model_calls=1))
    for _ in range(3):
        assert (await agent.solve("q")).spent["model_calls"] == 1
