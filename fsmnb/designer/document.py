"""The designer's document: a machine spec, what each state does, and where it is drawn.

A document is plain JSON data, so that a widget can sync it, a notebook can
save it and two views can share it::

    {"format": "fsmnb-designer", "version": 1,
     "machine": {...the machine's spec, exactly as `Machine.to_dict()` writes it...},
     "actions": {"greeting": {"kind": "effect", "effect": {"kind": "call_llm", ...},
                              "save_as": "greeting", "then": "user_message"}},
     "layout": {"greeting": [80.0, 60.0]}}

An action is one of:

- ``{"kind": "effect", "effect": EFFECT_JSON, "save_as": KEY, "then": EVENT, "route": BOOL}``:
  the state interprets the effect tree (the JSON form of `fsmnb.effects.spec`),
  stores its result in ``ctx.data[KEY]`` when `save_as` is set, then leaves by
  `then`, or by the result itself when `route` is true (the result names the
  event), or by an `emit` inside the tree; with neither, the run waits there.
- ``{"kind": "code", "fn": NAME}``: the state's action is the callable
  registered as NAME (`fsmnb.register_callable`), which takes `ctx` and
  returns the event, as any `@state` function does.

A state with no action waits for an external event (or ends the run if final).
Nothing in a document is ever executed as code: callables are registered
names, everything else is data.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fsmnb.errors import SpecError
from fsmnb.fsm.machine import Machine
from fsmnb.fsm.spec import MAX_NAME, NAME_PATTERN, StateSpec, TransitionSpec, from_dict, to_dict

__all__ = (
    "FORMAT",
    "CodeAction",
    "Doc",
    "EffectAction",
    "empty",
    "from_machine",
    "machine_of",
    "machine_spec",
    "normalize",
    "parse_action",
)

FORMAT = "fsmnb-designer"
Doc = dict[str, Any]
"""A designer document (see the module docstring)."""

_STRICT = ConfigDict(extra="forbid")
_Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME, pattern=NAME_PATTERN)]
_Key = Annotated[str, Field(max_length=MAX_NAME)]


class EffectAction(BaseModel):
    """A state that interprets an effect tree (see the module docstring)."""

    model_config = _STRICT
    kind: Literal["effect"] = "effect"
    effect: dict[str, Any]
    save_as: _Key = ""
    then: _Name | None = None
    route: bool = False


class CodeAction(BaseModel):
    """A state whose action is a registered callable taking `ctx`."""

    model_config = _STRICT
    kind: Literal["code"] = "code"
    fn: Annotated[str, Field(min_length=1, max_length=200)]


def parse_action(data: Any) -> EffectAction | CodeAction:
    """Validate one action; raise `SpecError` naming every bad field."""
    kind = data.get("kind", "effect") if isinstance(data, dict) else None
    model: type[BaseModel] = CodeAction if kind == "code" else EffectAction
    try:
        return model.model_validate(data)  # type: ignore[return-value]
    except ValidationError as e:
        found = [
            f"`{'.'.join(str(p) for p in d['loc']) or 'action'}`: {d['msg'].lower()}"
            for d in e.errors(include_url=False)
        ]
        raise SpecError.collect("Action", found) from None


def empty(name: str = "workflow") -> Doc:
    """A document with one initial state and nothing else."""
    return {
        "format": FORMAT,
        "version": 1,
        "machine": {"name": name, "initial": "start", "states": [{"name": "start"}],
                    "transitions": [], "version": 1},
        "actions": {},
        "layout": {"start": [100.0, 80.0]},
    }  # fmt: skip


def from_machine(machine: Machine, *, actions: dict[str, Any] | None = None) -> Doc:
    """The document of `machine` (its spec), with `actions` and a grid layout."""
    spec = to_dict(machine)
    return normalize(
        {"format": FORMAT, "version": 1, "machine": spec, "actions": actions or {}, "layout": {}}
    )


def machine_spec(doc: Doc) -> dict[str, Any]:
    """The document's machine spec, exactly as `Machine.to_dict()` would write it."""
    return copy.deepcopy(doc["machine"])


def machine_of(doc: Doc) -> Machine:
    """The document's `Machine`, not validated (problems are shown, not raised)."""
    return from_dict(doc["machine"], validate=False)


def normalize(doc: Doc) -> Doc:
    """Fill in a layout for states that have none and drop entries of states that do not exist.

    States without a position are placed on a grid below the placed ones, so a
    spec with no layout at all gets a readable first picture (the widget's
    layout button asks Graphviz for a better one).
    """
    out = copy.deepcopy(doc)
    names = [s["name"] for s in out["machine"]["states"]]
    known = set(names)
    out["actions"] = {k: v for k, v in out.get("actions", {}).items() if k in known}
    layout = {k: [float(v[0]), float(v[1])] for k, v in out.get("layout", {}).items() if k in known}
    placed = len(layout)
    for name in names:
        if name not in layout:
            row, col = divmod(placed, 4)
            layout[name] = [100.0 + 200.0 * col, 80.0 + 130.0 * row]
            placed += 1
    out["layout"] = layout
    out.setdefault("format", FORMAT)
    out.setdefault("version", 1)
    return out


def check_structure(doc: Any) -> list[str]:
    """Problems that keep `doc` from being a document at all (wrong shape, bad names)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("machine"), dict):
        return ["`$`: a designer document is an object with a `machine` spec."]
    found = []
    machine = doc["machine"]
    for i, s in enumerate(machine.get("states", [])):
        try:
            StateSpec.model_validate(s)
        except ValidationError as e:
            found.append(f"`machine.states[{i}]`: {e.errors()[0]['msg'].lower()}")
    for i, t in enumerate(machine.get("transitions", [])):
        try:
            TransitionSpec.model_validate(t)
        except ValidationError as e:
            found.append(f"`machine.transitions[{i}]`: {e.errors()[0]['msg'].lower()}")
    return found
