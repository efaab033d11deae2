"""Draw a machine: Graphviz DOT, mermaid `stateDiagram-v2`, and SVG through `dot`.

Every drawing takes the same highlights, so a widget can redraw a live run:
`current` (the state the run is in, lit), `visits` (how often each state was
entered, shown as `review ×3`), `failed` (states whose effects failed, red)
and `active` (the effects running in each state, listed under its name).

In the SVG every state is a `<g id="state-NAME" class="node state ...">`
(classes `initial`, `final`, `current`, `failed`, `visited`, `active`,
`undefined`) and every edge a `<g id="edge-N" class="edge transition ...">`,
N being the transition's index in `machine.transitions`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from fsmnb.errors import FsmnbError
from fsmnb.fsm.machine import Machine

__all__ = ("DiagramUnavailable", "to_dot", "to_mermaid", "to_svg")

_RANKDIRS = ("LR", "RL", "TB", "BT")
_CURRENT, _FAILED, _VISITED = "#fde68a", "#fecaca", "#e0f2fe"


class DiagramUnavailable(FsmnbError):
    """Graphviz's `dot` program, which draws SVG, is not installed."""

    def __init__(self) -> None:
        super().__init__(
            "Drawing needs Graphviz's `dot` program, which is not installed. Install it "
            "(`apt-get install graphviz`, `brew install graphviz`, or `conda install graphviz`); "
            "`to_mermaid()` works without it."
        )


class _Look:
    """The highlights of one drawing, checked once."""

    def __init__(
        self,
        machine: Machine,
        current: str | None,
        visits: Mapping[str, int] | None,
        failed: Iterable[str],
        active: Mapping[str, Sequence[str]] | None,
        rankdir: str,
    ) -> None:
        if rankdir not in _RANKDIRS:
            raise ValueError(f"rankdir must be one of {', '.join(_RANKDIRS)}, got {rankdir!r}")
        self.machine, self.current, self.rankdir = machine, current, rankdir
        self.visits, self.failed, self.active = visits or {}, frozenset(failed), active or {}
        known = set(machine.states)
        ends = [machine.initial, *(e for t in machine.transitions for e in (t.source, t.target))]
        self.undefined = tuple(s for s in dict.fromkeys(ends) if s and s not in known)

    def label(self, state: str) -> list[str]:
        n = self.visits.get(state, 0)
        return [f"{state} ×{n}" if n else state, *self.active.get(state, ())]

    def classes(self, state: str) -> list[str]:
        flags = {
            "initial": state == self.machine.initial,
            "final": state in self.machine.finals,
            "current": state == self.current,
            "failed": state in self.failed,
            "visited": self.visits.get(state, 0) > 0,
            "active": bool(self.active.get(state)),
            "undefined": state in self.undefined,
        }
        return [name for name, on in flags.items() if on]


