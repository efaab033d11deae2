"""Refuse abusive or non-JSON input before pydantic sees it.

The walk is iterative (no recursion, so no `RecursionError` on a hostile tree)
and stops early once the effect budget is spent.
"""

from __future__ import annotations

import math
from typing import Any

from fsmnb.effects._spec_fields import MAX_DEPTH, MAX_NODES, MAX_STRING, Path, render_path

__all__ = ("check_limits",)

_EFFECT_KEYS = frozenset({"effect", "compensation"})
_STEP_EFFECT_KEYS = frozenset({"action", "compensation"})


def check_limits(data: Any) -> list[str]:
    """Problems with the size or JSON-ness of the raw effect tree `data`, each naming its path.

    Checks that effects nest at most `MAX_DEPTH` deep, that the tree holds at
    most `MAX_NODES` effects, that no string exceeds `MAX_STRING` bytes, that
    values nest at most `MAX_DEPTH` deep, and that every value is JSON (objects
    with string keys, arrays, strings, finite numbers, booleans, null).
    """
    problems: list[str] = []
    nodes = 0
    # (value, path, effect depth if at an effect position else None, value depth)
    stack: list[tuple[Any, Path, int | None, int]] = [(data, (), 1, 0)]
    while stack:
        value, path, depth, value_depth = stack.pop()
        if depth is not None and isinstance(value, dict):
            nodes += 1
            if nodes > MAX_NODES:
                problems.append(f"`$`: the tree holds more than {MAX_NODES:,} effects.")
                break
            if depth > MAX_DEPTH:
                problems.append(
                    f"`{render_path(path)}`: effects are nested more than {MAX_DEPTH} deep."
                )
                continue
            for key, item in value.items():
                if _bad_key(key, path, problems):
                    continue
                here = (*path, key)
                if key in _EFFECT_KEYS:
                    stack.append((item, here, depth + 1, 0))
                elif key in ("effects", "steps") and isinstance(item, list):
                    for i, child in enumerate(item):
                        if key == "effects" or not isinstance(child, dict):
                            stack.append((child, (*here, i), depth + 1, 0))
                            continue
                        for k, v in child.items():
                            if not _bad_key(k, (*here, i), problems):
                                at = (*here, i, k)
                                inner = depth + 1 if k in _STEP_EFFECT_KEYS else None
                                stack.append((v, at, inner, 0))
                else:
                    stack.append((item, here, None, 0))
            continue
        problem = _value_problem(value, value_depth)
        if problem:
            problems.append(f"`{render_path(path)}`: {problem}")
        elif isinstance(value, dict):
            for key, item in value.items():
                if not _bad_key(key, path, problems):
                    stack.append((item, (*path, key), None, value_depth + 1))
        elif isinstance(value, list | tuple):
            stack.extend((item, (*path, i), None, value_depth + 1) for i, item in enumerate(value))
    return problems


def _bad_key(key: Any, path: Path, problems: list[str]) -> bool:
    if not isinstance(key, str):
        problems.append(f"`{render_path(path)}`: object keys must be strings, got `{key!r:.40}`.")
        return True
    if _too_long(key):
        problems.append(f"`{render_path(path)}`: a key is longer than {MAX_STRING:,} bytes.")
        return True
    return False


def _value_problem(value: Any, value_depth: int) -> str | None:
    if value is None or isinstance(value, bool | int):
        return None
    if isinstance(value, str):
        return f"the string is longer than {MAX_STRING:,} bytes." if _too_long(value) else None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"`{value}` is not a JSON number."
    if isinstance(value, dict | list | tuple):
        if value_depth >= MAX_DEPTH:
            return f"the value is nested more than {MAX_DEPTH} deep."
        return None
    return f"{type(value).__name__} `{value!r:.40}` is not a JSON value."


def _too_long(text: str) -> bool:
    # Most strings are short: only encode when the byte length could pass the limit.
    return len(text) > MAX_STRING or (
        4 * len(text) > MAX_STRING and len(text.encode("utf-8", "surrogatepass")) > MAX_STRING
    )
