"""SqliteStore: schema and migrations, batched commits, what is durable when, data in the journal."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from fsmnb import Manager, Workflow
from fsmnb.effects import call
from fsmnb.engine import SqliteStore, get_default_store, set_default_store
from fsmnb.engine.journal import RunFinished, RunStarted, Transition
from fsmnb.engine.store_schema import MIGRATIONS, VERSION
from fsmnb.errors import FsmnbError, SerializationError


def counter() -> Workflow:
    wf = Workflow("store_counter", register=False)

    @wf.state(initial=True, on={"next": "second"})
    def first(ctx: Any) -> Any:
        ctx.data["seen"].append("first")  # a mutation in place
        ctx.data.pop("scratch", None)
        ctx.data["n"] = yield call(lambda: 1)
        return "next"

    @wf.state(on={"done": "end"})
    def second(ctx: Any) -> Any:
        ctx.data["n"] += yield call(lambda: 10)
        return "done"

    wf.final("end")
    return wf


def test_new_store_has_current_schema_in_wal_mode(store: SqliteStore) -> None:
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == VERSION
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_old_database_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    MIGRATIONS[0](db)
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO runs VALUES ('r', 'wf', 'default', NULL, 's', 'done', 0, 1.0, 2.0)")
    db.commit()
    db.close()
    store = SqliteStore(path)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == VERSION
    assert store.info("r") == {
        "run_id": "r", "workflow": "wf", "tenant": "default", "parent": None, "state": "s",
        "status": "done", "steps": 0, "created": 1.0, "updated": 2.0, "forked_from": None,
        "fork_step": None,
    }  # fmt: skip


def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {VERSION + 1}")
    db.close()
    with pytest.raises(FsmnbError, match="newer than this fsmnb"):
        SqliteStore(path)


async def test_journal_holds_the_data_of_every_step(store: SqliteStore) -> None:
    run = counter().start(store=store, run_id="c1", seen=[], scratch=1)
    await run
    journal = store.load("c1")
    assert [e.kind for e in journal] == [
        "run_started", "effect_finished", "transition", "effect_finished", "transition",
        "run_finished",
    ]  # fmt: skip
    started, _, first, _, second, finished = journal
    assert isinstance(started, RunStarted) and started.data == {"seen": [], "scratch": 1}
    assert isinstance(first, Transition) and isinstance(second, Transition)
    assert first.diff == {"set": {"seen": ["first"], "n": 1}, "del": ["scratch"]}
    assert second.diff == {"set": {"n": 11}, "del": []}
    assert isinstance(finished, RunFinished)
    assert finished.diff is None  # nothing changed in the final state


async def test_results_are_committed_before_the_next_effect_runs(store: SqliteStore) -> None:
    reader = sqlite3.connect(store.path)
    seen: list[int] = []

    def peek() -> int:
        seen.append(
            reader.execute("SELECT count(*) FROM entries WHERE kind = 'effect'").fetchone()[0]
        )
        return 0

    wf = Workflow("store_peek", register=False)

    @wf.state(initial=True, on={"next": "end"})
    def only(ctx: Any) -> Any:
        for _ in range(3):
            yield call(peek)
        return "next"

    wf.final("end")
    await wf.start(store=store)
    assert seen == [0, 1, 2]


def test_send_many_batches_commits_and_commits_before_returning(store: SqliteStore) -> None:
    wf = Workflow("store_door", register=False)
    wf.add_state("closed", on={"open": "opened"}, initial=True)
    wf.add_state("opened", on={"close": "closed", "kick": "gone"})
    wf.add_state("gone")
    wf.final("gone")
    manager = Manager([wf], store=store)
    ids = [manager.create(wf) for _ in range(300)]
    before = store.commits
    manager.send_many([(i, "open") for i in ids] + [(i, "close") for i in ids])
    assert store.commits - before == 1
    reader = sqlite3.connect(store.path)
    assert reader.execute("SELECT count(*) FROM entries WHERE kind = 'transition'").fetchone() == (
        600,
    )


async def test_a_run_id_cannot_be_reused(store: SqliteStore) -> None:
    wf = Workflow("store_idle", register=False)
    wf.add_state("idle", on={"go": "end"}, initial=True)
    wf.final("end")
    wf.start(store=store, run_id="same")
    with pytest.raises(FsmnbError, match=r"already has a run `same`.*fsmnb.resume"):
        wf.start(store=store, run_id="same")


async def test_unserializable_result_fails_at_its_effect(store: SqliteStore) -> None:
    wf = Workflow("store_bad_result", register=False)

    @wf.state(initial=True, on={"next": "end"})
    def fetch(ctx: Any) -> Any:
        yield call(_opener)
        return "next"

    wf.final("end")
    run = wf.start(store=store, run_id="bad")
    with pytest.raises(SerializationError) as caught:
        await run
    message = str(caught.value)
    assert "effect `call(_opener)`" in message and "fetch#0/1" in message
    assert "['handle']" in message and "register_codec" in message
    assert store.info("bad")["status"] == "failed"  # type: ignore[index]


def _opener() -> dict[str, object]:
    return {"handle": object()}


async def test_unserializable_start_data_is_refused_at_start(store: SqliteStore) -> None:
    with pytest.raises(SerializationError, match=r"Run data `\['conn'\]`"):
        counter().start(store=store, conn=object(), seen=[])


async def test_path_and_default_store_make_runs_durable(tmp_path: Path) -> None:
    path = str(tmp_path / "default.db")
    await counter().start(store=path, run_id="by-path", seen=[])
    try:
        set_default_store(path)
        assert isinstance(get_default_store(), SqliteStore)
        await counter().start(run_id="by-default", seen=[])
    finally:
        set_default_store(None)
    assert [r["run_id"] for r in SqliteStore(path).runs()] == ["by-path", "by-default"]


async def test_runs_in_memory_get_no_durable_machinery() -> None:
    keys: list[str | None] = []
    wf = Workflow("store_memory", register=False)

    @wf.state(initial=True, on={"next": "end"})
    def only(ctx: Any) -> Any:
        from fsmnb.engine import current_effect_key

        yield call(lambda: keys.append(current_effect_key()))
        return "next"

    wf.final("end")
    run = wf.start()
    assert run.replay is None and run.sink is None and run.store is None
    await run
    assert keys == [None]


async def test_sub_workflows_of_a_durable_run_are_durable_in_the_same_store(tmp_path: Any) -> None:
    from fsmnb.effects import invoke_fsm

    child = Workflow("durable_child")
    child.add_state("work", lambda ctx: "ok", initial=True, on={"ok": "done"})
    child.final("done")
    parent = Workflow("durable_parent")

    @parent.state(initial=True, on={"ok": "done"})
    async def call_child(ctx: Any) -> str:
        ctx.data["child"] = (await ctx.run(invoke_fsm(child))).run_id
        return "ok"

    parent.final("done")
    store = SqliteStore(str(tmp_path / "runs.db"))
    result = await parent.run(store=store, run_id="parent-1")
    store.flush()
    assert result.data["child"] in store.run_ids()
    assert "parent-1" in store.run_ids()