def to_dot(
    machine: Machine,
    *,
    current: str | None = None,
    visits: Mapping[str, int] | None = None,
    failed: Iterable[str] = (),
    active: Mapping[str, Sequence[str]] | None = None,
    rankdir: str = "LR",
) -> str:
    """Graphviz DOT text for `machine`, with a live run's highlights.

    Args:
        machine: the machine to draw.
        current: the state to light up.
        visits: how many times each state was entered (shown as `name ×n`).
        failed: states to draw in red.
        active: the effects running in each state, listed under its name.
        rankdir: the layout direction: `LR`, `RL`, `TB` or `BT`.

    Returns:
        DOT text; final states are double circles, an arrow from a point marks
        the initial state, guards show on edges as `event [guard]`.
    """
    look = _Look(machine, current, visits, failed, active, rankdir)
    lines = [
        f"digraph {_q(machine.name)} {{",
        f'  graph [rankdir={rankdir}, id={_q("machine-" + machine.name)}, class="fsmnb-machine"];',
        '  node [shape=circle, fontname="Helvetica", fontsize=12, style=filled, fillcolor=white];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    if machine.initial:
        # "(initial)" cannot collide with a state: spec names never hold parentheses.
        lines.append(
            '  "(initial)" [shape=point, width=0.15, fillcolor=black, id="initial-marker", class="initial"];'
        )
        lines.append(f'  "(initial)" -> {_q(machine.initial)} [id="edge-initial"];')
    for state in dict.fromkeys([*machine.states, *look.undefined]):
        classes = look.classes(state)
        attrs = {
            "id": f"state-{state}",
            "class": " ".join(["state", *classes]),
            "label": "\n".join(look.label(state)),
        }
        if "final" in classes:
            attrs["shape"] = "doublecircle"
        if text := machine.description(state):
            attrs["tooltip"] = text
        if "undefined" in classes:
            attrs.update(style="dashed", color="#b91c1c")
        if "visited" in classes:
            attrs["fillcolor"] = _VISITED
        if "current" in classes:
            attrs.update(fillcolor=_CURRENT, penwidth="2.5")
        if "failed" in classes:
            attrs.update(fillcolor=_FAILED, color="#b91c1c", fontcolor="#7f1d1d")
        lines.append(f"  {_q(state)} [{_attrs(attrs)}];")
    for i, t in enumerate(machine.transitions):
        attrs = {
            "id": f"edge-{i}",
            "class": "transition from-current" if t.source == current else "transition",
            "label": f"{t.event} [{t.guard}]" if t.guard else t.event,
        }
        lines.append(f"  {_q(t.source)} -> {_q(t.target)} [{_attrs(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid(
    machine: Machine,
    *,
    current: str | None = None,
    visits: Mapping[str, int] | None = None,
    failed: Iterable[str] = (),
    active: Mapping[str, Sequence[str]] | None = None,
    rankdir: str = "LR",
) -> str:
    """Mermaid `stateDiagram-v2` text for `machine`; same highlights as `to_dot`.

    `[*]` marks the start and the end; states whose names are not plain
    identifiers get generated ids (`s0`, `s1`, ...) and keep their name as label.
    """
    look = _Look(machine, current, visits, failed, active, rankdir)
    states = list(dict.fromkeys([*machine.states, *look.undefined]))
    ids = _mermaid_ids(states)
    lines = ["stateDiagram-v2", f"    direction {rankdir}"]
    for s in states:
        label = look.label(s)
        if label[0] != s or ids[s] != s:
            lines.append(f'    state "{_m(label[0])}" as {ids[s]}')
        lines += [
            f"    {ids[s]} : {_m(text)}" for text in [machine.description(s), *label[1:]] if text
        ]
    if machine.initial:
        lines.append(f"    [*] --> {ids[machine.initial]}")
    for t in machine.transitions:
        edge = f"{t.event} [{t.guard}]" if t.guard else t.event
        lines.append(f"    {ids[t.source]} --> {ids[t.target]} : {_m(edge)}")
    lines += [f"    {ids[s]} --> [*]" for s in states if s in machine.finals]
    styles = {"current": _CURRENT, "failed": _FAILED, "visited": _VISITED}
    for name, colour in styles.items():
        marked = [ids[s] for s in states if name in look.classes(s)]
        if marked:
            lines.append(f"    classDef {name} fill:{colour}")
            lines.append(f"    class {','.join(marked)} {name}")
    return "\n".join(lines) + "\n"


def to_svg(
    machine: Machine,
    *,
    current: str | None = None,
    visits: Mapping[str, int] | None = None,
    failed: Iterable[str] = (),
    active: Mapping[str, Sequence[str]] | None = None,
    rankdir: str = "LR",
) -> str:
    """An SVG drawing of `machine` (arguments as `to_dot`), rendered by Graphviz's `dot`.

    Drawings are cached by their DOT text, so redrawing an unchanged run is free.

    Raises:
        DiagramUnavailable: when the `dot` program is not installed.
    """
    dot = to_dot(
        machine, current=current, visits=visits, failed=failed, active=active, rankdir=rankdir
    )
    return _render(dot)


@lru_cache(maxsize=256)
def _render(dot: str) -> str:
    import graphviz

    try:
        svg: str = graphviz.Source(dot).pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise DiagramUnavailable() from None
    return svg


def mimebundle(
    machine: Machine,
    include: Any = None,
    exclude: Any = None,
    *,
    text: str | None = None,
    header: str = "",
    css_class: str = "fsmnb-machine",
    **highlights: Any,
) -> dict[str, str]:
    """What Jupyter shows for a machine: a text summary, and an SVG (or mermaid) drawing.

    Args:
        include, exclude: Jupyter's mime-type filters.
        text: the `text/plain` form (default: `summary(machine)`).
        header: HTML put above the drawing.
        css_class: the class of the wrapping `<div>`.
        **highlights: `current`, `visits`, `failed`, `active`, as for `to_dot`.
    """
    bundle = {"text/plain": summary(machine) if text is None else text}
    try:
        svg = to_svg(machine, **highlights)
    except DiagramUnavailable:
        drawing = f'<pre class="mermaid">{html.escape(to_mermaid(machine, **highlights))}</pre>'
    else:
        bundle["image/svg+xml"] = svg
        drawing = svg[svg.find("<svg") :]
    bundle["text/html"] = f'<div class="{css_class}">{header}{drawing}</div>'
    return {
        k: v
        for k, v in bundle.items()
        if (not include or k in include) and (not exclude or k not in exclude)
    }


def summary(machine: Machine) -> str:
    """A readable multi-line text: name, initial and final states, every transition."""
    lines = [
        f"Machine `{machine.name}`: {len(machine.states)} states, "
        f"{len(machine.transitions)} transitions",
        f"  initial: {machine.initial}",
        f"  finals:  {', '.join(sorted(machine.finals)) or '(none)'}",
        *(f"  {t}" for t in machine.transitions),
    ]
    return "\n".join(lines)


def _q(text: str) -> str:
    """A DOT quoted string: backslashes and quotes escaped, newlines as centred breaks."""
    escaped = _visible(text, keep="\r\n").replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n") + '"'


def _visible(text: str, keep: str = "") -> str:
    """Control characters (which `dot` refuses) as their Unicode pictures: NUL as `␀`."""
    return "".join(
        chr(0x2400 + ord(c)) if ord(c) < 0x20 and c not in keep else "␡" if c == "\x7f" else c
        for c in text
    )


def _attrs(attrs: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={_q(v)}" for k, v in attrs.items())


_MERMAID_CODES = {"#": "#35;", '"': "#quot;", ";": "#59;", ":": "#58;"}
_MERMAID_WORDS = frozenset({"state", "note", "direction", "class", "classDef", "end", "style"})


def _plain_id(name: str) -> bool:
    return re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) is not None and name not in _MERMAID_WORDS


def _mermaid_ids(states: Sequence[str]) -> dict[str, str]:
    """Each state's mermaid id: its name when that is safe, else `s<index>`, never colliding."""
    taken = {s for s in states if _plain_id(s)}
    ids = {}
    for i, s in enumerate(states):
        made = s
        if s not in taken:
            made = f"s{i}"
            while made in taken:
                made += "_"
            taken.add(made)
        ids[s] = made
    return ids


def _m(text: str) -> str:
    """Mermaid text: entity codes for the characters its parser would take as syntax."""
    text = re.sub(r'[#";:]', lambda m: _MERMAID_CODES[m.group()], " ".join(text.split()))
    return _visible(text)
