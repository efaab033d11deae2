"""fsmnb through its public API: `Workflow`, `Manager`, `fsmnb.effects`, `fsmnb.engine.interpret`."""

from __future__ import annotations

import itertools
from typing import Any

from harness import Timed, alloc_per_item, timed_once

from fsmnb import Manager, Workflow
from fsmnb.effects import delay, emit, parallel, put_data, sequence
from fsmnb.engine import interpret
from sides import Measured

NAME = "fsmnb"
DIST = "fsmnb"

STATES = [f"s{k}" for k in range(10)]


def next_event(ctx: Any) -> str:
    return "next"


async def next_event_async(ctx: Any) -> str:
    return "next"


def linear(name: str, action: Any) -> Workflow:
    """Ten states, each running `action`, then `done`: ten transitions per run."""
    wf = Workflow(name)
    for a, b in zip(STATES, [*STATES[1:], "done"], strict=True):
        wf.add_state(a, action, on={"next": b})
    wf.final("done")
    return wf.check()


def _countdown(ctx: Any) -> str:
    ctx.data["left"] -= 1
    return "next" if ctx.data["left"] else "stop"


def cycling() -> Workflow:
    """Ten sync states in a cycle; the last one leaves after `left` rounds."""
    wf = Workflow("bench_cycle")
    for a, b in itertools.pairwise(STATES):
        wf.add_state(a, next_event, on={"next": b})
    wf.add_state(STATES[-1], _countdown, on={"next": STATES[0], "stop": "done"})
    wf.final("done")
    return wf.check()


def passive_cycle() -> Workflow:
    """Ten states that run no code, in a cycle (`next`), with a way out from `s0` (`stop`)."""
    wf = Workflow("bench_passive")
    for a, b in zip(STATES, [*STATES[1:], STATES[0]], strict=True):
        wf.add_state(a, None, on={"next": b, "stop": "done"} if a == "s0" else {"next": b})
    wf.final("done")
    return wf.check()


def toggle() -> Workflow:
    """Two waiting states an event moves between; `stop` ends it."""
    wf = Workflow("bench_toggle")
    wf.add_state("a", None, on={"toggle": "b"})
    wf.add_state("b", None, on={"toggle": "a", "stop": "done"})
    wf.final("done")
    return wf.check()


def sync_step() -> list[Measured]:
    wf = linear("bench_sync", next_event)

    async def runs(n: int) -> None:
        for _ in range(n):
            await wf.run()

    rounds = 100
    loop = cycling()

    async def long_runs(n: int) -> None:
        for _ in range(n):
            await loop.run(left=rounds)

    manager = Manager([passive_cycle()])
    rid = manager.create("bench_passive")
    send = manager.send

    def sends(n: int) -> None:
        for _ in range(n):
            send(rid, "next")

    return [
        Measured(
            "`await wf.run()`, 10 sync states (per transition)",
            Timed(runs, ops_per_call=10, is_async=True),
        ),
        Measured(
            "one run cycling 10 sync states, 1,000 transitions",
            Timed(long_runs, ops_per_call=10 * rounds, is_async=True),
            note="per-transition cost without the run's start and end",
        ),
        Measured("`Manager.send` between states that run no code", Timed(sends)),
    ]


def async_step() -> list[Measured]:
    wf = linear("bench_async", next_event_async)

    async def runs(n: int) -> None:
        for _ in range(n):
            await wf.run()

    return [
        Measured(
            "`await wf.run()`, 10 async states (per transition)",
            Timed(runs, ops_per_call=10, is_async=True),
        )
    ]


PUT = put_data("k", 1)


async def _interpret_loop(ctx: Any) -> str:
    effect = PUT
    for _ in range(ctx.data["n"]):
        await interpret(effect, ctx)
    return "done"


async def _ctx_run_loop(ctx: Any) -> str:
    effect = PUT
    for _ in range(ctx.data["n"]):
        await ctx.run(effect)
    return "done"


SEQUENCE = sequence(*(put_data(f"k{i}", i) for i in range(1000)), emit("done"))


def _return_sequence(ctx: Any) -> Any:
    return SEQUENCE


def _one_state(name: str, action: Any) -> Workflow:
    wf = Workflow(name)
    wf.add_state("work", action, on={"done": "end"})
    wf.final("end")
    return wf.check()


