"""Turn pydantic's validation errors into one line per offender, named by its JSON path.

Pydantic's `loc` holds the tags of discriminated unions (``retry``) and the
labels of union members (``list[str]``) between the real keys; `_locate` maps
it back onto the raw data, so the path is the one a person sees in the JSON.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import ErrorDetails

from fsmnb.effects._spec_fields import EFFECT_TYPES, EXCEPTIONS, Path, render_path

__all__ = ("problems_of",)


def problems_of(details: list[ErrorDetails], data: Any) -> list[str]:
    """One line per offender, ``"`effects[1].attempts`: Input should be a valid integer."``."""
    kinds = ", ".join(f"`{k}`" for k in sorted(EFFECT_TYPES))
    found: dict[str, list[str]] = {}
    for error in details:
        path, node = _locate(error["loc"], data, error["type"])
        kind = node.get("kind") if isinstance(node, dict) else None
        if error["type"] == "union_tag_invalid":
            path, message = (*path, "kind"), f"unknown effect kind `{kind}`; use one of {kinds}"
        elif error["type"] == "union_tag_not_found" and isinstance(node, dict):
            path, message = (*path, "kind"), f"Field required: an effect's kind, one of {kinds}"
        elif error["type"] in ("model_attributes_type", "model_type", "union_tag_not_found"):
            message = "Input should be an object"
        elif error["type"] == "literal_error" and "retry_on" in path:
            known = ", ".join(f"`{n}`" for n in EXCEPTIONS)
            message = f"`{error['input']!s:.60}` is not an exception `retry_on` accepts; use one of {known}"
        else:
            message = error["msg"].rstrip(".")
        messages = found.setdefault(render_path(path), [])
        if message not in messages:
            messages.append(message)
    return [f"`{where}`: {_join(messages)}." for where, messages in found.items()]


def _join(messages: list[str]) -> str:
    """Join the messages of a union's members: "Input should be a valid string or a valid list"."""
    prefix = "Input should be "
    if len(messages) > 1 and all(m.startswith(prefix) for m in messages):
        return prefix + " or ".join(m.removeprefix(prefix) for m in messages)
    return "; ".join(messages)


def _locate(loc: tuple[int | str, ...], data: Any, error_type: str) -> tuple[Path, Any]:
    """Map a pydantic `loc` onto the raw data, dropping union tags and union member labels."""
    path: list[str | int] = []
    node = data
    tag_read = False  # whether the tag of the current (effect) object was already skipped
    for i, part in enumerate(loc):
        if isinstance(node, dict) and isinstance(part, str):
            if not tag_read and node.get("kind") == part:
                tag_read = True
                continue
            if part in node:
                path.append(part)
                node, tag_read = node[part], False
                continue
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node, tag_read = node[part], False
            continue
        if error_type == "missing" and i == len(loc) - 1:
            path.append(part)
    return tuple(path), node
