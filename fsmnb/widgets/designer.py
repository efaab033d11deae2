"""`Designer`: draw a workflow in the notebook, see it validated live, export it, debug its runs.

The drawing is one synced trait, `doc` (`fsmnb.designer.document`): every view
of a designer shows it, a saved notebook keeps it, and the browser changes it
only by sending edits (``{"type": "edit", "op": "add_state", "args": {...}}``)
that Python applies (`fsmnb.designer.History`, so undo/redo live here), checks,
and sends back with the `problems` pinned to states and edges. Callables and
guards are chosen from `callables`, what the kernel has registered — never
typed as code. The run panel is a `Debugger`: a run of the drawing with
breakpoints on states, stepping, data and events, on the public run API.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import traitlets as t

from fsmnb.designer import History, build_workflow, load, problems, to_cell, to_json, to_module
from fsmnb.designer.codegen import to_yaml
from fsmnb.designer.document import Doc, empty, machine_of
from fsmnb.designer.library import library, templates
from fsmnb.effects.registry import callable_names
from fsmnb.effects.spec import effect_schema
from fsmnb.errors import DefinitionError, FsmnbError
from fsmnb.widgets._assets import asset
from fsmnb.widgets._debugger import Debugger
from fsmnb.widgets._live import LiveWidget
from fsmnb.workflow.workflow import Workflow

__all__ = ("Designer", "design")

_EXPORTS: dict[str, Callable[[Doc], str]] = {
    "cell": to_cell,
    "module": to_module,
    "json": to_json,
    "yaml": to_yaml,
}


class Designer(LiveWidget):
    """A visual editor of one workflow, with live validation, export and a debugger.

    Args:
        source: what to open: None (a new drawing), a `Workflow`, a `Machine`, a
            designer document or spec (dict), JSON/YAML/code text, or a path to a file.
            What cannot be read is listed in `notes`; nothing in it is run.
        name: the workflow's name for a new drawing.

    Traits (same names in `widgets/designer.js`):
        doc: the drawing (machine spec, actions, layout).
        problems: what `Workflow.check()` would say, each ``{message, fix, states, edges}``.
        notes: what could not be read when the drawing was opened.
        callables: the registered callable names (for code actions, `call` and guards).
        schema: the effects' JSON schema (forms are generated from it).
        library: effect starters by group, and the AI templates.
        can_undo, can_redo: whether undo/redo would do anything.
        error: the last refused edit or failed export.
        exported: ``{format, text}``, the last export (the browser inserts a cell from it).
        run: the debug run: ``{id, state, status, paused, visits, active, data,
            allowed_events, error}`` (empty before the first run).
        timeline: the debug run's latest events. breakpoints: states the run pauses in.

    Example:
        >>> d = Designer(name="support")
        >>> d.edit("add_state", name="done", final=True)
        >>> d.edit("add_transition", source="start", target="done")
        >>> d.edit("set_action", name="start", action={"effect": {"kind": "log", "message": "hi"},
        ...                                            "then": "next"})
        >>> d.workflow.run_sync().state
        'done'
    """

    _esm = asset("designer.js")
    _css = asset("designer.css")

    doc = t.Dict().tag(sync=True)
    problems = t.List(t.Dict()).tag(sync=True)
    notes = t.List(t.Unicode()).tag(sync=True)
    callables = t.List(t.Unicode()).tag(sync=True)
    schema = t.Dict().tag(sync=True)
    library = t.Dict().tag(sync=True)
    can_undo = t.Bool(False).tag(sync=True)
    can_redo = t.Bool(False).tag(sync=True)
    error = t.Unicode("").tag(sync=True)
    exported = t.Dict().tag(sync=True)
    run = t.Dict().tag(sync=True)
    timeline = t.List(t.Dict()).tag(sync=True)
    breakpoints = t.List(t.Unicode()).tag(sync=True)

    def __init__(self, source: Any = None, *, name: str = "workflow", **kwargs: Any) -> None:
        notes: list[str] = []
        functions: dict[str, Callable[..., Any]] = {}
        if source is None:
            doc = empty(name)
        else:
            doc, notes, functions = load(Path(source) if _is_path(source) else source)
        self._history = History(doc)
        self._functions = functions
        self._debugger = Debugger(self._touch)
        self._last_run: Any = None
        super().__init__(
            notes=notes, library=library(), schema=effect_schema(), **self._values(), **kwargs
        )
        self.on_msg(self._on_msg)
        _load_magics()  # an exported `%%workflow` cell must run in this kernel as it is

    # -- the drawing --------------------------------------------------------------------------------

    def _values(self) -> dict[str, Any]:
        history = self._history
        return {
            "doc": history.doc,
            "problems": problems(history.doc, functions=self._functions),
            "callables": sorted({*callable_names(), *self._functions}),
            "can_undo": bool(history.undos),
            "can_redo": bool(history.redos),
            **self._debugger.values(),
        }

    @property
    def workflow(self) -> Workflow:
        """The drawn workflow, runnable (`DefinitionError` listing every problem otherwise)."""
        return build_workflow(self._history.doc, functions=self._functions).check()

    def edit(self, op: str, /, **arguments: Any) -> None:
        """Apply one edit (`fsmnb.designer.EDITS`), as the browser does; undoable.

        Raises:
            DefinitionError: the edit is refused (nothing changes).
        """
        self._history.apply(op, **arguments)
        self.notes = []
        self.flush()

    def undo(self) -> None:
        """Undo the last edit."""
        self._history.undo()
        self.flush()

    def redo(self) -> None:
        """Redo the last undone edit."""
        self._history.redo()
        self.flush()

    def layout(self) -> None:
        """Place every state as Graphviz's `dot` would (an undoable edit)."""
        self.edit("set_layout", positions=graphviz_positions(self._history.doc))

    def code(self, kind: str = "cell") -> str:
        """The drawing as `cell` (a `%%workflow` cell), `module`, `json` or `yaml` text."""
        if kind not in _EXPORTS:
            raise DefinitionError(f"Unknown export `{kind}`; use one of {', '.join(_EXPORTS)}.")
        return _EXPORTS[kind](self._history.doc)

    def export(self, kind: str = "cell") -> str:
        """Put the drawing's code in a new cell below the one running this (`set_next_input`).

        Returns the text, which is also the `exported` trait; the widget's export
        button inserts it from the browser instead.
        """
        text = self.code(kind)
        self.exported = {"format": kind, "text": text}
        shell = _shell()
        if shell is not None and kind in ("cell", "module"):
            shell.set_next_input(text, replace=False)
        return text

    # -- debugging ----------------------------------------------------------------------------------

    def start(self, data: dict[str, Any] | None = None, /, **kwargs: Any) -> Any:
        """Start a debug run of the drawing (cancelling the last one) and return it.

        The run pauses on entering a state with a breakpoint until `resume()` or `step()`.
        """
        run = self._debugger.start(
            self._history.doc, {**(data or {}), **kwargs}, functions=self._functions
        )
        self._last_run = run
        return run

    @property
    def debug_run(self) -> Any:
        """The last debug run (None before the first)."""
        return self._last_run

    def breakpoint(self, state: str, on: bool = True) -> None:
        """Set (or clear) a breakpoint: debug runs pause on entering `state`."""
        machine_states = machine_of(self._history.doc).states
        if state not in machine_states:
            raise DefinitionError(f"The drawing has no state `{state}`.")
        self._debugger.toggle(state, on)

    def resume(self) -> None:
        """Let a paused debug run go on to the next breakpoint."""
        self._debugger.resume()

    def step(self) -> None:
        """Let a paused debug run go on into the next state, and pause there."""
        self._debugger.step()

    # -- messages from the browser ------------------------------------------------------------------

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        try:
            self._handle(kind, content)
        except (FsmnbError, TypeError, ValueError, KeyError) as exc:
            self.error = str(exc)
            self.flush()
        else:
            if self.error:
                self.error = ""

    def _handle(self, kind: Any, content: dict[str, Any]) -> None:
        if kind == "edit":
            arguments = content.get("args") or {}
            self.edit(str(content.get("op")), **arguments)
        elif kind == "undo":
            self.undo()
        elif kind == "redo":
            self.redo()
        elif kind == "layout":
            self.layout()
        elif kind == "template":
            part = templates()[str(content.get("name"))][1]
            self.edit("insert", part=part, x=content.get("x", 80.0), y=content.get("y", 80.0))
        elif kind == "export":
            kind = str(content.get("format", "cell"))
            self.exported = {"format": kind, "text": self.code(kind)}
        elif kind == "refresh":
            self.flush()
        elif kind == "run":
            data = content.get("data") or {}
            if not isinstance(data, dict):
                raise DefinitionError('The run\'s data must be a JSON object, e.g. {"x": 1}.')
            self._on_loop(self.start, data)
        elif kind == "breakpoint":
            self.breakpoint(str(content.get("state")), bool(content.get("on", True)))
        elif kind == "continue":
            self._on_loop(self.resume)
        elif kind == "step":
            self._on_loop(self.step)
        elif kind == "send" and self._last_run is not None:
            run, event = self._last_run, str(content.get("event"))
            self._on_loop(lambda: run.send(event))
        elif kind == "cancel" and self._last_run is not None:
            self._on_loop(self._last_run.cancel, "cancelled from the designer")

    def _on_loop(self, fn: Callable[..., Any], *args: Any) -> None:
        """Call `fn` on the kernel's loop (comm messages may arrive off it)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            if self._loop is not None and self._loop.is_running():
                self._loop.call_soon_threadsafe(self._guarded, fn, *args)
                return
        self._guarded(fn, *args)

    def _guarded(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            fn(*args)
        except FsmnbError as exc:
            self.error = str(exc)
        self._touch()

    def __repr__(self) -> str:
        machine = self._history.doc["machine"]
        return (
            f"Designer({machine['name']!r}: {len(machine['states'])} states, "
            f"{len(machine['transitions'])} transitions, {len(self.problems)} problems)"
        )


def design(source: Any = None, *, name: str = "workflow") -> Designer:
    """Open the visual designer on `source` (see `Designer`); display it to draw."""
    return Designer(source, name=name)


def graphviz_positions(doc: Doc) -> dict[str, list[float]]:
    """Each state's position in Graphviz's `dot` layout, in canvas pixels.

    The layout is computed for boxes the size the canvas draws (130 × 50 px,
    top to bottom), so Graphviz's points are the canvas's pixels.

    Raises:
        DiagramUnavailable: Graphviz's `dot` is not installed.
    """
    import graphviz

    from fsmnb.fsm.diagram import DiagramUnavailable

    machine = machine_of(doc)
    lines = [
        "digraph layout {",
        "  rankdir=TB; nodesep=0.35; ranksep=0.45;",
        "  node [shape=box, width=1.81, height=0.69, fixedsize=true];",
        "  edge [fontsize=11];",
    ]
    lines += [f"  {_quote(state)};" for state in machine.states]
    lines += [
        f"  {_quote(t.source)} -> {_quote(t.target)} [label={_quote(t.event)}];"
        for t in machine.transitions
        if t.source in machine.states and t.target in machine.states
    ]
    lines.append("}")
    try:
        laid = json.loads(graphviz.Source("\n".join(lines)).pipe(format="json", encoding="utf-8"))
    except graphviz.ExecutableNotFound:
        raise DiagramUnavailable() from None
    height = float(laid.get("bb", "0,0,0,0").split(",")[3])
    positions: dict[str, list[float]] = {}
    for node in laid.get("objects", []):
        if "pos" in node and node.get("name") in machine.states:
            x, y = (float(v) for v in node["pos"].split(","))
            positions[node["name"]] = [round(60 + x, 1), round(50 + height - y, 1)]
    return positions


def _quote(text: str) -> str:
    """A DOT string literal (spec names are plain already; quote them anyway)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _is_path(source: Any) -> bool:
    if isinstance(source, Path):
        return True
    return (
        isinstance(source, str)
        and "\n" not in source
        and source.endswith((".json", ".yaml", ".yml", ".py", ".ipynb"))
    )


def _load_magics() -> None:
    shell = _shell()
    if shell is not None and "workflow" not in shell.magics_manager.magics.get("cell", {}):
        shell.run_line_magic("load_ext", "fsmnb")


def _shell() -> Any:
    import sys

    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None
