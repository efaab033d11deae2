"""Edits of a designer document, as data, and the undo/redo history.

Every edit is a pure function `(doc, **arguments) -> new doc`; the widget sends
them as messages (``{"type": "edit", "op": "rename_state", "old": "a", "new": "b"}``)
and `History.apply` runs one and keeps the previous document for undo. An
edit that makes no sense (a name that is not an identifier, a state that does
not exist) raises `DefinitionError` and changes nothing. Edits never check
whether the workflow is sound: the designer shows those problems live.
"""

from __future__ import annotations

import copy
import json
import keyword
from collections.abc import Callable
from typing import Any

from fsmnb.designer.document import Doc, normalize, parse_action
from fsmnb.errors import DefinitionError

__all__ = ("EDITS", "History", "apply_edit", "check_name")

MAX_HISTORY = 200
MAX_STATES = 500
MAX_TRANSITIONS = 5_000
MAX_ACTION = 1_000_000  # characters of one action's JSON (an effect tree's strings included)
Edit = Callable[..., Doc]
EDITS: dict[str, Edit] = {}


def _edit(fn: Edit) -> Edit:
    EDITS[fn.__name__] = fn
    return fn


def check_name(name: Any, what: str = "state") -> str:
    """`name` if it can name a state or event in generated code; `DefinitionError` otherwise."""
    if (
        not isinstance(name, str)
        or not name.isidentifier()
        or not name.isascii()
        or keyword.iskeyword(name)
        or len(name) > 100
    ):
        raise DefinitionError(
            f"{what.capitalize()} name `{str(name)[:40]}` is not a Python identifier. "
            "Use letters, digits and `_`, starting with a letter, e.g. `review_draft`."
        )
    return name


def apply_edit(doc: Doc, op: str, **arguments: Any) -> Doc:
    """The document after the edit `op`; `DefinitionError` for an unknown or refused edit."""
    edit = EDITS.get(op)
    if edit is None:
        known = ", ".join(f"`{n}`" for n in EDITS)
        raise DefinitionError(f"Unknown designer edit `{op}`. Known: {known}.")
    try:
        return edit(copy.deepcopy(doc), **arguments)
    except TypeError as exc:
        if isinstance(exc, DefinitionError):
            raise
        raise DefinitionError(f"Designer edit `{op}` got bad arguments: {exc}.") from None


class History:
    """The current document with its undo and redo stacks (at most `MAX_HISTORY` each)."""

    def __init__(self, doc: Doc) -> None:
        self.doc = normalize(doc)
        self.undos: list[Doc] = []
        self.redos: list[Doc] = []

    def apply(self, op: str, **arguments: Any) -> Doc:
        """Apply one edit; the previous document can be restored with `undo()`."""
        return self.replace(apply_edit(self.doc, op, **arguments))

    def replace(self, doc: Doc) -> Doc:
        """Make `doc` the current document (an undoable step)."""
        self.undos.append(self.doc)
        del self.undos[:-MAX_HISTORY]
        self.redos.clear()
        self.doc = normalize(doc)
        return self.doc

    def undo(self) -> bool:
        """Go back one edit; False when there is nothing to undo."""
        if not self.undos:
            return False
        self.redos.append(self.doc)
        self.doc = self.undos.pop()
        return True

    def redo(self) -> bool:
        """Re-apply the last undone edit; False when there is nothing to redo."""
        if not self.redos:
            return False
        self.undos.append(self.doc)
        self.doc = self.redos.pop()
        return True


# -- the edits -------------------------------------------------------------------------------------


def _states(doc: Doc) -> list[dict[str, Any]]:
    return doc["machine"]["states"]  # type: ignore[no-any-return]


def _names(doc: Doc) -> list[str]:
    return [s["name"] for s in _states(doc)]


def _find(doc: Doc, name: str) -> dict[str, Any]:
    for s in _states(doc):
        if s["name"] == name:
            return s
    known = ", ".join(f"`{n}`" for n in _names(doc)) or "none"
    raise DefinitionError(f"The drawing has no state `{name}` (states: {known}).")