def data_effects() -> list[Measured]:
    rows = []
    per_run = 1000
    for name, action, what in (
        ("bench_interpret", _interpret_loop, "`await interpret(put_data(k, v), ctx)` in an action"),
        ("bench_ctx_run", _ctx_run_loop, "`await ctx.run(put_data(k, v))` in an action"),
    ):
        wf = _one_state(name, action)

        async def runs(n: int, wf: Workflow = wf) -> None:
            await wf.run(n=n * per_run)

        rows.append(Measured(what, Timed(runs, ops_per_call=per_run, is_async=True)))
    seq = _one_state("bench_sequence", _return_sequence)

    async def seq_runs(n: int) -> None:
        for _ in range(n):
            await seq.run()

    rows.append(
        Measured(
            "a sync action returning `sequence(1,000 × put_data, emit)`",
            Timed(seq_runs, ops_per_call=1001, is_async=True),
            note="includes the run's start and end, over 1,001 effects",
        )
    )
    return rows


FAN = sequence(parallel(*[delay(0.01)] * 100), emit("done"))


def fanout() -> list[Measured]:
    wf = _one_state("bench_fanout", lambda ctx: FAN)

    async def once() -> None:
        result = await wf.run()
        assert result.state == "end"

    return [
        Measured("`parallel(*[delay(0.01)] * 100)` in a state, via `wf.run()`", timed_once(once))
    ]


def idle(count: int, budget_s: float) -> list[Measured]:
    wf = toggle()
    n = count  # creating 10,000 takes well under a second: no need to fit a time budget

    def make(k: int) -> Manager:
        manager = Manager([wf])
        create = manager.create
        for _ in range(k):
            create("bench_toggle")
        return manager

    return [
        Measured(
            "`Manager.create` waiting in a passive state, no data",
            bytes_each=alloc_per_item(make, n),
            count=n,
            note="includes the instance's journal (its `started` entry) and the id",
        )
    ]


def events() -> list[Measured]:
    manager = Manager([toggle()])
    ids = [manager.create("bench_toggle") for _ in range(10_000)]
    specs = [(rid, "toggle") for rid in ids]
    send_many = manager.send_many
    send = manager.send

    def many(n: int) -> None:
        for _ in range(n):
            send_many(specs)

    def one_by_one(n: int) -> None:
        for _ in range(n):
            for rid in ids:
                send(rid, "toggle")

    return [
        Measured(
            "`Manager.send_many` over 10,000 idle instances", Timed(many, ops_per_call=len(specs))
        ),
        Measured(
            "`Manager.send` in a loop, same instances", Timed(one_by_one, ops_per_call=len(ids))
        ),
    ]


def new_run() -> list[Measured]:
    wf = linear("bench_new_run", next_event)

    async def runs(n: int) -> None:
        for _ in range(n):
            await wf.run()

    return [
        Measured(
            "`await wf.run()`: a new run through 10 sync states",
            Timed(runs, ops_per_call=10, is_async=True),
        )
    ]


def _with_code(ctx: Any) -> None:
    ctx.data["i"] = ctx.data.get("i", 0) + 1


def triggers() -> list[Measured]:
    manager = Manager([passive_cycle()])
    rid = manager.create("bench_passive")
    send = manager.send

    def sends(n: int) -> None:
        for _ in range(n):
            send(rid, "next")

    return [Measured("`Manager.send`, states with no code", Timed(sends))]


def run_sync() -> list[Measured]:
    wf = linear("bench_run_sync", next_event)

    def sync_runs(n: int) -> None:
        for _ in range(n):
            wf.run_sync()

    async def runs(n: int) -> None:
        for _ in range(n):
            await wf.run()

    return [
        Measured("`wf.run_sync()` from sync code", Timed(sync_runs, ops_per_call=10)),
        Measured("`await wf.run()` on a running loop", Timed(runs, ops_per_call=10, is_async=True)),
    ]


def memory(count: int = 2000) -> list[Measured]:
    wf = toggle()
    rows = []
    for events in (0, 2, 200, 2000):
        n = count if events < 2000 else count // 4

        def make(k: int, events: int = events) -> Manager:
            manager = Manager([wf])
            ids = [manager.create("bench_toggle") for _ in range(k)]
            specs = [(rid, "toggle") for rid in ids]
            for _ in range(events):
                manager.send_many(specs)
            return manager

        rows.append(
            Measured(
                f"after {events:,} events",
                bytes_each=alloc_per_item(make, n),
                count=n,
                note="the instance, its id and its (empty) data; default `history=0`",
            )
        )
    return rows
