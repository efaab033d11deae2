"""Turn a checked `WorkflowSpec` into a runnable `Workflow`.

Each state's action is a small closure over the spec's data: it looks up the
registered action by name and calls it with the spec's arguments, or asks the
agent executing the workflow (`current_agent()`) to solve the state's task.
The result goes to ``data["results"][state]``; the event that leaves the state
is the result itself when it names one of the state's events (a string, or a
mapping with an ``event`` key), the only event when there is one, and
otherwise the agent chooses among them (`Agent.choose`).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from typing import Any

from fsmnb.agents.actions import AGENT, Action
from fsmnb.agents.recursion import current_agent
from fsmnb.agents.spec import StepSpec, WorkflowSpec, edges_of, finals_of, spec_problems
from fsmnb.errors import RunError, SpecError
from fsmnb.workflow.workflow import Workflow

__all__ = ("build_workflow", "choose_event", "fill_task")

_FIELD = re.compile(r"\{(\w+)\}")


def fill_task(task: str, data: Mapping[str, Any]) -> str:
    """`task` with ``{key}`` replaced by the run's data (unknown keys stay as written)."""
    return _FIELD.sub(lambda m: str(data[m.group(1)]) if m.group(1) in data else m.group(0), task)


def choose_event(value: Any, events: list[str]) -> str | None:
    """The event `value` names among `events`, the only event, or None when it must be chosen."""
    named = value.get("event") if isinstance(value, Mapping) else value
    if isinstance(named, str) and named in events:
        return named
    if len(events) == 1:
        return events[0]
    return None


def _plain(value: Any) -> Any:
    for attr in ("to_json", "model_dump"):
        fn = getattr(value, attr, None)
        if callable(fn):
            return fn()
    return value


def _state_action(step: StepSpec, table: Mapping[str, Action], events: list[str]) -> Any:
    async def act(ctx: Any) -> Any:
        agent = current_agent()
        if step.action == AGENT:
            if agent is None:
                raise RunError(
                    f"State `{step.name}` asks an agent to solve a sub-task, but no agent runs "
                    f"this workflow. Run it with `agent.execute(workflow, data)`."
                )
            task = fill_task(step.task or step.description, ctx.data)
            context = {"goal": ctx.data.get("problem"), "results": ctx.data.get("results")}
            solution = await agent.solve(task, **context)
            value: Any = solution.answer
        else:
            value = table[step.action].fn(ctx, **step.args)
            if inspect.isawaitable(value):
                value = await value
        ctx.data.setdefault("results", {})[step.name] = _plain(value)
        if not events:
            return None
        event = choose_event(value, events)
        if event is None:
            question = fill_task(step.task or step.description or step.name, ctx.data)
            if agent is None:
                return events[0]
            picked = await agent.choose(question, events, context=ctx.data.get("results"))
            event = picked.choice
        return event

    act.__name__ = step.name
    act.__doc__ = step.description or step.task or step.action
    return act


def build_workflow(spec: WorkflowSpec, actions: Mapping[str, Action]) -> Workflow:
    """A private (unregistered in the process catalog) workflow that runs `spec`.

    Raises:
        SpecError: the spec has problems (every one listed); see `spec_problems`.
    """
    found = spec_problems(spec, actions)
    if found:
        raise SpecError.collect(f"Workflow spec `{spec.name}`", found)
    outs: dict[str, dict[str, str]] = {}
    for source, event, target in edges_of(spec):
        outs.setdefault(source, {})[event] = target
    finals = finals_of(spec)
    table = {name: actions[name] for s in spec.states if (name := s.action) != AGENT}
    wf = Workflow(spec.name, description=spec.description, tags=spec.tags, register=False)
    initial = spec.initial or spec.states[0].name
    for step in spec.states:
        events = [] if step.name in finals else list(outs.get(step.name, {}))
        wf.add_state(
            step.name,
            _state_action(step, table, events),
            initial=step.name == initial,
            final=step.name in finals,
            on=outs.get(step.name) or None,
            description=step.description or (step.task or step.action)[:120],
        )
    wf.spec = spec  # type: ignore[attr-defined]  # the registry persists it
    return wf.check()
