"""python-statemachine: a `StateMachine` class of 10 states; one object per instance."""

from __future__ import annotations

from typing import Any

from harness import Timed, alloc_per_item
from statemachine import State, StateMachine

from sides import Measured, fit_count

NAME = "python-statemachine"
DIST = "python-statemachine"

STATES = [f"s{k}" for k in range(10)]


def _cycle_class(name: str, after: Any) -> type[StateMachine]:
    """A machine class whose event `next` walks a cycle of 10 states, calling `after_next`."""
    attrs: dict[str, Any] = {s: State(s, initial=(i == 0)) for i, s in enumerate(STATES)}
    edges = None
    for a, b in zip(STATES, [*STATES[1:], STATES[0]], strict=True):
        edge = attrs[a].to(attrs[b])
        edges = edge if edges is None else edges | edge
    attrs["next"] = edges
    attrs["after_next"] = after
    return type(name, (StateMachine,), attrs)


def _after(self: Any) -> None:
    self.i = getattr(self, "i", 0) + 1


async def _aafter(self: Any) -> None:
    self.i = getattr(self, "i", 0) + 1


Cycle = _cycle_class("Cycle", _after)
AsyncCycle = _cycle_class("AsyncCycle", _aafter)


class Toggle(StateMachine):
    a = State(initial=True)
    b = State()
    toggle = a.to(b) | b.to(a)


def sync_step() -> list[Measured]:
    send = Cycle().send

    def batch(n: int) -> None:
        for _ in range(n):
            send("next")

    return [Measured('`sm.send("next")` with an `after_next` callback', Timed(batch))]


def async_step() -> list[Measured]:
    send = AsyncCycle().send

    async def batch(n: int) -> None:
        for _ in range(n):
            await send("next")

    return [Measured('`await sm.send("next")`, async callback', Timed(batch, is_async=True))]


def idle(count: int, budget_s: float) -> list[Measured]:
    n = fit_count(Cycle, count, budget_s)

    def make(k: int) -> list[Any]:
        return [Cycle() for _ in range(k)]

    return [
        Measured("a `StateMachine` object, 10 states", bytes_each=alloc_per_item(make, n), count=n)
    ]


def events() -> list[Measured]:
    sends = [Toggle().send for _ in range(1000)]

    def batch(n: int) -> None:
        for _ in range(n):
            for send in sends:
                send("toggle")

    return [
        Measured('`sm.send("toggle")` over 1,000 objects', Timed(batch, ops_per_call=len(sends)))
    ]
