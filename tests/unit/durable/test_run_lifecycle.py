"""The run's lifecycle: ids resolve from the store, lazy managers, bounded journals, typed entries."""

from __future__ import annotations

import gc
import threading
from typing import Any

import pytest

from fsmnb import Manager, Workflow
from fsmnb.engine import SqliteStore, find_run, get_history, set_history
from fsmnb.engine.journal import (
    EffectFinished,
    RunFinished,
    RunStarted,
    RunStatus,
    Transition,
    from_compact,
    to_compact,
)
from fsmnb.engine.sync import run_sync
from fsmnb.errors import RunError


def toggle() -> Workflow:
    wf = Workflow("life_toggle", register=False)
    wf.add_state("a", None, on={"flip": "b"}, initial=True)
    wf.add_state("b", None, on={"flip": "a", "stop": "done"})
    wf.final("done")
    return wf


def counting(*, register: bool = False) -> Workflow:
    wf = Workflow("life_count", register=register)

    @wf.state(initial=True, on={"again": "spin", "stop": "end"})
    def spin(ctx: Any) -> str:
        ctx.data["n"] = ctx.data.get("n", 0) + 1
        return "again" if ctx.data["n"] < ctx.data["upto"] else "stop"

    wf.final("end")
    return wf


async def test_a_fork_nobody_holds_resolves_by_id_from_its_store(store: SqliteStore) -> None:
    wf = counting(register=True)
    run = wf.start(store=store, run_id="parent", upto=3)
    await run
    fork = run.fork(1, run_id="the-fork")
    fork_id = fork.id
    await fork
    del fork
    gc.collect()
    found = find_run(fork_id, store)
    assert found is not None and found.parent == "parent" and found.status == "done"
    assert find_run("nobody", store) is None


async def test_a_manager_loads_instances_when_first_touched(store: SqliteStore) -> None:
    wf = toggle()
    first = Manager([wf], store=store)
    ids = [first.create(wf, run_id=f"t{i}") for i in range(3)]
    first.send("t1", "flip")
    store.flush()
    again = Manager([wf], store=store)
    assert again.loaded("t1") is None  # nothing is loaded at start
    assert {r["run_id"]: r["state"] for r in again.list()} == {"t0": "a", "t1": "b", "t2": "a"}
    assert again.send("t1", "flip") == "a" and again.loaded("t1") is not None
    assert again.loaded("t0") is None and len(again) == len(ids)


async def test_manager_instances_keep_no_journal_in_memory_by_default() -> None:
    wf = toggle()
    manager = Manager([wf])
    rid = manager.create(wf)
    for _ in range(50):
        manager.send(rid, "flip")
    run = manager.get(rid)
    assert run.steps == 50 and run.journal == []
    keeping = Manager([wf], history=4)
    kid = keeping.create(wf)
    for _ in range(50):
        keeping.send(kid, "flip")
    kept = keeping.get(kid).journal
    assert isinstance(kept[0], RunStarted) and 2 <= len(kept) <= 4
    assert all(isinstance(e, Transition) for e in kept[1:])


async def test_a_run_in_memory_keeps_its_recent_steps_and_says_what_it_dropped() -> None:
    old = set_history(10)
    try:
        run = counting().start(upto=30)
        await run
    finally:
        set_history(old)
    assert get_history() == old
    assert len(run.journal) <= 10 and run.steps == 30
    assert run.at(-1).data == {"upto": 30, "n": 30}
    with pytest.raises(RunError, match="no longer keeps step 3"):
        run.at(3)


async def test_a_durable_run_reads_its_whole_journal_from_its_store(store: SqliteStore) -> None:
    run = counting().start(store=store, upto=5)
    await run
    kinds = [e.kind for e in run.journal]
    assert (
        kinds[0] == "run_started" and kinds[-1] == "run_finished" and kinds.count("transition") == 5
    )
    assert run.visits == {"spin": 5, "end": 1}


def test_entries_convert_to_and_from_the_stored_form() -> None:
    entries = [
        RunStarted(1.0, "wf", {"x": 1}, "a"),
        Transition(2.0, "a", "go", "b", None, "external"),
        EffectFinished(3.0, "b", ("b", 1, 1), "call(f)", 0.5, 42),
        RunFinished(4.0, "done", "b", None),
    ]
    compact = [to_compact(e) for e in entries]
    assert [c[0] for c in compact] == ["started", "transition", "effect", "finished"]
    assert compact[1] == ("transition", 2.0, "a", "go", "b", None, "external")
    assert [from_compact(c) for c in compact] == entries
    assert RunStatus("interrupted") is RunStatus.INTERRUPTED and repr(RunStatus.DONE) == "'done'"


def test_run_sync_reuses_one_loop_per_thread() -> None:
    async def loop_id() -> int:
        import asyncio

        return id(asyncio.get_running_loop())

    here = {run_sync(loop_id()), run_sync(loop_id())}
    there: list[int] = []
    worker = threading.Thread(target=lambda: there.append(run_sync(loop_id())))
    worker.start()
    worker.join()
    assert len(here) == 1 and there and there[0] not in here
    assert counting().run_sync(upto=3).data == {"upto": 3, "n": 3}
