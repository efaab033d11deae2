"""Time travel: state and data at every step, forks that leave their parent alone, diffs."""

from __future__ import annotations

from typing import Any

import pytest

from fsmnb import Workflow
from fsmnb.engine import SqliteStore
from fsmnb.engine.journal import RunForked
from fsmnb.errors import RunError


def pricing() -> Workflow:
    wf = Workflow("travel_pricing", register=False)

    @wf.state(initial=True, on={"next": "discount"})
    def cart(ctx: Any) -> str:
        ctx.data["total"] = sum(ctx.data["items"])
        return "next"

    @wf.state(on={"next": "end"})
    def discount(ctx: Any) -> str:
        ctx.data["total"] -= ctx.data.get("coupon", 0)
        ctx.data.pop("items")
        return "next"

    @wf.state(final=True)
    def end(ctx: Any) -> None:
        ctx.data["receipt"] = f"paid {ctx.data['total']}"

    return wf


async def test_at_gives_state_and_data_of_every_step(store: SqliteStore) -> None:
    run = pricing().start(store=store, run_id="p", items=[5, 7], coupon=2)
    await run
    assert run.steps == 2
    assert [(s.step, s.state, s.data) for s in (run.at(0), run.at(1), run.at(2))] == [
        (0, "cart", {"items": [5, 7], "coupon": 2}),
        (1, "discount", {"items": [5, 7], "coupon": 2, "total": 12}),
        (2, "end", {"coupon": 2, "total": 10, "receipt": "paid 10"}),
    ]
    assert run.at(-1) == run.at(2) and run.at(1).event == "next"
    with pytest.raises(IndexError, match="steps 0 to 2"):
        run.at(3)


async def test_fork_starts_from_a_step_with_new_data_and_leaves_the_parent(
    store: SqliteStore,
) -> None:
    run = pricing().start(store=store, run_id="p", items=[5, 7], coupon=2)
    await run
    parent_journal = store.load("p")
    fork = run.fork(1, data={"coupon": 5}, run_id="p-fork")
    result = await fork
    assert result.data == {"coupon": 5, "total": 7, "receipt": "paid 7"}
    assert fork.parent == "p"
    assert store.load("p") == parent_journal
    forked = store.load("p-fork")[1]
    assert isinstance(forked, RunForked) and (forked.parent, forked.step) == ("p", 1)
    info = store.info("p-fork")
    assert info is not None and (info["forked_from"], info["fork_step"]) == ("p", 1)
    assert fork.at(0).state == "discount"


async def test_diff_lists_added_removed_and_changed_keys(store: SqliteStore) -> None:
    run = pricing().start(store=store, run_id="p", items=[5, 7], coupon=2)
    await run
    diff = run.diff(0)
    assert diff.states == ("cart", "end")
    assert diff.added == {"total": 10, "receipt": "paid 10"}
    assert diff.removed == {"items": [5, 7]}
    assert diff.changed == {}
    assert run.diff(1, 2).changed == {"total": (12, 10)}
    assert list(diff.frame()["change"]) == ["added", "added", "removed"]
    assert not run.diff(1, 1)


async def test_run_in_memory_knows_first_and_current_data_only() -> None:
    run = pricing().start(items=[1], coupon=0)
    await run
    assert run.at(0).data == {"items": [1], "coupon": 0}
    assert run.at(1).data is None and run.at(1).state == "discount"
    assert run.at(2).data == {"coupon": 0, "total": 1, "receipt": "paid 1"}
    with pytest.raises(RunError, match="kept no data for step 1"):
        run.fork(1)
