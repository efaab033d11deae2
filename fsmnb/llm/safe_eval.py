"""A safe evaluator for arithmetic: whitelisted AST nodes only, never `eval` or `exec`.

`evaluate("2 * (3 + 4) ** 2")` parses the text with `ast.parse(mode="eval")`
and walks the tree itself. Allowed: numbers, ``+ - * / // % **``, unary
``+ - not``, comparisons, ``and``/``or``, the constants ``pi e tau``, and the
functions ``abs round min max sqrt exp log log10 log2 sin cos tan floor ceil
hypot``. Limits keep a hostile expression from eating memory or time: the
text's length, the number of nodes, the exponent, and the size of every
intermediate integer. Anything else raises `SafeEvalError` saying what was
refused.

`arithmetic_in(text)` finds the arithmetic in a question such as
"What is 47 + 89?" (and reads ``plus``, ``times``, ``×``, ``÷``, ``^``).
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable
from typing import Any

__all__ = ("SafeEvalError", "arithmetic_in", "evaluate", "try_evaluate")

MAX_CHARS = 500
MAX_NODES = 200
MAX_EXPONENT = 10_000
MAX_INT_BITS = 4_096

Number = int | float

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e, "tau": math.tau}
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "round": round,
    "min": min,
    "max": max,
    "sqrt": math.sqrt,
    "exp": math.exp,
    "log": math.log,
    "log10": math.log10,
    "log2": math.log2,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "floor": math.floor,
    "ceil": math.ceil,
    "hypot": math.hypot,
}


class SafeEvalError(ValueError):
    """The expression is not plain arithmetic, exceeds a limit, or cannot be computed."""


def evaluate(expression: str) -> Number | bool:
    """The value of an arithmetic expression.

    Raises:
        SafeEvalError: a syntax error, a refused construct, a limit exceeded,
            or a math error (division by zero, a domain error, an overflow).
    """
    if len(expression) > MAX_CHARS:
        raise SafeEvalError(f"expression is longer than {MAX_CHARS} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except (SyntaxError, ValueError) as exc:
        raise SafeEvalError(
            f"not an arithmetic expression: {exc.msg if isinstance(exc, SyntaxError) else exc}"
        ) from None
    nodes = sum(1 for _ in ast.walk(tree))
    if nodes > MAX_NODES:
        raise SafeEvalError(f"expression has {nodes} nodes; the limit is {MAX_NODES}")
    try:
        value = _eval(tree.body)
        if isinstance(value, float) and not math.isfinite(value):
            raise SafeEvalError(f"the result is not a finite number ({value})")
        result: Number | bool = value
        return result
    except SafeEvalError:
        raise
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise SafeEvalError(f"cannot compute: {exc}") from None


def try_evaluate(expression: str) -> Number | bool | None:
    """`evaluate`, or None when the text is not (safe) arithmetic."""
    try:
        return evaluate(expression)
    except SafeEvalError:
        return None


def _check_int(value: Any) -> Any:
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise SafeEvalError(f"an intermediate integer exceeds {MAX_INT_BITS} bits")
    return value


def _pow(left: Any, right: Any) -> Any:
    if isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
        raise SafeEvalError(f"exponent {right} exceeds {MAX_EXPONENT}")
    if (
        isinstance(left, int)
        and isinstance(right, int)
        and right > 0
        and left.bit_length() * right > MAX_INT_BITS * 2
    ):
        raise SafeEvalError(f"{left} ** {right} would exceed {MAX_INT_BITS} bits")
    return operator.pow(left, right)


def _eval(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise SafeEvalError(f"constant `{node.value!r}` is not a number")
        return _check_int(node.value)
    if isinstance(node, ast.BinOp):
        op = _BINARY.get(type(node.op))
        if op is None:
            raise SafeEvalError(f"operator `{type(node.op).__name__}` is not allowed")
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow):
            return _check_int(_pow(left, right))
        if (
            isinstance(node.op, ast.Mult)
            and isinstance(left, int)
            and isinstance(right, int)
            and left.bit_length() + right.bit_length() > MAX_INT_BITS + 1
        ):
            raise SafeEvalError(f"a product exceeds {MAX_INT_BITS} bits")
        return _check_int(op(left, right))
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand)
        if isinstance(node.op, ast.USub):
            return -value
        if isinstance(node.op, ast.UAdd):
            return +value
        if isinstance(node.op, ast.Not):
            return not value
        raise SafeEvalError(f"operator `{type(node.op).__name__}` is not allowed")
    if isinstance(node, ast.Compare):
        left = _eval(node.left)
        for cmp, right_node in zip(node.ops, node.comparators, strict=True):
            right = _eval(right_node)
            fn = _COMPARE.get(type(cmp))
            if fn is None:
                raise SafeEvalError(f"comparison `{type(cmp).__name__}` is not allowed")
            if not fn(left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.BoolOp):
        values = [_eval(v) for v in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Name):
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        raise SafeEvalError(f"name `{node.id}` is not allowed")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS or node.keywords:
            raise SafeEvalError("only the whitelisted math functions may be called, positionally")
        if len(node.args) > 16:
            raise SafeEvalError("too many arguments")
        args = [_eval(a) for a in node.args]
        return _check_int(_FUNCTIONS[node.func.id](*args))
    raise SafeEvalError(f"`{type(node).__name__}` is not allowed in arithmetic")


_WORDS = (
    (r"\bmultiplied by\b|\btimes\b|×|\bx\b(?=\s*[\d(])", "*"),
    (r"\bdivided by\b|÷|\bover\b", "/"),
    (r"\bplus\b", "+"),
    (r"\bminus\b", "-"),
    (r"\bto the power of\b|\^", "**"),
    (r"\bmod(?:ulo)?\b", "%"),
)
_FUNCS = "|".join(_FUNCTIONS)
_EXPR = re.compile(
    rf"(?:(?:{_FUNCS}|pi|tau)\b|[\d.(])(?:[\d.\s()+\-*/%<>=!,]|\*\*|\b(?:{_FUNCS}|pi|e|tau)\b)*"
)


def arithmetic_in(text: str) -> tuple[str, Number | bool] | None:
    """The arithmetic expression in `text` and its value, or None when there is none.

    "What is 47 + 89?" → ``("47 + 89", 136)``; a lone number is not arithmetic.
    """
    if len(text) > 2_000:
        return None
    lowered = text.lower()
    for pattern, symbol in _WORDS:
        lowered = re.sub(pattern, f" {symbol} ", lowered)
    best: tuple[str, Number | bool] | None = None
    for match in _EXPR.finditer(lowered):
        candidate = match.group(0).strip().rstrip(".,")
        if not re.search(r"[+\-*/%<>=]|\w\(", candidate):
            continue
        value = try_evaluate(candidate)
        if value is not None and (best is None or len(candidate) > len(best[0])):
            best = (re.sub(r"\s+", " ", candidate), value)
    return best
