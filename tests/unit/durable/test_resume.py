"""Resume after a crash: journaled results are replayed, only in-flight effects run again."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import fsmnb
from fsmnb import Manager, Workflow
from fsmnb.effects import call, parallel, retry
from fsmnb.engine import SqliteStore, current_effect_key
from fsmnb.engine.journal import LogEntry
from fsmnb.errors import RunNotFound

from .conftest import crash_image, until


class World:
    """The outside world: counts executions and blocks chosen effects until released."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.keys: dict[str, list[str | None]] = {}
        self.gate = asyncio.Event()
        self.blocked: set[str] = set()

    async def do(self, name: str) -> str:
        self.calls[name] += 1
        self.keys.setdefault(name, []).append(current_effect_key())
        if name in self.blocked:
            await self.gate.wait()
        return name.upper()


def chain(world: World) -> Workflow:
    wf = Workflow("resume_chain", register=False)

    @wf.state(initial=True, on={"next": "second"})
    def first(ctx: Any) -> Any:
        ctx.log("first begins")
        a = yield call(world.do, "a")
        b = yield call(world.do, "b")
        both = yield parallel(call(world.do, "p0"), call(world.do, "p1"))
        c = yield call(world.do, "c")
        ctx.data["out"] = [a, b, *both, c]
        return "next"

    @wf.state(on={"done": "end"})
    async def second(ctx: Any) -> str:
        ctx.data["last"] = await ctx.run(call(world.do, "d"))
        return "done"

    wf.final("end")
    return wf


async def crash_while_blocked(
    store: SqliteStore, tmp_path: Path, world: World, wf: Workflow, when: str
) -> SqliteStore:
    """Start run `r`, wait until effect `when` runs (blocked), take the crash image, stop."""
    world.blocked = {when}
    run = wf.start(store=store, run_id="r")
    await until(lambda: world.calls[when] == 1)
    image = crash_image(store, tmp_path / "image.db")
    run.cancel()
    world.blocked = set()
    world.gate.set()
    return image


async def test_only_the_in_flight_effect_runs_again_with_the_same_key(
    store: SqliteStore, tmp_path: Path
) -> None:
    world = World()
    wf = chain(world)
    image = await crash_while_blocked(store, tmp_path, world, wf, "c")
    result = await fsmnb.resume("r", store=image, workflow=wf)
    assert result.data == {"out": ["A", "B", "P0", "P1", "C"], "last": "D"}
    assert world.calls == {"a": 1, "b": 1, "p0": 1, "p1": 1, "c": 2, "d": 1}
    assert world.keys["c"] == ["r:first#0/4", "r:first#0/4"]
    assert world.keys["p1"] == ["r:first#0/3/1"]
    logs = [e for e in image.load("r") if isinstance(e, LogEntry)]
    assert len(logs) == 1  # the replayed state's log line is not journaled twice


async def test_in_flight_child_of_parallel_runs_again_alone(
    store: SqliteStore, tmp_path: Path
) -> None:
    world = World()
    wf = chain(world)
    world.blocked = {"p1"}
    run = wf.start(store=store, run_id="r")
    await until(lambda: world.calls["p1"] == 1 and world.calls["p0"] == 1)
    await asyncio.sleep(0.05)  # p0's result is committed by the timer
    image = crash_image(store, tmp_path / "image.db")
    run.cancel()
    world.blocked = set()
    world.gate.set()
    await fsmnb.resume("r", store=image, workflow=wf)
    assert world.calls["p0"] == 1 and world.calls["p1"] == 2


async def test_journaled_failure_is_replayed_with_its_type(
    store: SqliteStore, tmp_path: Path
) -> None:
    world = World()
    attempts: list[str | None] = []

    async def flaky() -> str:
        attempts.append(current_effect_key())
        if len(attempts) == 1:
            raise ConnectionError("reset by peer")
        await world.do("second attempt")
        return "ok"

    wf = Workflow("resume_retry", register=False)

    @wf.state(initial=True, on={"next": "end"})
    def fetch(ctx: Any) -> Any:
        ctx.data["got"] = yield retry(
            call(flaky), attempts=3, base=0.0, retry_on=(ConnectionError,)
        )
        return "next"

    wf.final("end")
    image = await crash_while_blocked(store, tmp_path, world, wf, "second attempt")
    result = await fsmnb.resume("r", store=image, workflow=wf)
    assert result.data == {"got": "ok"}
    assert attempts == ["r:fetch#0/1/1", "r:fetch#0/1/2", "r:fetch#0/1/2"]
    assert [e.kind for e in image.load("r")].count("effect_retry") == 1


