"""The offline demo model answers the framework's own requests sensibly and says what it is."""

from __future__ import annotations

import warnings

import pytest

from fsmnb import llm
from fsmnb.llm import demo
from fsmnb.llm.schemas import Strategy, WorkflowCreation, WorkflowSelection

WORKFLOWS = [
    {
        "name": "daily_equipment_check",
        "description": "daily health check of equipment sensors and calibration",
        "tags": ["equipment", "health", "maintenance"],
    },
    {
        "name": "contamination_check",
        "description": "test a batch for contamination",
        "tags": ["quality"],
    },
]


async def test_it_is_the_default_without_keys_and_computes() -> None:
    assert llm.default_model() == "demo"
    reply = await llm.complete("What is 47 + 89?")
    assert reply == "47 + 89 = 136" and reply.model == "demo" and reply.cost == 0.0


async def test_it_is_deterministic_and_says_it_is_a_demo() -> None:
    first = await llm.complete("Write me a poem about the sea")
    assert first == await llm.complete("Write me a poem about the sea")
    assert "offline demo model" in first


async def test_workflow_selection_by_word_overlap() -> None:
    hit = await llm.structured(
        "workflow_selection",
        {"problem": "Check equipment health for Line 3", "workflows": WORKFLOWS},
    )
    assert isinstance(hit.value, WorkflowSelection)
    assert hit.value.selected_workflow == "daily_equipment_check" and 0 < hit.value.confidence <= 1
    miss = await llm.structured(
        "workflow_selection", {"problem": "Plan a wedding menu", "workflows": WORKFLOWS}
    )
    assert miss.value.selected_workflow == "create_new" and "demo" in miss.value.reason


@pytest.mark.parametrize(
    ("problem", "strategy"),
    [
        ("What is 47 + 89?", "compute"),
        ("check equipment health on line 2", "existing_workflow"),
        ("investigate batch failure with contamination and power fluctuations", "new_workflow"),
    ],
)
async def test_strategy_follows_the_decision_tree(problem: str, strategy: str) -> None:
    result = await llm.structured("strategy", {"problem": problem, "workflows": WORKFLOWS[:1]})
    assert isinstance(result.value, Strategy) and result.value.strategy == strategy


async def test_workflow_creation_has_one_state_per_part() -> None:
    result = await llm.structured(
        "workflow_creation", {"problem": "contamination readings + power fluctuations"}
    )
    created = result.value
    assert isinstance(created, WorkflowCreation)
    assert [s.name for s in created.states] == [
        "contamination_reading",
        "power_fluctuation",
        "report",
    ]


async def test_any_other_schema_gets_a_valid_instance() -> None:
    from pydantic import BaseModel, Field

    class Odd(BaseModel):
        level: int = Field(ge=3, le=5)
        code: str = Field(pattern=r"^[a-z_]+$", min_length=2)
        tags: list[str] = Field(min_length=2)
        kind: str = Field(json_schema_extra={"enum": ["x", "y"]})

    result = await llm.structured(Odd, prompt="anything")
    assert result.value.level == 4 and len(result.value.tags) == 2 and len(result.attempts) == 1


async def test_the_notice_is_shown_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "_noticed", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await llm.complete("1 + 1")
        await llm.complete("2 + 2")
    notices = [w for w in caught if issubclass(w.category, demo.DemoModelNotice)]
    assert len(notices) == 1 and "offline `demo` model" in str(notices[0].message)


async def test_rag_prompts_get_the_most_relevant_context_line() -> None:
    prompt = "Context:\n- The pump needs oil every 500 hours\n- The fan is blue\n\nQuestion: how often does the pump need oil?"
    reply = await llm.complete(prompt)
    assert reply.startswith("The pump needs oil every 500 hours")
