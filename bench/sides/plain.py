"""The floor: what plain Python costs for the same work, with no framework at all."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from harness import Timed, alloc_per_item, timed_once

from sides import Measured

NAME = "plain Python"
DIST = None

STATES = [f"s{k}" for k in range(10)]
#: (state, event) -> next state: a dict FSM, the cheapest transition Python offers.
TABLE = {(a, "next"): b for a, b in zip(STATES, [*STATES[1:], "done"], strict=True)}


def _step(data: dict[str, Any]) -> str:
    return "next"


ACTIONS = dict.fromkeys(STATES, _step)


def sync_step() -> list[Measured]:
    table, actions = TABLE, ACTIONS

    def batch(n: int) -> None:
        for _ in range(n):
            state, data = "s0", {}
            while state != "done":
                state = table[(state, actions[state](data))]

    return [
        Measured("dict FSM: `state = table[(state, action(data))]`", Timed(batch, ops_per_call=10))
    ]


async def _astep(data: dict[str, Any]) -> str:
    return "next"


AACTIONS = dict.fromkeys(STATES, _astep)


def async_step() -> list[Measured]:
    table, actions = TABLE, AACTIONS

    async def batch(n: int) -> None:
        for _ in range(n):
            state, data = "s0", {}
            while state != "done":
                state = table[(state, await actions[state](data))]

    return [
        Measured("dict FSM awaiting async actions", Timed(batch, ops_per_call=10, is_async=True))
    ]


@dataclass(frozen=True, slots=True)
class PutData:
    key: str
    value: Any


def _put(effect: PutData, data: dict[str, Any]) -> Any:
    data[effect.key] = effect.value
    return effect.value


HANDLERS = {PutData: _put}


def data_effects() -> list[Measured]:
    effects = [PutData(f"k{i}", i) for i in range(1000)]

    def batch(n: int) -> None:
        handlers = HANDLERS
        for _ in range(n):
            data: dict[str, Any] = {}
            for effect in effects:
                handlers[type(effect)](effect, data)

    return [
        Measured(
            "effect values dispatched by type to a handler",
            Timed(batch, ops_per_call=len(effects)),
        )
    ]


def fanout() -> list[Measured]:
    async def once() -> None:
        await asyncio.gather(*[asyncio.sleep(0.01) for _ in range(100)])

    return [Measured("`asyncio.gather` of 100 × `asyncio.sleep(0.01)`", timed_once(once))]


class Record:
    """An idle instance reduced to what it must hold: its id and its state."""

    __slots__ = ("id", "state")

    def __init__(self, rid: str, state: str) -> None:
        self.id, self.state = rid, state


def idle(count: int, budget_s: float) -> list[Measured]:
    def make(n: int) -> dict[str, Record]:
        return {(rid := f"{i:012x}"): Record(rid, "waiting") for i in range(n)}

    return [
        Measured(
            "slotted record (id, state) in a dict by id",
            bytes_each=alloc_per_item(make, count),
            count=count,
        )
    ]


TOGGLE = {("a", "toggle"): "b", ("b", "toggle"): "a"}


def events() -> list[Measured]:
    records = list(idle_records(10_000))

    def batch(n: int) -> None:
        table = TOGGLE
        for _ in range(n):
            for r in records:
                r.state = table[(r.state, "toggle")]

    return [
        Measured("dict lookup per record, 10,000 records", Timed(batch, ops_per_call=len(records)))
    ]


def idle_records(n: int) -> list[Record]:
    return [Record(f"{i:012x}", "a") for i in range(n)]
