"""Seed 003's four driving use cases, end to end, offline on the demo model."""

from __future__ import annotations

import pytest

from fsmnb.agents import Agent, coordinate
from fsmnb.agents.examples import BATCH_B2847, crisis_team, install_batch_actions, make_registry

BATCH = "Investigate batch B-2847 failure with contamination readings + power fluctuations"


@pytest.fixture
def registry():
    return make_registry()


async def test_0_add_two_numbers_without_a_workflow(registry) -> None:
    solution = await Agent("plant", registry=registry, register=False).solve("What is 47 + 89?")
    assert (solution.answer, solution.strategy, solution.workflow) == (136, "compute", None)
    assert all(m.usage_count == 0 for m in registry.list_all())


async def test_1_equipment_check_selects_the_registered_workflow(registry, events) -> None:
    agent = Agent("plant", registry=registry, register=False)
    plan = await agent.plan("Check equipment health for Line 3")
    assert plan.workflow == "daily_equipment_check"
    solution = await agent.solve("Check equipment health for Line 3")
    assert (solution.strategy, solution.workflow) == ("existing_workflow", "daily_equipment_check")
    assert solution.result.ok and solution.answer["equipment"] == "Line3"
    visited = [e.data["target"] for e in events if e.kind == "transition"]
    assert visited == ["verify_calibration", "run_diagnostics", "generate_report", "complete"]
    assert registry.find_by_name("daily_equipment_check").usage_count == 1


async def test_2_batch_failure_synthesizes_a_branching_workflow_then_reuses_it(registry) -> None:
    install_batch_actions()
    agent = Agent("plant", registry=registry, register=False)
    first = await agent.solve(BATCH, **BATCH_B2847)
    assert first.strategy == "new_workflow" and first.synthesized and first.result.ok
    meta = registry.find_by_name(first.workflow)
    assert meta.author == "synthesized" and meta.usage_count == 1
    spec = registry.spec(first.workflow)
    branches = {t.event for t in spec.transitions if t.source == "correlate_findings"}
    assert branches == {"common_cause", "independent"}
    results = first.result.data["results"]
    assert results["correlate_findings"] == "common_cause"  # contamination follows the dips
    assert "independent" not in results
    second = await agent.solve(
        "Investigate batch B-2851 failure: contamination readings and power fluctuations",
        contamination=[{"minute": 10, "cfu": 30}], power=[{"minute": 300, "volts": 190}],
    )  # fmt: skip
    assert (second.strategy, second.workflow) == ("existing_workflow", first.workflow)
    assert second.result.data["results"]["correlate_findings"] == "independent"
    assert registry.find_by_name(first.workflow).usage_count == 2


async def test_3_crisis_spawns_specialists_in_parallel_and_integrates(registry, events) -> None:
    coordinator, *specialists = crisis_team(registry)
    crisis = (
        "Critical failure on Line 3 - equipment down, quality issues detected, supply chain impact"
    )
    result = await coordinate(
        [coordinator, *specialists], crisis, strategy="hierarchical", mode="solve"
    )
    assigned = {a["agent"] for a in result.details["assignments"]}
    assert assigned == {"quality_specialist", "maintenance_specialist", "supply_chain_specialist"}
    assert set(result.rounds[0].ok) == assigned and not result.errors
    assert result.rounds[-1].kind == "integration" and result.answer
    planned = [e.data for e in events if e.kind == "agent_message" and "strategy" in e.data]
    by_agent = {
        d["agent"] for d in planned if d["strategy"] in ("existing_workflow", "new_workflow")
    }
    assert assigned <= by_agent  # each specialist planned its own workflow
