"""Escape and denial-of-service expressions for the bounded evaluator, by category.

Each entry is ``(expression, expected)``: ``REFUSED`` (a `ComputeError`) or the
value it must answer. `bench/eval_bench.py` runs the same corpus through
simpleeval and asteval for comparison.
"""

from __future__ import annotations

import math
from typing import Any

REFUSED: Any = "refused"

ATTRIBUTES = [
    "(1).__class__",
    "(1).__class__.__bases__[0].__subclasses__()",
    "().__class__.__mro__[1].__subclasses__()",
    "pi.__class__",
    "pi.real",
    "(2).bit_length()",
    "abs.__self__",
    "abs.__self__.__import__('os')",
    "round.__globals__",
    "sqrt.__doc__",
    "e.__dict__",
    "__builtins__",
    "__import__('os').system('id')",
    "__import__('subprocess').call(['ls'])",
    "__loader__",
    "__spec__",
    "globals()",
    "locals()",
    "vars()",
    "dir()",
    "getattr(1, '__class__')",
    "type(1)",
    "object.__subclasses__()",
    "max.__call__(1, 2)",
    "(1).__add__(2)",
]
BUILTINS = [
    "eval('1+1')",
    "exec('x=1')",
    "compile('1', 'f', 'eval')",
    "open('/etc/passwd')",
    "open('/etc/passwd').read()",
    "input()",
    "breakpoint()",
    "help()",
    "exit()",
    "quit()",
    "print(1)",
    "len('abc')",
    "range(10**9)",
    "sum(range(10**9))",
    "pow(2, 10**9)",
    "pow(2, 10**9, 7)",
    "int('9' * 5000)",
    "str(10**4000)",
    "hash(1)",
    "id(1)",
    "chr(65)",
    "ord('a')",
    "memoryview(b'x')",
    "bytearray(10**9)",
    "math.factorial(10**6)",
]
SYNTAX = [
    "lambda: 1",
    "(lambda x: x)(1)",
    "[x for x in range(10**9)]",
    "{x for x in range(10**9)}",
    "{x: x for x in range(10**9)}",
    "sum(x for x in range(10**9))",
    "(x := 1)",
    "f'{1}'",
    "f'{(1).__class__}'",
    "[1, 2][0]",
    "[1, 2, 3][::-1]",
    "{1: 2}",
    "{1, 2}",
    "(1, 2)",
    "[1] * 10",
    "1 if 1 else 2",
    "max(*[1, 2])",
    "max(**{'a': 1})",
    "round(1, ndigits=2)",
    "1; 2",
    "import os",
    "x = 1",
    "yield 1",
    "await f()",
    "1 @ 2",
    "1 in 2",
    "1 is 1",
    "~1",
    "1 & 2",
    "1 | 2",
    "1 ^ 2",
    "'abc'",
    "b'abc'",
    "None",
    "True + 1",
    "...",
    "1j",
    "x + 1",
]
POWERS = [
    "2 ** 100000",
    "9 ** 9 ** 9",
    "10 ** 10 ** 10",
    "2 ** 2 ** 2 ** 2 ** 2",
    "(10 ** 400) ** 11",
    "7 ** 5000",
    "2 ** 4097",
    "(-2) ** 10 ** 6",
    "3 ** 3 ** 3 ** 3",
    "(2 ** 4000) * (2 ** 4000)",
    "(2 ** 2000) * (2 ** 2000) * (2 ** 2000)",
    "2.0 ** 5000",
    "1.5 ** 10 ** 9",
    "2 ** 0.5 ** -1000",
    "1e308 * 10 ** 10",
    "1e308 * 1e308",
    "(2 ** 4000) ** -1",
    "(2 ** 4000) / 0.5 ** 100",
    "exp(1000)",
    "exp(exp(exp(10)))",
    "(2 ** 4000) % 1.5",
    "(2 ** 4000) // 1.5",
    "sqrt(2 ** 4000 * 2 ** 90)",
    "1e999",
    "-1e999",
    "1e309 - 1e309",
]
ROUNDS = [
    "round(1, -10**9)",
    "round(1, -10**6)",
    "round(1, -1301)",
    "round(1, 10**9)",
    "round(2 ** 4000, -10**9)",
    "round(1.5, -10**9)",
    "round(1.5, 10**18)",
    "round(1, 2.5)",
    "round(1, -(10**9))",
    "round(round(1, -10**5), -10**5)",
    "round(1, pi)",
    "round(1e308, -1301)",
]
SHIFTS = [
    "1 << 10**9",
    "1 << 10",
    "(2 ** 4000) << 10**6",
    "1 >> 10**9",
    "-1 << 100",
    "1 << (1 << 30)",
]
FACTORIALS = [
    "factorial(10**9)",
    "factorial(10**6)",
    "factorial(501)",
    "factorial(-1)",
    "factorial(2.5)",
    "factorial(factorial(10))",
    "factorial(1e308)",
    "factorial(500) * factorial(500)",
]
REPETITION = [
    "'a' * 10**9",
    "'a' * 10",
    "[0] * 10**9",
    "(0,) * 10**9",
    "b'x' * 10**9",
    "'ab' * (2 ** 62)",
    "[[0] * 10**4] * 10**4",
    "'%s' % ('x' * 10**9)",
]
UNICODE = [
    "\uff52\uff4f\uff55\uff4e\uff44(1, -10**9)",  # fullwidth `round`
    "\U0001d42b\U0001d428\U0001d42e\U0001d427\U0001d41d(1, -10**9)",  # bold `round`
    "\U0001d41e\U0001d431\U0001d41e\U0001d41c('1')",  # bold `exec`
    "\u0435val('1')",  # Cyrillic `е` in `eval`
    "\uff11\uff12\uff13 + 1",  # fullwidth digits
    "\u0661\u0662 + 1",  # Arabic-Indic digits
    "1 \u2212 1",  # minus sign
    "2 \u00d7 3",  # multiplication sign, not an operator in Python
    "1\u200b+1",  # zero-width space
    "1 + 1\u202e",  # right-to-left override
    "\ufeff1 + 1",  # byte-order mark
    "\u2460 + 1",  # circled digit one
    "\U0001d7cf + 1",  # mathematical bold digit one
    "\u00b2 + 1",  # superscript two
    "(1).\uff3f\uff3fclass\uff3f\uff3f",  # fullwidth underscores
]
NESTING = [
    "(" * 250 + "1" + ")" * 250,
    "-" * 300 + "1",
    "not " * 120 + "1",
    "abs(" * 101 + "1" + ")" * 101,
    "-(" * 101 + "1" + ")" * 101,
    "+".join(["1"] * 249),
    "*".join(["9"] * 249),
    "**".join(["2"] * 120),
    "max(" + ", ".join(["1"] * 100) + ")",
    "hypot(" + ", ".join(["1e300"] * 17) + ")",
    "1 < " * 130 + "2",
    " or ".join(["0"] * 150),
]
LONG = [
    "1" * 501,
    "9" * 5000,
    "1 + " * 5000 + "1",
    "x" * 10_000,
    " " * 100_000 + "1",
    "1" + " + 1" * 250_000,
]
REAL_ONLY = [
    "(-8) ** 0.5",
    "(-1) ** 0.5",
    "(-8.0) ** (1 / 3)",
    "sqrt(-1)",
    "log(-1)",
    "log(0)",
    "1 / 0",
    "1 // 0",
    "1 % 0",
    "0 ** -1",
    "(-tan(1)) ** 0.5",
    "exp(710)",
]
ANSWERED = [
    ("round(1, -1300)", 0),
    ("round(123456, -3)", 123000),
    ("round(pi, 1300)", math.pi),
    ("factorial(20)", math.factorial(20)),
    ("2 ** 4095 - 2 ** 4095", 0),
    ("(" * 100 + "1" + ")" * 100, 1),
    ("round(" * 20 + "1" + ", -1000)" * 20, 0),
    ("+".join(["1"] * 90), 90),
    ("abs(" * 40 + "1" + ")" * 40, 1),
    ("1 < " * 100 + "2", False),
    ("(-8) ** 2", 64),
    ("(-8.0) ** 3.0", -512.0),
    ("(-2) ** 4095 // 2 ** 4000", (-(2**4095)) // 2**4000),
    ("1 ** (10 ** 1000)", 1),
    ("(-1) ** (10 ** 1000 + 1)", -1),
    ("0 ** (10 ** 1000)", 0),
    ("min(3, 1, 2) + max(4, 5)", 6),
    ("hypot(3, 4)", 5.0),
    ("floor(2.5) + ceil(2.5)", 5),
    ("1 < 2 < 3", True),
    ("10 ** -3", 0.001),
    ("log10(10 ** 300)", 300.0),
    ("2 * (3 + 4) ** 2", 98),
    ("10 ** -10 ** 9", 0.0),
]

CATEGORIES: dict[str, list[str]] = {
    "attribute and dunder access": ATTRIBUTES,
    "builtins and imports": BUILTINS,
    "syntax beyond arithmetic": SYNTAX,
    "huge powers and overflow": POWERS,
    "round digits": ROUNDS,
    "shifts": SHIFTS,
    "factorials": FACTORIALS,
    "repetition": REPETITION,
    "unicode look-alikes": UNICODE,
    "deep nesting": NESTING,
    "long inputs": LONG,
    "real numbers only": REAL_ONLY,
}


def corpus() -> list[tuple[str, str, Any]]:
    """Every entry as ``(category, expression, expected)``."""
    out: list[tuple[str, str, Any]] = []
    for category, expressions in CATEGORIES.items():
        out += [(category, text, REFUSED) for text in expressions]
    out += [("bounded but answered", text, value) for text, value in ANSWERED]
    return out
