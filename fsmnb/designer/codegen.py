"""Write a drawing as a `%%workflow` cell, a Python module, JSON or YAML.

The code never carries text from the drawing as code: state, event and
workflow names are checked as identifiers first (`problems` refuses the
others); every other string — descriptions, guards, registered names, data
keys, the effect trees — is written as a Python literal (rendered from plain JSON
data, rebuilt from a JSON round trip first, so no object can bring its
own `__repr__`). Callables are named by their registered name
(`resolve_callable("name")`), never imported or defined.

The generated code builds the same workflow as `build_workflow(doc)`; a
`# layout:` comment keeps the drawing's positions, so `fsmnb.designer.importing`
reads the code back (with `ast`, never by running it) into the same document.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from fsmnb.designer.document import Doc, machine_of
from fsmnb.designer.problems import problems
from fsmnb.errors import DefinitionError
from fsmnb.fsm.machine import Machine

__all__ = ("to_cell", "to_json", "to_module", "to_yaml")

LAYOUT_PREFIX = "# layout: "
_WIDTH = 96


def to_json(doc: Doc, *, indent: int | None = 2) -> str:
    """The document as JSON (machine spec, actions and layout)."""
    return json.dumps(doc, indent=indent, ensure_ascii=False)


def to_yaml(doc: Doc) -> str:
    """The document as YAML (machine spec, actions and layout)."""
    return yaml.dump(_plain(doc), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


class _Dumper(yaml.SafeDumper):
    """The safe dumper, double-quoting strings with line separators it would not read back.

    (With `allow_unicode`, NEL and the Unicode line and paragraph separators are
    written raw in plain scalars and read back as folded line breaks; see
    `fsmnb.fsm.spec`, which works around the same bug.)
    """


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = '"' if any(c in text for c in "\x85\u2028\u2029") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_str)


def to_cell(doc: Doc) -> str:
    """A `%%workflow NAME` cell defining the drawn workflow.

    Raises:
        DefinitionError: the drawing has problems (every one listed); fix them first.
    """
    name = _checked(doc)
    return f"%%workflow {name}\n" + _body(doc, state="state", final="final", wf="workflow")


def to_module(doc: Doc) -> str:
    """A Python module defining the drawn workflow as a module-level variable named like it.

    Raises:
        DefinitionError: the drawing has problems (every one listed); fix them first.
    """
    name = _checked(doc)
    body = _body(doc, state=f"{name}.state", final=f"{name}.final", wf=name)
    used = [n for n in ("effect_from_json", "resolve_callable") if f"{n}(" in body]
    lines = [f'"""Workflow `{name}`, drawn in the fsmnb designer (`fsmnb.design`)."""', ""]
    lines.append("from fsmnb import Workflow")
    if used:
        lines.append(f"from fsmnb.effects import {', '.join(used)}")
    lines += ["", f"{name} = Workflow({_string(name)})", ""]
    return "\n".join(lines) + body


def _checked(doc: Doc) -> str:
    found = problems(doc)
    if found:
        raise DefinitionError.collect(
            f"Drawing `{doc['machine']['name']}` cannot be exported as code yet",
            [p["message"] for p in found],
        )
    return str(doc["machine"]["name"])


def _plain(value: Any) -> Any:
    """`value` rebuilt from JSON: only dicts, lists, strings, numbers, booleans and None."""
    return json.loads(json.dumps(value, allow_nan=False))


def _literal(value: Any, indent: int) -> str:
    """`value` (plain JSON data) as a Python literal, wrapped to fit beside `indent` columns."""
    return _render(_plain(value), indent)


def _string(text: str) -> str:
    """A Python literal of `text`: its `repr` (exact for any str), double-quoted when it can be."""
    literal = repr(text)
    if literal.startswith("'") and '"' not in text and "'" not in text:
        literal = '"' + literal[1:-1] + '"'
    return literal


def _render(value: Any, indent: int) -> str:
    if isinstance(value, str):
        return _string(value)
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, tuple):  # (target, guard) pairs in `on=`
        return "(" + ", ".join(_render(v, indent) for v in value) + ")"
    if isinstance(value, dict):
        items = [f"{_string(k)}: {_render(v, indent + 4)}" for k, v in value.items()]
        opening, closing = "{", "}"
    else:
        items = [_render(v, indent + 4) for v in value]
        opening, closing = "[", "]"
    flat = opening + ", ".join(items) + closing
    if len(flat) + indent <= _WIDTH and "\n" not in flat:
        return flat
    pad = " " * (indent + 4)
    return opening + "\n" + "".join(f"{pad}{item},\n" for item in items) + " " * indent + closing


def _body(doc: Doc, *, state: str, final: str, wf: str) -> str:
    machine = machine_of(doc)
    layout = {k: [round(v[0], 1), round(v[1], 1)] for k, v in doc["layout"].items()}
    blocks: list[tuple[bool, str]] = []  # (is a function definition, its text)
    guards = dict.fromkeys(t.guard for t in machine.transitions if t.guard)
    lines = [f"{wf}.guards[{_string(g)}] = resolve_callable({_string(g)})" for g in guards]
    if lines:
        blocks.append((False, "\n".join(lines)))
    for name in machine.states:
        options = _options(machine, name)
        action = doc["actions"].get(name)
        if action is None and options == ["final=True"]:
            blocks.append((False, f"{final}({_string(name)})"))
        elif action is None or action["kind"] == "code":
            fn = "None" if action is None else f"resolve_callable({_string(action['fn'])})"
            blocks.append((False, _call(f"{wf}.add_state", [_string(name), fn, *options])))
        else:
            blocks.append(
                (True, "\n".join([_call(f"@{state}", options), *_generator(name, action)]))
            )
    out = LAYOUT_PREFIX + json.dumps(layout, separators=(", ", ": "))
    previous_is_def = False
    for is_def, text in blocks:
        out += ("\n\n\n" if is_def or previous_is_def else "\n\n") + text
        previous_is_def = is_def
    return out + "\n"


def _options(machine: Machine, name: str) -> list[str]:
    options = []
    if machine.initial == name:
        options.append("initial=True")
    if machine.is_final(name):
        options.append("final=True")
    on: dict[str, list[Any]] = {}
    for t in machine.transitions:
        if t.source == name:
            on.setdefault(t.event, []).append((t.target, t.guard) if t.guard else t.target)
    if on:
        written = {e: targets[0] if len(targets) == 1 else targets for e, targets in on.items()}
        # Not through `_literal`: JSON has no tuples, and a `(target, guard)` pair must stay one.
        options.append(f"on={_render(written, 4)}")
    if machine.description(name):
        options.append(f"description={_string(machine.description(name))}")
    return options


def _call(fn: str, arguments: list[str]) -> str:
    one_line = f"{fn}({', '.join(arguments)})"
    if len(one_line) <= _WIDTH and "\n" not in one_line:
        return one_line
    inner = ",\n".join("    " + a for a in arguments)
    return f"{fn}(\n{inner},\n)"


def _generator(name: str, action: dict[str, Any]) -> list[str]:
    lines = [f"def {name}(ctx):"]
    literal = _literal(action["effect"], 4)
    if "\n" in literal or len(literal) > _WIDTH - 40:  # 40: `    result = yield effect_from_json(`
        literal = "\n        " + _literal(action["effect"], 8) + "\n    "
    effect = f"effect_from_json({literal})"
    save_as, then, route = action.get("save_as", ""), action.get("then"), action.get("route")
    if save_as or route:
        lines.append(f"    result = yield {effect}")
    else:
        lines.append(f"    yield {effect}")
    if save_as:
        lines.append(f"    ctx.data[{_string(save_as)}] = result")
    if route:
        lines.append(f"    return str(result) if result is not None else {_render(then, 0)}")
    else:
        lines.append(f"    return {_render(then, 0)}")
    return lines
