"""Agent workflows as data: a machine plus, per state, a registered action or an agent sub-task.

    {"name": "batch_investigation", "description": "...", "domain": "pharma",
     "states": [
       {"name": "contamination", "action": "analyze_contamination"},
       {"name": "power", "action": "analyze_power", "args": {"window": 60}},
       {"name": "correlate", "action": "correlate_findings"},
       {"name": "common_cause", "action": "agent", "task": "Find the shared root cause"},
       {"name": "independent", "action": "agent", "task": "Rank the separate failures"},
       {"name": "report", "action": "agent", "task": "Write the report", "final": true}],
     "transitions": [
       {"source": "contamination", "event": "next", "target": "power"}, ...]}

Without transitions the states run in the order listed and the last is
final. With transitions, the states marked ``final`` end the run (when none
is marked, the states nothing leaves). `spec_problems` checks a spec the way
a synthesized one must pass before it runs: the machine (reachability, final
states, transitions to unknown states, duplicates — `fsmnb.fsm.problems`),
every action a registered name whose arguments its function accepts, every
agent state a task. A spec holds names and data only; it can never run code
that is not a registered action.
"""

from __future__ import annotations

import inspect
import itertools
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fsmnb.agents.actions import AGENT, Action
from fsmnb.errors import DefinitionError, SpecError
from fsmnb.fsm.machine import Machine, Transition
from fsmnb.fsm.validation import problems as machine_problems

__all__ = ("StepSpec", "WorkflowSpec", "parse_spec", "spec_machine", "spec_problems")

_SNAKE = r"^[a-z][a-z0-9_]{0,63}$"


class StepSpec(BaseModel):
    """One state: a registered action with arguments, or ``agent`` with a sub-task."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    name: str = Field(pattern=_SNAKE, description="snake_case state id")
    description: str = Field(default="", max_length=500)
    action: str = Field(default=AGENT, max_length=100, description="an available action, or agent")
    args: dict[str, Any] = Field(default_factory=dict, description="the action's arguments")
    task: str | None = Field(default=None, max_length=2000, description="the agent's sub-task")
    final: bool = False


class EdgeSpec(BaseModel):
    """``source --event--> target``."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    source: str = Field(max_length=64)
    event: str = Field(default="next", pattern=r"^[A-Za-z_][A-Za-z0-9_\-]{0,63}$")
    target: str = Field(max_length=64)


class WorkflowSpec(BaseModel):
    """A whole agent workflow as data (what synthesis asks a model for, and what persists)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    name: str = Field(pattern=_SNAKE)
    description: str = Field(min_length=1, max_length=1000)
    domain: str = Field(default="general", max_length=100)
    tags: list[str] = Field(default_factory=list, max_length=20)
    initial: str | None = Field(default=None, description="default: the first state")
    states: list[StepSpec] = Field(min_length=1, max_length=30)
    transitions: list[EdgeSpec] = Field(default_factory=list, max_length=100)
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)

    def to_json(self) -> dict[str, Any]:
        """The spec as plain JSON data."""
        return self.model_dump(mode="json")


def parse_spec(data: Any) -> WorkflowSpec:
    """A `WorkflowSpec` from a dict or JSON text; `SpecError` naming every bad field."""
    try:
        if isinstance(data, str | bytes):
            return WorkflowSpec.model_validate_json(data)
        if isinstance(data, WorkflowSpec):
            return data
        json.dumps(data)  # plain JSON data only: no objects, no callables
        return WorkflowSpec.model_validate(data)
    except ValidationError as exc:
        found = [
            f"`{'.'.join(map(str, e['loc'])) or '(root)'}`: {e['msg']}"
            for e in exc.errors(include_url=False)[:30]
        ]
        raise SpecError.collect("Workflow spec", found) from None
    except (TypeError, ValueError) as exc:
        raise SpecError(f"A workflow spec must be JSON data: {exc}.") from None


def edges_of(spec: WorkflowSpec) -> list[tuple[str, str, str]]:
    """The transitions: the given ones, else ``next`` from each state to the following one."""
    if spec.transitions:
        return [(t.source, t.event, t.target) for t in spec.transitions]
    names = [s.name for s in spec.states]
    return [(a, "next", b) for a, b in itertools.pairwise(names)]


def finals_of(spec: WorkflowSpec) -> frozenset[str]:
    """The final states (see the module doc)."""
    marked = frozenset(s.name for s in spec.states if s.final)
    if marked:
        return marked
    if not spec.transitions:
        return frozenset({spec.states[-1].name})
    sources = {t.source for t in spec.transitions}
    return frozenset(s.name for s in spec.states if s.name not in sources)


def spec_machine(spec: WorkflowSpec) -> Machine:
    """The pure-data machine of `spec` (not validated)."""
    return Machine(
        name=spec.name,
        states=tuple(s.name for s in spec.states),
        transitions=tuple(Transition(source=a, event=e, target=b) for a, e, b in edges_of(spec)),
        initial=spec.initial or spec.states[0].name,
        finals=finals_of(spec),
        descriptions=tuple((s.name, s.description) for s in spec.states if s.description),
    )


def spec_problems(spec: WorkflowSpec, actions: Mapping[str, Action]) -> list[str]:
    """Every reason `spec` may not run, each naming the offender and the fix (empty: sound)."""
    try:
        found = list(machine_problems(spec_machine(spec)))
    except DefinitionError as exc:
        found = list(exc.problems)
    outs: dict[str, set[str]] = {}
    for source, event, _ in edges_of(spec):
        outs.setdefault(source, set()).add(event)
    known = ", ".join(f"`{n}`" for n in sorted(actions)) or "none"
    for step in spec.states:
        where = f"State `{step.name}`"
        if step.action == AGENT:
            if not step.task:
                found.append(f"{where} is an agent step without a `task`; say what to solve.")
            continue
        action = actions.get(step.action)
        if action is None:
            found.append(
                f"{where} names action `{step.action}`, which is not available. Use one of "
                f"{known}, or `agent` with a `task`."
            )
            continue
        found += _argument_problems(where, action, step.args)
        if action.events:
            never = sorted(outs.get(step.name, set()) - {*action.events, "next"})
            if never:
                listed = ", ".join(f"`{e}`" for e in never)
                found.append(
                    f"{where} leaves by {listed}, but action `{action.name}` only returns "
                    f"{', '.join(f'`{e}`' for e in action.events)}; use those events."
                )
    return found


def _argument_problems(where: str, action: Action, args: Mapping[str, Any]) -> list[str]:
    try:
        signature = inspect.signature(action.fn)
    except (TypeError, ValueError):  # builtins without a signature: accept
        return []
    try:
        signature.bind(None, **args)
    except TypeError as exc:
        params = [p for p in list(signature.parameters)[1:]]
        accepted = ", ".join(f"`{p}`" for p in params) or "no arguments"
        return [f"{where}: action `{action.name}` {exc} (it takes {accepted})."]
    return []
