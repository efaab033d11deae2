"""pydantic-graph: a built graph of 10 steps (steps are async by API); map + join for the fan-out."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from typing import Any

from harness import Timed, timed_once
from pydantic_graph import GraphBuilder, StepContext, reduce_list_append

from sides import Measured

NAME = "pydantic-graph"
DIST = "pydantic-graph"


@dataclass
class Counter:
    i: int = 0


def _linear() -> Any:
    g = GraphBuilder(state_type=Counter, output_type=int, auto_instrument=False)
    steps = []
    for k in range(10):

        async def step(ctx: StepContext[Counter, None, None]) -> None:
            ctx.state.i += 1

        steps.append(g.step(step, node_id=f"s{k}"))
    g.add(
        g.edge_from(g.start_node).to(steps[0]),
        *(g.edge_from(a).to(b) for a, b in itertools.pairwise(steps)),
        g.edge_from(steps[-1]).to(g.end_node),
    )
    return g.build()


def _run_linear() -> list[Measured]:
    graph = _linear()

    async def batch(n: int) -> None:
        for _ in range(n):
            await graph.run(state=Counter())

    return [
        Measured(
            "`await graph.run()`, 10 steps (per step)",
            Timed(batch, ops_per_call=10, is_async=True),
            note="steps are always async in pydantic-graph",
        )
    ]


def sync_step() -> list[Measured]:
    return _run_linear()


def async_step() -> list[Measured]:
    return _run_linear()


def fanout() -> list[Measured]:
    g = GraphBuilder(state_type=Counter, output_type=list[int], auto_instrument=False)

    @g.step
    async def items(ctx: StepContext[Counter, None, None]) -> list[int]:
        return list(range(100))

    @g.step
    async def wait(ctx: StepContext[Counter, None, int]) -> int:
        await asyncio.sleep(0.01)
        return ctx.inputs

    collect = g.join(reduce_list_append, initial_factory=list[int])
    g.add(
        g.edge_from(g.start_node).to(items),
        g.edge_from(items).map().to(wait),
        g.edge_from(wait).to(collect),
        g.edge_from(collect).to(g.end_node),
    )
    graph = g.build()

    async def once() -> None:
        out = await graph.run(state=Counter())
        assert len(out) == 100

    return [Measured("`.map()` to 100 async steps, joined", timed_once(once))]
