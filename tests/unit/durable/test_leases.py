"""Leases with fencing: one driver per durable run; a lapsed driver can never write again."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from pathlib import Path
from typing import Any

import pytest

import fsmnb
from fsmnb import Workflow
from fsmnb.effects import call
from fsmnb.engine import SqliteStore
from fsmnb.engine.leases import owner_is_dead
from fsmnb.errors import LeaseLost, RunLeased

#: an owner that is alive on another host: only its lease's expiry frees its runs
ELSEWHERE = "elsewhere:1:feed"


def two_steps(gate: asyncio.Event | None = None, calls: list[str] | None = None) -> Workflow:
    """`first` runs an effect then waits on `gate` inside a second one; `second` runs a third."""
    wf = Workflow("lease_two_steps", register=False)
    seen = calls if calls is not None else []

    async def slow() -> int:
        seen.append("slow")
        if gate is not None:
            await gate.wait()
        return 2

    @wf.state(initial=True, on={"next": "second"})
    def first(ctx: Any) -> Any:
        ctx.data["a"] = yield call(lambda: seen.append("a") or 1)
        ctx.data["b"] = yield call(slow)
        return "next"

    @wf.state(on={"done": "end"})
    def second(ctx: Any) -> Any:
        ctx.data["c"] = yield call(lambda: seen.append("c") or 3)
        return "done"

    wf.final("end")
    return wf


def freeze(store: SqliteStore) -> None:
    """What a crash (or a frozen process) does to a store: its leases are no longer renewed."""
    store._keeper.stop()


async def started_elsewhere(path: Path, *, ttl: float = 30.0) -> SqliteStore:
    """A run `r` driven by another process (its store has another owner), stopped mid-state.

    With a short `ttl` the other process is frozen (it does not renew): its lease lapses.
    """
    other = SqliteStore(path, owner=ELSEWHERE, lease_ttl=ttl)
    gate = asyncio.Event()
    run = two_steps(gate).start(store=other, run_id="r")
    for _ in range(100):
        await asyncio.sleep(0)
        if "b" not in run.data and len(other.load("r")) >= 2:
            break
    if ttl < 1:
        freeze(other)
    return other


async def test_a_second_resume_is_refused_naming_the_owner_and_expiry(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    other = await started_elsewhere(path)
    mine = SqliteStore(path)
    with pytest.raises(RunLeased, match=r"driven by `elsewhere:1:feed`.*lease until") as caught:
        fsmnb.resume("r", store=mine, workflow=two_steps())
    assert caught.value.owner == ELSEWHERE and caught.value.run_id == "r"
    assert caught.value.expires > time.time() + 20
    assert mine.lease_of("r")[0] == ELSEWHERE  # type: ignore[index]  # untouched
    other.close()
    mine.close()


async def test_a_crashed_owners_lease_expires_and_resume_takes_over(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    await started_elsewhere(path, ttl=0.05)  # "crashes": never renews, never closes
    await asyncio.sleep(0.1)
    mine = SqliteStore(path)
    calls: list[str] = []
    run = fsmnb.resume("r", store=mine, workflow=two_steps(calls=calls))
    result = await asyncio.wait_for(run.wait(), 10)
    assert result.data == {"a": 1, "b": 2, "c": 3}
    assert calls == ["slow", "c"]  # `a` was journaled by the first owner: not executed again
    owner, token, _ = mine.lease_of("r")  # type: ignore[misc]
    assert (owner, token) == ("", 2)  # released when the run ended; the token only grows
    mine.close()


async def test_resume_waits_for_the_lease_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    await started_elsewhere(path, ttl=0.2)
    mine = SqliteStore(path)
    run = fsmnb.resume("r", store=mine, workflow=two_steps(), wait=5)
    assert (await asyncio.wait_for(run.wait(), 10)).status == "done"
    mine.close()


async def test_a_driver_whose_lease_was_taken_over_can_never_write(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    gate = asyncio.Event()
    calls: list[str] = []
    old = SqliteStore(path, owner=ELSEWHERE, lease_ttl=0.05)
    run = two_steps(gate, calls).start(store=old, run_id="r")
    for _ in range(200):  # until it waits inside `slow`
        await asyncio.sleep(0)
        if calls == ["a", "slow"]:
            break
    freeze(old)
    await asyncio.sleep(0.1)  # its lease lapses
    new = SqliteStore(path)
    taken = fsmnb.resume("r", store=new, workflow=two_steps(calls=calls))
    assert (await asyncio.wait_for(taken.wait(), 10)).status == "done"
    rows_before = len(new.load("r"))
    gate.set()  # the old driver wakes up: its result is fenced off, its next effect refused
    with pytest.raises(LeaseLost, match="taken over"):
        await asyncio.wait_for(run.wait(), 10)
    old.flush()
    assert calls.count("c") == 1  # only the new owner ran the second state's effect
    journal = new.load("r")
    assert len(journal) == rows_before
    assert [e.kind for e in journal].count("run_finished") == 1
    old.close()
    new.close()


async def test_a_lease_of_a_dead_local_process_is_taken_at_once(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    pid = os.getpid()
    while not owner_is_dead(f"{socket.gethostname()}:{pid}:x"):
        pid += 7919
    ghost = f"{socket.gethostname()}:{pid}:dead"
    other = SqliteStore(path, owner=ghost)
    two_steps(asyncio.Event()).start(store=other, run_id="r")
    other.flush()
    mine = SqliteStore(path)
    run = fsmnb.resume("r", store=mine, workflow=two_steps())
    assert (await asyncio.wait_for(run.wait(), 10)).status == "done"
    other.close()
    mine.close()


def test_lease_verbs(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "runs.db", lease_ttl=30)
    lease = store.acquire_lease("x")
    assert (lease.owner, lease.token) == (store.owner, 1)
    with pytest.raises(RunLeased):
        store.acquire_lease("x", ELSEWHERE)
    renewed = store.renew_lease(lease, ttl=60)
    assert renewed.token == 1 and renewed.expires > lease.expires
    again = store.acquire_lease("x")  # the same owner again: the older handle is fenced
    assert again.token == 2
    with pytest.raises(LeaseLost):
        store.renew_lease(lease)
    assert store.renew_owner() == 1
    store.release_lease(again)
    taken = store.acquire_lease("x", ELSEWHERE)
    assert taken.token == 3
    store.close()
