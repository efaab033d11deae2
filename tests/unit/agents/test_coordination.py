"""coordinate(): every strategy, failures and timeouts, telemetry, and the two effect handlers."""

from __future__ import annotations

import asyncio

import pytest

from fsmnb import Workflow
from fsmnb.agents import Agent, coordinate, spawn
from fsmnb.agents.coordination import assign
from fsmnb.effects import coordinate_agents, invoke_agent
from fsmnb.errors import DefinitionError, RunError
from fsmnb.llm import ProviderError, scripted


def answering(name: str, fn) -> Agent:
    """An agent whose `solve` replies are `fn(task) -> answer text`."""
    scripted(lambda request: {"answer": fn(request), "confidence": 0.5}, name=name)
    return Agent(name, model=f"scripted:{name}", register=False)


def fixed(name: str, *answers: str) -> Agent:
    replies = iter(answers)
    return answering(name, lambda request: next(replies))


async def test_parallel_keeps_every_answer_and_records_a_failure(events) -> None:
    scripted([ProviderError("down", provider="scripted")] * 9, name="broken")
    agents = [fixed("a", "alpha"), fixed("b", "beta"),
              Agent("c", model="scripted:broken", register=False)]  # fmt: skip
    result = await coordinate(agents, "name a letter", strategy="parallel")
    assert result.answer == {"a": "alpha", "b": "beta"}
    assert "down" in result.errors["c"] and result.rounds[0].answers["c"] is None
    roles = [(m["role"], m["agent"]) for m in result.transcript]
    assert roles[0] == ("user", "coordinator") and ("error", "c") in roles
    assert sum(e.kind == "agent_message" for e in events) == len(result.transcript)


async def test_every_agent_failing_is_an_error() -> None:
    scripted([ProviderError("down", provider="scripted")] * 9, name="broken2")
    with pytest.raises(RunError, match="Every agent failed"):
        await coordinate([Agent("z", model="scripted:broken2", register=False)], "t")


async def test_a_slow_agent_times_out_and_the_others_go_on() -> None:
    async def slow(task: str, context=None) -> str:
        await asyncio.sleep(5)
        return "late"

    sleeper = fixed("s", "never")
    sleeper.respond = slow  # type: ignore[method-assign]
    result = await coordinate([fixed("q", "quick"), sleeper], "t", timeout=0.01)
    assert result.answer == {"q": "quick"} and "timed out" in result.errors["s"]


async def test_sequential_passes_each_answer_on() -> None:
    seen = []

    def second(request):
        seen.append(request.prompt)
        return "refined draft"

    result = await coordinate(
        [fixed("w", "draft"), answering("e", second)], "write", strategy="sequential"
    )
    assert result.answer == "refined draft" and "draft" in seen[0]
    assert [r.number for r in result.rounds] == [1, 2]


async def test_consensus_converges_over_feedback_rounds(events) -> None:
    agents = [
        fixed("a", "use solar panels on the roof", "use solar panels on the roof"),
        fixed("b", "build a gas turbine", "use solar panels on the roof"),
        fixed("c", "use solar panels on the roof", "use solar panels on the roof"),
    ]
    result = await coordinate(agents, "power plan", strategy="consensus", threshold=0.9)
    assert result.reached is True and len(result.rounds) == 2
    assert result.rounds[0].mean < 0.9 <= result.rounds[1].mean == result.score
    assert result.answer == "use solar panels on the roof"
    assert result.rounds[1].kind == "feedback"
    rounds = [e.data for e in events if e.kind == "consensus_round"]
    assert [r["round"] for r in rounds] == [1, 2] and rounds[0]["threshold"] == 0.9
    assert len(rounds[0]["matrix"]) == 3 and rounds[0]["agents"] == ["a", "b", "c"]


async def test_consensus_that_is_never_reached_keeps_every_round() -> None:
    agents = [fixed("a", *["apples"] * 3), fixed("b", *["quantum physics lectures"] * 3)]
    result = await coordinate(agents, "t", strategy="consensus", threshold=0.95, max_rounds=3)
    assert result.reached is False and len(result.rounds) == 3


async def test_debate_rounds_see_the_others_then_a_synthesis() -> None:
    seen = []

    def b_reply(request):
        seen.append(request.prompt)
        return f"b{len(seen)}"

    result = await coordinate(
        [fixed("a", "a1", "a2", "the synthesis"), answering("b", b_reply)],
        "t", strategy="debate", max_rounds=2,
    )  # fmt: skip
    assert [r.kind for r in result.rounds] == ["debate", "debate", "synthesis"]
    assert "a1" in seen[1]  # round 2 saw a's round-1 answer
    assert result.answer == "the synthesis" and result.details["synthesizer"] == "a"


