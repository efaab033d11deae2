"""Actions: schemas, policies, compensation, and the `act` effect in a run."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import BaseModel, Field

from fsmnb import Workflow
from fsmnb.effects import resolve_callable
from fsmnb.engine.resources import resources
from fsmnb.errors import CircuitOpenError, DefinitionError, EffectError, ParamsError
from fsmnb.signals import (
    Action,
    ActionContext,
    BreakerPolicy,
    RetryPolicy,
    act,
    execute_action,
    get_action,
)
from fsmnb.signals.actions import compensate_action


class Charge(Action, register=False):
    """Charge a card."""

    class Params(BaseModel):
        order_id: str
        amount: float = Field(gt=0)

    class Result(BaseModel):
        charge_id: str
        amount: float

    def run(self, params: Any, ctx: ActionContext) -> dict[str, Any]:
        ctx.data.setdefault("charged", []).append(params.order_id)
        return {"charge_id": f"ch_{params.order_id}", "amount": params.amount}

    def compensate(self, params: Any, result: Any, ctx: ActionContext) -> str:
        ctx.data.setdefault("refunded", []).append(result.charge_id)
        return "refunded"


class Flaky(Action, register=False):
    """Fail the first `fails` attempts."""

    class Params(BaseModel):
        fails: int = 2

    retry = RetryPolicy(attempts=3, backoff="constant", base=0.0)

    async def run(self, params: Any, ctx: ActionContext) -> int:
        await asyncio.sleep(0)
        if ctx.attempt <= params.fails:
            raise ConnectionError(f"attempt {ctx.attempt} failed")
        return ctx.attempt


class Slow(Action, register=False):
    """Sleep longer than the timeout."""

    timeout = 0.01

    async def run(self, params: Any, ctx: ActionContext) -> None:
        await asyncio.sleep(10)


class Broken(Action, register=False):
    """Always fail, behind a breaker."""

    breaker = BreakerPolicy(failures=2, reset=60.0, key="broken-test")

    def run(self, params: Any, ctx: ActionContext) -> None:
        raise ConnectionError("down")


@pytest.fixture(autouse=True)
def _fresh_breakers() -> None:
    resources.reset()


def test_name_and_description_come_from_the_class() -> None:
    assert Charge.name == "charge"
    assert Charge.description == "Charge a card."
    assert Charge().schema()["params"]["required"] == ["order_id", "amount"]


def test_bad_parameters_name_each_field_and_fail_before_running() -> None:
    with pytest.raises(ParamsError) as caught:
        act(Charge, order_id=5, amount=-1, extra=True)
    message = str(caught.value)
    assert "`order_id`" in message and "`amount`" in message and "`extra`" in message
    assert caught.value.action == "charge" and len(caught.value.problems) == 3


async def test_execute_validates_the_result_and_runs_the_policies() -> None:
    result = await execute_action(Charge, {"order_id": "A1", "amount": 3})
    assert result == Charge.Result(charge_id="ch_A1", amount=3.0)
    assert await execute_action(Flaky, {"fails": 2}) == 3
    with pytest.raises(ConnectionError, match="attempt 3"):
        await execute_action(Flaky, {"fails": 3})
    with pytest.raises(TimeoutError):
        await execute_action(Slow)


async def test_the_breaker_opens_after_consecutive_failures() -> None:
    for _ in range(2):
        with pytest.raises(ConnectionError):
            await execute_action(Broken)
    with pytest.raises(CircuitOpenError, match="broken-test"):
        await execute_action(Broken)


async def test_compensate_receives_the_result() -> None:
    ctx = ActionContext()
    result = await execute_action(Charge, {"order_id": "B", "amount": 1}, ctx)
    assert (
        await compensate_action(Charge, {"order_id": "B", "amount": 1}, result, ctx) == "refunded"
    )
    assert ctx.data == {"charged": ["B"], "refunded": ["ch_B"]}


def test_act_runs_in_a_state_and_its_result_is_journaled() -> None:
    wf = Workflow("act_in_state", register=False)

    @wf.state(initial=True, final=True)
    async def pay(ctx: Any) -> None:
        ctx.data["receipt"] = await ctx.run(act(Charge, order_id="C", amount=2.5))

    result = wf.run_sync()
    assert result.data["charged"] == ["C"]
    assert result.data["receipt"].charge_id == "ch_C"


def test_a_failing_act_is_an_effect_error_with_its_label() -> None:
    wf = Workflow("act_fails", register=False)

    @wf.state(initial=True, final=True)
    def go(ctx: Any) -> Any:
        return act(Broken)

    with pytest.raises(EffectError, match=r"act\(broken\)"):
        wf.run_sync()


class Registered(Action):
    """Double a number (registered and exposed)."""

    class Params(BaseModel):
        x: int

    def run(self, params: Any, ctx: ActionContext) -> int:
        return params.x * 2


async def test_registered_actions_are_callables_a_pipeline_can_name() -> None:
    assert get_action("registered") is not None
    fn = resolve_callable("registered")
    assert "Double a number" in (fn.__doc__ or "") and '"x"' in (fn.__doc__ or "")
    assert await fn(x=21) == 42
    with pytest.raises(ParamsError):
        await fn(x="nope")


def test_unknown_names_and_bad_definitions_are_refused() -> None:
    with pytest.raises(DefinitionError, match="`no_such_action`"):
        get_action("no_such_action")
    with pytest.raises(DefinitionError, match="pydantic model"):

        class Bad(Action, register=False):
            Params = dict  # type: ignore[assignment]


def test_the_signals_namespace_exports_what_it_defines() -> None:
    import types

    import fsmnb.signals as signals

    public = {
        n
        for n, v in vars(signals).items()
        if not n.startswith("_") and not isinstance(v, types.ModuleType) and n != "annotations"
    }
    assert isinstance(signals.__all__, tuple) and public <= set(signals.__all__)
    assert all(hasattr(signals, n) for n in signals.__all__)
