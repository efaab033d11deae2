"""PostgresStore against a real PostgreSQL server: journal, leases, faults, analytics."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

import fsmnb
from fsmnb import Workflow
from fsmnb.effects import call, delay
from fsmnb.engine import SqliteStore
from fsmnb.engine.analytics import workflow_stats
from fsmnb.engine.postgres_schema import VERSION
from fsmnb.engine.postgres_store import PostgresStore
from fsmnb.errors import FsmnbError, LeaseLost, RunLeased, StoreError
from tests.integration.scale.pg_server import PASSWORD, PgServer


def charging(calls: list[str]) -> Workflow:
    wf = Workflow("pg_charge", register=False)

    def charge(amount: int) -> int:
        calls.append(f"charge {amount}")
        return amount * 100

    @wf.state(initial=True, on={"charged": "shipped"})
    def pay(ctx: Any) -> Any:
        ctx.data["cents"] = yield call(charge, ctx.data["amount"])
        return "charged"

    @wf.state(on={"done": "end"})
    def shipped(ctx: Any) -> Any:
        yield delay(0.01)
        ctx.data["shipped"] = True
        return "done"

    wf.final("end")
    return wf


def waiting() -> Workflow:
    wf = Workflow("pg_wait", register=False)

    @wf.state(initial=True, on={"approve": "end"})
    def review(ctx: Any) -> None:
        return None  # waits for an event

    wf.final("end")
    return wf


def _shape(journal: list[Any]) -> list[Any]:
    """A journal without its times and effect durations."""
    return [
        e._replace(time=0.0, **({"duration": 0.0} if e.kind == "effect_finished" else {}))
        for e in journal
    ]


def test_the_journal_is_the_same_as_sqlites(pg_url: str, tmp_path: Path) -> None:
    pg, lite = PostgresStore(pg_url), SqliteStore(tmp_path / "runs.db")
    try:
        for store in (pg, lite):
            result = charging([]).run_sync(amount=3, store=store, run_id="o-1")
            assert result.data == {"amount": 3, "cents": 300, "shipped": True}
        assert _shape(pg.load("o-1")) == _shape(lite.load("o-1"))
        assert pg.run_ids() == ["o-1"] and pg.has("o-1") and not pg.has("o-2")
        assert {k: v for k, v in pg.info("o-1").items() if k not in ("created", "updated")} == {
            k: v for k, v in lite.info("o-1").items() if k not in ("created", "updated")
        }
        assert pg.lease_of("o-1") == ("", 1, 0.0)  # released when the run ended
        stats = workflow_stats(pg)
        assert stats.loc[0, "workflow"] == "pg_charge" and stats.loc[0, "done"] == 1
        assert pg.delete(["o-1"]) == 1 and pg.run_ids() == []
    finally:
        pg.close()
        lite.close()


def test_a_url_opens_the_postgres_store_and_migrations_are_recorded(pg_url: str) -> None:
    result = charging([]).run_sync(amount=1, store=pg_url, run_id="u-1")
    assert result.status == "done"
    store = fsmnb.engine.durable.open_store(pg_url)
    assert isinstance(store, PostgresStore)
    assert store.db.execute("SELECT version FROM fsmnb_schema").fetchone() == (VERSION,)
    again = PostgresStore(pg_url)  # opening a current database migrates nothing
    assert again.run_ids() == ["u-1"]
    again.close()


def test_a_newer_schema_is_refused(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    store.db.execute("UPDATE fsmnb_schema SET version = ?", (VERSION + 1,))
    store.close()
    with pytest.raises(StoreError, match="newer than this fsmnb"):
        PostgresStore(pg_url)


def test_a_wrong_password_or_host_fails_at_once_without_the_secret(pg_url: str) -> None:
    wrong = pg_url.replace(PASSWORD, "not-the-password")
    with pytest.raises(StoreError) as caught:
        PostgresStore(wrong)
    assert "password authentication failed" in str(caught.value)
    assert "not-the-password" not in str(caught.value) and PASSWORD not in str(caught.value)
    with pytest.raises(StoreError) as caught:
        PostgresStore(f"postgresql://u:{PASSWORD}@127.0.0.1:1/x", connect_timeout=1)
    assert "Connection refused" in str(caught.value) and PASSWORD not in str(caught.value)


async def test_a_second_process_cannot_drive_a_leased_run(pg_url: str) -> None:
    first = PostgresStore(pg_url, owner="host-a:1:aa")
    second = PostgresStore(pg_url, owner="host-b:2:bb")
    try:
        run = waiting().start(store=first, run_id="w-1")
        await run.wait(until_idle=True)
        first.flush()
        with pytest.raises(RunLeased) as caught:
            fsmnb.resume("w-1", store=second, workflow=waiting())
        assert "host-a:1:aa" in str(caught.value)
        # The lease lapses (its owner froze and did not renew): the second store takes over...
        second.db.execute("UPDATE leases SET expires = 0 WHERE run_id = ?", ("w-1",))
        lease = second.acquire_lease("w-1", ttl=5)
        assert lease.token == 2 and lease.owner == "host-b:2:bb"
        # ...and the first can no longer write: its next commit is fenced off.
        run.send("approve")
        first.flush()
        stopped = fsmnb.engine.durable.writer_of(run).stopped
        assert isinstance(stopped, LeaseLost) and "host-b:2:bb" in str(stopped)
        assert [e.kind for e in second.load("w-1")] == ["run_started"]
        with pytest.raises(LeaseLost):
            first.renew_lease(fsmnb.engine.leases.Lease("w-1", first.owner, 1, 0.0))
    finally:
        first.close()
        second.close()


async def test_resume_from_another_store_after_the_holder_is_gone(pg_url: str) -> None:
    first = PostgresStore(pg_url, owner="gone-host:1:aa")
    run = waiting().start(store=first, run_id="w-2")
    await run.wait(until_idle=True)
    first.close()  # releases its leases, like a process that ended
    second = PostgresStore(pg_url)
    try:
        resumed = fsmnb.resume("w-2", store=second, workflow=waiting())
        resumed.send("approve")
        result = await resumed
        assert result.state == "end"
        assert second.lease_of("w-2")[1] == 2
    finally:
        second.close()


async def test_a_server_restart_mid_run_pauses_and_loses_nothing(
    pg_server: PgServer, pg_url: str
) -> None:
    calls: list[str] = []
    store = PostgresStore(pg_url, commit_deadline=30)
    try:
        wf = charging(calls)
        first = await wf.run(amount=1, store=store, run_id="r-1")
        assert first.status == "done"
        pg_server.stop()  # every pooled connection breaks; the server comes back in 0.5 s
        restart = threading.Timer(0.5, pg_server.start)
        restart.start()
        runs = [wf.start(amount=n, store=store, run_id=f"r-{n}") for n in (2, 3, 4)]
        results = [await run for run in runs]
        restart.join()
        assert [r.status for r in results] == ["done", "done", "done"]
        assert sorted(calls) == ["charge 1", "charge 2", "charge 3", "charge 4"]
        # The outage was seen: failed commits retried, or the pool's reconnection attempts.
        assert store.retries + store.pool.get_stats().get("connections_errors", 0) >= 1
        for n in (1, 2, 3, 4):
            kinds = [e.kind for e in store.load(f"r-{n}")]
            assert kinds == [
                "run_started", "effect_finished", "transition",
                "effect_finished", "transition", "run_finished",
            ]  # fmt: skip
    finally:
        store.close()


async def test_a_generated_run_id_used_again_is_refused_without_a_query(pg_url: str) -> None:
    first, second = PostgresStore(pg_url), PostgresStore(pg_url)
    try:
        done = await charging([]).run(amount=1, store=first)
        with pytest.raises(FsmnbError, match="already has a run"):
            charging([]).start(amount=2, store=second, run_id=done.run_id)
        assert second.has(done.run_id) and not second.has(done.run_id + "0")
    finally:
        first.close()
        second.close()
