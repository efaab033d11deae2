"""Plain arithmetic: the base case of an agent's `solve` and the only thing the demo model computes.

`plain_arithmetic("What is 47 + 89?")` returns ``("47 + 89", 136)`` in a few
microseconds: it finds the expression (`fsmnb.llm.safe_eval.arithmetic_in`,
which also reads "plus", "times", "divided by", …), also reads "add 47 and 89"
style phrasings, and accepts the problem only when nothing but the question's
framing words is left once the expression is taken out ("Line 3 - 2 units are
down" is not arithmetic). Evaluation uses the safe evaluator: an AST
whitelist, never `eval`.
"""

from __future__ import annotations

import re

from fsmnb.llm.safe_eval import Number, arithmetic_in, try_evaluate

__all__ = ("format_number", "plain_arithmetic")

_NUM = r"(-?\d+(?:\.\d+)?)"
_PHRASES = (
    (re.compile(rf"\b(?:add|sum(?: of)?)\s+{_NUM}\s+(?:and|to|plus|with)\s+{_NUM}"), "{0} + {1}"),
    (re.compile(rf"\bsubtract\s+{_NUM}\s+from\s+{_NUM}"), "{1} - {0}"),
    (re.compile(rf"\bmultiply\s+{_NUM}\s+(?:by|and|with)\s+{_NUM}"), "{0} * {1}"),
    (re.compile(rf"\bproduct of\s+{_NUM}\s+and\s+{_NUM}"), "{0} * {1}"),
    (re.compile(rf"\bdivide\s+{_NUM}\s+by\s+{_NUM}"), "{0} / {1}"),
    (re.compile(rf"\bdifference between\s+{_NUM}\s+and\s+{_NUM}"), "{0} - {1}"),
)
#: Words that frame a question without changing what is computed.
_FRAMING = frozenset(
    [
        "what",
        "whats",
        "is",
        "are",
        "the",
        "of",
        "a",
        "an",
        "please",
        "compute",
        "calculate",
        "evaluate",
        "work",
        "out",
        "tell",
        "me",
        "give",
        "result",
        "answer",
        "value",
        "equal",
        "equals",
        "to",
        "how",
        "much",
        "many",
        "do",
        "does",
        "get",
        "if",
        "you",
        "i",
        "we",
        "and",
        "by",
        "from",
        "with",
        "sum",
        "add",
        "plus",
        "minus",
        "times",
        "multiply",
        "multiplied",
        "divide",
        "divided",
        "subtract",
        "product",
        "difference",
        "between",
        "over",
        "mod",
        "modulo",
        "power",
        "two",
        "numbers",
        "number",
    ]
)
_WORD = re.compile(r"[a-z]+|\d+(?:\.\d+)?")


def _leftover(text: str, expression: str) -> list[str]:
    rest = text.lower().replace(expression, " ") if expression else text.lower()
    return [w for w in _WORD.findall(rest) if w not in _FRAMING and not w.isdigit()]


def plain_arithmetic(problem: str) -> tuple[str, Number | bool] | None:
    """``(expression, value)`` when `problem` is nothing but arithmetic, else None.

    Example:
        >>> plain_arithmetic("What is 47 + 89?")
        ('47 + 89', 136)
        >>> plain_arithmetic("Add 2 and 3")
        ('2 + 3', 5)
        >>> plain_arithmetic("Line 3 - 2 units are down") is None
        True
    """
    if len(problem) > 300 or not any(c.isdigit() for c in problem):
        return None
    lowered = problem.lower()
    for pattern, shape in _PHRASES:
        match = pattern.search(lowered)
        if match:
            expression = shape.format(*match.groups())
            value = try_evaluate(expression)
            rest = lowered[: match.start()] + " " + lowered[match.end() :]
            if value is not None and not _leftover(rest, ""):
                return expression, value
    found = arithmetic_in(problem)
    if found is None:
        return None
    expression, value = found
    normalized = re.sub(r"\s+", " ", lowered)
    if expression in normalized and _leftover(normalized, expression):
        return None
    if expression not in normalized and _leftover(re.sub(r"[\d.]+", " ", normalized), ""):
        return None  # the expression was read from words; the rest must still be framing
    return expression, value


def format_number(value: Number | bool) -> str:
    """A number as a person writes it (``136``, not ``136.0``)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)
