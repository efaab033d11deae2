"""Actions: the only code a workflow spec (from a file, a client or a model) can make run.

    @register_action(description="Read the line's sensors", events=("ok", "alarm"))
    def read_sensors(ctx, line="Line 3"):
        return "alarm" if ctx.data.get("vibration", 0) > 7 else "ok"

An action is `fn(ctx, **args)`, sync or async, where `ctx` is the run's
context (`ctx.data` is the run's data) and `args` come from the spec. Its
return value is stored as the state's result; if it is one of the events the
state can leave by (a string, or a mapping with an ``event`` key), the run
leaves by that event. `events` declares those outcomes, so a model that
synthesizes a workflow knows to branch on them.

A spec names actions; it never carries code. A name that is not registered
(here or in the agent's own `actions=`) makes the spec invalid.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from fsmnb.errors import DefinitionError

__all__ = ("Action", "action_names", "get_action", "register_action", "unregister_action")

F = TypeVar("F", bound=Callable[..., Any])

#: The name a spec uses for "ask the agent to solve this sub-task".
AGENT = "agent"


@dataclass(frozen=True, slots=True)
class Action:
    """A named function a workflow spec may call.

    Attributes:
        name: what specs call it by.
        fn: ``fn(ctx, **args)``, sync or async.
        description: one line, shown to a model that synthesizes workflows.
        events: the outcomes it may return (the events a state using it can leave by).
    """

    name: str
    fn: Callable[..., Any]
    description: str = ""
    events: tuple[str, ...] = ()

    def describe(self) -> dict[str, Any]:
        """What a model is told about this action."""
        info: dict[str, Any] = {"name": self.name, "description": self.description}
        if self.events:
            info["events"] = list(self.events)
        return info


_ACTIONS: dict[str, Action] = {}


@overload
def register_action(fn: F, /) -> F: ...
@overload
def register_action(
    name: str | None = None, /, *, description: str = "", events: Iterable[str] = ()
) -> Callable[[F], F]: ...


def register_action(
    first: Any = None, /, *, description: str = "", events: Iterable[str] = ()
) -> Any:
    """Register a function as an action, by its name or the given one (re-registering replaces).

    Use as `@register_action`, `@register_action("name", description=..., events=(...))`.
    """

    def attach(fn: F, name: str | None = None) -> F:
        _ACTIONS[name or fn.__name__] = make_action(fn, name, description, events)
        return fn

    if callable(first):
        return attach(first)
    if first is not None and (not isinstance(first, str) or not first.isidentifier()):
        raise DefinitionError(f"An action name must be an identifier, got {first!r}.")
    return lambda fn: attach(fn, first)


def make_action(
    fn: Callable[..., Any] | Action,
    name: str | None = None,
    description: str = "",
    events: Iterable[str] = (),
) -> Action:
    """An `Action` from a function (its docstring's first line is the default description)."""
    if isinstance(fn, Action):
        return fn
    if not callable(fn):
        raise DefinitionError(f"An action must be a function, got {type(fn).__name__}.")
    doc = (fn.__doc__ or "").strip().splitlines()
    fn_name: str = getattr(fn, "__name__", "")
    label = name or fn_name
    if label == AGENT or not label.isidentifier():
        raise DefinitionError(f"`{label}` cannot name an action; pick another identifier.")
    return Action(label, fn, description or (doc[0] if doc else ""), tuple(events))


def unregister_action(name: str) -> None:
    """Forget the action `name` (no error when absent)."""
    _ACTIONS.pop(name, None)


def get_action(name: str) -> Action | None:
    """The globally registered action `name`, or None."""
    return _ACTIONS.get(name)


def action_names() -> tuple[str, ...]:
    """Every globally registered action name, sorted."""
    return tuple(sorted(_ACTIONS))


def action_table(own: Iterable[Any] | Mapping[str, Any] | None) -> dict[str, Action]:
    """The actions an agent may use: its own (`actions=`), else every registered one.

    `own` may hold `Action`s, functions, registered names, or map names to functions.
    """
    if own is None:
        return dict(_ACTIONS)
    table: dict[str, Action] = {}
    items = own.items() if isinstance(own, Mapping) else ((None, a) for a in own)
    for name, item in items:
        if isinstance(item, str):
            found = _ACTIONS.get(item)
            if found is None:
                known = ", ".join(f"`{n}`" for n in sorted(_ACTIONS)) or "none"
                raise DefinitionError(
                    f"No action is registered as `{item}` (registered: {known}). "
                    f"Register it with `@fsmnb.agents.register_action`."
                )
            table[name or item] = found
        else:
            action = make_action(item, name)
            table[name or action.name] = action
    return table
