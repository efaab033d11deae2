"""A valid instance of any JSON schema, deterministically (what the demo model answers).

Covers what pydantic emits: objects with ``$ref``/``$defs``, ``anyOf``/``oneOf``/
``allOf``, ``enum``, ``const``, defaults, numeric bounds, string lengths,
simple ``pattern``s, and array lengths. Strings are ``"demo"`` unless a bound or
pattern asks for something else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ("instance_of",)

_MAX_DEPTH = 12


def instance_of(schema: Mapping[str, Any], *, text: str = "demo") -> Any:
    """A value that validates against `schema`; strings default to `text`."""
    return _make(schema, schema, text, 0)


def _resolve(ref: str, root: Mapping[str, Any]) -> Mapping[str, Any]:
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        node = node.get(part, {}) if isinstance(node, Mapping) else {}
    return node if isinstance(node, Mapping) else {}


def _make(schema: Mapping[str, Any], root: Mapping[str, Any], text: str, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        return None
    if "$ref" in schema:
        return _make(_resolve(schema["$ref"], root), root, text, depth + 1)
    if "const" in schema:
        return schema["const"]
    if "default" in schema:
        return schema["default"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
            return _make(options[0], root, text, depth + 1)
    if schema.get("allOf"):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(_resolve(part["$ref"], root) if "$ref" in part else part)
        return _make(merged, root, text, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or (kind is None and "properties" in schema):
        props: Mapping[str, Any] = schema.get("properties", {})
        required = schema.get("required", list(props))
        return {
            name: _make(props[name], root, text, depth + 1) for name in props if name in required
        }
    if kind == "array":
        count = int(schema.get("minItems", 0))
        items = schema.get("items", {})
        return [_make(items, root, text, depth + 1) for _ in range(count)]
    if kind in ("integer", "number"):
        return _number(schema, kind == "integer")
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    if kind == "string" or kind is None:
        return _string(schema, text)
    return None


def _number(schema: Mapping[str, Any], integer: bool) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if low is not None and high is not None:
        value: float = (low + high) / 2
    elif low is not None:
        value = low + 1 if "exclusiveMinimum" in schema else low
    elif high is not None:
        value = high - 1 if "exclusiveMaximum" in schema else min(high, 0)
    else:
        value = 0
    return int(value) if integer else float(value)


def _string(schema: Mapping[str, Any], text: str) -> str:
    value = text
    pattern = schema.get("pattern")
    if pattern and not re.search(pattern, value):
        candidate = re.sub(r"[^a-z0-9_]+", "_", value.lower()).strip("_") or "demo"
        value = candidate if re.search(pattern, candidate) else "demo"
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    if len(value) < low:
        value = value + "x" * (low - len(value))
    if high is not None:
        value = value[: int(high)]
    return value
