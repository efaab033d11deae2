"""The run view's step slider and "fork from here", in a real kernel, over the widget comm."""

from __future__ import annotations

from typing import Any

RUN_VIEW = "fsmnb.widgets.run_view.RunView"

ORDER = """
order = Workflow("tt_order", register=False)

@order.state(initial=True, on={"pack": "packing"})
def cart(ctx):
    ctx.data["items"] = ["book"]      # then wait for `pack`

@order.state(on={"ship": "shipped"})
def packing(ctx):
    ctx.data["packed"] = True         # then wait for `ship`

order.final("shipped")

async def walk(run):
    for event in ("pack", "ship"):
        await run.wait(until_idle=True)
        run.send(event)
    await run
    return run
"""


def _view(kernel: Any, code: str) -> str:
    msgs = kernel.execute(code)
    (opened,) = [
        m
        for m in msgs
        if m["msg_type"] == "comm_open"
        and m["content"]["data"]["state"].get("_anywidget_id") == RUN_VIEW
    ]
    return str(opened["content"]["comm_id"])


def _slide(kernel: Any, comm_id: str, step: int | None) -> None:
    """What the slider sends when a person lets go of it (`model.set("step"); save_changes()`)."""
    msg = kernel.client.session.msg(
        "comm_msg",
        {"comm_id": comm_id, "data": {"method": "update", "state": {"step": step},
                                      "buffer_paths": []}},
    )  # fmt: skip
    kernel.client.shell_channel.send(msg)


def _shown(kernel: Any, comm_id: str, check: Any) -> dict[str, Any]:
    """Wait for an update of this view that satisfies `check`; return the front end's picture."""
    kernel.wait_for(
        lambda m: (
            m["msg_type"] == "comm_msg"
            and m["content"]["comm_id"] == comm_id
            and m["content"]["data"].get("method") == "update"
            and check(m["content"]["data"]["state"])
        )
    )
    return kernel.latest(comm_id)


def test_the_slider_shows_the_state_and_data_at_each_step_and_live_snaps_back(kernel):
    kernel.execute(ORDER)
    comm_id = _view(kernel, 'done = await walk(order.start(store=":memory:", run_id="tt-1"))\ndone')
    start = kernel.latest(comm_id)
    assert (start["steps"], start["step"], start["snapshot"]) == (2, None, {})

    _slide(kernel, comm_id, 1)
    at_1 = _shown(kernel, comm_id, lambda s: s.get("snapshot", {}).get("step") == 1)
    _slide(kernel, comm_id, 0)
    at_0 = _shown(kernel, comm_id, lambda s: s.get("snapshot", {}).get("step") == 0)
    _slide(kernel, comm_id, None)
    live = _shown(kernel, comm_id, lambda s: s.get("snapshot") == {})

    assert at_1["snapshot"] == {
        "step": 1, "state": "packing", "event": "pack", "data": {"items": ["book"]},
        "has_data": True,
    }  # fmt: skip
    assert at_0["snapshot"] == {
        "step": 0, "state": "cart", "event": None, "data": {}, "has_data": True,
    }  # fmt: skip
    assert (live["step"], live["state"], live["data"]) == (
        None, "shipped", {"items": ["book"], "packed": True},
    )  # fmt: skip


def test_setting_the_step_from_python_moves_the_view_too(kernel):
    kernel.execute(ORDER)
    comm_id = _view(kernel, 'py = await walk(order.start(store=":memory:", run_id="tt-2"))\npy')

    kernel.execute("fsmnb._jupyter.run_view(py).step = 2")

    shown = _shown(kernel, comm_id, lambda s: s.get("snapshot", {}).get("step") == 2)
    assert shown["snapshot"]["state"] == "shipped"
    assert shown["snapshot"]["data"] == {"items": ["book"], "packed": True}


def test_fork_from_here_starts_a_run_whose_parent_is_the_original(kernel):
    kernel.execute(ORDER)
    comm_id = _view(kernel, 'parent = await walk(order.start(store=":memory:", run_id="tt-3"))\n'
                            "parent")  # fmt: skip

    kernel.click(comm_id, {"type": "fork", "step": 1})

    shown = _shown(kernel, comm_id, lambda s: bool(s.get("forks")))
    ((fork),) = shown["forks"]
    assert (fork["step"], fork["state"]) == (1, "packing")
    assert fork["run_id"] != "tt-3"
    child = f"fsmnb.engine.live_run({fork['run_id']!r})"
    assert kernel.value(f"{child}.parent") == "'tt-3'"
    # The fork re-entered `packing` with the data of step 1 and ran its code again.
    kernel.execute(f"await {child}.wait(until_idle=True)")
    assert kernel.value(f"({child}.state, {child}.status)") == "('packing', 'waiting')"
    assert kernel.value(f"{child}.data") == "{'items': ['book'], 'packed': True}"
    assert kernel.value("parent.status, parent.steps") == "('done', 2)"  # untouched


def test_a_run_kept_in_memory_says_a_middle_step_has_no_data_and_cannot_fork(kernel):
    kernel.execute(ORDER)
    comm_id = _view(kernel, 'mem = await walk(order.start(run_id="tt-4"))\nmem')

    _slide(kernel, comm_id, 1)
    shown = _shown(kernel, comm_id, lambda s: s.get("snapshot", {}).get("step") == 1)
    kernel.click(comm_id, {"type": "fork", "step": 1})
    refused = _shown(kernel, comm_id, lambda s: "kept no data" in s.get("error", ""))

    assert shown["snapshot"]["state"] == "packing"
    assert shown["snapshot"]["has_data"] is False
    assert 'store="runs.db"' in refused["error"]
    assert refused["forks"] == []
