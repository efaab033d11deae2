"""Manager: compact instances, tenants, send_many, metrics."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from fsmnb import DefinitionError, Manager, TransitionError, Workflow
from fsmnb.effects import call, emit, sequence
from fsmnb.errors import FsmnbError, RunNotFound


def door() -> Workflow:
    wf = Workflow("door", description="a smart door")
    wf.add_state("closed", initial=True, on={"open": "opened"})
    wf.add_state("opened", on={"close": "closed", "kick": "broken"})
    wf.final("broken")
    return wf


def test_idle_instances_need_no_event_loop() -> None:
    m = Manager([door()])
    ids = [m.create("door", tenant="acme") for _ in range(100)]
    assert not any(m.get(i, tenant="acme").has_task for i in ids)
    assert m.send(ids[0], "open", tenant="acme") == "opened"
    assert m.state(ids[0], tenant="acme") == "opened"
    assert m.state(ids[1], tenant="acme") == "closed"


def test_tenants_cannot_see_or_drive_each_other() -> None:
    m = Manager([door()])
    mine = m.create("door", tenant="acme")
    with pytest.raises(RunNotFound, match="No instance"):
        m.send(mine, "open", tenant="globex")
    with pytest.raises(RunNotFound):
        m.state(mine, tenant="globex")
    assert m.list(tenant="globex") == []
    assert [r["run_id"] for r in m.list(tenant="acme")] == [mine]
    assert m.state(mine, tenant="acme") == "closed"


def test_send_many_reports_each_outcome_and_goes_on() -> None:
    m = Manager([door()])
    a, b = m.create("door"), m.create("door")
    out = m.send_many([(a, "open"), (b, "close"), ("ghost", "open"), (a, "kick"), (b, "open")])
    assert out[0] == "opened" and out[3] == "broken" and out[4] == "opened"
    assert isinstance(out[1], TransitionError) and out[1].allowed == ("open",)
    assert isinstance(out[2], RunNotFound)
    assert m.get(a).status == "done"
    metrics = m.metrics()
    assert metrics["events_sent"] == 3 and metrics["events_refused"] == 2
    assert metrics["by_status"] == {"done": 1, "waiting": 1}
    assert metrics["by_state"] == {"door.broken": 1, "door.opened": 1}


def test_create_checks_the_workflow_and_ids() -> None:
    m = Manager()
    with pytest.raises(DefinitionError, match="No workflow is registered as `nope`"):
        m.create("nope")
    m.add(door())
    m.create("door", run_id="front")
    with pytest.raises(FsmnbError, match="already exists"):
        m.create("door", run_id="front")


async def test_instances_with_actions_run_on_the_loop_then_go_idle() -> None:
    wf = Workflow("ticket")

    @wf.state(initial=True, on={"triaged": "queued"})
    def triage(ctx: Any) -> Any:
        return sequence(call(lambda: ctx.data.update(priority="high")), emit("triaged"))

    wf.add_state("queued", on={"resolve": "closed"})
    wf.final("closed")
    m = Manager([wf])
    rid = m.create("ticket", title="printer on fire")
    result = await m.wait(rid)
    assert result.status == "waiting" and result.state == "queued"
    assert result.data["priority"] == "high"
    assert not m.get(rid).has_task
    assert m.send(rid, "resolve") == "closed"
    assert m.get(rid).status == "done"


async def test_remove_cancels_and_forgets() -> None:
    m = Manager([door()])
    rid = m.create("door")
    m.remove(rid)
    assert len(m) == 0
    with pytest.raises(RunNotFound):
        m.get(rid)
    await asyncio.sleep(0)
