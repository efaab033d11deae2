"""transitions: a `Machine` per model (`AsyncMachine` for async callbacks), triggers called in a loop."""

from __future__ import annotations

from typing import Any

from harness import Timed, alloc_per_item
from transitions import Machine
from transitions.extensions.asyncio import AsyncMachine

from sides import Measured, fit_count

NAME = "transitions"
DIST = "transitions"

STATES = [f"s{k}" for k in range(10)]
#: A cycle, so one machine takes any number of steps.
CYCLE = [
    {"trigger": "next", "source": a, "dest": b, "after": "step"}
    for a, b in zip(STATES, [*STATES[1:], STATES[0]], strict=True)
]


class Model:
    """The model a machine drives; `step` is the trivial action run after each transition."""

    def __init__(self) -> None:
        self.i = 0

    def step(self) -> None:
        self.i += 1


class AsyncModel(Model):
    async def step(self) -> None:  # type: ignore[override]
        self.i += 1


def _machine(
    model: Any, cls: type = Machine, states: Any = STATES, transitions: Any = CYCLE
) -> Any:
    cls(
        model=model,
        states=states,
        transitions=transitions,
        initial=states[0],
        auto_transitions=False,
    )
    return model


def sync_step() -> list[Measured]:
    trigger = _machine(Model()).next

    def batch(n: int) -> None:
        for _ in range(n):
            trigger()

    return [Measured("`model.next()` with an `after` callback", Timed(batch))]


def async_step() -> list[Measured]:
    trigger = _machine(AsyncModel(), AsyncMachine).next

    async def batch(n: int) -> None:
        for _ in range(n):
            await trigger()

    return [
        Measured(
            "`await model.next()`, `AsyncMachine`, async callback", Timed(batch, is_async=True)
        )
    ]


def idle(count: int, budget_s: float) -> list[Measured]:
    n = fit_count(lambda: _machine(Model()), count, budget_s)

    def make(k: int) -> list[Any]:
        return [_machine(Model()) for _ in range(k)]

    return [
        Measured("a `Machine` per model, 10 states", bytes_each=alloc_per_item(make, n), count=n)
    ]


TOGGLE = [
    {"trigger": "toggle", "source": "a", "dest": "b"},
    {"trigger": "toggle", "source": "b", "dest": "a"},
]


def events() -> list[Measured]:
    triggers = [_machine(Model(), Machine, ["a", "b"], TOGGLE).toggle for _ in range(1000)]

    def batch(n: int) -> None:
        for _ in range(n):
            for trigger in triggers:
                trigger()

    return [
        Measured(
            "`model.toggle()` in a loop over 1,000 machines",
            Timed(batch, ops_per_call=len(triggers)),
        )
    ]


LINE = [
    {"trigger": "next", "source": a, "dest": b, "after": "step"}
    for a, b in zip(STATES, [*STATES[1:], "done"], strict=True)
]


def new_run() -> list[Measured]:
    def batch(n: int) -> None:
        for _ in range(n):
            model = _machine(Model(), states=[*STATES, "done"], transitions=LINE)
            for _ in range(10):
                model.next()

    return [
        Measured(
            "a new `Machine` per run, 10 `model.next()` with an `after` callback",
            Timed(batch, ops_per_call=10),
        )
    ]


def triggers() -> list[Measured]:
    bare = _machine(
        Model(),
        transitions=[{"trigger": "next", "source": t["source"], "dest": t["dest"]} for t in CYCLE],
    ).next
    with_code = _machine(Model()).next

    def batch_bare(n: int) -> None:
        for _ in range(n):
            bare()

    def batch_code(n: int) -> None:
        for _ in range(n):
            with_code()

    return [
        Measured("`model.next()`, no callback", Timed(batch_bare)),
        Measured("`model.next()` with an `after` callback", Timed(batch_code)),
    ]
