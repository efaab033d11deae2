"""Runs: action forms, external events, preemption, guards, hooks, errors, cancellation, history."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Generator
from typing import Any

import pytest

from fsmnb import CancelledRun, Event, InputError, RunError, TransitionError, Workflow
from fsmnb.effects import Effect, call, delay, emit, put_data, sequence, with_compensation
from fsmnb.engine import bus
from fsmnb.engine.journal import RunFinished, Transition


def approval() -> Workflow:
    wf = Workflow("approval")

    @wf.state(initial=True, on={"submit": "review"})
    def draft(ctx: Any) -> None:
        ctx.data.setdefault("revisions", 0)

    @wf.state(on={"approve": "published", "reject": "draft"})
    def review(ctx: Any) -> None:
        return None

    wf.final("published")
    return wf


async def test_every_action_form() -> None:
    wf = Workflow("forms")

    @wf.state(initial=True, on={"next": "asynchronous"})
    def synchronous(ctx: Any) -> str:
        ctx.data["trail"] = ["sync"]
        return "next"

    @wf.state(on={"next": "effectful"})
    async def asynchronous(ctx: Any) -> Event:
        ctx.data["trail"].append(await ctx.run(call(lambda: "async")))
        return Event("next", {"n": 1})

    @wf.state(on={"next": "generator"})
    def effectful(ctx: Any) -> Effect:
        assert ctx.payload == {"n": 1}
        return sequence(call(ctx.data["trail"].append, "effect"), emit("next"))

    @wf.state(on={"next": "async_generator"})
    def generator(ctx: Any) -> Generator[Effect, Any, str]:
        value = yield call(lambda: "gen")
        ctx.data["trail"].append(value)
        return "next"

    @wf.state(on={"next": "done"})
    async def async_generator(ctx: Any) -> AsyncIterator[Any]:
        value = yield call(lambda: "agen")
        ctx.data["trail"].append(value)
        yield "next"

    wf.final("done")
    result = await wf.run()
    assert result.state == "done" and result.status == "done"
    assert result.data["trail"] == ["sync", "async", "effect", "gen", "agen"]


async def test_generator_receives_failures_and_may_recover() -> None:
    wf = Workflow("recovering_generator")

    def boom() -> None:
        raise ValueError("first try")

    @wf.state(initial=True, on={"ok": "done"})
    def work(ctx: Any) -> Generator[Effect, Any, str]:
        try:
            yield call(boom)
        except Exception as exc:  # the effect's EffectError is thrown into the generator
            ctx.data["caught"] = type(exc).__name__
        yield put_data("after", True)
        return "ok"

    wf.final("done")
    result = await wf.run()
    assert result.data == {"caught": "EffectError", "after": True}


async def test_human_in_the_loop_send_and_refusal() -> None:
    run = approval().start()
    await asyncio.sleep(0)
    assert run.status == "waiting" and run.state == "draft"
    assert run.send("submit") == "review"
    with pytest.raises(TransitionError) as refused:
        run.send("publish")
    assert refused.value.allowed == ("approve", "reject")
    assert "It accepts: `approve`, `reject`" in str(refused.value)
    assert run.send("reject") == "draft"
    await asyncio.sleep(0)
    run.send("submit")
    run.send("approve", by="ann")
    result = await run
    assert result.state == "published"
    transitions = [
        (e.source, e.event, e.target, e.payload) for e in run.journal if isinstance(e, Transition)
    ]
    assert transitions == [
        ("draft", "submit", "review", None),
        ("review", "reject", "draft", None),
        ("draft", "submit", "review", None),
        ("review", "approve", "published", {"by": "ann"}),
    ]
    with pytest.raises(RunError, match="has ended"):
        run.send("submit")


async def test_run_waiting_is_reported_by_run() -> None:
    with pytest.raises(RunError, match=r"waiting in state `draft` for one of `submit`"):
        await approval().run()


async def test_external_event_preempts_a_busy_state_and_cancels_its_effects() -> None:
    wf = Workflow("preempt")
    undone: list[str] = []

    @wf.state(initial=True, on={"finished": "done", "abort": "aborted"})
    def working(ctx: Any) -> Effect:
        return sequence(with_compensation(delay(60), call(undone.append, "undo")), emit("finished"))

    wf.final("done", "aborted")
    run = wf.start()
    await asyncio.sleep(0.01)
    assert run.send("abort") == "aborted"
    result = await run
    assert result.state == "aborted"
    assert undone == ["undo"]


async def test_guards_pick_the_target() -> None:
    wf = Workflow("guarded")

    @wf.guard
    def is_big(ctx: Any) -> bool:
        return bool(ctx.payload.get("amount", 0) > 100)

    wf.add_state(
        "start", initial=True, on={"order": [("manual_review", "is_big"), "auto_approved"]}
    )
    wf.final("manual_review", "auto_approved")
    small, big = wf.start(), wf.start()
    await asyncio.sleep(0)
    assert small.send("order", amount=5) == "auto_approved"
    assert big.send("order", amount=500) == "manual_review"


async def test_guard_refusal_without_alternative() -> None:
    wf = Workflow("strict_guard")
    wf.add_state("start", initial=True, on={"go": ("done", lambda ctx: False)})
    wf.final("done")
    run = wf.start()
    await asyncio.sleep(0)
    with pytest.raises(TransitionError, match="refused by every guard"):
        run.send("go")


async def test_hooks_run_on_enter_and_exit_in_order() -> None:
    wf = Workflow("hooks")
    trail: list[str] = []

    @wf.state(initial=True, on={"go": "second"}, on_exit=lambda ctx: trail.append("exit first"))
    def first(ctx: Any) -> str:
        trail.append("first")
        return "go"

    @wf.state(on={"go": "done"}, on_enter=lambda ctx: trail.append("enter second"))
    async def second(ctx: Any) -> str:
        trail.append("second")
        return "go"

    wf.final("done")
    await wf.run()
    assert trail == ["first", "exit first", "enter second", "second"]


async def test_validators_refuse_bad_input() -> None:
    wf = approval()

    @wf.validator
    def needs_title(data: dict[str, Any]) -> str | None:
        return None if data.get("title") else "a `title` is required"

    with pytest.raises(InputError, match="a `title` is required"):
        wf.start()
    assert wf.start(title="ok").state == "draft"


async def test_failing_action_fails_the_run_with_the_cause() -> None:
    wf = Workflow("failing")

    @wf.state(initial=True, on={"never": "done"})
    def explode(ctx: Any) -> str:
        raise KeyError("missing")

    wf.final("done")
    run = wf.start()
    with pytest.raises(RunError, match="State `explode` of workflow `failing` raised KeyError"):
        await run
    assert run.status == "failed" and isinstance(run.error.__cause__, KeyError)  # type: ignore[union-attr]


async def test_error_event_routes_failures() -> None:
    wf = Workflow("error_route")

    @wf.state(initial=True, on={"ok": "done", "error": "recovering"})
    def risky(ctx: Any) -> str:
        raise ValueError("flaky")

    @wf.state(on={"ok": "done"})
    def recovering(ctx: Any) -> str:
        ctx.data["recovered_from"] = ctx.payload["type"]
        return "ok"

    wf.final("done")
    result = await wf.run()
    assert result.data["recovered_from"] == "ValueError"


async def test_action_returning_unknown_event_fails_clearly() -> None:
    wf = Workflow("bad_event")
    wf.add_state("start", lambda ctx: "typo", initial=True, on={"go": "done"})
    wf.final("done")
    with pytest.raises(TransitionError, match="no transition for event `typo`"):
        await wf.run()


async def test_action_returning_garbage_fails_clearly() -> None:
    wf = Workflow("garbage")
    wf.add_state("start", lambda ctx: 42, initial=True, on={"go": "done"})
    wf.final("done")
    with pytest.raises(RunError, match="returned int `42`"):
        await wf.run()


async def test_cancel_a_running_run() -> None:
    wf = Workflow("slow")
    wf.add_state("sleeping", lambda ctx: delay(60), initial=True, on={"woke": "done"})
    wf.final("done")
    run = wf.start()
    await asyncio.sleep(0.01)
    run.cancel()
    with pytest.raises(CancelledRun):
        await run
    last = run.journal[-1]
    assert run.status == "cancelled" and isinstance(last, RunFinished)
    assert last.status == "cancelled"


async def test_cancelling_the_awaiter_cancels_the_run() -> None:
    wf = Workflow("interrupted")
    wf.add_state("sleeping", lambda ctx: delay(60), initial=True, on={"woke": "done"})
    wf.final("done")
    run = wf.start()
    waiter = asyncio.ensure_future(run.wait())
    await asyncio.sleep(0.01)
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
    await asyncio.sleep(0)
    assert run.status == "cancelled"


async def test_history_frame_has_transitions_and_effects() -> None:
    wf = Workflow("history")
    wf.add_state(
        "a", lambda ctx: sequence(call(lambda: 5), emit("go")), initial=True, on={"go": "b"}
    )
    wf.final("b")
    run = wf.start(x=1)
    await run
    frame = run.history
    assert list(frame["kind"]) == ["started", "effect", "transition", "finished"]
    assert frame.iloc[1]["detail"] == 5 and frame.iloc[1]["duration_ms"] >= 0
    assert frame.iloc[2][["state", "name", "target"]].tolist() == ["a", "go", "b"]
    assert run.visits == {"a": 1, "b": 1}


async def test_telemetry_sees_transitions() -> None:
    seen: list[Any] = []
    run = approval().start()
    unsubscribe = run.subscribe(seen.append)
    await asyncio.sleep(0)
    run.send("submit")
    unsubscribe()
    run.send("approve")
    transitions = [(e.name, e.data["target"]) for e in seen if e.kind == "transition"]
    assert transitions == [("submit", "review")], [e.kind for e in seen]


async def test_start_needs_a_running_loop_message() -> None:
    def outside() -> None:
        approval().start()

    with pytest.raises(RunError, match="needs a running event loop"):
        await asyncio.get_running_loop().run_in_executor(None, outside)


def test_run_sync_inside_a_running_loop_uses_nest_asyncio() -> None:
    # nest_asyncio patches asyncio for the whole process, so this runs in its own interpreter.
    script = textwrap.dedent(
        """
        import asyncio, sys
        from fsmnb import Workflow
        wf = Workflow("sync_in_loop")
        wf.add_state("a", lambda ctx: "go", initial=True, on={"go": "b"})
        wf.final("b")
        async def cell():
            assert "nest_asyncio" not in sys.modules  # applied at the call, never at import
            return wf.run_sync().state
        print(asyncio.run(cell()))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "b"


def test_run_sync_in_a_script() -> None:
    script = textwrap.dedent(
        """
        from fsmnb import Workflow
        from fsmnb.effects import call, emit, sequence
        wf = Workflow("script")
        wf.add_state("a", lambda ctx: sequence(call(lambda: 1), emit("go")), initial=True, on={"go": "b"})
        wf.final("b")
        print(wf.run_sync(x=1).state)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "b"


async def test_global_bus_is_quiet_without_listeners() -> None:
    assert bus.active is False


async def test_payload_of_an_event_sent_before_the_run_began_reaches_the_next_state() -> None:
    wf = Workflow("early_payload")
    wf.add_state("a", initial=True, on={"go": "b"})

    @wf.state(on={"ok": "c"})
    def b(ctx: Any) -> str:
        ctx.data["got"] = dict(ctx.payload)
        ctx.data["event"] = ctx.event
        return "ok"

    wf.final("c")
    run = wf.start()
    run.send("go", x=1)
    assert (await run).data == {"got": {"x": 1}, "event": "go"}
