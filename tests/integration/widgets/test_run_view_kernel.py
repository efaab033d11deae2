"""RunView in a real kernel: what reaches the front end over the widget comm."""

from __future__ import annotations

from typing import Any

RUN_VIEW = "fsmnb.widgets.run_view.RunView"

STEPS = """
steps = Workflow("steps", register=False)

@steps.state(initial=True, on={"next": "middle"})
async def first(ctx):
    await asyncio.sleep(0.15)
    return "next"

@steps.state(on={"next": "last"})
async def middle(ctx):
    await asyncio.sleep(0.15)
    ctx.data["seen"] = True
    return "next"

steps.final("last")
"""


def _view_comm(kernel: Any, msgs: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """The comm id and initial state of the RunView opened by these messages."""
    opened = [
        m
        for m in msgs
        if m["msg_type"] == "comm_open"
        and m["content"]["data"]["state"].get("_anywidget_id") == RUN_VIEW
    ]
    assert len(opened) == 1, [m["msg_type"] for m in msgs]
    return opened[0]["content"]["comm_id"], opened[0]["content"]["data"]["state"]


def test_displaying_a_run_shows_a_live_view_with_a_static_fallback(kernel):
    kernel.execute(STEPS)
    msgs = kernel.execute("run = steps.start()\nrun")
    comm_id, state = _view_comm(kernel, msgs)
    assert state["workflow"] == "steps"
    assert 'id="state&#45;middle"' in state["svg"] or 'id="state-middle"' in state["svg"]
    assert state["state"] == "first" and state["status"] == "running"
    # A display (not an execute_result) so that it can be updated when the run ends.
    assert not [m for m in msgs if m["msg_type"] == "execute_result"]
    (shown,) = [m for m in msgs if m["msg_type"] == "display_data"]
    data = shown["content"]["data"]
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == comm_id
    assert data["text/plain"] == "<Run of 'steps': running in 'first'>"  # stable for nbval
    assert "<svg" in data["text/html"]  # what a viewer without the kernel shows
    display_id = shown["content"]["transient"]["display_id"]

    # After the cell in which the run ends, the same output gets the final drawing: nbconvert
    # and GitHub show it.
    msgs = kernel.execute("await run")
    (update,) = [
        m
        for m in msgs
        if m["msg_type"] == "update_display_data"
        and m["content"]["transient"]["display_id"] == display_id
    ]
    final = update["content"]["data"]
    assert final["text/plain"] == "<Run of 'steps': done in 'last'>"
    assert ">done</span> in state <b>last</b>" in final["text/html"]
    assert final["application/vnd.jupyter.widget-view+json"]["model_id"] == comm_id


def test_a_run_displayed_after_it_ended_is_shown_once_as_it_ended(kernel):
    msgs = kernel.execute("ended = steps.start()\nawait ended\nended")
    (shown,) = [m for m in msgs if m["msg_type"] == "display_data"]
    assert shown["content"]["data"]["text/plain"] == "<Run of 'steps': done in 'last'>"
    kernel.drain(0.3)
    display_id = shown["content"]["transient"]["display_id"]
    assert not [
        m
        for m in kernel.messages
        if m["msg_type"] == "update_display_data"
        and m["content"]["transient"]["display_id"] == display_id
    ]


def test_state_changes_arrive_after_the_cell_has_finished(kernel):
    msgs = kernel.execute("run = steps.start()\nrun")
    comm_id, _ = _view_comm(kernel, msgs)
    # The cell is over; the run goes on, and so do the updates.
    kernel.wait_for(
        lambda m: (
            m["msg_type"] == "comm_msg"
            and m["content"]["comm_id"] == comm_id
            and m["content"]["data"].get("state", {}).get("status") == "done"
        )
    )
    updates = kernel.updates(comm_id)
    states = [u["state"] for u in updates if "state" in u]
    assert states == ["middle", "last"]
    final = kernel.latest(comm_id)
    assert final["visits"] == {"first": 1, "middle": 1, "last": 1}
    assert final["steps"] == 2
    assert final["data"] == {"seen": True}
    assert final["allowed_events"] == []
    assert [row["text"] for row in final["timeline"] if row["kind"] == "transition"] == [
        "first --next--> middle",
        "middle --next--> last",
    ]


def test_coalescing_caps_the_messages_of_a_fast_run(kernel):
    kernel.execute(
        """
        spin = Workflow("spin", register=False)

        @spin.state(initial=True, on={"again": "spinning", "stop": "stopped"})
        async def spinning(ctx):
            await asyncio.sleep(0)  # yield to the loop, so the flush timer can fire mid-run
            ctx.data["n"] = ctx.data.get("n", 0) + 1
            return "again" if ctx.data["n"] < 3000 else "stop"

        spin.final("stopped")
        """
    )
    msgs = kernel.execute("fast = spin.start()\ndisplay(fast)\nawait fast")
    comm_id, _ = _view_comm(kernel, msgs)
    kernel.wait_for(
        lambda m: (
            m["msg_type"] == "comm_msg"
            and m["content"]["comm_id"] == comm_id
            and m["content"]["data"].get("state", {}).get("status") == "done"
        )
    )
    kernel.drain(0.3)
    updates = kernel.updates(comm_id)
    final = kernel.latest(comm_id)
    assert final["status"] == "done"
    assert final["visits"] == {"spinning": 3000, "stopped": 1}
    assert final["steps"] == 3000
    assert len(final["timeline"]) == 100  # only the latest rows travel
    # 3000 transitions, a handful of messages: at most one per 1/30 s of run time, not per event.
    assert 1 <= len(updates) < 100
    flushes = int(kernel.value("fsmnb._jupyter.run_view(fast).flushes"))
    assert flushes == len(updates)


def test_an_event_button_drives_a_waiting_run(kernel):
    kernel.execute(
        """
        review = Workflow("review", register=False)

        @review.state(initial=True, on={"approve": "approved", "reject": "rejected"})
        def waiting(ctx):
            return None  # wait for a person

        review.final("approved", "rejected")
        """
    )
    msgs = kernel.execute("pending = review.start()\npending")
    comm_id, _ = _view_comm(kernel, msgs)
    kernel.wait_for(
        lambda m: (
            m["msg_type"] == "comm_msg"
            and m["content"]["comm_id"] == comm_id
            and m["content"]["data"].get("state", {}).get("status") == "waiting"
        )
    )
    final = kernel.latest(comm_id)
    assert sorted(final["allowed_events"]) == ["approve", "reject"]

    kernel.click(comm_id, {"type": "send", "event": "nonsense"})
    kernel.wait_for(
        lambda m: (
            m["msg_type"] == "comm_msg"
            and "no transition for event `nonsense`"
            in m["content"]["data"].get("state", {}).get("error", "")
        )
    )
    assert kernel.value("pending.state") == "'waiting'"

    kernel.click(comm_id, {"type": "send", "event": "approve"})
    kernel.wait_for(
        lambda m: (
            m["msg_type"] == "comm_msg"
            and m["content"]["comm_id"] == comm_id
            and m["content"]["data"].get("state", {}).get("status") == "done"
        )
    )
    assert kernel.value("pending.state") == "'approved'"
    final = kernel.latest(comm_id)
    assert final["state"] == "approved" and final["error"] == ""


def test_the_cancel_button_cancels_the_run(kernel):
    msgs = kernel.execute("other = review.start()\nother")
    comm_id, _ = _view_comm(kernel, msgs)
    kernel.click(comm_id, {"type": "cancel"})
    kernel.wait_for(
        lambda m: (
            m["msg_type"] == "comm_msg"
            and m["content"]["comm_id"] == comm_id
            and m["content"]["data"].get("state", {}).get("status") == "cancelled"
        )
    )
    assert kernel.value("other.status") == "'cancelled'"
