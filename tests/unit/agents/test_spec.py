"""Workflow specs: validation before anything runs, and building runnable workflows."""

from __future__ import annotations

import pytest

from fsmnb.agents import Agent, WorkflowSpec, parse_spec, register_action, spec_problems
from fsmnb.agents.actions import action_table
from fsmnb.agents.build import build_workflow, choose_event, fill_task
from fsmnb.errors import DefinitionError, SpecError


@pytest.fixture
def actions():
    @register_action(description="measure the level", events=("high", "low"))
    def measure(ctx, tank: str = "T1"):
        return "high" if ctx.data.get("level", 0) > 5 else "low"

    @register_action
    def drain(ctx):
        """Open the drain valve."""
        return {"drained": True}

    return action_table(["measure", "drain"])


def branching(**changes) -> WorkflowSpec:
    data = {
        "name": "tank_control",
        "description": "keep the tank level",
        "states": [
            {"name": "check", "action": "measure", "args": {"tank": "T2"}},
            {"name": "empty", "action": "drain"},
            {"name": "done", "action": "agent", "task": "report on {tank_name}", "final": True},
        ],
        "transitions": [
            {"source": "check", "event": "high", "target": "empty"},
            {"source": "check", "event": "low", "target": "done"},
            {"source": "empty", "event": "next", "target": "done"},
        ],
    }
    data.update(changes)
    return parse_spec(data)


def test_a_sound_spec_has_no_problems(actions) -> None:
    assert spec_problems(branching(), actions) == []
    assert actions["drain"].description == "Open the drain valve."


def test_every_problem_is_named(actions) -> None:
    spec = branching(
        states=[
            {"name": "check", "action": "measure", "args": {"volume": 3}},
            {"name": "empty", "action": "os_system"},
            {"name": "orphan", "action": "agent"},
            {"name": "done", "action": "agent", "task": "report", "final": True},
        ],
        transitions=[
            {"source": "check", "event": "high", "target": "empty"},
            {"source": "check", "event": "overflow", "target": "nowhere"},
            {"source": "empty", "event": "next", "target": "done"},
        ],
    )
    found = "\n".join(spec_problems(spec, actions))
    assert "`nowhere`" in found  # a dangling transition
    assert "`orphan`" in found and "without a `task`" in found  # unreachable, and no task
    assert "`os_system`, which is not available" in found
    assert "unexpected keyword argument 'volume'" in found
    assert "leaves by `overflow`" in found


def test_linear_specs_need_no_transitions(actions) -> None:
    spec = parse_spec({"name": "two", "description": "d",
                       "states": [{"name": "a", "task": "x"}, {"name": "b", "task": "y"}]})  # fmt: skip
    wf = build_workflow(spec, actions)
    assert wf.machine.next("a", "next") == "b" and wf.machine.finals == frozenset({"b"})


def test_specs_hold_data_only() -> None:
    with pytest.raises(SpecError, match="JSON data"):
        parse_spec(
            {"name": "x", "description": "d", "states": [{"name": "a", "args": {"f": print}}]}
        )
    with pytest.raises(SpecError):
        build_workflow(branching(), {})  # no actions available: nothing can run
    with pytest.raises(DefinitionError):
        register_action("not an identifier")


async def test_a_built_workflow_branches_on_the_action_results(actions, by_type) -> None:
    model = by_type(strategy={"strategy": "direct", "confidence": 0.5, "reason": "r",
                              "answer": "all fine"})  # fmt: skip
    agent = Agent("op", model=model, register=False, actions=["measure", "drain"])
    wf = build_workflow(branching(), actions)
    high = await agent.execute(wf, {"level": 9, "tank_name": "T2", "problem": "tank"})
    assert [v for v in high.data["results"]] == ["check", "empty", "done"]
    assert high.data["results"]["done"] == "all fine"
    low = await agent.execute(wf, {"level": 1, "problem": "tank"})
    assert list(low.data["results"]) == ["check", "done"]


async def test_agent_steps_with_several_events_ask_the_agent_to_choose(by_type) -> None:
    spec = parse_spec({
        "name": "triage", "description": "d",
        "states": [{"name": "look", "task": "is it urgent?"},
                   {"name": "now", "task": "act now", "final": True},
                   {"name": "later", "task": "queue it", "final": True}],
        "transitions": [{"source": "look", "event": "urgent", "target": "now"},
                        {"source": "look", "event": "routine", "target": "later"}],
    })  # fmt: skip
    model = by_type(
        strategy={"strategy": "direct", "confidence": 0.5, "reason": "r", "answer": "fire!"},
        decision=[{"choice": "urgent", "confidence": 0.9, "reason": "fire"}],
    )
    result = await Agent("op", model=model, register=False).execute(build_workflow(spec, {}), {})
    assert result.state == "now"


def test_helpers() -> None:
    assert fill_task("fix {line} now {unknown}", {"line": "L3"}) == "fix L3 now {unknown}"
    assert choose_event({"event": "b"}, ["a", "b"]) == "b"
    assert choose_event("zzz", ["a"]) == "a" and choose_event("zzz", ["a", "b"]) is None
