"""Live validation of a drawing: every problem, pinned to the states and edges it names.

The machine's problems are exactly `fsmnb.fsm.validation`'s, worded for a
workflow as `Workflow.check()` words them; the designer adds what only a
drawing can get wrong: names that code cannot use, guards and code actions
that name no registered callable, effect trees that do not validate, and a
`then` event the state has no transition for. Each problem is a dict::

    {"message": "State `b` cannot be reached ... Add a transition into it or remove it.",
     "fix": "Add a transition into it or remove it.",
     "states": ["b"], "edges": [2]}

where `edges` are indexes into the machine spec's `transitions`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from fsmnb.designer.document import Doc, check_structure, machine_of, parse_action
from fsmnb.designer.edits import check_name
from fsmnb.effects.registry import callable_names
from fsmnb.effects.spec import effect_from_json
from fsmnb.errors import DefinitionError, FsmnbError
from fsmnb.fsm.validation import problems as machine_problems

__all__ = ("RESERVED", "pin", "problems")

#: Names the generated code uses; a state function named so would hide them.
RESERVED = frozenset(
    {"state", "final", "workflow", "Workflow", "effect_from_json", "resolve_callable", "str"}
)

_TICKED = re.compile(r"`([^`]+)`")
_ARROW = re.compile(
    r"^(?P<source>\S+) --(?P<event>\S+?)(?: \[(?P<guard>\S+)\])?-->(?: (?P<target>\S+))?$"
)


def problems(
    doc: Doc, *, functions: Mapping[str, Callable[..., Any]] | None = None
) -> list[dict[str, Any]]:
    """Every problem of the drawing, each with its fix and the states and edges it names."""
    structural = check_structure(doc)
    if structural:
        return [pin(doc, m) for m in structural]
    machine = machine_of(doc)
    name = machine.name
    found = [m.replace("machine `", "workflow `") for m in machine_problems(machine)]
    if not name.isidentifier():
        found.append(
            f"Workflow name `{name}` is not a Python identifier, so no cell can bind it. "
            "Rename the workflow, e.g. `support_desk`."
        )
    for state in dict.fromkeys(machine.states):
        try:
            check_name(state)
        except DefinitionError:
            found.append(
                f"State `{state}` is not a Python identifier, so no code can define it. "
                f"Rename it, e.g. `{_identifier(state)}`."
            )
        else:
            if state in RESERVED or state == name:
                found.append(
                    f"State `{state}` has a name the generated code needs for itself. "
                    f"Rename it, e.g. `{state}_step`."
                )
    registered = set(callable_names()) | set(functions or {})
    for t in machine.transitions:
        if t.guard is not None and t.guard not in registered:
            found.append(
                f"Transition `{t}` names guard `{t.guard}`, which is not defined in workflow "
                f"`{name}`. Register it with `fsmnb.register_callable({t.guard!r}, fn)`, "
                "then pick it in the property panel."
            )
    for state, data in doc.get("actions", {}).items():
        found += _action_problems(state, data, machine.events_from(state), registered)
    return [pin(doc, m) for m in found]


def _identifier(name: str) -> str:
    text = re.sub(r"\W", "_", name)
    return text if text.isidentifier() else f"s_{text}"


def _action_problems(
    state: str, data: Any, events: tuple[str, ...], registered: set[str]
) -> list[str]:
    try:
        action = parse_action(data)
    except FsmnbError as exc:
        return [f"State `{state}` has a malformed action: {exc}"]
    if action.kind == "code":
        if action.fn not in registered:
            return [
                f"State `{state}` runs `{action.fn}`, which is not a registered callable. "
                f"Register it with `fsmnb.register_callable({action.fn!r}, fn)`."
            ]
        return []
    found = []
    try:
        effect_from_json(action.effect)
    except FsmnbError as exc:
        found.append(f"State `{state}` has an invalid effect. {exc}")
    if action.then is not None and action.then not in events:
        found.append(
            f"State `{state}` leaves by `{action.then}` after its effect, but has no transition "
            f"on `{action.then}`. Draw one from `{state}`, or pick another event."
        )
    return found


def pin(doc: Doc, message: str) -> dict[str, Any]:
    """The problem `message` with its fix and the states and edges its backticks name."""
    machine = doc.get("machine", {}) if isinstance(doc, dict) else {}
    names = {s.get("name") for s in machine.get("states", []) if isinstance(s, dict)}
    edges = [t for t in machine.get("transitions", []) if isinstance(t, dict)]
    states: list[str] = []
    hit: list[int] = []
    for token in _TICKED.findall(message):
        arrow = _ARROW.match(token)
        if arrow is not None:
            for i, t in enumerate(edges):
                if (
                    t.get("source") == arrow["source"]
                    and t.get("event") == arrow["event"]
                    and t.get("guard") == arrow["guard"]
                    and arrow["target"] in (None, t.get("target"))
                    and i not in hit
                ):
                    hit.append(i)
        elif token in names and not states:  # the offender comes first; later names are context
            states.append(token)
    sentences = message.rstrip().split(". ")
    fix = sentences[-1] if len(sentences) > 1 else ""
    return {"message": message, "fix": fix, "states": states, "edges": hit}
