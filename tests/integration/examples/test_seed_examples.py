"""The seed documents' examples, end to end on the offline default model."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from fsmnb import Manager
from fsmnb.engine.journal import LogEntry
from fsmnb.errors import InputError
from fsmnb.examples import Ledger, customer_analysis, order_processing, smart_door


async def test_smart_door_is_event_driven_and_monitors_with_a_model() -> None:
    door = smart_door(model=_scripted({"usage pattern": "normal"}))
    m = Manager([door], history="all")  # the test reads the instance's log lines
    rid = m.create("smart_door", usage_log=["08:00 open", "08:01 close"])
    assert m.state(rid) == "closed"
    m.send(rid, "open_command")
    assert (await m.wait(rid)).state == "open"
    assert m.get(rid).data["openings"] == 1
    m.send(rid, "monitor")
    result = await m.wait(rid)
    assert result.state == "open" and result.data["last_verdict"] == "normal"
    logs = [e.message for e in m.get(rid).journal if isinstance(e, LogEntry)]
    assert logs == ["door opening (#1)"]


async def test_smart_door_raises_an_alert_on_anomaly() -> None:
    door = smart_door(model=_scripted({"usage pattern": "ANOMALY: opened 400 times at night"}))
    run = door.start()
    await asyncio.sleep(0)
    run.send("open_command")
    await run.wait(until_idle=True)
    run.send("monitor")
    await run.wait(until_idle=True)
    assert run.state == "alert"
    assert run.allowed_events == ("acknowledge",)


def test_order_processing_happy_path() -> None:
    ledger = Ledger()
    result = order_processing(ledger).run_sync(order_id="A1", sku="widget", qty=2, amount=20.0)
    assert result.state == "completed"
    assert result["confirmation"] == "Order A1 ships as trk-A1"
    assert [e[0] for e in ledger.entries] == ["charge", "reserve", "ship"]
    assert ledger.stock["widget"] == 3


def test_order_processing_refunds_when_the_reservation_fails() -> None:
    ledger = Ledger(fail_reservation=True)
    result = order_processing(ledger).run_sync(order_id="B2", sku="widget", qty=1, amount=9.5)
    assert result.state == "failed"
    assert [e[0] for e in ledger.entries] == ["charge", "refund"]
    assert "cannot reserve" in result["failure"]


def test_order_processing_out_of_stock_refunds_and_rejects() -> None:
    ledger = Ledger()
    result = order_processing(ledger).run_sync(order_id="C3", sku="gadget", qty=1, amount=5.0)
    assert result.state == "rejected"
    assert [e[0] for e in ledger.entries] == ["charge", "refund"]


def test_order_processing_validates_input() -> None:
    with pytest.raises(InputError, match="missing sku, qty"):
        order_processing(Ledger()).run_sync(order_id="D4", amount=1.0)


def test_customer_analysis_on_the_offline_default_model() -> None:
    wf = customer_analysis()
    result = wf.run_sync(data_source="customer_feedback_db", feedback=["slow delivery", "love it"])
    assert result.state == "completed"
    assert len(result["agent_results"]) == 3
    assert result["report"] and result["review"]
    assert "analysis_failed" not in result.data


def test_customer_analysis_fails_clearly_without_a_data_source() -> None:
    from fsmnb import EffectError

    with pytest.raises(EffectError, match="no data source configured"):
        customer_analysis().run_sync(data_source="")


def _scripted(replies: dict[str, str]) -> Any:
    """A `scripted:` model answering by prompt substring (registered with the LLM layer)."""
    from fsmnb.llm import scripted

    scripted(replies, name="door")
    return "scripted:door"
