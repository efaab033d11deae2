"""Runs and CPU-bound effects on a real Dask LocalCluster (two worker processes, loopback)."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from fsmnb import Workflow
from fsmnb.effects import call
from fsmnb.engine.executors import set_executor
from fsmnb.engine.telemetry import TelemetryEvent, bus
from fsmnb.errors import SerializationError


def square(n: int) -> tuple[int, int]:
    return os.getpid(), n * n


def make_workflow(name: str = "fan_out") -> Workflow:
    wf = Workflow(name)

    @wf.state(initial=True, on={"done": "finished"})
    def crunch(ctx: Any) -> str:
        pid, ctx.data["square"] = square(ctx.data["input"])
        ctx.data["worker_pid"] = pid
        if ctx.data["input"] == 3:
            raise ValueError("three is refused")
        return "done"

    @wf.state(final=True)
    def finished(ctx: Any) -> None:
        pass

    return wf


def cpu_workflow() -> Workflow:
    wf = Workflow("cpu_bound")

    @wf.state(initial=True, on={"done": "finished"})
    def crunch(ctx: Any) -> Any:
        pid, value = yield call(square, ctx.data["n"], cpu=True)
        ctx.data.update(pid=pid, value=value)
        return "done"

    @wf.state(final=True)
    def finished(ctx: Any) -> None:
        pass

    return wf


def test_map_on_dask_returns_the_same_frame_with_live_telemetry(dask_client: Any) -> None:
    wf = make_workflow()
    events: list[TelemetryEvent] = []
    unsubscribe = bus.subscribe(events.append)
    try:
        frame = wf.map(range(6), executor=dask_client, progress=False, run_id_prefix="d")
    finally:
        unsubscribe()
    inline = wf.map(range(6), progress=False, run_id_prefix="d")
    assert list(frame.columns) == list(inline.columns)
    assert frame[["input", "state", "status", "square", "run_id"]].equals(
        inline[["input", "state", "status", "square", "run_id"]]
    )
    assert frame.loc[3, "status"] == "failed" and "three is refused" in frame.loc[3, "error"]
    assert os.getpid() not in set(frame["worker_pid"].dropna())
    remote = {(e.kind, e.run_id) for e in events if e.run_id.startswith("d")}
    # Every remote run's start and end came back through Dask's event log.
    assert {("run_started", f"d{i}") for i in range(6)} <= remote
    assert {("run_finished", f"d{i}") for i in range(6)} <= remote


async def test_amap_on_dask_updates_progress(dask_client: Any) -> None:
    counts: list[int] = []

    class Bar:
        def update(self, n: int = 1) -> None:
            counts.append(n)

        def close(self) -> None:
            counts.append(0)

    frame = await make_workflow().amap(
        [{"input": 1}, {"input": 2}], executor=dask_client, progress=lambda total, desc: Bar()
    )
    assert list(frame["square"]) == [1, 4]
    assert counts == [1, 1, 0]


def test_what_does_not_pickle_is_named_before_anything_is_submitted(dask_client: Any) -> None:
    wf = make_workflow("unpicklable")
    lock = threading.Lock()
    with pytest.raises(SerializationError) as caught:
        wf.map([{"input": 1}, {"input": 2, "lock": lock}], executor=dask_client, progress=False)
    assert "`inputs[1]['lock']`" in str(caught.value)
    assert "Input 1 of `unpicklable.map`" in str(caught.value)
    assert not dask_client.who_has()  # nothing was submitted


def test_an_input_a_worker_cannot_import_fails_that_run_only(
    dask_client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "kernel_only.py").write_text("class Thing:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import kernel_only  # type: ignore[import-not-found]

    try:
        frame = make_workflow().map(
            [{"input": 1}, {"input": 2, "thing": kernel_only.Thing()}],
            executor=dask_client,
            progress=False,
        )
    finally:
        sys.modules.pop("kernel_only", None)
    assert list(frame["status"]) == ["done", "failed"]
    assert "kernel_only" in frame.loc[1, "error"]


def test_cpu_bound_call_runs_on_a_dask_worker(dask_client: Any) -> None:
    set_executor(dask_client)
    try:
        result = cpu_workflow().run_sync(n=7)
    finally:
        set_executor(None)
    assert result.status == "done" and result.data["value"] == 49
    assert result.data["pid"] != os.getpid()


def test_cpu_bound_call_inside_a_remote_run_runs_inline(dask_client: Any) -> None:
    frame = cpu_workflow().map([{"n": 3}], executor=dask_client, progress=False)
    assert frame.loc[0, "status"] == "done", frame.loc[0, "error"]
    assert frame.loc[0, "value"] == 9


def test_map_on_a_local_process_pool() -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        frame = make_workflow().map(range(4), executor=pool, progress=False)
    assert list(frame["status"]) == ["done", "done", "done", "failed"]
    assert list(frame["square"][:3]) == [0, 1, 4]
    assert os.getpid() not in set(frame["worker_pid"])


def test_cpu_bound_call_runs_in_the_local_process_pool_by_default() -> None:
    result = cpu_workflow().run_sync(n=5)
    assert result.status == "done" and result.data["value"] == 25
    assert result.data["pid"] != os.getpid()


def staged(marker: str, log: str) -> Workflow:
    """Three CPU steps; the second kills its worker process the first time it runs."""
    wf = Workflow("staged")

    def step(n: int) -> int:
        if n == 2 and not os.path.exists(marker):
            Path(marker).touch()
            os.kill(os.getpid(), 9)  # the worker dies mid-run, its lease held
        with open(log, "a") as out:
            out.write(f"{n}\n")
        return n

    @wf.state(initial=True, on={"next": "two"})
    def one(ctx: Any) -> Any:
        ctx.data["one"] = yield call(step, 1)
        return "next"

    @wf.state(on={"next": "three"})
    def two(ctx: Any) -> Any:
        ctx.data["two"] = yield call(step, 2)
        return "next"

    @wf.state(on={"next": "end"})
    def three(ctx: Any) -> Any:
        ctx.data["three"] = yield call(step, 3)
        return "next"

    wf.final("end")
    return wf


def test_a_worker_killed_mid_run_is_resumed_elsewhere_from_the_store(
    dask_client: Any, pg_url: str, tmp_path: Path
) -> None:
    marker, log = str(tmp_path / "killed"), str(tmp_path / "log")
    frame = staged(marker, log).map(
        [{"order": 1}], executor=dask_client, store=pg_url, progress=False, run_id_prefix="k"
    )
    assert os.path.exists(marker)  # a worker did die
    assert frame.loc[0, "status"] == "done", frame.loc[0, "error"]
    assert (frame.loc[0, "one"], frame.loc[0, "two"], frame.loc[0, "three"]) == (1, 2, 3)
    # Step 1 was journaled before the kill: never executed again. Step 2 was in flight.
    assert Path(log).read_text().split() == ["1", "2", "3"]
    from fsmnb.engine.postgres_store import PostgresStore

    store = PostgresStore(pg_url)
    try:
        assert store.lease_of("k0")[1] >= 2  # taken over by a second driver
        assert [e.kind for e in store.load("k0")].count("effect_finished") == 3
    finally:
        store.close()
