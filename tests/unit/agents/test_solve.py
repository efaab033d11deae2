"""Agent.solve: the decision tree, its corrections, and what it records."""

from __future__ import annotations

import pytest

from fsmnb import Workflow
from fsmnb.agents import Agent, WorkflowRegistry
from fsmnb.agents.compute import plain_arithmetic
from fsmnb.llm import scripted


@pytest.mark.parametrize(
    ("problem", "expected"),
    [
        ("What is 47 + 89?", ("47 + 89", 136)),
        ("47 + 89", ("47 + 89", 136)),
        ("Add 2 and 3", ("2 + 3", 5)),
        ("What is 12 times 3?", ("12 * 3", 36)),
        ("calculate (2 + 3) * 4", ("(2 + 3) * 4", 20)),
        ("Line 3 - 2 units are down", None),
        ("Check equipment health for Line 3", None),
        ("Investigate batch B-2847 failure with contamination readings + power fluctuations", None),
        ("What is 2 ** 99999?", None),  # refused by the safe evaluator's limits
        ("__import__('os').system('ls') + 1", None),
    ],
)
def test_plain_arithmetic_is_recognised_and_nothing_else(problem, expected) -> None:
    assert plain_arithmetic(problem) == expected


async def test_arithmetic_is_computed_without_any_model_call(events) -> None:
    never = scripted([], name="never")  # any call would fail: the script has no replies
    agent = Agent("calc", model="scripted:never", register=False)
    solution = await agent.solve("What is 47 + 89?")
    assert solution.answer == 136
    assert (solution.strategy, solution.confidence) == ("compute", 1.0)
    assert "no model call" in solution.reason
    assert never.requests == []
    assert solution.spent["model_calls"] == 0
    said = [e.data for e in events if e.kind == "agent_message"]
    assert said and said[-1]["strategy"] == "compute" and said[-1]["agent"] == "calc"


async def test_direct_answers_come_from_the_model(by_type) -> None:
    model = by_type(strategy={"strategy": "direct", "confidence": 0.9, "reason": "known fact",
                              "answer": "Paris"})  # fmt: skip
    solution = await Agent("a", model=model, register=False).solve("Capital of France?")
    assert (solution.answer, solution.strategy, solution.reason) == (
        "Paris",
        "direct",
        "known fact",
    )
    assert solution.spent["model_calls"] == 1


async def test_direct_without_an_answer_asks_the_solve_request(by_type) -> None:
    model = by_type(
        strategy={"strategy": "direct", "confidence": 0.7, "reason": "easy"},
        solve={"answer": "blue", "confidence": 0.8},
    )
    solution = await Agent("a", model=model, register=False).solve("Sky colour?")
    assert solution.answer == "blue"
    assert solution.spent["model_calls"] == 2


async def test_a_model_expression_is_evaluated_safely_never_eval(by_type) -> None:
    good = by_type("good", strategy={"strategy": "compute", "confidence": 0.9, "reason": "math",
                                     "expression": "sqrt(16) * 2"})  # fmt: skip
    assert (await Agent("a", model=good, register=False).solve("four times two-ish")).answer == 8.0
    bad = by_type(
        "bad",
        strategy={"strategy": "compute", "confidence": 0.9, "reason": "math",
                  "expression": "__import__('os').getcwd()"},
        solve={"answer": "cannot say", "confidence": 0.1},
    )  # fmt: skip
    solution = await Agent("b", model=bad, register=False).solve("something odd")
    assert solution.strategy == "direct" and solution.answer == "cannot say"
    assert "did not evaluate" in solution.reason


def _linear(name: str) -> Workflow:
    wf = Workflow(name, description="check the pump pressure", register=False)

    @wf.state(initial=True, on={"next": "done"})
    def measure(ctx):
        ctx.data["answer"] = f"pressure ok for {ctx.data['problem']}"
        return "next"

    wf.final("done")
    return wf


async def test_existing_workflow_runs_and_updates_its_metadata(by_type) -> None:
    registry = WorkflowRegistry()
    registry.register(_linear("pump_check"), domain="maintenance", tags=["pump", "pressure"])
    model = by_type(strategy=lambda task: {
        "strategy": "existing_workflow", "confidence": 0.8, "reason": "fits",
        "workflow": task["available_workflows"][0]["name"]})  # fmt: skip
    solution = await Agent("a", model=model, registry=registry, register=False).solve(
        "check pump pressure on P-7"
    )
    assert solution.workflow == "pump_check" and solution.result.ok
    assert solution.answer == "pressure ok for check pump pressure on P-7"
    meta = registry.find_by_name("pump_check")
    assert (meta.usage_count, meta.success_rate) == (1, 1.0)
    assert meta.examples[-1] == {"problem": "check pump pressure on P-7", "ok": True}


async def test_an_unknown_workflow_from_the_model_falls_back_to_synthesis(by_type) -> None:
    model = by_type(
        strategy={"strategy": "existing_workflow", "confidence": 0.8, "reason": "fits",
                  "workflow": "made_up"},
        workflow_creation={"name": "tiny", "description": "tiny",
                           "states": [{"name": "only", "task": "answer it"}]},
        solve={"answer": "done", "confidence": 0.5},
    )  # fmt: skip
    solution = await Agent("a", model=model, register=False).solve("do the thing")
    assert solution.strategy == "new_workflow" and solution.synthesized
    assert "`made_up` is not a registered" in solution.reason


async def test_plan_selects_from_similar_workflows(by_type) -> None:
    registry = WorkflowRegistry()
    registry.register(_linear("pump_check"), tags=["pump"])
    model = by_type(workflow_selection=lambda task: {
        "selected_workflow": task["available_workflows"][0]["name"], "confidence": 0.9,
        "reason": "best"})  # fmt: skip
    agent = Agent("a", model=model, registry=registry, register=False)
    plan = await agent.plan("check pump pressure")
    assert plan.workflow == "pump_check" and plan.candidates[0].name == "pump_check"
    assert (await agent.plan("pump_check")).reason == "the problem names a registered workflow"


async def test_structured_variants_use_the_templates(by_type) -> None:
    model = by_type(
        reasoning={"conclusion": "related", "confidence": 0.7, "reasoning": ["a", "b"]},
        data_analysis={"summary": "two spikes", "findings": [], "confidence": 0.6},
        workflow_selection={"selected_workflow": "create_new", "confidence": 0.85, "reason": "x"},
    )
    agent = Agent("a", model=model, register=False)
    reasoning = await agent.reason_structured({"question": "how?", "context": {"x": 1}})
    assert reasoning.value.conclusion == "related"
    analysis = await agent.solve_structured("data_analysis", {"data": [1, 2]})
    assert analysis.value.summary == "two spikes"
    pick = await agent.plan_structured({"problem": "p", "available_workflows": ["a", "b"]})
    assert pick.value.selected_workflow == "create_new"


def test_solve_sync_works_from_plain_code() -> None:
    assert Agent("s", register=False).solve_sync("What is 6 * 7?").answer == 42
