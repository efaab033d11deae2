"""Workflows from a client's JSON machine spec: event-driven machines, never code.

A spec (`fsmnb.fsm.MachineSpec`) describes states and transitions only, so the
workflow built from it has a passive state for each state of the machine: a
run waits in each state for the events a client sends. Guards are functions,
so a spec that names one is refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fsmnb.errors import SpecError
from fsmnb.fsm.machine import Machine
from fsmnb.workflow.workflow import Workflow

__all__ = ("workflow_from_spec",)


def workflow_from_spec(spec: Mapping[str, Any] | str, *, description: str = "") -> Workflow:
    """Build a private, event-driven `Workflow` from a machine spec (a JSON object or text).

    Raises:
        SpecError: the spec is malformed, names a guard, or its machine is invalid;
            the message names every offender.
    """
    if isinstance(spec, str):
        machine = Machine.from_json(spec)
    elif isinstance(spec, Mapping):
        machine = Machine.from_dict(_plain(spec))
    else:
        raise SpecError(
            f"A machine spec is a JSON object (or its text), got {type(spec).__name__}."
        )
    guarded = [str(t) for t in machine.transitions if t.guard is not None]
    if guarded:
        listed = ", ".join(f"`{g}`" for g in guarded)
        raise SpecError(
            f"Machine spec `{machine.name}` names guards on {listed}. Guards are code and a "
            "spec carries none; remove them (a client decides which event to send)."
        )
    bad = [s for s in machine.states if not s.isidentifier()]
    if bad:
        listed = ", ".join(f"`{s}`" for s in bad)
        raise SpecError(
            f"Machine spec `{machine.name}`: state names {listed} are not identifiers; "
            "use snake_case names such as `in_review`."
        )
    wf = Workflow(machine.name, description=description, register=False)
    edges: dict[str, dict[str, str]] = {s: {} for s in machine.states}
    for t in machine.transitions:
        edges[t.source][t.event] = t.target
    for name in machine.states:
        wf.add_state(
            name,
            None,
            initial=name == machine.initial,
            final=name in machine.finals,
            on=edges[name] or None,
            description=machine.description(name),
        )
    wf.check()
    return wf


def _plain(spec: Mapping[str, Any]) -> Any:
    """A deep copy of `spec` made of plain JSON types (refuses values JSON cannot hold)."""
    try:
        return json.loads(json.dumps(spec))
    except (TypeError, ValueError, RecursionError) as e:
        raise SpecError(f"Machine spec is not JSON data: {e}.") from None
