"""Open anything a drawing can come from: a document, a spec (JSON/YAML), code, a Workflow.

Every importer returns ``(doc, notes)``: the document, and what could not be
read, each note naming its place and the fix. Importing never raises on bad
input and never runs it: JSON and YAML go through the safe loaders, code is
read with `ast` (the shapes `fsmnb.designer.codegen` writes, plus plain
`@state` functions, shown as code actions), and a spec that does not validate
keeps the states and transitions that do.
"""

from __future__ import annotations

import ast
import inspect
import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from fsmnb.designer.codegen import LAYOUT_PREFIX
from fsmnb.designer.document import FORMAT, Doc, empty, from_machine, normalize
from fsmnb.effects.registry import callable_names, resolve_callable
from fsmnb.fsm.machine import Machine
from fsmnb.fsm.spec import MAX_TEXT, MachineSpec, StateSpec, TransitionSpec
from fsmnb.workflow.workflow import Workflow

__all__ = ("Functions", "load", "load_code", "load_text", "load_workflow")

Functions = dict[str, Callable[..., Any]]
Loaded = tuple[Doc, list[str], Functions]


def load(source: Any) -> Loaded:
    """Open `source`: a document dict, a spec dict, a `Machine`, a `Workflow`, text or a path.

    Returns:
        ``(doc, notes, functions)``: `functions` are a workflow's own state functions
        that no registered name covers, so a drawing opened on it still runs.
    """
    if isinstance(source, Workflow):
        return load_workflow(source)
    if isinstance(source, Machine):
        return from_machine(source), [], {}
    if isinstance(source, Path):
        try:
            text = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return empty(_stem(source)), [f"`{source}` could not be read: {exc}."], {}
        doc, notes, functions = load_text(text, name=_stem(source))
        return doc, notes, functions
    if isinstance(source, str | bytes):
        return load_text(source)
    if isinstance(source, dict):
        doc, notes = _from_data(source)
        return doc, notes, {}
    return empty(), [f"A drawing cannot be opened from {type(source).__name__}."], {}


def _stem(path: Path) -> str:
    stem = "".join(c if c.isalnum() else "_" for c in path.stem)
    return stem if stem.isidentifier() else "workflow"


def load_text(text: str | bytes, *, name: str = "workflow") -> Loaded:
    """Open JSON, YAML or code text (a `%%workflow` cell or a module)."""
    if len(text) > MAX_TEXT:
        return empty(name), [f"The text is too large: {len(text):,} characters."], {}
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            return empty(name), ["The file is not UTF-8 text."], {}
    stripped = text.lstrip()
    if stripped.startswith("%%workflow") or _looks_like_python(stripped):
        doc, notes = load_code(text)
        return doc, notes, {}
    try:
        data = json.loads(text) if stripped.startswith("{") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError, RecursionError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return empty(name), [f"The text is neither a spec nor a drawing: {reason}."], {}
    doc, notes = _from_data(data)
    return doc, notes, {}


def _looks_like_python(text: str) -> bool:
    first = text.split("\n", 1)[0]
    return first.startswith(('"""', "from ", "import ", "@", "def ", "#"))


def _from_data(data: Any) -> tuple[Doc, list[str]]:
    if not isinstance(data, dict):
        return empty(), [
            f"`$`: expected a spec or a drawing (an object), got {type(data).__name__}."
        ]
    if "machine" in data or data.get("format") == FORMAT:
        machine = data.get("machine")
        doc, notes = _salvage(machine)
        actions: dict[str, Any] = _mapping(data.get("actions"))
        layout: dict[str, Any] = _mapping(data.get("layout"))
        doc["actions"] = {k: v for k, v in actions.items() if isinstance(v, dict)}
        doc["layout"] = {
            k: v
            for k, v in layout.items()
            if isinstance(v, list) and len(v) == 2 and all(isinstance(c, int | float) for c in v)
        }
        return normalize(doc), notes
    return _salvage(data)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _sequence(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any, default: str = "") -> str:
    return value if isinstance(value, str) else default


