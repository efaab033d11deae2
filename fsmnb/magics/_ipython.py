"""Typed front-ends to IPython's decorators for magics.

`magic_arguments()` and `argument(...)` are unannotated, and `line_magic` /
`line_cell_magic` are typed for both of their uses (`@line_magic` and
`@line_magic("name")`), so a method they decorate would lose its type. Used
bare, each of them returns the function it decorates, and so do these.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, cast

from IPython.core import magic as _magic
from IPython.core import magic_arguments as _arguments

__all__ = (
    "Decorator",
    "argument",
    "line_cell_magic",
    "line_magic",
    "magic_arguments",
    "parse_argstring",
)

F = TypeVar("F", bound=Callable[..., Any])


class Decorator(Protocol):
    """Returns the function it decorates."""

    def __call__(self, func: F, /) -> F: ...


def line_magic(func: F) -> F:
    """Mark a method of a `Magics` class as a line magic named after it."""
    return cast("F", _magic.line_magic(func))


def line_cell_magic(func: F) -> F:
    """Mark a method of a `Magics` class as a line and cell magic named after it."""
    return cast("F", _magic.line_cell_magic(func))


def magic_arguments() -> Decorator:
    """Mark a magic as parsing its line with `argument(...)` declarations."""
    return cast("Decorator", _arguments.magic_arguments())


def argument(*args: Any, **kwargs: Any) -> Decorator:
    """Declare one argument of a magic (the parameters of `ArgumentParser.add_argument`)."""
    return cast("Decorator", _arguments.argument(*args, **kwargs))


def parse_argstring(magic_func: Callable[..., Any], argstring: str) -> argparse.Namespace:
    """Parse `argstring` with the arguments declared on `magic_func`."""
    parsed: argparse.Namespace = _arguments.parse_argstring(magic_func, argstring)
    return parsed