async def test_waiting_run_resumes_waiting_with_its_payload(
    store: SqliteStore, tmp_path: Path
) -> None:
    wf = Workflow("resume_wait", register=False)
    wf.add_state("draft", on={"submit": "review"}, initial=True)

    @wf.state(on={"approve": "end"})
    def review(ctx: Any) -> None:
        ctx.data["reviewer"] = ctx.payload["by"]

    wf.final("end")
    run = wf.start(store=store, run_id="w", text="hi")
    await run.wait(until_idle=True)
    run.send("submit", by="ann")
    await run.wait(until_idle=True)
    store.flush()
    image = crash_image(store, tmp_path / "image.db")
    resumed = fsmnb.resume("w", store=image, workflow=wf)
    assert resumed.status == "interrupted" or resumed.status == "running"
    await resumed.wait(until_idle=True)
    assert (resumed.state, resumed.status, resumed.data["reviewer"]) == ("review", "waiting", "ann")
    resumed.send("approve")
    assert (await resumed).state == "end"


async def test_finished_run_resumes_as_it_ended(store: SqliteStore, tmp_path: Path) -> None:
    world = World()
    wf = chain(world)
    await wf.start(store=store, run_id="r")
    again = fsmnb.resume("r", store=crash_image(store, tmp_path / "image.db"), workflow=wf)
    assert again.done and (await again).data["last"] == "D"
    assert world.calls["a"] == 1


def test_unknown_run_is_not_found(store: SqliteStore) -> None:
    with pytest.raises(RunNotFound, match="no run `nope`"):
        fsmnb.resume("nope", store=store)


async def test_manager_restart_sees_instances_and_recovers_them(
    store: SqliteStore, tmp_path: Path
) -> None:
    world = World()
    wf = chain(world)
    idle = Workflow("resume_idle", register=False)
    idle.add_state("waiting", on={"go": "end"}, initial=True)
    idle.final("end")
    manager = Manager([wf, idle], store=store)
    world.blocked = {"b"}
    busy = manager.create(wf, run_id="busy", tenant="acme")
    manager.create(idle, run_id="idle", tenant="acme")
    manager.create(idle, run_id="other", tenant="globex")
    await until(lambda: world.calls["b"] == 1)
    image = crash_image(store, tmp_path / "image.db")
    manager.remove(busy, tenant="acme")
    world.blocked = set()
    world.gate.set()

    restarted = Manager([wf, idle], store=image)
    assert {r["run_id"]: r["state"] for r in restarted.list(tenant="acme")} == {
        "busy": "first", "idle": "waiting",
    }  # fmt: skip
    assert restarted.state("busy", tenant="acme") == "first"
    assert restarted.recover() == ["busy"]
    assert (await restarted.get("busy", tenant="acme")).data["last"] == "D"
    assert world.calls["a"] == 1 and world.calls["b"] == 2


async def test_tenants_cannot_see_or_drive_each_other(store: SqliteStore) -> None:
    idle = Workflow("resume_tenants", register=False)
    idle.add_state("waiting", on={"go": "end"}, initial=True)
    idle.final("end")
    Manager([idle], store=store).create(idle, run_id="secret", tenant="acme")
    store.flush()
    restarted = Manager([idle], store=SqliteStore(store.path))
    assert restarted.list(tenant="globex") == []
    with pytest.raises(RunNotFound):
        restarted.send("secret", "go", tenant="globex")
    assert isinstance(restarted.send_many([("secret", "go")], tenant="globex")[0], RunNotFound)
    assert restarted.send("secret", "go", tenant="acme") == "end"