def _salvage(spec: Any) -> tuple[Doc, list[str]]:
    """A document from a machine spec; the parts that do not validate are left out and noted."""
    try:
        return normalize(
            {
                "machine": MachineSpec.model_validate(spec).model_dump(
                    mode="json", exclude_defaults=True
                )
                | {"version": 1},
                "actions": {},
                "layout": {},
            }
        ), []
    except Exception as exc:  # pydantic's ValidationError, or anything a hostile spec raises
        first = str(exc).splitlines()
        notes = [f"The spec does not validate: {first[0] if first else exc}."]
    if not isinstance(spec, dict):
        return empty(), notes
    name = _text(spec.get("name"), "workflow")
    states, transitions = [], []
    for i, s in enumerate(_sequence(spec.get("states"))):
        try:
            states.append(
                StateSpec.model_validate(s).model_dump(mode="json", exclude_defaults=True)
            )
        except Exception:
            notes.append(f"`states[{i}]` is not a valid state and was left out.")
    for i, t in enumerate(_sequence(spec.get("transitions"))):
        try:
            model = TransitionSpec.model_validate(t)
            transitions.append(model.model_dump(mode="json", exclude_none=True))
        except Exception:
            notes.append(f"`transitions[{i}]` is not a valid transition and was left out.")
    initial = _text(spec.get("initial"))
    if not initial and states:
        initial = states[0]["name"]
    machine = {"name": name[:100], "initial": initial[:100], "states": states,
               "transitions": transitions, "version": 1}  # fmt: skip
    return normalize({"machine": machine, "actions": {}, "layout": {}}), notes


# -- workflows -----------------------------------------------------------------------------------


def load_workflow(wf: Workflow) -> Loaded:
    """The drawing of an existing workflow; state functions are read back where they can be.

    A function the designer built, or one whose source has the shape the code
    generator writes, becomes its effect action again; a registered callable
    becomes a code action naming it; any other function becomes a code action
    naming the function, kept in `functions` so the drawing still runs.
    """
    doc = from_machine(wf.machine)
    notes: list[str] = []
    functions: Functions = {}
    registered = {id(resolve_callable(n)): n for n in reversed(callable_names())}
    for sdef in wf.states.values():
        fn = sdef.action
        if fn is None:
            continue
        action = getattr(fn, "__fsmnb_action__", None) or _read_function(fn)
        if action is not None:
            doc["actions"][sdef.name] = action
            continue
        name = registered.get(id(fn)) or str(getattr(fn, "__name__", sdef.name))
        doc["actions"][sdef.name] = {"kind": "code", "fn": name}
        if name not in registered.values():
            functions[name] = fn
    for guard, fn in wf.guards.items():
        if registered.get(id(fn)) != guard:
            functions[guard] = fn
    return doc, notes, functions


def _read_function(fn: Callable[..., Any]) -> dict[str, Any] | None:
    try:
        source = textwrap.dedent(inspect.getsource(fn))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            return _generated_action(node)
    return None


# -- code ----------------------------------------------------------------------------------------


def load_code(text: str) -> tuple[Doc, list[str]]:
    """Read a `%%workflow` cell or a module (never running it) into a drawing."""
    lines = text.splitlines()
    name = "workflow"
    if lines and lines[0].startswith("%%workflow"):
        words = lines[0].split()
        name = words[1] if len(words) > 1 else name
        lines = lines[1:]
    source = "\n".join(lines)
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return empty(name), [f"The code does not parse: {exc}."]
    reader = _CodeReader(name)
    for node in tree.body:
        reader.statement(node)
    layout: dict[str, Any] = {}
    for line in lines:
        if line.startswith(LAYOUT_PREFIX):
            try:
                layout = json.loads(line[len(LAYOUT_PREFIX) :])
            except ValueError:
                reader.notes.append("The `# layout:` line is not JSON; states are placed anew.")
    return reader.document(layout)


