"""A bounded evaluator for arithmetic: whitelisted AST nodes only, never `eval` or `exec`.

`evaluate("2 * (3 + 4) ** 2")` parses the text with `ast.parse(mode="eval")`
and walks the tree itself. Allowed: numbers, ``+ - * / // % **``, unary
``+ - not``, comparisons, ``and``/``or``, the constants ``pi e tau``, and the
functions ``abs round min max sqrt exp log log10 log2 sin cos tan floor ceil
hypot factorial``.

Bounded by construction: every value is a finite float or an integer of at
most `MAX_INT_BITS` bits, and every operation's cost is checked *before* it
runs from the sizes of its operands (a product's bits, a power's result bits,
`round`'s digits, `factorial`'s argument), so no single step can take long;
the text's length, the tree's nodes and its depth bound the number of steps.
Anything else raises `ComputeError` naming the limit and the fix. Results are
real numbers (or the booleans of comparisons), never complex.

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

from fsmnb.errors import ComputeError

__all__ = ("ComputeError", "SafeEvalError", "arithmetic_in", "evaluate", "try_evaluate")

MAX_CHARS = 500
MAX_NODES = 250  # numbers, names, operations and calls (not operator tokens)
MAX_DEPTH = 100
MAX_INT_BITS = 4_096  # ~1,233 digits: `str()` of any result stays far below Python's 4,300
MAX_ROUND_DIGITS = 1_300  # `round(x, -n)` computes 10**n; a 4,096-bit int has 1,234 digits
MAX_FACTORIAL = 500  # 500! has 3,767 bits
MAX_ARGS = 16

#: Kept for callers written before the rename.
SafeEvalError = ComputeError

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


def _round(value: Any, digits: Any = None) -> Any:
    if digits is None:
        return round(value)
    if not isinstance(digits, int) or isinstance(digits, bool):
        raise ComputeError("`round`'s digits must be a whole number, e.g. `round(x, 2)`.")
    if abs(digits) > MAX_ROUND_DIGITS:
        raise ComputeError(
            f"`round` to {digits} digits is over the limit of ±{MAX_ROUND_DIGITS:,}; "
            "round to fewer digits."
        )
    return round(value, digits)


def _factorial(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ComputeError("`factorial` takes a whole number ≥ 0.")
    if value > MAX_FACTORIAL:
        raise ComputeError(f"`factorial({value})` is over the limit of {MAX_FACTORIAL}.")
    return math.factorial(value)


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "round": _round,
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
    "factorial": _factorial,
}


def evaluate(expression: str) -> Number | bool:
    """The value of an arithmetic expression.

    Raises:
        ComputeError: a syntax error, a refused construct, a limit exceeded,
            or a math error (division by zero, a domain error, an overflow);
            the message says which.
    """
    if not isinstance(expression, str):
        raise ComputeError(f"An expression is text, got {type(expression).__name__}.")
    if len(expression) > MAX_CHARS:
        raise ComputeError(
            f"The expression has {len(expression):,} characters; the limit is {MAX_CHARS}."
        )
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, SyntaxError) else type(exc).__name__
        raise ComputeError(f"Not an arithmetic expression: {reason}.") from None
    _check_shape(tree.body)
    try:
        value = _eval(tree.body)
    except ComputeError:
        raise
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise ComputeError(f"Cannot compute: {exc}.") from None
    result: Number | bool = _checked(value)
    return result


def try_evaluate(expression: str) -> Number | bool | None:
    """`evaluate`, or None when the text is not (bounded) arithmetic."""
    try:
        return evaluate(expression)
    except ComputeError:
        return None


def _check_shape(root: ast.AST) -> None:
    """Refuse a tree with too many nodes or nested too deep, without recursion."""
    nodes = sum(1 for node in ast.walk(root) if isinstance(node, ast.expr))
    if nodes > MAX_NODES:
        raise ComputeError(f"The expression has {nodes} parts; the limit is {MAX_NODES}.")
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ComputeError(f"The expression nests over {MAX_DEPTH} levels deep.")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _checked(value: Any) -> Any:
    """`value` if it is a bounded real number (or a comparison's boolean)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if value.bit_length() > MAX_INT_BITS:
            raise ComputeError(f"An intermediate integer exceeds {MAX_INT_BITS:,} bits.")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ComputeError(f"The result is not a finite number ({value}).")
        return value
    raise ComputeError(f"The result is not a real number (got {type(value).__name__}).")


def _bits(value: Any) -> int:
    return abs(value).bit_length() if isinstance(value, int) else 0


def _check_binary(op: ast.operator, left: Any, right: Any) -> None:
    """Refuse an operation whose result (and so its cost) would exceed the limits."""
    if isinstance(op, ast.Mult) and _bits(left) + _bits(right) > MAX_INT_BITS + 1:
        raise ComputeError(f"A product exceeds {MAX_INT_BITS:,} bits.")
    if not isinstance(op, ast.Pow):
        return
    if (
        isinstance(left, float | int)
        and left < 0
        and isinstance(right, float)
        and not right.is_integer()
    ):
        raise ComputeError(
            f"`{left} ** {right}` is not a real number (a negative base with a "
            "fractional exponent)."
        )
    # |left| ** right has at least (bits(left) - 1) * right bits: refuse before computing it.
    if (
        isinstance(left, int)
        and isinstance(right, int)
        and right > 0
        and abs(left) > 1
        and (_bits(left) - 1) * right > MAX_INT_BITS
    ):
        raise ComputeError(
            f"`{_short(left)} ** {_short(right)}` would exceed {MAX_INT_BITS:,} bits."
        )


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 20 else f"{text[:8]}…({len(text)} digits)"


def _eval(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise ComputeError(f"The constant `{node.value!r:.40}` is not a number.")
        return _checked(node.value)
    if isinstance(node, ast.BinOp):
        op = _BINARY.get(type(node.op))
        if op is None:
            raise ComputeError(f"The operator `{type(node.op).__name__}` is not allowed.")
        left, right = _eval(node.left), _eval(node.right)
        _check_binary(node.op, left, right)
        return _checked(op(left, right))
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand)
        if isinstance(node.op, ast.USub):
            return -value
        if isinstance(node.op, ast.UAdd):
            return +value
        if isinstance(node.op, ast.Not):
            return not value
        raise ComputeError(f"The operator `{type(node.op).__name__}` is not allowed.")
    if isinstance(node, ast.Compare):
        left = _eval(node.left)
        for cmp, right_node in zip(node.ops, node.comparators, strict=True):
            right = _eval(right_node)
            fn = _COMPARE.get(type(cmp))
            if fn is None:
                raise ComputeError(f"The comparison `{type(cmp).__name__}` is not allowed.")
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
        raise ComputeError(f"The name `{node.id[:40]}` is not allowed.")
    if isinstance(node, ast.Call):
        return _call(node)
    raise ComputeError(f"`{type(node).__name__}` is not allowed in arithmetic.")


def _call(node: ast.Call) -> Any:
    if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
        listed = ", ".join(f"`{n}`" for n in _FUNCTIONS)
        raise ComputeError(f"Only these functions may be called: {listed}.")
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        raise ComputeError(f"`{node.func.id}` takes plain positional arguments only.")
    if len(node.args) > MAX_ARGS:
        raise ComputeError(f"`{node.func.id}` got over {MAX_ARGS} arguments.")
    args = [_eval(a) for a in node.args]
    return _checked(_FUNCTIONS[node.func.id](*args))


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
MAX_TEXT = 2_000


def arithmetic_in(text: str) -> tuple[str, Number | bool] | None:
    """The arithmetic expression in `text` and its value, or None when there is none.

    "What is 47 + 89?" → ``("47 + 89", 136)``; a lone number is not arithmetic.
    Texts over `MAX_TEXT` characters are not searched.
    """
    if len(text) > MAX_TEXT:
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
