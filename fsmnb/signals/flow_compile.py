"""Compile a `Flow` to a `Workflow`: one state per stage, each running its steps as effects.

A stage's action builds one effect per runnable step, ``settle(retry(timeout(
act(...))))`` (or ``spawn_fsm`` of a one-state workflow for a detached step),
and runs them with `parallel`. `Settle` turns a step's failure into an outcome
so that a failing step never cancels its siblings mid-flight; the stage then
applies each failed step's policy. Every action is an `Act` leaf, so results
are journaled and a resumed durable flow does not run a finished step again.

The run's data keeps the flow's input and two maps: ``steps`` (step →
``done`` / ``failed`` / ``skipped`` / ``started`` / ``compensated`` /
``compensation_failed``) and ``results`` (step → its result as JSON-ready
data, or its error).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from fsmnb.effects import parallel, retry, spawn_fsm, timeout
from fsmnb.effects.base import Effect
from fsmnb.engine.handlers import Path, interpret, register_handler
from fsmnb.errors import EffectError, FlowError, ParamsError
from fsmnb.signals.act import Compensate, act
from fsmnb.signals.targets import reply_data
from fsmnb.workflow.workflow import Workflow

if TYPE_CHECKING:
    from fsmnb.engine.context import Context
    from fsmnb.signals.actions import Action
    from fsmnb.signals.flows import Flow, FlowStep

__all__ = ("Settle", "compile_flow", "settle")


@dataclass(frozen=True, slots=True, kw_only=True)
class Settle(Effect):
    """Run an effect; the result is ``{"ok": True, "result": ...}`` or ``{"ok": False, "error": ...}``."""

    kind: ClassVar[str] = "settle"
    is_leaf: ClassVar[bool] = False
    effect: Effect

    def children(self) -> tuple[Effect, ...]:
        return (self.effect,)


def settle(effect: Effect) -> Settle:
    """The effect that never fails: it reports whether `effect` did."""
    return Settle(effect=effect)


@register_handler(Settle)
async def _settle(effect: Settle, ctx: Context, path: Path) -> dict[str, Any]:
    try:
        return {"ok": True, "result": await interpret(effect.effect, ctx, (*path, 0))}
    except EffectError as e:
        cause = e.__cause__ if e.__cause__ is not None else e
        return {"ok": False, "error": f"{type(cause).__name__}: {cause}"}


def _params(flow: Flow, step: FlowStep, action: Action, data: Mapping[str, Any]) -> dict[str, Any]:
    if callable(step.params):
        return dict(step.params(dict(data), dict(data.get("results", {}))))
    if step.params is not None:
        return dict(step.params)
    fields = action.Params.model_fields
    out = {k: data[k] for k in fields if k in data}
    results = data.get("results", {})
    for source in (*flow.deps[step.name], step.name):
        found = results.get(source)
        if isinstance(found, Mapping):
            out.update({k: v for k, v in found.items() if k in fields})
    return out


def _step_effect(flow: Flow, step: FlowStep, params: dict[str, Any]) -> Effect:
    effect: Effect = act(step.act, **params)
    if step.timeout is not None:
        effect = timeout(effect, step.timeout)
    policy = step.retry_policy
    if policy is not None:
        effect = retry(
            effect,
            attempts=policy.attempts,
            backoff=policy.backoff,
            base=policy.base,
            factor=policy.factor,
            max_delay=policy.max_delay,
            jitter=policy.jitter,
            retry_on=policy.retry_on,
        )
    if step.async_:
        effect = spawn_fsm(_detached(flow, step), params=params)
    return settle(effect)


def _detached(flow: Flow, step: FlowStep) -> Workflow:
    """A one-state workflow that runs a detached (`async_`) step."""
    cache: dict[str, Workflow] = flow.__dict__.setdefault("_detached", {})
    if step.name not in cache:
        wf = Workflow(f"{flow.name}_{step.name}", register=False)

        async def run_step(ctx: Any) -> None:
            effect: Effect = act(step.act, **ctx.data["params"])
            if step.timeout is not None:
                effect = timeout(effect, step.timeout)
            ctx.data["result"] = reply_data(await ctx.run(effect))

        wf.add_state("run_step", run_step, initial=True, final=True)
        cache[step.name] = wf
    return cache[step.name]


def _stage_names(flow: Flow) -> list[str]:
    names: list[str] = []
    for i, stage in enumerate(flow.stages):
        groups = {flow.steps[n].parallel_group for n in stage}
        if len(stage) == 1:
            name = stage[0]
        elif len(groups) == 1 and None not in groups:
            name = str(groups.pop())
        else:
            name = f"stage_{i + 1}"
        if (
            not name.isidentifier()
            or name in names
            or name == "done"
            or (len(stage) > 1 and name in flow.steps)
        ):
            name = f"stage_{i + 1}"
        names.append(name)
    return names


def compile_flow(flow: Flow, *, register: bool = True) -> Workflow:
    """The workflow that runs `flow`: its stages in order, then the final state `done`."""
    wf = Workflow(
        flow.name,
        description=flow.description or f"DAG flow of {len(flow.steps)} steps",
        tags=("flow",),
        register=register,
    )
    names = _stage_names(flow)
    for i, stage in enumerate(flow.stages):
        following = names[i + 1] if i + 1 < len(names) else "done"
        wf.add_state(
            names[i],
            _stage_action(flow, stage),
            initial=i == 0,
            on={"next": following},
            description=" ‖ ".join(stage),
        )
    wf.final("done")
    return wf


def _stage_action(flow: Flow, stage: list[str]) -> Any:
    async def run_stage(ctx: Any) -> str:
        data = ctx.data
        status: dict[str, str] = data.setdefault("steps", {})
        results: dict[str, Any] = data.setdefault("results", {})
        runnable: list[FlowStep] = []
        effects: list[Effect] = []
        for name in stage:
            step = flow.steps[name]
            if any(status.get(d) != "done" for d in flow.deps[name]):
                status[name] = "skipped"
                continue
            try:
                effects.append(_step_effect(flow, step, _params(flow, step, step.act, data)))
            except ParamsError as e:  # parameters built from data: the step fails, not the engine
                status[name], results[name] = "failed", f"ParamsError: {e}"
                await _after_failure(ctx, flow, step)
                continue
            runnable.append(step)
        if effects:
            outcomes = await ctx.run(parallel(*effects) if len(effects) > 1 else effects[0])
            if len(effects) == 1:
                outcomes = [outcomes]
            failed = []
            for step, outcome in zip(runnable, outcomes, strict=True):
                if outcome["ok"]:
                    status[step.name] = "started" if step.async_ else "done"
                    results[step.name] = reply_data(outcome["result"])
                else:
                    status[step.name], results[step.name] = "failed", outcome["error"]
                    failed.append(step)
            for step in failed:
                await _after_failure(ctx, flow, step)
        return "next"

    return run_stage


async def _after_failure(ctx: Any, flow: Flow, step: FlowStep) -> None:
    """Apply a failed step's policy: go on, or compensate and/or stop the flow."""
    if not step.is_required:
        return
    status: dict[str, str] = ctx.data["steps"]
    error = ctx.data["results"][step.name]
    undone = ""
    if step.on_error == "compensate":
        await compensate_done(ctx, flow)
        undone = " after compensating the completed steps"
    raise FlowError(
        f"Flow `{flow.name}` stopped at step `{step.name}` ({step.on_error}){undone}: {error}",
        step=step.name,
        steps=dict(status),
    )


async def compensate_done(ctx: Any, flow: Flow) -> None:
    """Undo the completed steps that have a compensation, in reverse topological order."""
    status: dict[str, str] = ctx.data["steps"]
    results: dict[str, Any] = ctx.data["results"]
    order = [n for stage in flow.stages for n in stage]
    for name in reversed(order):
        step = flow.steps[name]
        undo = step.undo
        if status.get(name) != "done" or undo is None:
            continue
        if undo is step.act:
            params = _params(flow, step, undo, ctx.data)
            effect: Effect = Compensate(
                action=undo, params=params, result=_result_of(undo, results[name])
            )
        else:
            effect = act(undo, **_params(flow, step, undo, ctx.data))
        outcome = await ctx.run(settle(effect))
        status[name] = "compensated" if outcome["ok"] else "compensation_failed"


def _result_of(action: Action, value: Any) -> Any:
    if action.Result is not None and isinstance(value, Mapping):
        return action.Result.model_validate(value)
    return value
