"""Leaf effects: success, failure, paths, journaling and telemetry."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from fsmnb import EffectError, Workflow
from fsmnb.effects import (
    Effect,
    call,
    call_llm,
    delay,
    emit,
    get_data,
    invoke_fsm,
    log,
    merge_data,
    put_data,
    register_callable,
    send_event,
    sequence,
    spawn_fsm,
    unregister_callable,
    update_data,
)
from fsmnb.engine import VirtualClock, bus, format_path, handler_for, register_handler
from fsmnb.engine.journal import EffectFinished, LogEntry
from fsmnb.errors import MissingHandlerError, RunError

from .helpers import run_effect, start_effect


async def test_call_sync_and_async_functions() -> None:
    async def double_later(x: int) -> int:
        await asyncio.sleep(0)
        return x * 2

    assert await run_effect(call(lambda a, b=0: a + b, 1, b=2)) == 3
    assert await run_effect(call(double_later, 21)) == 42


async def test_call_by_registered_name_and_unknown_name() -> None:
    register_callable("triple", lambda x: 3 * x)
    try:
        assert await run_effect(call("triple", 5)) == 15
        with pytest.raises(EffectError, match="No callable is registered as `nope`"):
            await run_effect(call("nope"))
    finally:
        unregister_callable("triple")


async def test_call_passes_context_when_asked() -> None:
    def read(ctx: Any, key: str) -> Any:
        return ctx.data[key]

    effect = call(read, "x")
    effect = type(effect)(fn=effect.fn, args=effect.args, kwargs=effect.kwargs, pass_context=True)
    assert await run_effect(effect, x="hello") == "hello"


async def test_failure_is_wrapped_with_path_and_cause() -> None:
    def boom() -> None:
        raise ValueError("card declined")

    with pytest.raises(EffectError) as caught:
        await run_effect(sequence(put_data("a", 1), call(boom)))
    error = caught.value
    assert isinstance(error.__cause__, ValueError)
    assert error.path == "go#0/1/1:call(boom)"
    assert "`call(boom)` failed: ValueError: card declined" in str(error)


async def test_data_effects() -> None:
    result = await run_effect(
        sequence(
            put_data("n", 1),
            update_data("n", lambda n: n + 41),
            merge_data({"a": 1}, b=2),
            get_data("n"),
            get_data("missing", default="dflt"),
        )
    )
    assert result == [1, 42, {"a": 1, "b": 2}, 42, "dflt"]


async def test_delay_uses_the_engine_clock() -> None:
    clock = VirtualClock()
    assert await run_effect(sequence(delay(30), delay(12.5)), clock=clock) == [None, None]
    assert clock.now() == pytest.approx(42.5)
    assert clock.sleeps == [30, 12.5]


async def test_log_goes_to_journal_and_telemetry() -> None:
    seen: list[Any] = []
    unsubscribe = bus.subscribe(seen.append)
    try:
        run = start_effect(log("hello there", level="warning"))
        await run
    finally:
        unsubscribe()
    assert ("warning", "hello there") in [
        (e.level, e.message) for e in run.journal if isinstance(e, LogEntry)
    ]
    assert any(e.kind == "log" and e.data["message"] == "hello there" for e in seen)


async def test_emit_picks_the_event() -> None:
    wf = Workflow("emit_picks")

    @wf.state(initial=True, on={"left": "a", "right": "b"})
    def start(ctx: Any) -> Effect:
        return sequence(put_data("x", 1), emit("right", why="because"))

    wf.final("a", "b")
    result = await wf.run()
    assert result.state == "b"


async def test_missing_handler_names_the_provider() -> None:
    from fsmnb.effects import CallLLM
    from fsmnb.engine import handlers

    saved = handlers._HANDLERS.pop(CallLLM, None)
    try:
        with pytest.raises(MissingHandlerError, match=r"`call_llm`.*Import `fsmnb\.llm`"):
            await run_effect(call_llm("hi"))
    finally:
        if saved is not None:
            handlers._HANDLERS[CallLLM] = saved


async def test_custom_handler_registration() -> None:
    from dataclasses import dataclass
    from typing import ClassVar

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Shout(Effect):
        kind: ClassVar[str] = "shout"
        text: str

    @register_handler(Shout)
    def _shout(effect: Shout, ctx: Any, path: Any) -> str:
        return effect.text.upper()

    assert handler_for(Shout) is _shout
    assert await run_effect(Shout(text="hey")) == "HEY"


async def test_leaf_results_are_journaled_but_inline_data_effects_are_not() -> None:
    run = start_effect(sequence(put_data("a", 1), call(lambda: "side effect")))
    await run
    effects = [e for e in run.journal if isinstance(e, EffectFinished)]
    assert [(format_path(e.path), e.label, e.result) for e in effects] == [
        ("go#0/1/1", "call(<lambda>)", "side effect")
    ]


async def test_invoke_fsm_runs_a_sub_workflow() -> None:
    child = Workflow("child_for_invoke")

    @child.state(initial=True, on={"ok": "done"})
    def work(ctx: Any) -> str:
        ctx.data["y"] = ctx.data["x"] * 10
        return "ok"

    child.final("done")
    result = await run_effect(invoke_fsm("child_for_invoke", x=4))
    assert result.state == "done" and result.data["y"] == 40


async def test_spawn_and_send_event_between_runs() -> None:
    waiter = Workflow("waiter_for_spawn")
    waiter.add_state("wait", initial=True, on={"go": "done"})
    waiter.final("done")
    run_id = await run_effect(spawn_fsm(waiter))
    from fsmnb.engine import live_run

    child = live_run(run_id)
    assert child is not None
    await asyncio.sleep(0)
    assert child.state == "wait"
    assert await run_effect(send_event(run_id, "go")) == "done"
    assert (await child).state == "done"


async def test_send_event_to_unknown_run_is_a_clear_error() -> None:
    with pytest.raises(RunError, match="No live run `nope`"):
        await run_effect(send_event("nope", "go"))


async def test_effect_telemetry_reports_durations() -> None:
    seen: list[Any] = []
    unsubscribe = bus.subscribe(seen.append)
    try:
        await run_effect(call(lambda: 1))
    finally:
        unsubscribe()
    kinds = [e.kind for e in seen if e.kind.startswith("effect")]
    assert kinds == ["effect_started", "effect_finished"]
    finished = next(e for e in seen if e.kind == "effect_finished")
    assert finished.duration is not None and finished.duration >= 0
    assert finished.name == "call(<lambda>)"
