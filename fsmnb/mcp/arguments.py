"""Tool argument errors a client can act on: which argument, what was wrong, how to fix it.

The SDK validates a tool's arguments with pydantic and would answer with
pydantic's own text (internal model names, a link to pydantic's site).
`describe_argument_errors` turns the same errors into one line per argument.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

__all__ = ("describe_argument_errors",)

_TYPES = {
    "string_type": "text (a JSON string)",
    "bool_type": "true or false",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "dict_type": "a JSON object",
    "model_type": "a JSON object",
    "list_type": "a JSON array",
}
_SHOWN = 10


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _problem(error: Any) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    got = _kind(error.get("input"))
    if kind == "missing":
        return "is required; give it"
    if kind == "extra_forbidden":
        return "is not an argument of this tool; remove it (see the tool's input schema)"
    if kind in _TYPES:
        return f"must be {_TYPES[kind]}, got {got}"
    if kind in ("string_too_long", "too_long"):
        unit = "characters" if kind.startswith("string") else "items"
        return f"is too long: at most {ctx.get('max_length')} {unit}; shorten it"
    if kind in ("string_too_short", "too_short"):
        unit = "characters" if kind.startswith("string") else "items"
        return f"is too short: at least {ctx.get('min_length')} {unit}"
    if kind == "string_pattern_mismatch":
        return f"must match the pattern `{ctx.get('pattern')}` (letters, digits, `_`, `.`, `-`)"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}"
    bounds = {
        "greater_than_equal": "≥ {ge}",
        "greater_than": "> {gt}",
        "less_than_equal": "≤ {le}",
        "less_than": "< {lt}",
    }
    if kind in bounds:
        return "must be " + bounds[kind].format(**ctx)
    if kind in ("finite_number",):
        return "must be a finite number"
    return str(error.get("msg", "is not valid"))


def describe_argument_errors(tool: str, error: ValidationError) -> str:
    """One message naming each bad argument of `tool` (by its path), the problem and the fix."""
    lines = []
    for item in error.errors(include_url=False)[:_SHOWN]:
        loc = ".".join(str(p) for p in item["loc"]) or "arguments"
        lines.append(f"`{loc}` {_problem(item)}")
    more = error.error_count() - len(lines)
    if more > 0:
        lines.append(f"... and {more} more")
    listed = "; ".join(lines)
    return (
        f"Invalid arguments for `{tool}`: {listed}. The tool's input schema (tools/list) "
        "lists every argument and its type."
    )
