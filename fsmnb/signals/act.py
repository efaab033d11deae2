"""`act(Action, **params)`: an action as an effect, and as a callable an MCP pipeline can name.

    @wf.state(initial=True, on={"ok": "pay"})
    async def validate(ctx):
        checked = await ctx.run(act(ValidateOrder, order_id="A1", total=30.0))
        ...

`Act` is a leaf effect: the interpreter journals its result, so a durable
run that resumes does not run the action again. Parameters are validated
when the effect is built, so a bad call fails before any state runs it.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from fsmnb.effects.base import Effect
from fsmnb.effects.registry import register_callable
from fsmnb.engine.handlers import Path, register_handler
from fsmnb.signals.actions import (
    Action,
    ActionContext,
    compensate_action,
    execute_action,
    resolve_action,
)

if TYPE_CHECKING:
    from fsmnb.engine.context import Context

__all__ = ("Act", "Compensate", "act", "action_context", "expose_action")

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _empty() -> Mapping[str, Any]:
    return _EMPTY


@dataclass(frozen=True, slots=True, kw_only=True)
class Act(Effect):
    """Run an action with parameters; the result is the action's (validated) result."""

    kind: ClassVar[str] = "act"
    action: Action
    params: Mapping[str, Any] = field(default_factory=_empty)
    #: the parameters validated when the effect was built (not part of its identity)
    validated: Any = field(default=None, compare=False, repr=False)

    def label(self) -> str:
        return f"act({self.action.name})"


@dataclass(frozen=True, slots=True, kw_only=True)
class Compensate(Effect):
    """Undo an action given the parameters and the result of its run."""

    kind: ClassVar[str] = "compensate"
    action: Action
    params: Mapping[str, Any] = field(default_factory=_empty)
    result: Any = None

    def label(self) -> str:
        return f"compensate({self.action.name})"


def act(action: Action | type[Action] | str, /, **params: Any) -> Act:
    """The effect that runs `action` with `params` (validated now: `ParamsError` if they are bad).

    Args:
        action: an `Action` subclass, instance, or registered name.
        **params: its parameters.
    """
    resolved = resolve_action(action)
    valid = resolved.validate(params)
    return Act(action=resolved, params=MappingProxyType(dict(params)), validated=valid)


def action_context(ctx: Context, signal: Any = None) -> ActionContext:
    """The `ActionContext` of an action run by the interpreter for the run behind `ctx`."""
    return ActionContext(ctx.data, run=ctx.instance, signal=signal)


@register_handler(Act)
async def _act(effect: Act, ctx: Context, path: Path) -> Any:
    params = effect.validated if effect.validated is not None else effect.params
    return await execute_action(effect.action, params, action_context(ctx))


@register_handler(Compensate)
async def _compensate(effect: Compensate, ctx: Context, path: Path) -> Any:
    return await compensate_action(effect.action, effect.params, effect.result, action_context(ctx))


def expose_action(action: Action) -> None:
    """Register `action` as a callable under its name, for effect pipelines sent as JSON.

    The callable's docstring carries the action's description and parameter schema,
    so whatever lists registered callables shows what to pass.
    """

    async def call_action(**params: Any) -> Any:
        result = await execute_action(action, params)
        dump = getattr(result, "model_dump", None)
        return dump(mode="json") if callable(dump) else result

    call_action.__name__ = action.name
    call_action.__qualname__ = action.name
    schema = json.dumps(action.Params.model_json_schema(), separators=(",", ":"))
    call_action.__doc__ = f"{action.description}\n\nParameters (JSON schema): {schema}"
    call_action.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY)
            for name in action.Params.model_fields
        ]
    )
    register_callable(action.name, call_action)
