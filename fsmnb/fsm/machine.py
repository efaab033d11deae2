"""The state machine as pure data: states, transitions, guards, initial and final states.

A `Machine` is immutable, hashable and compared by value. `Machine.next` is a
pure dictionary lookup; everything that runs code (guards, actions) lives in
the workflow and the engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = ("Machine", "Transition")


@dataclass(frozen=True, slots=True, kw_only=True)
class Transition:
    """An edge `source --event--> target`, taken only when the named guard (if any) passes.

    Args:
        source: the state the edge leaves.
        event: the event name that triggers it.
        target: the state it enters.
        guard: the name of a guard predicate (resolved by the workflow), or None.
    """

    source: str
    event: str
    target: str
    guard: str | None = None

    def __str__(self) -> str:
        guard = f" [{self.guard}]" if self.guard else ""
        return f"{self.source} --{self.event}{guard}--> {self.target}"


def _index(transitions: Iterable[Transition]) -> Mapping[tuple[str, str], tuple[Transition, ...]]:
    table: dict[tuple[str, str], list[Transition]] = {}
    for t in transitions:
        table.setdefault((t.source, t.event), []).append(t)
    # Unguarded edges go last so that guarded alternatives are tried first.
    return MappingProxyType(
        {k: tuple(sorted(v, key=lambda t: t.guard is None)) for k, v in table.items()}
    )


@dataclass(frozen=True, slots=True)
class Machine:
    """A finite state machine as pure data.

    Build it directly, with `Machine.build(...)`, from a spec (`Machine.from_json`,
    `Machine.from_yaml`), or let a `Workflow` build it from its `@state`s.
    Call `validate()` (workflows do it for you) to check it.

    Args:
        name: the machine's name.
        states: every state, in declaration order.
        transitions: every edge.
        initial: the initial state.
        finals: the final states.
        descriptions: optional one-line description per state (shown in diagrams and specs).

    Example:
        >>> m = Machine.build("door", initial="closed", finals=["broken"],
        ...     transitions=[("closed", "open", "opened"), ("opened", "close", "closed"),
        ...                  ("opened", "kick", "broken")])
        >>> m.next("closed", "open")
        'opened'
    """

    name: str
    states: tuple[str, ...]
    transitions: tuple[Transition, ...]
    initial: str
    finals: frozenset[str]
    descriptions: tuple[tuple[str, str], ...] = ()
    _table: Mapping[tuple[str, str], tuple[Transition, ...]] = field(
        init=False, repr=False, compare=False, hash=False
    )
    _events: Mapping[str, tuple[str, ...]] = field(
        init=False, repr=False, compare=False, hash=False
    )
    #: `(state, event) -> target` for pairs whose only edge is unguarded: the engine's fast path.
    _direct: dict[tuple[str, str], str] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        # Descriptions are a mapping kept as a tuple so the machine stays hashable: store them in
        # one canonical order (by state, empty ones dropped, the first of duplicates kept) so that
        # two machines that describe their states alike compare equal whatever order they came in.
        canonical: dict[str, str] = {}
        for state, text in self.descriptions:
            if text:
                canonical.setdefault(state, text)
        object.__setattr__(self, "descriptions", tuple(sorted(canonical.items())))
        object.__setattr__(self, "_table", _index(self.transitions))
        object.__setattr__(
            self,
            "_direct",
            {k: v[0].target for k, v in self._table.items() if len(v) == 1 and v[0].guard is None},
        )
        events: dict[str, list[str]] = {s: [] for s in self.states}
        for t in self.transitions:
            bucket = events.setdefault(t.source, [])
            if t.event not in bucket:
                bucket.append(t.event)
        object.__setattr__(
            self, "_events", MappingProxyType({s: tuple(e) for s, e in events.items()})
        )

    @classmethod
    def build(
        cls,
        name: str,
        *,
        initial: str,
        transitions: Iterable[Transition | tuple[str, str, str] | tuple[str, str, str, str | None]],
        finals: Iterable[str] = (),
        states: Iterable[str] = (),
        descriptions: Mapping[str, str] | None = None,
    ) -> Machine:
        """Build a machine from loose parts; states are collected from the transitions too.

        Transitions may be `Transition`s or tuples `(source, event, target[, guard])`.
        """
        edges = tuple(t if isinstance(t, Transition) else _edge(t) for t in transitions)
        seen: dict[str, None] = dict.fromkeys([initial, *states])
        for t in edges:
            seen.setdefault(t.source)
            seen.setdefault(t.target)
        finals = frozenset(finals)
        for f in sorted(finals):
            seen.setdefault(f)
        return cls(
            name=name,
            states=tuple(seen),
            transitions=edges,
            initial=initial,
            finals=finals,
            descriptions=tuple(sorted((descriptions or {}).items())),
        )

    # -- lookups (the engine's hot path) -------------------------------------------------------

    def next(self, state: str, event: str) -> str | None:
        """The target of the first unguarded transition for `(state, event)`, or None."""
        edges = self._table.get((state, event))
        if not edges:
            return None
        for t in edges:
            if t.guard is None:
                return t.target
        return None

    def candidates(self, state: str, event: str) -> tuple[Transition, ...]:
        """Every transition for `(state, event)`: guarded ones first, in declaration order."""
        return self._table.get((state, event), ())

    def events_from(self, state: str) -> tuple[str, ...]:
        """The events that `state` accepts, in declaration order."""
        return self._events.get(state, ())

    def is_final(self, state: str) -> bool:
        """Whether `state` is a final state."""
        return state in self.finals

    def description(self, state: str) -> str:
        """The one-line description of `state`, or an empty string."""
        for s, text in self.descriptions:
            if s == state:
                return text
        return ""

    def with_changes(self, **changes: Any) -> Machine:
        """A copy with some fields replaced (the machine itself never changes)."""
        fields: dict[str, Any] = {
            "name": self.name,
            "states": self.states,
            "transitions": self.transitions,
            "initial": self.initial,
            "finals": self.finals,
            "descriptions": self.descriptions,
        }
        fields.update(changes)
        return Machine(**fields)

    # -- checking (see fsmnb.fsm.validation) ---------------------------------------------------

    def validate(self) -> None:
        """Check the machine and raise `DefinitionError` listing every problem found.

        See `fsmnb.fsm.validation.validate` for the rules.
        """
        from fsmnb.fsm.validation import validate

        validate(self)

    def problems(self) -> list[str]:
        """Every problem `validate()` would report, one message each, without raising."""
        from fsmnb.fsm.validation import problems

        return problems(self)

    # -- specs (see fsmnb.fsm.spec) ------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The machine as a plain JSON-ready dict (its spec); `Machine.from_dict` reads it back."""
        from fsmnb.fsm.spec import to_dict

        return to_dict(self)

    def to_json(self, *, indent: int | None = 2) -> str:
        """The machine as a JSON spec; `Machine.from_json` reads it back exactly."""
        from fsmnb.fsm.spec import to_json

        return to_json(self, indent=indent)

    def to_yaml(self) -> str:
        """The machine as a YAML spec; `Machine.from_yaml` reads it back exactly."""
        from fsmnb.fsm.spec import to_yaml

        return to_yaml(self)

    @classmethod
    def from_dict(cls, data: Any, *, validate: bool = True) -> Machine:
        """Load a machine from a spec dict; raise `SpecError` naming every bad field.

        With `validate` (the default) the machine is also checked (`validate()`).
        """
        from fsmnb.fsm.spec import from_dict

        return from_dict(data, validate=validate)

    @classmethod
    def from_json(cls, text: str | bytes, *, validate: bool = True) -> Machine:
        """Load a machine from a JSON spec; raise `SpecError` naming every bad field."""
        from fsmnb.fsm.spec import from_json

        return from_json(text, validate=validate)

    @classmethod
    def from_yaml(cls, text: str | bytes, *, validate: bool = True) -> Machine:
        """Load a machine from a YAML spec (safe loader); raise `SpecError` naming every bad field."""
        from fsmnb.fsm.spec import from_yaml

        return from_yaml(text, validate=validate)

    # -- drawing (see fsmnb.fsm.diagram) -------------------------------------------------------

    def to_dot(self, **highlights: Any) -> str:
        """Graphviz DOT text; keywords as `fsmnb.fsm.to_dot` (`current`, `visits`, `failed`, ...)."""
        from fsmnb.fsm.diagram import to_dot

        return to_dot(self, **highlights)

    def to_mermaid(self, **highlights: Any) -> str:
        """Mermaid `stateDiagram-v2` text; keywords as `fsmnb.fsm.to_mermaid`."""
        from fsmnb.fsm.diagram import to_mermaid

        return to_mermaid(self, **highlights)

    def to_svg(self, **highlights: Any) -> str:
        """An SVG drawing (needs Graphviz's `dot`); keywords as `fsmnb.fsm.to_svg`."""
        from fsmnb.fsm.diagram import to_svg

        return to_svg(self, **highlights)

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **kwargs: Any
    ) -> dict[str, str]:
        from fsmnb.fsm.diagram import mimebundle

        return mimebundle(self, include=include, exclude=exclude)


def _edge(t: tuple[Any, ...]) -> Transition:
    if len(t) == 3:
        return Transition(source=t[0], event=t[1], target=t[2])
    if len(t) == 4:
        return Transition(source=t[0], event=t[1], target=t[2], guard=t[3])
    raise TypeError(f"a transition tuple is (source, event, target[, guard]), got {t!r}")
