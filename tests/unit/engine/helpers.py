"""Helpers for engine tests: run one effect inside a one-state workflow."""

from __future__ import annotations

import itertools
from typing import Any

from fsmnb import Workflow
from fsmnb.effects import Effect
from fsmnb.engine import Clock, Run

_names = itertools.count()


def effect_workflow(effect: Effect) -> Workflow:
    """A workflow whose only state interprets `effect` and stores its result in `data["result"]`."""
    wf = Workflow(f"effect_test_{next(_names)}")

    @wf.state(initial=True, on={"done": "end"})
    async def go(ctx: Any) -> str:
        ctx.data["result"] = await ctx.run(effect)
        return "done"

    wf.final("end")
    return wf


async def run_effect(effect: Effect, *, clock: Clock | None = None, **data: Any) -> Any:
    """Interpret `effect` in a fresh run and return its result (its error propagates)."""
    result = await effect_workflow(effect).run(data, clock=clock)
    return result.data["result"]


def start_effect(effect: Effect, *, clock: Clock | None = None, **data: Any) -> Run:
    """Start a run interpreting `effect` (for tests that cancel or inspect it midway)."""
    return effect_workflow(effect).start(data, clock=clock)
