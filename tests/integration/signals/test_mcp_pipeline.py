"""A registered action, named by an MCP client's effect pipeline (`execute_effect_pipeline`'s path)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from fsmnb.effects import effect_from_json
from fsmnb.errors import RunError
from fsmnb.mcp.pipeline import run_pipeline
from fsmnb.signals import Action, ActionContext


class TripleForMcp(Action):
    """Triple x (an action an MCP client may call by name)."""

    class Params(BaseModel):
        x: int

    def run(self, params: Any, ctx: ActionContext) -> dict[str, int]:
        return {"y": params.x * 3}


async def test_a_pipeline_calls_an_action_by_its_registered_name() -> None:
    effect = effect_from_json(
        {"kind": "sequence", "effects": [
            {"kind": "call", "fn": "triple_for_mcp", "kwargs": {"x": 2}},
            {"kind": "call", "fn": "triple_for_mcp", "kwargs": {"x": 5}},
        ]}
    )  # fmt: skip
    result = await run_pipeline(effect, {}, tenant="default", limit=10)
    assert result.result == [{"y": 6}, {"y": 15}]
    bad = effect_from_json({"kind": "call", "fn": "triple_for_mcp", "kwargs": {"x": "six"}})
    with pytest.raises(RunError, match="`x`"):
        await run_pipeline(bad, {}, tenant="default", limit=10)
