"""Synthesis: validate, feed problems back, register; give up with every attempt."""

from __future__ import annotations

import pytest

from fsmnb.agents import Agent, SynthesisError, register_action, synthesize

GOOD = {
    "name": "leak_hunt",
    "description": "find the leak",
    "states": [{"name": "pressurize", "action": "pressurize"},
               {"name": "listen", "task": "listen for hissing"}],
}  # fmt: skip
BAD = {
    "name": "leak_hunt",
    "description": "find the leak",
    "states": [{"name": "pressurize", "action": "shell"}, {"name": "listen"}],
}


@pytest.fixture(autouse=True)
def _pressurize():
    @register_action(description="raise the line pressure")
    def pressurize(ctx):
        return "ok"


async def test_problems_are_fed_back_until_the_spec_is_sound(by_type, events) -> None:
    seen = []

    def reply(task):
        seen.append(task["problems_to_fix"])
        return BAD if len(seen) == 1 else GOOD

    agent = Agent("a", model=by_type(workflow_creation=reply), register=False)
    made = await synthesize(agent, "find the hydraulic leak", domain="maintenance")
    assert [a.ok for a in made.attempts] == [False, True]
    assert seen[0] == [] and any("`shell`, which is not available" in p for p in seen[1])
    assert any("without a `task`" in p for p in seen[1])
    meta = agent.registry.find_by_name("leak_hunt")
    assert (meta.author, meta.domain, meta.kind) == ("synthesized", "maintenance", "spec")
    assert made.workflow.machine.finals == frozenset({"listen"})
    said = [e.data["content"] for e in events if e.kind == "agent_message"]
    assert any("repairing" in s for s in said) and any("registered" in s for s in said)


async def test_an_unrepairable_spec_ends_with_every_attempt(by_type) -> None:
    agent = Agent("a", model=by_type(workflow_creation=BAD), register=False, synthesis_attempts=2)
    with pytest.raises(SynthesisError) as err:
        await synthesize(agent, "find the leak")
    assert len(err.value.attempts) == 2
    assert str(err.value).count("`shell`, which is not available") == 2
    assert "leak_hunt" not in agent.registry


async def test_malformed_replies_count_as_attempts(by_type) -> None:
    agent = Agent("a", model=by_type(workflow_creation="not json"), register=False,
                  synthesis_attempts=2, max_attempts=1)  # fmt: skip
    with pytest.raises(SynthesisError) as err:
        await synthesize(agent, "x")
    assert all(a.spec is None for a in err.value.attempts)


async def test_a_taken_name_gets_a_fresh_one(by_type) -> None:
    agent = Agent("a", model=by_type(workflow_creation=GOOD), register=False)
    first = await synthesize(agent, "p1")
    second = await synthesize(agent, "p2")
    assert (first.spec.name, second.spec.name) == ("leak_hunt", "leak_hunt_2")


async def test_the_demo_model_synthesizes_a_branching_workflow() -> None:
    from fsmnb.agents.examples import install_batch_actions

    install_batch_actions()
    agent = Agent("a", register=False)
    made = await synthesize(
        agent, "Investigate batch B-2847 failure with contamination readings + power fluctuations"
    )
    names = [s.name for s in made.spec.states]
    assert names[1:4] == ["analyze_contamination", "analyze_power", "correlate_findings"]
    assert set(made.workflow.machine.events_from("correlate_findings")) == {
        "common_cause", "independent",
    }  # fmt: skip


async def test_a_step_restating_the_whole_problem_is_repaired(by_type) -> None:
    same = {"name": "loop", "description": "d", "states": [{"name": "s", "task": "Fix the pump!"}]}
    agent = Agent("a", model=by_type(workflow_creation=[same, GOOD]), register=False)
    made = await synthesize(agent, "fix the pump")
    assert "whole problem again" in made.attempts[0].problems[0] and made.attempts[1].ok
