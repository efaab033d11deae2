"""Burr: an `Application` over a shared graph of 10 actions, stepped with `step()`/`astep()`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from burr.core import ApplicationBuilder, GraphBuilder, State, action
from burr.core.parallelism import MapStates
from harness import Timed, alloc_per_item, timed_once

from sides import Measured, fit_count

NAME = "Burr"
DIST = "burr"

STATES = [f"s{k}" for k in range(10)]
CYCLE = list(zip(STATES, [*STATES[1:], STATES[0]], strict=True))


def _sync_action() -> Any:
    @action(reads=["i"], writes=["i"])
    def step(state: State) -> State:
        return state.update(i=state["i"] + 1)

    return step


def _async_action() -> Any:
    @action(reads=["i"], writes=["i"])
    async def step(state: State) -> State:
        return state.update(i=state["i"] + 1)

    return step


def _graph(make_action: Any) -> Any:
    """A cycle of 10 actions, built once and shared by every application."""
    return (
        GraphBuilder()
        .with_actions(**{name: make_action() for name in STATES})
        .with_transitions(*CYCLE)
        .build()
    )


def _app(graph: Any) -> Any:
    return ApplicationBuilder().with_graph(graph).with_state(i=0).with_entrypoint("s0").build()


def sync_step() -> list[Measured]:
    step = _app(_graph(_sync_action)).step

    def batch(n: int) -> None:
        for _ in range(n):
            step()

    return [Measured("`app.step()`, one action per step", Timed(batch))]


def async_step() -> list[Measured]:
    astep = _app(_graph(_async_action)).astep

    async def batch(n: int) -> None:
        for _ in range(n):
            await astep()

    return [Measured("`await app.astep()`, async actions", Timed(batch, is_async=True))]


@action(reads=[], writes=["r"])
async def _wait(state: State) -> State:
    await asyncio.sleep(0.01)
    return state.update(r=1)


class _FanOut(MapStates):
    """Burr's parallelism: one async action mapped over 100 states, gathered by asyncio."""

    def action(self, state: State, inputs: dict[str, Any]) -> Any:
        return _wait

    async def states(
        self, state: State, context: Any, inputs: dict[str, Any]
    ) -> AsyncIterator[State]:
        for k in range(100):
            yield state.update(k=k)

    async def reduce(self, state: State, states: AsyncIterator[State]) -> State:  # type: ignore[override]
        n = 0
        async for _ in states:
            n += 1
        return state.update(n=n)

    def is_async(self) -> bool:
        return True

    @property
    def reads(self) -> list[str]:
        return []

    @property
    def writes(self) -> list[str]:
        return ["n"]


@action(reads=[], writes=[])
def _done(state: State) -> State:
    return state


def fanout() -> list[Measured]:
    async def once() -> None:
        app = (
            ApplicationBuilder()
            .with_actions(fan=_FanOut(), done=_done)
            .with_transitions(("fan", "done"))
            .with_state(n=0)
            .with_entrypoint("fan")
            .build()
        )
        _, _, state = await app.arun(halt_after=["fan"])
        assert state["n"] == 100

    return [Measured("`MapStates` over 100 states (asyncio.gather)", timed_once(once))]


def idle(count: int, budget_s: float) -> list[Measured]:
    graph = _graph(_sync_action)
    n = fit_count(lambda: _app(graph), count, budget_s)

    def make(k: int) -> list[Any]:
        return [_app(graph) for _ in range(k)]

    return [
        Measured(
            "an `Application` over a shared graph",
            bytes_each=alloc_per_item(make, n),
            count=n,
            note="graph built once and shared",
        )
    ]
