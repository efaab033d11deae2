"""Make run data, payloads and effect results safe to put in a JSON reply."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ("jsonable", "run_uri", "workflow_uri")

_MAX_DEPTH = 32


def run_uri(run_id: str) -> str:
    """The resource URI of a run."""
    return f"fsm://runs/{run_id}"


def workflow_uri(name: str) -> str:
    """The resource URI of a workflow."""
    return f"fsm://workflows/{name}"


def jsonable(value: Any, depth: int = 0) -> Any:
    """`value` with everything that is not JSON replaced by a readable stand-in.

    Dicts, lists and tuples are copied; pydantic models and dataclasses are
    dumped; NaN and infinities become strings; anything else becomes its
    `repr`, cut to 200 characters.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if depth >= _MAX_DEPTH:
        return "…"
    if isinstance(value, Mapping):
        return {str(k): jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v, depth + 1) for v in value]
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        try:
            return jsonable(dump(mode="json"), depth + 1)
        except Exception:  # a broken model still gets shown below
            pass
    if hasattr(value, "__dataclass_fields__"):
        return {
            name: jsonable(getattr(value, name, None), depth + 1)
            for name in value.__dataclass_fields__
        }
    text = repr(value)
    return text if len(text) <= 200 else text[:199] + "…"
