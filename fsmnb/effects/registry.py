"""Callables registered by name, so effects sent as data (JSON) can name them safely.

An effect tree that arrives as JSON (from an MCP client or a model) may only
refer to functions registered here; nothing else can run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload

from fsmnb.errors import DefinitionError

__all__ = ("callable_names", "register_callable", "resolve_callable", "unregister_callable")

F = TypeVar("F", bound=Callable[..., Any])

_CALLABLES: dict[str, Callable[..., Any]] = {}


@overload
def register_callable(fn: F, /) -> F: ...
@overload
def register_callable(name: str, /) -> Callable[[F], F]: ...
@overload
def register_callable(name: str, fn: F, /) -> F: ...


def register_callable(first: Any, fn: Any = None, /) -> Any:
    """Register a function under a name so that JSON effects can `call` it.

    Use as `@register_callable`, `@register_callable("name")`, or
    `register_callable("name", fn)`. Re-registering a name replaces it.
    """
    if callable(first) and fn is None:
        _CALLABLES[first.__name__] = first
        return first
    if not isinstance(first, str) or not first:
        raise DefinitionError("`register_callable` needs a non-empty name or a function.")
    if fn is None:

        def decorate(f: F) -> F:
            _CALLABLES[first] = f
            return f

        return decorate
    _CALLABLES[first] = fn
    return fn


def unregister_callable(name: str) -> None:
    """Forget the callable registered as `name` (no error when absent)."""
    _CALLABLES.pop(name, None)


def resolve_callable(name: str) -> Callable[..., Any]:
    """The callable registered as `name`; a `DefinitionError` listing the known names otherwise."""
    try:
        return _CALLABLES[name]
    except KeyError:
        known = ", ".join(f"`{n}`" for n in sorted(_CALLABLES)) or "none"
        raise DefinitionError(
            f"No callable is registered as `{name}`. Registered: {known}. "
            f"Register it with `fsmnb.register_callable({name!r}, fn)`."
        ) from None


def callable_names() -> tuple[str, ...]:
    """Every registered callable name, sorted."""
    return tuple(sorted(_CALLABLES))
