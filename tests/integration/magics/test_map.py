"""`wf.map` / `await wf.amap`: many runs, bounded concurrency, one DataFrame row per input."""

from __future__ import annotations

from typing import Any

import pytest

from fsmnb import VirtualClock, Workflow
from fsmnb.effects import delay


def squares(active: list[int]) -> Workflow:
    wf = Workflow("squares", register=False)

    @wf.state(initial=True, on={"ok": "done"})
    async def work(ctx: Any) -> str:
        active.append(1)  # active[0] is the peak, the rest one entry per running action
        active[0] = max(active[0], len(active) - 1)
        await ctx.run(delay(1))
        active.pop()
        if ctx.data["x"] == 3:
            raise ValueError("three is not allowed")
        ctx.data["y"] = ctx.data["x"] ** 2
        return "ok"

    wf.final("done")
    return wf


class Recorder:
    def __init__(self, total: int, desc: str) -> None:
        self.total, self.desc, self.updates, self.closed = total, desc, 0, False

    def update(self, n: int = 1) -> None:
        self.updates += n

    def close(self) -> None:
        self.closed = True


def test_map_returns_one_row_per_input_in_order_with_failures_as_rows() -> None:
    active = [0]
    bars: list[Recorder] = []

    def progress(total: int, desc: str) -> Recorder:
        bars.append(Recorder(total, desc))
        return bars[-1]

    frame = squares(active).map(
        [{"x": i} for i in range(6)],
        concurrency=2,
        clock=VirtualClock(),
        progress=progress,
        run_id_prefix="sq-",
    )

    assert list(frame.columns) == ["x", "state", "status", "y", "error", "run_id"]
    assert list(frame.x) == [0, 1, 2, 3, 4, 5]
    assert list(frame.status) == ["done", "done", "done", "failed", "done", "done"]
    assert frame.y.tolist()[:3] == [0, 1, 4]
    assert "three is not allowed" in frame.error[3]
    assert list(frame.run_id) == [f"sq-{i}" for i in range(6)]
    assert active[0] == 2  # never more than `concurrency` runs at once
    (bar,) = bars
    assert (bar.total, bar.desc, bar.updates, bar.closed) == (6, "squares", 6, True)


def test_plain_values_become_the_input_column() -> None:
    wf = Workflow("echo", register=False)
    wf.add_state("begin", lambda ctx: "go", initial=True, on={"go": "done"})
    wf.final("done")

    frame = wf.map(["a", "b"], progress=False)

    assert list(frame.columns) == ["input", "state", "status", "error", "run_id"]
    assert list(frame.input) == ["a", "b"]


def test_concurrency_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="concurrency"):
        squares([0]).map([{"x": 1}], concurrency=0, progress=False)


async def test_amap_runs_on_the_running_loop() -> None:
    frame = await squares([0]).amap([{"x": 2}], clock=VirtualClock(), progress=False)

    assert frame.y.tolist() == [4]
