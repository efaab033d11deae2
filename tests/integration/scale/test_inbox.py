"""Events to a durable run from another process, through the store's inbox (PostgreSQL NOTIFY)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

import pytest

import fsmnb
from fsmnb import Workflow
from fsmnb.engine.postgres_store import PostgresStore
from fsmnb.errors import FsmnbError


def collector() -> Workflow:
    wf = Workflow("inbox_collector")

    @wf.state(initial=True, on={"item": "collect", "close": "end"})
    def collect(ctx: Any) -> None:
        if "n" in ctx.payload:
            ctx.data.setdefault("items", []).append(ctx.payload["n"])
        return None  # wait for the next event

    wf.final("end")
    return wf


async def _until(condition: Any, timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def test_events_from_another_process_arrive_in_order_once(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    try:
        run = collector().start(store=store, run_id="c-1")
        await run.wait(until_idle=True)
        store.flush()
        sender = (
            "import fsmnb\n"
            f"url = {pg_url!r}\n"
            "for n in range(5):\n"
            "    fsmnb.send('c-1', 'item', store=url, n=n)\n"
            "fsmnb.send('c-1', 'close', store=url)\n"
        )
        await asyncio.to_thread(subprocess.run, [sys.executable, "-c", sender], check=True)
        result = await asyncio.wait_for(run, 20)
        assert result.state == "end" and result.data["items"] == [0, 1, 2, 3, 4]
        events = [e.event for e in store.load("c-1") if e.kind == "transition"]
        assert events == ["item"] * 5 + ["close"]
        assert store.db.execute("SELECT count(*) FROM inbox").fetchone() == (0,)
    finally:
        store.close()


async def test_events_for_a_run_nobody_holds_wait_for_the_next_holder(pg_url: str) -> None:
    first = PostgresStore(pg_url, owner="gone:1:aa")
    run = collector().start(store=first, run_id="c-2")
    await run.wait(until_idle=True)
    first.close()  # the process that held it is gone
    sender = PostgresStore(pg_url, owner="sender:2:bb")
    assert sender.post("c-2", "item", '{"n": 7}') > 0
    assert sender.post("c-2", "close", "{}") > 0
    sender.close()
    second = PostgresStore(pg_url)
    try:
        resumed = fsmnb.resume("c-2", store=second, workflow=collector())
        result = await asyncio.wait_for(resumed, 20)
        assert result.state == "end" and result.data["items"] == [7]
    finally:
        second.close()


async def test_a_live_run_here_gets_the_event_directly(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    try:
        run = collector().start(store=store, run_id="c-3")
        await run.wait(until_idle=True)
        assert fsmnb.send("c-3", "item", store=store, n=1) == 0
        await _until(lambda: run.data.get("items") == [1])
    finally:
        store.close()


def test_send_needs_a_store_with_an_inbox_and_a_known_run(pg_url: str, tmp_path: Any) -> None:
    with pytest.raises(FsmnbError, match="keeps no inbox"):
        fsmnb.send("nope", "go", store=str(tmp_path / "runs.db"))
    with pytest.raises(FsmnbError, match="has no run `nope`"):
        fsmnb.send("nope", "go", store=pg_url)
