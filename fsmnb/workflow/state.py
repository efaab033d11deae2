"""What a state does: its action, hooks and outgoing transitions."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from fsmnb.errors import DefinitionError
from fsmnb.fsm.machine import Transition

__all__ = ("ActionKind", "StateDef", "action_kind", "parse_on")

ActionKind = Literal["none", "sync", "async", "gen", "asyncgen"]

#: What `on=` accepts per event: a target, a `(target, guard)` pair, or a list of them
#: (tried in order; the first whose guard passes wins).
Target = str | tuple[str, Any] | list[str | tuple[str, Any]]


def action_kind(fn: Callable[..., Any] | None) -> ActionKind:
    """Classify an action once, when it is defined, so the engine never inspects it again."""
    if fn is None:
        return "none"
    if inspect.isasyncgenfunction(fn):
        return "asyncgen"
    if inspect.isgeneratorfunction(fn):
        return "gen"
    if inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
        getattr(fn, "__call__", None)  # noqa: B004 - async callable objects
    ):
        return "async"
    if not callable(fn):
        raise DefinitionError(f"A state's action must be callable, got {type(fn).__name__}.")
    return "sync"


@dataclass(frozen=True, slots=True)
class StateDef:
    """One state of a workflow.

    Attributes:
        name: the state id (a `snake_case` function name by convention).
        action: what runs on entry (sync, async, generator or async generator
            function taking `ctx`), or None for a state that waits for an event.
        kind: the action's kind, computed once.
        transitions: the outgoing edges.
        on_enter, on_exit: hooks run when the state is entered or left.
        description: one line for diagrams and the registry (the docstring's first line).
        final: whether the run ends here.
    """

    name: str
    action: Callable[..., Any] | None
    kind: ActionKind
    transitions: tuple[Transition, ...]
    on_enter: Callable[..., Any] | None = None
    on_exit: Callable[..., Any] | None = None
    description: str = ""
    final: bool = False

    @property
    def is_passive(self) -> bool:
        """Whether entering this state runs no code at all (the engine's fast path)."""
        return self.action is None and self.on_enter is None


def parse_on(
    state: str, on: Mapping[str, Target] | None, guards: dict[str, Callable[..., bool]]
) -> tuple[Transition, ...]:
    """Turn `on={"event": target | (target, guard) | [...]}` into transitions.

    Guards given as callables are registered in `guards` under their `__name__`.
    """
    out: list[Transition] = []
    for event, spec in (on or {}).items():
        if not isinstance(event, str) or not event:
            raise DefinitionError(
                f"State `{state}`: event names in `on=` are non-empty strings, got {event!r}."
            )
        options = spec if isinstance(spec, list) else [spec]
        for option in options:
            target, guard = _target_and_guard(state, event, option, guards)
            out.append(Transition(source=state, event=event, target=target, guard=guard))
    return tuple(out)


def _target_and_guard(
    state: str, event: str, option: Any, guards: dict[str, Callable[..., bool]]
) -> tuple[str, str | None]:
    if isinstance(option, str):
        return option, None
    if isinstance(option, tuple) and len(option) == 2 and isinstance(option[0], str):
        target, guard = option
        if callable(guard):
            name = getattr(guard, "__name__", None) or f"guard_{id(guard):x}"
            guards[name] = guard
            return target, name
        if isinstance(guard, str):
            return target, guard
    raise DefinitionError(
        f"State `{state}`: `on={{{event!r}: …}}` takes a target state name, a "
        f"`(target, guard)` pair or a list of them; got {option!r}."
    )