async def test_vote_takes_the_majority() -> None:
    agents = [fixed("a", "Yes."), fixed("b", "yes"), fixed("c", "no")]
    result = await coordinate(agents, "ship it?", strategy="voting")
    assert (result.answer, result.reached, result.score) == ("Yes.", True, 0.6667)
    assert result.details["tally"] == {"yes": 2, "no": 1}


async def test_vote_over_structured_choices(by_type) -> None:
    model = by_type(decision=lambda task: {"choice": task["options"][1], "confidence": 0.8})
    agents = [Agent(n, model=model, register=False) for n in "xyz"]
    result = await coordinate(agents, "which?", strategy="vote", choices=["red", "green"])
    assert result.answer == "green" and result.score == 1.0


def test_assignment_by_capabilities() -> None:
    q = Agent("quality", capabilities=["contamination", "inspection"], register=False)
    m = Agent("maintenance", capabilities=["equipment", "repair"], register=False)
    pairs = assign(["repair the equipment", "check contamination", "write memo"], [q, m])
    assert [(t, a.name) for t, a in pairs] == [
        ("repair the equipment", "maintenance"),
        ("check contamination", "quality"),
        ("write memo", "quality"),  # no fit: the least loaded
    ]


async def test_hierarchical_decomposes_assigns_and_integrates(by_type) -> None:
    boss = fixed("boss", "integrated plan")
    boss.model = by_type(
        "boss_model",
        workflow_creation={"name": "plan", "description": "d", "states": [
            {"name": "fix", "task": "repair the equipment"},
            {"name": "inspect", "task": "check contamination"},
            {"name": "summary", "task": "summarize"}]},
        solve={"answer": "integrated plan", "confidence": 0.8},
    )  # fmt: skip
    q = fixed("quality", "no contamination")
    q.capabilities = ("contamination",)
    m = fixed("maintenance", "pump replaced")
    m.capabilities = ("equipment", "repair")
    result = await coordinate([boss, q, m], "crisis", strategy="hierarchical")
    assert result.details["assignments"] == [
        {"task": "repair the equipment", "agent": "maintenance"},
        {"task": "check contamination", "agent": "quality"},
    ]
    assert result.rounds[0].ok == {"quality": "no contamination", "maintenance": "pump replaced"}
    assert result.answer == "integrated plan"


async def test_bad_requests() -> None:
    with pytest.raises(DefinitionError, match="Unknown coordination strategy"):
        await coordinate([fixed("a", "x")], "t", strategy="anarchy")
    with pytest.raises(DefinitionError, match="at least one agent"):
        await coordinate([], "t")


async def test_the_effects_run_agents_on_behalf_of_the_run(by_type) -> None:
    model = by_type(
        strategy={"strategy": "direct", "confidence": 0.9, "reason": "r", "answer": "42 widgets"},
        solve={"answer": "42 widgets", "confidence": 0.9},
    )
    Agent("analyst", model=model)  # registered by name
    wf = Workflow("agents_fx", register=False)

    @wf.state(initial=True, on={"next": "done"})
    async def work(ctx):
        ctx.data["solo"] = (await ctx.run(invoke_agent("analyst", "count widgets"))).answer
        ctx.data["team"] = (await ctx.run(coordinate_agents(["analyst"], "count"))).answer
        ctx.data["math"] = (await ctx.run(invoke_agent("anyone", "What is 2 + 2?"))).answer
        return "next"

    wf.final("done")
    seen = []
    run = wf.start()
    run.subscribe(seen.append)
    result = await run
    assert result.data["solo"] == "42 widgets" and result.data["team"] == {"analyst": "42 widgets"}
    assert result.data["math"] == 4
    assert any(e.kind == "agent_message" and e.run_id == run.id for e in seen)


async def test_spawn_is_the_small_api_for_mcp() -> None:
    handle = await spawn("fact_checker", task="What is 3 * 3?")
    assert handle.id.startswith("fact_checker-") and handle.solution.answer == 9
    data = handle.to_json()
    assert data["solution"]["answer"] == 9 and data["role"] == "fact_checker"
    assert "fact checker" in handle.agent.system