class _CodeReader:
    """Collect states, transitions and actions from the statements of generated code."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.states: list[dict[str, Any]] = []
        self.transitions: list[dict[str, Any]] = []
        self.actions: dict[str, Any] = {}
        self.initial: str | None = None
        self.notes: list[str] = []

    def document(self, layout: dict[str, Any]) -> tuple[Doc, list[str]]:
        initial = self.initial or (self.states[0]["name"] if self.states else "")
        machine = {"name": self.name, "initial": initial, "states": self.states,
                   "transitions": self.transitions, "version": 1}  # fmt: skip
        doc, notes = _from_data({"machine": machine, "actions": self.actions, "layout": layout})
        return doc, self.notes + notes

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            return  # a docstring
        if isinstance(node, ast.ImportFrom | ast.Import):
            return
        if isinstance(node, ast.Assign) and self._assignment(node):
            return
        if isinstance(node, ast.FunctionDef) and node.decorator_list:
            call = node.decorator_list[0]
            if isinstance(call, ast.Call) and _called(call) == "state":
                options = self._keywords(call, node.lineno)
                if options is not None:
                    action = _generated_action(node)
                    if action is None:
                        self.notes.append(
                            f"Line {node.lineno}: state `{node.name}` is hand-written Python; "
                            f"it is shown as the code action `{node.name}` (register the "
                            "function under that name to run it from the drawing)."
                        )
                        action = {"kind": "code", "fn": node.name}
                    self._state(options.pop("name", node.name), action, options)
                    return
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            kind = _called(call)
            if kind == "final" and not call.keywords:
                try:
                    for arg in call.args:
                        self._state(ast.literal_eval(arg), None, {"final": True})
                    return
                except ValueError:
                    pass
            if kind == "add_state" and self._add_state(call):
                return
        self.notes.append(
            f"Line {node.lineno}: `{ast.unparse(node)[:60]}` is code the designer cannot draw; "
            "it was left out."
        )

    def _assignment(self, node: ast.Assign) -> bool:
        value = node.value
        if isinstance(value, ast.Call) and _called(value) == "Workflow" and value.args:
            try:
                self.name = str(ast.literal_eval(value.args[0]))
            except ValueError:
                return False
            return True
        target = node.targets[0]
        # `wf.guards["g"] = resolve_callable("g")`: the guard's name is in the transitions.
        return isinstance(target, ast.Subscript) and ast.unparse(target.value).endswith("guards")

    def _keywords(self, call: ast.Call, line: int) -> dict[str, Any] | None:
        try:
            return {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg}
        except ValueError:
            self.notes.append(f"Line {line}: the state's options are not plain data; left out.")
            return None

    def _add_state(self, call: ast.Call) -> bool:
        options = self._keywords(call, call.lineno)
        if options is None or not call.args:
            return False
        try:
            name = ast.literal_eval(call.args[0])
        except ValueError:
            return False
        action = None
        if len(call.args) > 1:
            fn = call.args[1]
            if isinstance(fn, ast.Call) and _called(fn) == "resolve_callable" and fn.args:
                action = {"kind": "code", "fn": ast.literal_eval(fn.args[0])}
            elif not (isinstance(fn, ast.Constant) and fn.value is None):
                return False
        self._state(name, action, options)
        return True

    def _state(self, name: Any, action: dict[str, Any] | None, options: dict[str, Any]) -> None:
        if not isinstance(name, str):
            self.notes.append(f"A state name must be text, got `{name!r:.40}`; left out.")
            return
        state: dict[str, Any] = {"name": name}
        if options.get("description"):
            state["description"] = str(options["description"])
        if options.get("final"):
            state["final"] = True
        self.states.append(state)
        if options.get("initial"):
            self.initial = name
        if action is not None:
            self.actions[name] = action
        on = options.get("on") or {}
        if not isinstance(on, dict):
            self.notes.append(
                f"State `{name}`: `on=` is not a mapping; its transitions are left out."
            )
            return
        for event, targets in on.items():
            for target in targets if isinstance(targets, list) else [targets]:
                edge = {"source": name, "event": event}
                if isinstance(target, tuple | list) and len(target) == 2:
                    edge.update(target=target[0], guard=target[1])
                else:
                    edge["target"] = target
                self.transitions.append(edge)


def _called(call: ast.Call) -> str:
    fn = call.func
    if isinstance(fn, ast.Attribute):
        return fn.attr
    return fn.id if isinstance(fn, ast.Name) else ""


def _generated_action(node: ast.FunctionDef) -> dict[str, Any] | None:
    """The effect action of a function shaped like the generated ones, or None."""
    body = [
        s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]
    if len(body) < 2:
        return None
    first, *middle, last = body
    value = first.value if isinstance(first, ast.Expr | ast.Assign) else None
    if not isinstance(value, ast.Yield) or not isinstance(value.value, ast.Call):
        return None
    call = value.value
    if _called(call) != "effect_from_json" or len(call.args) != 1:
        return None
    try:
        action: dict[str, Any] = {"kind": "effect", "effect": ast.literal_eval(call.args[0])}
    except ValueError:
        return None
    for statement in middle:  # ctx.data["key"] = result
        if not (
            isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Subscript)
        ):
            return None
        try:
            action["save_as"] = ast.literal_eval(statement.targets[0].slice)
        except ValueError:
            return None
    if not isinstance(last, ast.Return) or last.value is None:
        return None
    returned = last.value
    if isinstance(returned, ast.IfExp):
        action["route"] = True
        returned = returned.orelse
    try:
        then = ast.literal_eval(returned)
    except ValueError:
        return None
    if then is not None:
        action["then"] = then
    return action