def _fresh(taken: list[str], stem: str) -> str:
    n = 1
    while f"{stem}_{n}" in taken:
        n += 1
    return f"{stem}_{n}"


@_edit
def add_state(
    doc: Doc,
    name: str | None = None,
    x: float = 80.0,
    y: float = 80.0,
    action: dict[str, Any] | None = None,
    final: bool = False,
    description: str = "",
) -> Doc:
    """Add a state at `(x, y)` (named `state_N` when no name is given)."""
    names = _names(doc)
    if len(names) >= MAX_STATES:
        raise DefinitionError(f"A drawing holds at most {MAX_STATES} states.")
    name = check_name(name) if name is not None else _fresh(names, "state")
    if name in names:
        raise DefinitionError(f"State `{name}` already exists. Pick another name.")
    state: dict[str, Any] = {"name": name}
    if description:
        state["description"] = str(description)[:2000]
    if final:
        state["final"] = True
    _states(doc).append(state)
    if not names:
        doc["machine"]["initial"] = name
    if action is not None:
        doc["actions"][name] = parse_action(action).model_dump(exclude_defaults=True) | {
            "kind": action.get("kind", "effect")
        }
    doc["layout"][name] = [float(x), float(y)]
    return doc


@_edit
def move_state(doc: Doc, name: str, x: float, y: float) -> Doc:
    """Place state `name` at `(x, y)` (free placement is kept in the document)."""
    _find(doc, name)
    doc["layout"][name] = [float(x), float(y)]
    return doc


@_edit
def set_layout(doc: Doc, positions: dict[str, list[float]]) -> Doc:
    """Place many states at once (the layout button)."""
    known = set(_names(doc))
    for name, (x, y) in positions.items():
        if name in known:
            doc["layout"][name] = [float(x), float(y)]
    return doc


@_edit
def rename_state(doc: Doc, old: str, new: str) -> Doc:
    """Rename a state everywhere: transitions, initial, action and layout follow."""
    check_name(new)
    state = _find(doc, old)
    if new == old:
        return doc
    if new in _names(doc):
        raise DefinitionError(f"State `{new}` already exists. Pick another name.")
    state["name"] = new
    machine = doc["machine"]
    if machine["initial"] == old:
        machine["initial"] = new
    for t in machine["transitions"]:
        t["source"] = new if t["source"] == old else t["source"]
        t["target"] = new if t["target"] == old else t["target"]
    for table in (doc["actions"], doc["layout"]):
        if old in table:
            table[new] = table.pop(old)
    return doc


@_edit
def delete_state(doc: Doc, name: str) -> Doc:
    """Delete a state and every transition into or out of it."""
    _find(doc, name)
    machine = doc["machine"]
    machine["states"] = [s for s in machine["states"] if s["name"] != name]
    machine["transitions"] = [
        t for t in machine["transitions"] if name not in (t["source"], t["target"])
    ]
    if machine["initial"] == name:
        machine["initial"] = machine["states"][0]["name"] if machine["states"] else ""
    doc["actions"].pop(name, None)
    doc["layout"].pop(name, None)
    return doc


@_edit
def set_initial(doc: Doc, name: str) -> Doc:
    """Make `name` the initial state."""
    _find(doc, name)
    doc["machine"]["initial"] = name
    return doc


@_edit
def set_final(doc: Doc, name: str, final: bool = True) -> Doc:
    """Mark `name` final (a run ends there) or not."""
    state = _find(doc, name)
    if final:
        state["final"] = True
    else:
        state.pop("final", None)
    return doc


@_edit
def set_description(doc: Doc, name: str, description: str) -> Doc:
    """Set a state's one-line description."""
    state = _find(doc, name)
    if description:
        state["description"] = str(description)[:2000]
    else:
        state.pop("description", None)
    return doc


