"""Analytics and retention over a durable store."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fsmnb import Workflow
from fsmnb.effects import call, retry
from fsmnb.engine import SqliteStore
from fsmnb.engine.analytics import (
    effect_stats,
    failures_by_type,
    get_workflow_analytics,
    llm_usage,
    state_stats,
    workflow_stats,
)
from fsmnb.engine.retention import prune


def shop() -> Workflow:
    from fsmnb.llm.types import LLMReply, Usage

    tries = {"n": 0}

    def flaky() -> str:
        tries["n"] += 1
        if tries["n"] % 2:
            raise TimeoutError("slow")
        return "ok"

    def ask() -> LLMReply:
        return LLMReply("yes", model="scripted:shop", usage=Usage(10, 2), cost=0.001)

    wf = Workflow("analytics_shop", register=False)

    @wf.state(initial=True, on={"next": "end", "error": "broken"})
    def buy(ctx: Any) -> Any:
        yield retry(call(flaky), attempts=2, base=0.0)
        yield call(ask)
        if ctx.data.get("fail"):
            raise ValueError("card declined")
        return "next"

    wf.final("end", "broken")
    return wf


@pytest.fixture
async def filled(store: SqliteStore) -> SqliteStore:
    wf = shop()
    for i in range(3):
        await wf.start(store=store, run_id=f"ok{i}")
    await wf.start(store=store, run_id="bad", fail=True)
    return store


async def test_workflow_stats_count_outcomes(filled: SqliteStore) -> None:
    row = workflow_stats(filled).set_index("workflow").loc["analytics_shop"]
    assert (row["runs"], row["done"], row["failed"]) == (4, 4, 0)
    assert row["success_rate"] == 1.0 and row["p95_s"] >= row["p50_s"] >= 0


async def test_state_effect_failure_and_llm_figures(filled: SqliteStore) -> None:
    states = state_stats(filled).set_index("state")
    assert states.loc["buy", "visits"] == 4 and states.loc["broken", "visits"] == 1
    effects = effect_stats(filled).set_index("effect")
    assert effects.loc["call(flaky)", "calls"] == 8
    assert effects.loc["call(flaky)", "failures"] == 4
    assert effects.loc["call(flaky)", "retries"] == 4
    failures = failures_by_type(filled)
    assert failures.to_dict("records") == [
        {"workflow": "analytics_shop", "error_type": "builtins:TimeoutError", "failures": 4}
    ]
    usage = llm_usage(filled).to_dict("records")
    assert usage == [{"workflow": "analytics_shop", "model": "scripted:shop", "calls": 4,
                      "input_tokens": 40, "output_tokens": 8, "cost": pytest.approx(0.004)}]  # fmt: skip


async def test_workflow_analytics_is_json(filled: SqliteStore) -> None:
    report = get_workflow_analytics("analytics_shop", store=filled, since=0.0)
    assert json.loads(json.dumps(report)) == report
    assert report["runs"]["runs"] == 4 and report["llm"]["input_tokens"] == 40
    assert get_workflow_analytics("analytics_shop", store=filled, since=2e10)["runs"]["runs"] == 0


async def test_prune_compacts_or_deletes_ended_runs_only(filled: SqliteStore) -> None:
    idle = Workflow("analytics_idle", register=False)
    idle.add_state("waiting", on={"go": "end"}, initial=True)
    idle.final("end")
    idle.start(store=filled, run_id="still-going")
    assert prune(filled, older_than=3600) == {"runs": 0, "entries": 0}
    compacted = prune(filled, older_than=-1, mode="compact")
    assert compacted["runs"] == 4 and compacted["entries"] > 0
    assert {e.kind for e in filled.load("ok0")} == {"run_started", "transition", "run_finished"}
    assert prune(filled, older_than=-1)["runs"] == 4
    assert [r["run_id"] for r in filled.runs()] == ["still-going"]
