"""Per-tenant quotas and finished-run retention, through the tools and on the ledger."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from fsmnb import Manager, Workflow
from fsmnb.mcp import FsmServer
from fsmnb.mcp.cli import _http_defaults
from fsmnb.mcp.limits import HttpLimits
from fsmnb.mcp.quotas import Quotas, TenantQuota

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def door() -> Workflow:
    wf = Workflow("door", register=False)
    wf.add_state("closed", None, initial=True, on={"open": "opened", "lock": "locked"})
    wf.add_state("opened", None, on={"close": "closed"})
    wf.final("locked")
    return wf


async def _text(client: Client, tool: str, **arguments: Any) -> str:
    result = await client.call_tool(tool, arguments)
    assert result.is_error
    return str(result.content[0].text)


async def test_live_runs_bytes_and_private_workflows_are_capped() -> None:
    quota = TenantQuota(max_live_runs=2, max_stored_bytes=2_000, max_private_workflows=1)
    app = FsmServer(Manager([door()]), quota=quota)
    async with Client(app.mcp) as client:
        first = await client.call_tool("create_fsm", {"workflow": "door"})
        await client.call_tool("create_fsm", {"workflow": "door"})
        assert "You have 2 live runs; the limit is 2" in await _text(
            client, "create_fsm", workflow="door"
        )
        await client.call_tool(
            "send_event", {"run_id": first.structured_content["run_id"], "event": "lock"}
        )
        big = {"blob": "x" * 3_000}
        assert "the limit is 2,000" in await _text(client, "create_fsm", workflow="door", data=big)
        third = await client.call_tool("create_fsm", {"workflow": "door", "data": {"x": "y"}})
        assert not third.is_error  # a finished run no longer counts as live
        assert "the limit is 2,000" in await _text(
            client,
            "send_event",
            run_id=third.structured_content["run_id"],
            event="open",
            payload=big,
        )
        spec = {
            "name": "t1",
            "initial": "a",
            "states": [{"name": "a", "final": True}],
            "transitions": [],
        }
        await client.call_tool(
            "send_event", {"run_id": third.structured_content["run_id"], "event": "lock"}
        )
        assert not (await client.call_tool("create_fsm", {"spec": spec})).is_error
        other = {**spec, "name": "t2"}
        assert "1 private workflows; the limit is 1" in await _text(
            client, "create_fsm", spec=other
        )
        metrics = (await client.call_tool("get_fsm_metrics", {})).structured_content
        assert metrics["stored_bytes"] == app.quotas.stored_bytes("default") > 0
    app.close()


def test_retention_removes_old_finished_runs_of_one_tenant_only() -> None:
    manager = Manager([door()])
    quotas = Quotas(manager, TenantQuota(keep_finished=2, finished_ttl=100.0))
    ids = {t: [manager.create("door", tenant=t) for _ in range(4)] for t in ("a", "b")}
    for tenant, runs in ids.items():
        for rid in runs:
            quotas.add_run(tenant, rid, 10)
            manager.send(rid, "lock", tenant=tenant)
    notebook_run = manager.create("door", tenant="a")
    manager.send(notebook_run, "lock", tenant="a")
    assert quotas.retire("a", now=0.0) == 2  # the two oldest beyond keep_finished
    assert [r["run_id"] for r in manager.list(tenant="a")] == [*ids["a"][2:], notebook_run]
    assert len(manager.list(tenant="b")) == 4
    assert quotas.retire("a", now=100.0) == 2  # then the rest, past their time to live
    assert [r["run_id"] for r in manager.list(tenant="a")] == [notebook_run]
    assert quotas.stored_bytes("a") == 0 and quotas.stored_bytes("b") == 40


def test_cli_help_defaults_match_http_limits() -> None:
    limits = HttpLimits()
    assert all(getattr(limits, k) == v for k, v in _http_defaults().items())


def test_manager_metrics_count_events_per_tenant() -> None:
    manager = Manager([door()])
    a, b = manager.create("door", tenant="a"), manager.create("door", tenant="b")
    manager.send(a, "open", tenant="a")
    manager.send_many([(a, "close", {}), (a, "nope", {})], tenant="a")
    manager.send(b, "lock", tenant="b")
    mine = manager.metrics(tenant="b")
    assert (mine["events_sent"], mine["events_refused"]) == (1, 0)
    assert (manager.metrics(tenant="a")["events_sent"], manager.metrics()["events_sent"]) == (2, 3)
    assert manager.metrics(tenant="a")["events_refused"] == 1
