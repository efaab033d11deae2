"""Seed 004's example actions: CallExternalAPI, ProcessLargeDataset, ComplexWorkflow."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from fsmnb.engine.resources import resources
from fsmnb.errors import CircuitOpenError
from fsmnb.signals import Action, ActionContext, execute_action
from fsmnb.signals.examples.actions import CallExternalAPI, ComplexWorkflow, ProcessLargeDataset

UNDONE: list[str] = []


class Book(Action):
    """Book a slot (test action with a compensation)."""

    name = "test_book_slot"

    class Params(BaseModel):
        slot: str

    def run(self, params: Any, ctx: ActionContext) -> dict[str, str]:
        if params.slot == "bad":
            raise ValueError("no such slot")
        return {"booked": params.slot}

    def compensate(self, params: Any, result: Any, ctx: ActionContext) -> None:
        UNDONE.append(result["booked"])


@pytest.fixture(autouse=True)
def _reset() -> Any:
    resources.reset()
    UNDONE.clear()
    yield
    CallExternalAPI.transport = None


async def test_call_external_api_uses_the_breaker_per_host() -> None:
    calls: list[str] = []

    def reply(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        if request.url.path == "/down":
            return httpx.Response(503)
        return httpx.Response(200, json={"ok": True})

    CallExternalAPI.transport = httpx.MockTransport(reply)
    ok = await execute_action(CallExternalAPI, {"url": "http://localhost/up"})
    assert ok == {"status": 200, "body": {"ok": True}}
    for _ in range(3):
        with pytest.raises(httpx.HTTPStatusError):
            await execute_action(CallExternalAPI, {"url": "http://127.0.0.1/down"})
    with pytest.raises(CircuitOpenError, match=r"127\.0\.0\.1"):
        await execute_action(CallExternalAPI, {"url": "http://127.0.0.1/up"})
    assert len(calls) == 4  # the open circuit made no call
    assert (await execute_action(CallExternalAPI, {"url": "http://localhost/up"}))["status"] == 200


async def test_call_external_api_refuses_hosts_the_operator_did_not_allow() -> None:
    with pytest.raises(PermissionError, match=r"`example\.com` is not allowed"):
        await execute_action(CallExternalAPI, {"url": "http://example.com/"})


async def test_process_large_dataset_shrinks_chunks_when_the_budget_is_taken() -> None:
    jobs = [
        execute_action(
            ProcessLargeDataset, {"dataset": [1.0] * 64, "chunk_size": 64, "processing_type": "sum"}
        )
        for _ in range(3)
    ]
    results = await asyncio.gather(*jobs)
    assert [r["result"] for r in results] == [64.0, 64.0, 64.0]
    assert sorted(r["chunk_size"] for r in results)[0] < 64


async def test_complex_workflow_rolls_back_completed_steps() -> None:
    steps = [{"action": "test_book_slot", "params": {"slot": s}} for s in ("a", "b", "bad")]
    with pytest.raises(RuntimeError, match=r"step 2 .* rolled back"):
        await execute_action(ComplexWorkflow, {"steps": steps})
    assert UNDONE == ["b", "a"]
    partial = await execute_action(
        ComplexWorkflow, {"steps": steps, "continue_on_partial_failure": True}
    )
    assert partial["steps_completed"] == 3 and "no such slot" in partial["results"][2]["error"]
