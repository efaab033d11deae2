"""Supervised agents and the Supervisor: strategies, intensity, escalation, 1,000 random kills."""

from __future__ import annotations

import asyncio
import random
from typing import Any, ClassVar

import pytest

from fsmnb.errors import DefinitionError, EscalationError
from fsmnb.signals import Signal, StateJournal, SupervisedAgent, Supervisor


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Counter(SupervisedAgent):
    """Counts each signal's `n` into its state; awaits inside handling so kills land mid-way."""

    initial_state: ClassVar[dict[str, Any]] = {"total": 0, "seen": []}

    async def handle(self, signal: Signal) -> Any:
        await asyncio.sleep(0)
        self.state["total"] += signal.data["n"]
        await asyncio.sleep(0)  # a kill here must not count the signal twice
        self.state["seen"].append(signal.id)


class Crashy(SupervisedAgent):
    """Crashes on every signal of type `boom`."""

    async def handle(self, signal: Signal) -> Any:
        if signal.type == "boom":
            raise RuntimeError("boom")
        self.state["ok"] = self.state.get("ok", 0) + 1


async def settle(condition: Any, turns: int = 5000) -> None:
    for _ in range(turns):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never became true")


async def test_agent_hooks_and_journaled_state() -> None:
    calls: list[str] = []

    class Hooked(SupervisedAgent):
        def on_init(self) -> None:
            calls.append("init")

        def on_before_action(self, signal: Signal) -> Signal | None:
            return None if signal.type == "drop" else signal

        async def handle(self, signal: Signal) -> str:
            self.state["last"] = signal.type
            return signal.type

        def on_after_action(self, signal: Signal, result: Any) -> None:
            calls.append(f"after:{result}")

    journal = StateJournal()
    agent = Hooked("hooked", journal=journal)
    sup = Supervisor([agent])
    sup.start()
    for t in ("a", "drop", "b"):
        assert agent.tell(Signal(type=t))
    await settle(lambda: agent.processed == 2 and len(agent.mailbox) == 0)
    await sup.stop()
    assert calls == ["init", "after:a", "after:b"]
    assert journal.load("hooked") == {"last": "b"}


async def test_one_for_one_restarts_only_the_crashed_agent_with_its_last_state() -> None:
    crashy, steady = Crashy("crashy"), Counter("steady")
    sup = Supervisor([crashy, steady], max_restarts=5)
    sup.start()
    crashy.tell(Signal(type="ok"))
    await settle(lambda: crashy.processed == 1)
    crashy.tell(Signal(type="boom"))
    crashy.tell(Signal(type="ok"))
    await settle(lambda: sup.restarts >= 1)
    assert steady.restarts == 0 and crashy.restarts >= 1
    assert crashy.state == {"ok": 1}  # restored from the journal
    await sup.stop()


async def test_on_error_can_handle_a_failure_and_roll_the_state_back() -> None:
    class Forgiving(Crashy):
        def on_error(self, signal: Signal, error: BaseException) -> bool:
            return True

    agent = Forgiving("forgiving")
    sup = Supervisor([agent])
    sup.start()
    for t in ("ok", "boom", "ok"):
        agent.tell(Signal(type=t))
    await settle(lambda: agent.processed == 2 and agent.errors == 1)
    await sup.stop()
    assert sup.restarts == 0 and agent.state == {"ok": 2}


@pytest.mark.parametrize(
    ("strategy", "restarted"),
    [("one_for_one", {"b"}), ("one_for_all", {"a", "b", "c"}), ("rest_for_one", {"b", "c"})],
)
async def test_strategies(strategy: str, restarted: set[str]) -> None:
    agents = [Counter(n) for n in "abc"]
    sup = Supervisor(agents, strategy=strategy, max_restarts=5)  # type: ignore[arg-type]
    events: list[tuple[str, str]] = []
    sup.subscribe(lambda e, child, detail: events.append((e, child)))
    sup.start()
    await settle(lambda: all(a.status == "running" for a in agents))
    events.clear()
    assert sup.kill("b")
    await settle(lambda: len([e for e in events if e[0] == "restarted"]) == len(restarted))
    assert {c for e, c in events if e == "restarted"} == restarted
    await settle(lambda: all(a.status == "running" for a in agents))
    await sup.stop()


async def test_exceeding_the_restart_intensity_escalates() -> None:
    clock = FakeClock()
    sup = Supervisor([Counter("a")], max_restarts=2, within=10.0, clock=clock)
    task = sup.start()
    for _ in range(3):
        await settle(lambda: sup.child("a").status == "running")
        sup.kill("a")
        await asyncio.sleep(0)
    with pytest.raises(EscalationError) as caught:
        await task
    assert "3 crashes within 10 s exceed its limit of 2" in str(caught.value)
    assert sup.status == "escalated" and len(caught.value.crashes) == 3


async def test_a_child_supervisor_escalates_to_its_parent() -> None:
    clock = FakeClock()
    inner = Supervisor([Crashy("c")], max_restarts=0, name="inner", clock=clock)
    outer = Supervisor([inner, Counter("other")], max_restarts=3, name="outer", clock=clock)
    outer.start()
    await settle(lambda: inner.status == "running")
    inner.child("c").tell(Signal(type="boom"))
    await settle(lambda: outer.restarts == 1)
    assert outer.crashes[-1][1] == "inner" and "EscalationError" in outer.crashes[-1][2]
    await settle(lambda: inner.status == "running")
    health = outer.health()
    assert [c["name"] for c in health["children"]] == ["inner", "other"]
    await outer.stop()


def test_bad_supervisors_are_refused() -> None:
    with pytest.raises(DefinitionError, match="duplicated: `a`"):
        Supervisor([Counter("a"), Counter("a")])
    with pytest.raises(DefinitionError, match="strategy `any` is unknown"):
        Supervisor([], strategy="any")  # type: ignore[arg-type]


async def test_one_thousand_random_kills_lose_no_acknowledged_signal() -> None:
    rng = random.Random(13)
    clock = FakeClock()
    journal = StateJournal()
    agents = [Counter(f"agent_{i}", journal=journal) for i in range(5)]
    sup = Supervisor(agents, strategy="one_for_one", max_restarts=10, within=1.0, clock=clock)
    task = sup.start()
    sent: dict[str, int] = {a.name: 0 for a in agents}
    acked: dict[str, set[str]] = {a.name: set() for a in agents}
    kills = 0
    while kills < 1000:
        agent = rng.choice(agents)
        for _ in range(rng.randrange(1, 4)):
            s = Signal(type="work", data={"n": 1})
            if agent.tell(s):
                acked[agent.name].add(s.id)
                sent[agent.name] += 1
        for _ in range(rng.randrange(0, 4)):
            await asyncio.sleep(0)
        if sup.kill(rng.choice(agents).name):
            kills += 1
            clock.now += 0.2  # five kills a second: within the limit of ten
        await settle(lambda: all(a.status == "running" for a in agents))
    await settle(lambda: all(len(a.mailbox) == 0 and a._inflight is None for a in agents))
    assert not task.done() and sup.status == "running"
    assert sup.restarts == 1000
    for agent in agents:
        state = journal.load(agent.name)
        assert state["total"] == sent[agent.name]
        assert sorted(state["seen"]) == sorted(acked[agent.name])  # each once, none lost
    # now past the limit: eleven kills inside one window escalate
    for _ in range(11):
        await settle(lambda: all(a.status == "running" for a in agents) or task.done())
        if task.done():
            break
        sup.kill(agents[0].name)
        await asyncio.sleep(0)
    with pytest.raises(EscalationError):
        await task
