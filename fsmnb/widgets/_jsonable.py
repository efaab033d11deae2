"""Turn arbitrary run data into small JSON values a widget can show."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ("jsonable",)

_MAX_STR = 400
_MAX_ITEMS = 50
_MAX_DEPTH = 4


def jsonable(value: Any, depth: int = 0) -> Any:
    """A JSON-safe, bounded copy of `value`: long strings and collections are cut, the rest repr'd.

    Cut collections end with a ``"… N more"`` marker so that the inspector says so.
    """
    if value is None or isinstance(value, bool | int | str):
        if isinstance(value, str) and len(value) > _MAX_STR:
            return value[: _MAX_STR - 1] + "…"
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if depth >= _MAX_DEPTH:
        return _short(value)
    if isinstance(value, Mapping):
        items = list(value.items())
        out = {str(k): jsonable(v, depth + 1) for k, v in items[:_MAX_ITEMS]}
        if len(items) > _MAX_ITEMS:
            out["…"] = f"{len(items) - _MAX_ITEMS} more"
        return out
    if isinstance(value, list | tuple | set | frozenset):
        seq = list(value)
        out_list = [jsonable(v, depth + 1) for v in seq[:_MAX_ITEMS]]
        if len(seq) > _MAX_ITEMS:
            out_list.append(f"… {len(seq) - _MAX_ITEMS} more")
        return out_list
    return _short(value)


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # a broken __repr__ must not break the widget
        text = f"<unrepresentable {type(value).__name__}: {exc}>"
    return text if len(text) <= _MAX_STR else text[: _MAX_STR - 1] + "…"
