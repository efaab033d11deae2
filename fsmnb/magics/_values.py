"""Parse the `key=value` arguments of `%fsm run` and `%fsm send`."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from typing import Any

from IPython.core.error import UsageError

__all__ = ("parse_assignments", "parse_value", "split_words", "unquote")

# A word is a run of non-space characters and quoted strings: `who='Ann Lee'` is one word
# and keeps its quotes, so `x='42'` stays the text "42" while `x=42` is the number 42.
_WORD = re.compile(r"""(?:[^\s'"]+|'[^']*'|"[^"]*")+""")


def split_words(line: str) -> list[str]:
    """Split a magic's line into words, keeping quoted strings (quotes included) together.

    Raises:
        UsageError: a quote is not closed.
    """
    if _WORD.sub("", line).strip():
        raise UsageError(f"Unbalanced quotes in {line.strip()!r}; close every ' and \".")
    return _WORD.findall(line)


def parse_value(text: str) -> Any:
    """A Python literal (`42`, `3.5`, `True`, `None`, `[1, 2]`, `'a b'`), else the text itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def parse_assignments(words: Iterable[str], *, usage: str) -> dict[str, Any]:
    """Turn `["amount=42", "who=ann"]` into `{"amount": 42, "who": "ann"}`.

    Raises:
        UsageError: a word is not `key=value` or the key is not an identifier.
    """
    data: dict[str, Any] = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key.isidentifier():
            raise UsageError(f"Expected key=value, got {word!r}. Usage: {usage}")
        data[key] = parse_value(value)
    return data


def unquote(word: str) -> str:
    """A word as text: `'my runs.db'` loses its quotes; anything else stays as it is."""
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "'\"":
        value = parse_value(word)
        if isinstance(value, str):
            return value
    return word
