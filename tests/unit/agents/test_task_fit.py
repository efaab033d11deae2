"""Problems that share a workflow's nouns but ask for another task create a new workflow."""

from __future__ import annotations

import pytest

from fsmnb.agents import Agent
from fsmnb.agents.examples import make_registry
from fsmnb.agents.task_fit import mismatch

EQUIPMENT = ["daily equipment check", "Read the sensors of a production line", "Plan servicing"]


@pytest.mark.parametrize(
    ("problem", "why"),
    [
        ("Plan the holiday party", "only generic words"),
        ("Order ten new sensors for line 3", "asks to `order`"),
        ("please translate the sensor manual", "asks to `translate`"),
    ],
)
def test_mismatches_say_why(problem: str, why: str) -> None:
    assert why in (mismatch(problem, EQUIPMENT) or "")


@pytest.mark.parametrize(
    "problem",
    [
        "Read the sensors on line 3",
        "Are the production line sensors OK?",
        "Plan servicing of line 2",
    ],
)
def test_the_workflows_own_tasks_fit(problem: str) -> None:
    assert mismatch(problem, EQUIPMENT) is None


async def test_the_demo_plans_a_new_workflow_for_a_near_miss() -> None:
    agent = Agent("planner", registry=make_registry(), model="demo", register=False)

    near = await agent.plan("Order ten new temperature sensors for line 3 from the catalogue")
    fits = await agent.plan("Check equipment health for Line 3")

    assert near.workflow is None and "order" in near.reason
    assert fits.workflow == "daily_equipment_check"