@_edit
def set_action(doc: Doc, name: str, action: dict[str, Any] | None) -> Doc:
    """Set what a state does (see `fsmnb.designer.document`), or None for a waiting state.

    The action's shape is checked here; its effect tree is checked live with
    the other problems, so a half-filled form can be kept while it is edited.
    """
    _find(doc, name)
    if action is None:
        doc["actions"].pop(name, None)
    else:
        size = len(json.dumps(action, default=repr))
        if size > MAX_ACTION:
            raise DefinitionError(
                f"The action of `{name}` is {size:,} characters of JSON; at most {MAX_ACTION:,}."
            )
        parsed = parse_action(action)
        doc["actions"][name] = {
            "kind": parsed.kind,
            **parsed.model_dump(exclude_defaults=True, exclude={"kind"}),
        }
    return doc


@_edit
def add_transition(
    doc: Doc, source: str, target: str, event: str | None = None, guard: str | None = None
) -> Doc:
    """Add `source --event--> target` (the event named `next`, `next_2`, … when not given)."""
    _find(doc, source)
    _find(doc, target)
    if len(doc["machine"]["transitions"]) >= MAX_TRANSITIONS:
        raise DefinitionError(f"A drawing holds at most {MAX_TRANSITIONS:,} transitions.")
    taken = [t["event"] for t in doc["machine"]["transitions"] if t["source"] == source]
    if event is None:
        event = "next" if "next" not in taken else _fresh(taken, "next")
    edge: dict[str, Any] = {"source": source, "event": check_name(event, "event"), "target": target}
    if guard:
        edge["guard"] = check_name(guard, "guard")
    doc["machine"]["transitions"].append(edge)
    return doc


def _edge(doc: Doc, index: int) -> dict[str, Any]:
    edges = doc["machine"]["transitions"]
    if not isinstance(index, int) or not 0 <= index < len(edges):
        raise DefinitionError(f"The drawing has no transition number {index!r}.")
    return edges[index]  # type: ignore[no-any-return]


@_edit
def update_transition(
    doc: Doc,
    index: int,
    event: str | None = None,
    guard: str | None = None,
    target: str | None = None,
    source: str | None = None,
) -> Doc:
    """Change a transition's event, guard (``""`` removes it), target or source."""
    edge = _edge(doc, index)
    if event is not None:
        edge["event"] = check_name(event, "event")
    if guard is not None:
        if guard:
            edge["guard"] = check_name(guard, "guard")
        else:
            edge.pop("guard", None)
    for end, value in (("target", target), ("source", source)):
        if value is not None:
            _find(doc, value)
            edge[end] = value
    return doc


@_edit
def delete_transition(doc: Doc, index: int) -> Doc:
    """Delete transition number `index`."""
    _edge(doc, index)
    del doc["machine"]["transitions"][index]
    return doc


@_edit
def rename_workflow(doc: Doc, name: str) -> Doc:
    """Rename the workflow (its name becomes the `%%workflow` cell's variable)."""
    doc["machine"]["name"] = check_name(name, "workflow")
    return doc


@_edit
def insert(doc: Doc, part: Doc, x: float = 80.0, y: float = 80.0) -> Doc:
    """Paste the states, transitions and actions of another document at `(x, y)`.

    Clashing state names get a suffix; the pasted part's initial state is not
    connected to anything, so a problem points at it until it is.
    """
    part = normalize(part)
    names = _names(doc)
    renames: dict[str, str] = {}
    for s in part["machine"]["states"]:
        new = s["name"] if s["name"] not in names else _fresh(names, s["name"])
        renames[s["name"]] = new
        names.append(new)
    if len(names) > MAX_STATES:
        raise DefinitionError(f"A drawing holds at most {MAX_STATES} states.")
    xs = [p[0] for p in part["layout"].values()] or [0.0]
    ys = [p[1] for p in part["layout"].values()] or [0.0]
    for s in part["machine"]["states"]:
        old = s["name"]
        _states(doc).append({**s, "name": renames[old]})
        px, py = part["layout"][old]
        doc["layout"][renames[old]] = [x + px - min(xs), y + py - min(ys)]
        if old in part["actions"]:
            doc["actions"][renames[old]] = part["actions"][old]
    for t in part["machine"]["transitions"]:
        doc["machine"]["transitions"].append(
            {**t, "source": renames[t["source"]], "target": renames[t["target"]]}
        )
    if not doc["machine"]["initial"]:
        doc["machine"]["initial"] = renames[part["machine"]["initial"]]
    return doc
