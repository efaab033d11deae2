"""JSON schemas cut down to what llama.cpp's grammar compiler handles without blowing up.

llama.cpp turns a JSON schema into a GBNF grammar. Length and count limits
become repetitions of a rule (``maxLength: 4000`` is four thousand optional
characters; ``maxItems: 30`` of an object is thirty copies of that object's
grammar), and some keywords it refuses outright; fsmnb's own agent schemas made
it refuse the grammar and llama-cpp-python then crashed. `simplify_for_grammar`
keeps the shape (types, properties, required, enums, consts, refs, unions) and
drops the limits the grammar does not need: the reply is validated in full by
pydantic afterwards, and a reply that breaks a dropped limit goes back to the
model with the error like any other invalid reply.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ("simplify_for_grammar",)

#: Limits kept when they are this small (a short bounded repetition is cheap).
MAX_KEPT_LENGTH = 64
MAX_KEPT_ITEMS = 8

# Keywords that only describe (or that the grammar compiler ignores or refuses): dropped.
_DROPPED = frozenset(
    {
        "title",
        "description",
        "examples",
        "default",
        "pattern",
        "patternProperties",
        "discriminator",
        "multipleOf",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "uniqueItems",
        "minProperties",
        "maxProperties",
        "propertyNames",
        "dependentRequired",
        "if",
        "then",
        "else",
        "not",
        "deprecated",
        "readOnly",
        "writeOnly",
        "contentEncoding",
        "contentMediaType",
    }
)
_FORMATS = frozenset({"date", "time", "date-time", "uuid"})  # llama.cpp has rules for these
_MAPS = frozenset({"properties", "$defs", "definitions"})
_LISTS = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})


def simplify_for_grammar(schema: Mapping[str, Any], *, _depth: int = 0) -> dict[str, Any]:
    """A copy of `schema` without what makes llama.cpp's grammars huge or refused.

    Drops descriptions, patterns, numeric bounds and large length/count limits
    (``maxLength`` over `MAX_KEPT_LENGTH`, ``maxItems`` over `MAX_KEPT_ITEMS`; the
    matching minimums are capped likewise) and unknown ``format``s, at any depth.
    Anything nested deeper than 32 levels is replaced by ``{}`` (any value).
    """
    if _depth > 32:
        return {}
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DROPPED:
            continue
        if key in _MAPS and isinstance(value, Mapping):
            out[key] = {
                str(k): simplify_for_grammar(v, _depth=_depth + 1) if isinstance(v, Mapping) else v
                for k, v in value.items()
            }
        elif key in _LISTS and isinstance(value, list):
            out[key] = [
                simplify_for_grammar(v, _depth=_depth + 1) if isinstance(v, Mapping) else v
                for v in value
            ]
        elif key in ("items", "additionalProperties") and isinstance(value, Mapping):
            out[key] = simplify_for_grammar(value, _depth=_depth + 1)
        elif key in ("maxLength", "maxItems"):
            limit = MAX_KEPT_LENGTH if key == "maxLength" else MAX_KEPT_ITEMS
            if isinstance(value, int) and value <= limit:
                out[key] = value
        elif key in ("minLength", "minItems"):
            limit = MAX_KEPT_LENGTH if key == "minLength" else MAX_KEPT_ITEMS
            if isinstance(value, int) and value > 0:
                out[key] = min(value, limit)
        elif key == "format":
            if value in _FORMATS:
                out[key] = value
        else:
            out[key] = value
    _fix_bounds(out)
    return out


def _fix_bounds(node: dict[str, Any]) -> None:
    """A kept minimum above a dropped maximum's cap would make the grammar empty: keep both sane."""
    for low, high in (("minLength", "maxLength"), ("minItems", "maxItems")):
        if low in node and high in node and node[low] > node[high]:
            node[low] = node[high]
