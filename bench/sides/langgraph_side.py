"""LangGraph: a compiled `StateGraph`; `Send` for the fan-out; `interrupt` + `MemorySaver` for idle runs."""

from __future__ import annotations

import asyncio
import itertools
import operator
from typing import Annotated, Any, TypedDict

from harness import Timed, alloc_per_item, timed_once
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, Send, interrupt

from sides import Measured, fit_count

NAME = "LangGraph"
DIST = "langgraph"

STATES = [f"s{k}" for k in range(10)]


class Counter(TypedDict):
    i: int


def _linear(step: Any) -> Any:
    graph = StateGraph(Counter)
    for name in STATES:
        graph.add_node(name, step)
    graph.add_edge(START, STATES[0])
    for a, b in itertools.pairwise(STATES):
        graph.add_edge(a, b)
    graph.add_edge(STATES[-1], END)
    return graph.compile()


def _step(state: Counter) -> dict[str, int]:
    return {"i": state["i"] + 1}


async def _astep(state: Counter) -> dict[str, int]:
    return {"i": state["i"] + 1}


def sync_step() -> list[Measured]:
    app = _linear(_step)

    def batch(n: int) -> None:
        for _ in range(n):
            app.invoke({"i": 0})

    return [Measured("`graph.invoke()`, 10 nodes (per node)", Timed(batch, ops_per_call=10))]


def async_step() -> list[Measured]:
    app = _linear(_astep)

    async def batch(n: int) -> None:
        for _ in range(n):
            await app.ainvoke({"i": 0})

    return [
        Measured(
            "`await graph.ainvoke()`, 10 async nodes (per node)",
            Timed(batch, ops_per_call=10, is_async=True),
        )
    ]


class Branches(TypedDict):
    done: Annotated[list[int], operator.add]


async def _wait(state: dict[str, Any]) -> dict[str, list[int]]:
    await asyncio.sleep(0.01)
    return {"done": [1]}


def fanout() -> list[Measured]:
    graph = StateGraph(Branches)
    graph.add_node("wait", _wait)
    graph.add_conditional_edges(START, lambda _: [Send("wait", {}) for _ in range(100)], ["wait"])
    graph.add_edge("wait", END)
    app = graph.compile()

    async def once() -> None:
        out = await app.ainvoke({"done": []})
        assert len(out["done"]) == 100

    return [Measured("`Send` × 100 to an async node", timed_once(once))]


def _ask(state: Counter) -> dict[str, int]:
    interrupt("waiting for an event")
    return {"i": state["i"] + 1}


def _suspendable() -> Any:
    """A run that suspends in `ask` until resumed, and loops back to suspend again."""
    graph = StateGraph(Counter)
    graph.add_node("ask", _ask)
    graph.add_edge(START, "ask")
    graph.add_edge("ask", "ask")
    return graph.compile(checkpointer=InMemorySaver())


def idle(count: int, budget_s: float) -> list[Measured]:
    probe = _suspendable()
    serial = iter(range(1 << 30))
    n = fit_count(
        lambda: probe.invoke({"i": 0}, {"configurable": {"thread_id": f"p{next(serial)}"}}),
        count,
        budget_s,
    )

    def make(k: int) -> Any:
        app = _suspendable()
        for i in range(k):
            app.invoke({"i": 0}, {"configurable": {"thread_id": f"{i:012x}"}})
        return app

    return [
        Measured(
            "suspended run (`interrupt`) held by `InMemorySaver`",
            bytes_each=alloc_per_item(make, n),
            count=n,
            note="what the checkpointer holds after one suspension per thread",
        )
    ]


def events() -> list[Measured]:
    app = _suspendable()
    configs = [{"configurable": {"thread_id": f"{i:012x}"}} for i in range(30)]
    for config in configs:
        app.invoke({"i": 0}, config)

    def batch(n: int) -> None:
        for _ in range(n):
            for config in configs:
                app.invoke(Command(resume="go"), config)

    return [
        Measured(
            "`graph.invoke(Command(resume=...))` on 30 suspended runs",
            Timed(batch, ops_per_call=len(configs)),
            note="each resume re-runs the node and writes a checkpoint",
        )
    ]


def new_run() -> list[Measured]:
    return sync_step()  # `invoke` starts a new run of the compiled graph each time
