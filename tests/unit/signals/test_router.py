"""The router: patterns, priorities, conditions, schemas, dead letters, targets, journal."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import BaseModel

from fsmnb import Workflow
from fsmnb.errors import DefinitionError, SignalError
from fsmnb.signals import Action, ActionContext, Router, Signal, SignalJournal
from fsmnb.signals.patterns import PatternTrie


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        ("a.b.c", ["a.b.c"], ["a.b", "a.b.c.d", "a.x.c"]),
        ("a.*.c", ["a.b.c", "a.x.c"], ["a.c", "a.b.b.c"]),
        ("a.**", ["a", "a.b", "a.b.c.d"], ["b.a"]),
        ("**.metrics", ["metrics", "db.metrics", "a.b.metrics"], ["db.metrics.x"]),
        ("a.**.z", ["a.z", "a.b.z", "a.b.c.z"], ["a.b.c"]),
        ("*.health.*", ["system.health.ok"], ["health.ok", "a.b.health.ok"]),
    ],
)
def test_patterns(pattern: str, matches: list[str], misses: list[str]) -> None:
    trie: PatternTrie[str] = PatternTrie()
    trie.add(pattern, pattern)
    for t in matches:
        assert trie.match(t) == [pattern], t
    for t in misses:
        assert trie.match(t) == [], t


def test_removing_a_pattern_prunes_it_and_clears_the_cache() -> None:
    trie: PatternTrie[str] = PatternTrie()
    trie.add("a.*", "x")
    assert trie.match("a.b") == ["x"]
    assert trie.remove("a.*", "x") and not trie.remove("a.*", "x")
    assert trie.match("a.b") == [] and len(trie) == 0


@pytest.mark.parametrize("bad", ["", "a..b", "a.b c", "a.***", "a.*x"])
def test_bad_patterns_are_refused_with_the_fix(bad: str) -> None:
    with pytest.raises(DefinitionError, match="A pattern is dotted segments"):
        Router().route(bad, print)


def test_priorities_conditions_and_dead_letters() -> None:
    router = Router()
    seen: list[str] = []
    router.route("load.*", lambda s: seen.append("low"), priority=1)
    router.route("load.high", lambda s: seen.append("high"), priority=100)
    router.route("load.**", lambda s: seen.append("when"), when=lambda s: s.data["v"] > 0.8)
    assert router.publish(Signal(type="load.high", data={"v": 0.9})) == 3
    assert seen == ["high", "low", "when"]
    assert router.publish(Signal(type="nothing.here")) == 0
    assert router.dead_letters[-1].reason == "no route matches `nothing.here`"


def test_a_handler_that_raises_is_dead_lettered_and_others_still_get_the_signal() -> None:
    router = Router()
    got: list[Signal] = []

    def broken(signal: Signal) -> None:
        raise RuntimeError("boom")

    router.route("x", broken, priority=10)
    router.route("x", got.append)
    assert router.publish(Signal(type="x")) == 1
    assert len(got) == 1
    letter = router.dead_letters[-1]
    assert letter.reason == "RuntimeError: boom" and letter.route is not None


async def test_a_hanging_async_handler_times_out_without_stalling_the_router() -> None:
    router = Router()
    got: list[str] = []

    async def hangs(signal: Signal) -> None:
        await asyncio.sleep(60)

    router.route("x", hangs, timeout=0.01)
    router.route("x", lambda s: got.append(s.id))
    router.publish(Signal(type="x", id="1"))
    router.publish(Signal(type="x", id="2"))
    assert got == ["1", "2"] and router.in_flight == 2
    await router.drain()
    assert [d.reason for d in router.dead_letters] == ["delivery timed out after 0.01 s"] * 2


def test_signals_that_are_not_cloudevents_are_refused_at_the_edge() -> None:
    router = Router()
    with pytest.raises(SignalError) as caught:
        router.publish({"source": "x", "specversion": "0.3", "Bad-Key": 1})
    text = str(caught.value)
    assert "`type` is required" in text and "`specversion`" in text and "`Bad-Key`" in text
    assert router.dead_letters[-1].signal is None and "Bad-Key" in (
        router.dead_letters[-1].raw or ""
    )
    with pytest.raises(SignalError, match="JSON object"):
        router.publish("[1, 2")


class Reading(BaseModel):
    cpu: float


def test_data_failing_the_route_schema_is_dead_lettered_with_the_field() -> None:
    router = Router()
    got: list[Signal] = []
    router.route("system.health.*", got.append, schema=Reading)
    router.publish(Signal(type="system.health.ok", data={"cpu": "high"}))
    assert got == [] and "`data.cpu`" in router.dead_letters[-1].reason


class Double(Action, register=False):
    """Double x."""

    class Params(BaseModel):
        x: int

    def run(self, params: Any, ctx: ActionContext) -> dict[str, int]:
        return {"y": params.x * 2}


class AsyncDouble(Double, register=False):
    """Double x, asynchronously."""

    async def run(self, params: Any, ctx: ActionContext) -> dict[str, int]:  # type: ignore[override]
        await asyncio.sleep(0)
        return {"y": params.x * 2}


async def test_action_routes_reply_with_the_result() -> None:
    router = Router()
    replies: list[Signal] = []
    router.route("calc.double", action=Double, reply="calc.doubled")
    router.route("calc.double_later", action=AsyncDouble, reply="calc.doubled")
    router.route("calc.doubled", replies.append)
    router.publish(Signal(type="calc.double", data={"x": 2}, subject="job-1"))
    router.publish(Signal(type="calc.double_later", data={"x": 5}))
    await router.drain()
    assert [r.data for r in replies] == [{"y": 4}, {"y": 10}]
    assert replies[0].subject == "job-1" and replies[0].model_extra == {
        "causationid": replies[0].causationid
    }
    router.publish(Signal(type="calc.double", data={"x": "two"}))
    assert "ParamsError" in router.dead_letters[-1].reason


async def test_a_reply_loop_is_cut_and_dead_lettered() -> None:
    router = Router()
    router.route("ping", lambda s: router.publish(Signal(type="ping")))
    router.publish(Signal(type="ping"))
    assert "nest deeper than" in router.dead_letters[-1].reason


async def test_signals_become_events_on_a_run() -> None:
    wf = Workflow("signal_target", register=False)
    wf.add_state("waiting", None, initial=True, on={"approved": "done"})
    wf.final("done")
    run = wf.start()
    await run.wait(until_idle=True)
    router = Router()
    router.route("review.*", run=run)
    router.publish(Signal(type="review.rejected"))
    assert "TransitionError" in router.dead_letters[-1].reason
    router.publish(Signal(type="review.approved", data={"by": "ann"}))
    result = await run
    assert result.status == "done"


def test_the_journal_replays_into_another_router(tmp_path: Any) -> None:
    path = tmp_path / "signals.jsonl"
    journal = SignalJournal(limit=10, path=path)
    first = Router(journal=journal)
    first.route("**", lambda s: None)
    for i in range(3):
        first.emit(f"e.n{i}", {"i": i})
    journal.close()
    loaded = SignalJournal.load(path)
    got: list[str] = []
    second = Router()
    second.route("e.*", lambda s: got.append(s.type))
    assert loaded.replay(second, since=1) == 2
    assert got == ["e.n1", "e.n2"] and len(journal.since(0)) == 3
