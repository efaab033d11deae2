"""DAG flows: build-time checks, stages, error policies, compensation order, durable resume."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import fsmnb
from fsmnb.engine import SqliteStore
from fsmnb.errors import DefinitionError, FlowError
from fsmnb.signals import Action, ActionContext, Flow, FlowStep
from fsmnb.signals.examples.orders import LEDGER, STOCK, order_processing_flow
from fsmnb.signals.examples.pipeline import data_pipeline_flow

CALLS: Counter[str] = Counter()
GATE: dict[str, asyncio.Event] = {}
FAIL: dict[str, int] = {}
UNDONE: list[str] = []


class Step(Action, register=False):
    """Record a call; fail while FAIL[label] > 0; block on GATE[label] when set."""

    class Params(BaseModel):
        label: str

    async def run(self, params: Any, ctx: ActionContext) -> dict[str, str]:
        CALLS[params.label] += 1
        if params.label in GATE:
            await GATE[params.label].wait()
        if FAIL.get(params.label, 0) > 0:
            FAIL[params.label] -= 1
            raise ConnectionError(f"{params.label} failed")
        return {"did": params.label}

    def compensate(self, params: Any, result: Any, ctx: ActionContext) -> None:
        UNDONE.append(params.label)


@pytest.fixture(autouse=True)
def _reset() -> None:
    CALLS.clear()
    GATE.clear()
    FAIL.clear()
    UNDONE.clear()


def s(name: str, **options: Any) -> FlowStep:
    return FlowStep(name, Step, params={"label": name}, **options)


def test_implicit_dependencies_and_stages() -> None:
    flow = Flow(
        "stages",
        [
            s("a"),
            s("b", parallel_group="g"),
            s("c", parallel_group="g"),
            s("d"),
            s("e", depends_on=[]),
        ],
        register=False,
    )
    assert flow.deps == {"a": (), "b": ("a",), "c": ("a",), "d": ("c",), "e": ()}
    assert flow.stages == [["a", "e"], ["b", "c"], ["d"]]
    assert list(flow.workflow.machine.states) == ["stage_1", "g", "d", "done"]


def test_build_time_problems_are_named_with_the_fix() -> None:
    with pytest.raises(DefinitionError) as caught:
        Flow(
            "broken",
            [
                s("a", depends_on=["c"]),
                s("b", depends_on=["a"]),
                s("c", depends_on=["b"]),
                s("d", depends_on=["a", "nope"]),
                s("bg", async_=True, depends_on=[]),
                s("after_bg", depends_on=["bg"]),
                s("odd", required=True, on_error="continue", depends_on=[]),
            ],
            register=False,
        )
    text = str(caught.value)
    assert "cycle: `a` → `b` → `c` → `a`" in text or "cycle: `c` → `a` → `b` → `c`" in text
    assert "`d` depends on `nope`, which is not a step" in text
    assert "`d`" in text.split("can never run because they wait on the cycle:")[1]
    assert "`after_bg` can never run: it depends on `bg`, which runs detached" in text
    assert "`odd` is required but continues past its failure" in text
    with pytest.raises(DefinitionError, match="unknown keys `retries`"):
        Flow("x", [{"name": "a", "action": Step, "retries": 3}], register=False)
    with pytest.raises(DefinitionError, match="`no_such_action`"):
        Flow("x", [FlowStep("a", "no_such_action")], register=False)


def test_retry_then_success_and_continue_skips_dependents() -> None:
    FAIL.update(flaky=2, optional=9)
    flow = Flow(
        "policies",
        [
            s("flaky", on_error="retry", retry=3),
            s("optional", on_error="continue", depends_on=["flaky"]),
            s("needs_optional", depends_on=["optional"], on_error="continue"),
            s("last", depends_on=["flaky"]),
        ],
        register=False,
    )
    flaky = flow.steps["flaky"]
    assert flaky.retry_policy is not None and flaky.retry_policy.attempts == 3
    result = flow.run_sync()
    assert result.data["steps"] == {
        "flaky": "done",
        "optional": "failed",
        "needs_optional": "skipped",
        "last": "done",
    }
    assert CALLS["flaky"] == 3 and "ConnectionError" in result.data["results"]["optional"]


def test_halt_stops_and_compensate_undoes_in_reverse_topological_order() -> None:
    steps = [s("a"), s("b", parallel_group="p"), s("c", parallel_group="p"), s("d"), s("e")]
    FAIL["e"] = 1
    with pytest.raises(FlowError) as halted:
        Flow("halts", steps, register=False).run_sync()
    assert halted.value.step == "e" and halted.value.steps["d"] == "done" and UNDONE == []
    FAIL["e"] = 1
    steps[-1] = s("e", on_error="compensate")
    with pytest.raises(FlowError, match="after compensating") as undone:
        Flow("compensates", steps, register=False).run_sync()
    assert UNDONE == ["d", "c", "b", "a"]
    assert undone.value.steps == {
        "a": "compensated",
        "b": "compensated",
        "c": "compensated",
        "d": "compensated",
        "e": "failed",
    }


def test_a_step_timeout_is_a_failure_of_that_step() -> None:
    GATE["slow"] = asyncio.Event()  # never set
    flow = Flow("timeouts", [s("slow", timeout=0.01, on_error="continue")], register=False)
    result = flow.run_sync()
    assert result.data["steps"] == {"slow": "failed"}
    assert "TimeoutError" in result.data["results"]["slow"]


async def test_seed_order_processing_flow_ships_in_the_background() -> None:
    flow = order_processing_flow(register=False)
    order = {"order_id": "A0", "items": [{"sku": "lamp", "qty": 1, "price": 20.0}]}
    before = STOCK["lamp"]
    result = await flow.run(order)
    assert result.data["steps"]["create_shipment"] == "started"
    assert STOCK["lamp"] == before - 1
    for _ in range(500):
        if ("shipped", "A0") in LEDGER:
            break
        await asyncio.sleep(0.002)
    assert ("shipped", "A0") in LEDGER


def test_seed_order_processing_flow() -> None:
    flow = order_processing_flow(register=False)
    order = {"order_id": "A1", "items": [{"sku": "lamp", "qty": 1, "price": 20.0}]}
    flow.run_sync(order)
    with pytest.raises(FlowError) as caught:
        flow.run_sync({**order, "items": [{"sku": "desk", "qty": 99, "price": 1.0}]})
    assert caught.value.steps["process_payment"] == "compensated"
    assert LEDGER[-1][0] == "refunded"
    assert flow.run_sync({**order, "email": ""}).data["steps"]["send_confirmation"] == "failed"
    assert (
        "stage 2" in flow.to_dot()
        and '"reserve_inventory" -> "create_shipment" [style=dashed]' in flow.to_dot()
    )


def test_seed_data_pipeline_flow_retries_the_api() -> None:
    result = data_pipeline_flow(register=False).run_sync(api_failures=2, run_key="pipeline-test")
    assert set(result.data["steps"].values()) == {"done"}
    assert result.data["results"]["generate_report"] == {"report": "4 rows loaded"}


async def test_a_durable_flow_resumes_without_running_finished_steps(tmp_path: Path) -> None:
    flow = Flow("durable_flow", [s("one"), s("two"), s("three")], register=False)
    store = SqliteStore(tmp_path / "runs.db")
    GATE["three"] = asyncio.Event()
    run = flow.start(store=store, run_id="f1")
    for _ in range(2000):
        if CALLS["three"]:
            break
        await asyncio.sleep(0.001)
    await asyncio.sleep(0.05)  # the journal writer commits what finished
    image_path = tmp_path / "image.db"
    target = sqlite3.connect(image_path)
    store.db.backup(target)
    target.close()
    run.cancel()
    store.close()
    GATE["three"].set()
    image = SqliteStore(image_path)
    result = await fsmnb.resume("f1", store=image, workflow=flow.workflow)
    assert result.data["steps"] == {"one": "done", "two": "done", "three": "done"}
    assert CALLS == {"one": 1, "two": 1, "three": 2}
    image.close()
