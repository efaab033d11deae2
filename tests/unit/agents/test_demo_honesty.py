"""The demo model never invents a number for text that is not arithmetic, and says it is the demo."""

from __future__ import annotations

import pytest

from fsmnb import llm
from fsmnb.agents import Agent
from fsmnb.engine import TelemetryEvent, bus
from fsmnb.llm.demo import DEMO_TAG

NOT_ARITHMETIC = [
    "Line 3 - 2 units are down",
    "Reactor 2 temperature 350 + rising",
    "Order 12 / 7 boxes damaged in transit",
]


@pytest.mark.parametrize("problem", NOT_ARITHMETIC)
async def test_no_compute_strategy_or_number_for_text_that_is_not_arithmetic(problem: str) -> None:
    strategy = await llm.structured("strategy", {"problem": problem}, model="demo")
    solved = await llm.structured("solve", {"problem": problem}, model="demo")
    text = await llm.complete(problem, model="demo")

    assert strategy.value.strategy != "compute" and strategy.value.expression is None
    assert solved.value.confidence == 0.0 and not solved.value.is_complete
    assert "cannot" in solved.value.answer and "cannot" in text


async def test_an_agent_on_the_demo_does_not_answer_line_3_with_a_number() -> None:
    solution = await Agent("honest", model="demo", register=False).solve(
        "Line 3 - 2 units are down"
    )

    assert solution.strategy != "compute"
    assert solution.answer != 1 and "cannot" in str(solution.answer)


async def test_plain_arithmetic_is_still_computed() -> None:
    strategy = await llm.structured("strategy", {"problem": "What is 47 + 89?"}, model="demo")
    solution = await Agent("calc", model="demo", register=False).solve("What is 47 + 89?")

    assert strategy.value.strategy == "compute"
    assert solution.answer == 136


async def test_every_agent_message_on_the_demo_is_marked() -> None:
    seen: list[TelemetryEvent] = []
    unsubscribe = bus.subscribe(seen.append)
    try:
        await Agent("marked", model="demo", register=False).solve("What is 47 + 89?")
        await Agent("real", model="scripted:none", register=False).solve("What is 2 + 2?")
    finally:
        unsubscribe()

    messages = [e for e in seen if e.kind == "agent_message"]
    demo = [e for e in messages if e.data["agent"] == "marked"]
    real = [e for e in messages if e.data["agent"] == "real"]
    assert demo and all(DEMO_TAG in e.data["content"] and e.data["demo"] for e in demo)
    assert real and not any(DEMO_TAG in e.data["content"] for e in real)
