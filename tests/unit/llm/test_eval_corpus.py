"""The escape and denial-of-service corpus: every expression is refused or answered exactly.

Each expression's cost is bounded by construction (see `fsmnb.llm.safe_eval`);
`bench/eval_bench.py` measures the time per expression, here and for
simpleeval and asteval. The timeout below only turns a hang into a failure.
"""

from __future__ import annotations

import math

import pytest

from fsmnb.errors import ComputeError, FsmnbError
from fsmnb.llm.safe_eval import MAX_INT_BITS, arithmetic_in, evaluate
from tests.unit.llm.eval_corpus import REFUSED, corpus

CORPUS = corpus()


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 150


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("category", "expression", "expected"),
    CORPUS,
    ids=[f"{c}:{i}" for i, (c, _, _) in enumerate(CORPUS)],
)
def test_refused_or_answered(category: str, expression: str, expected: object) -> None:
    if expected is REFUSED:
        with pytest.raises(ComputeError) as caught:
            evaluate(expression)
        assert isinstance(caught.value, FsmnbError)
        assert str(caught.value)
        return
    value = evaluate(expression)
    assert type(value) in (int, float, bool)
    if isinstance(value, float):
        assert math.isfinite(value)
        assert value == pytest.approx(expected)
    else:
        assert value == expected
        assert int(value).bit_length() <= MAX_INT_BITS


@pytest.mark.parametrize(
    ("expression", "limit"),
    [
        ("round(1, -10**9)", "round"),
        ("9 ** 9 ** 9", "bits"),
        ("factorial(10**6)", "factorial"),
        ("-(" * 101 + "1" + ")" * 101, "levels deep"),
        ("+".join(["1"] * 200), "parts"),
        ("1" * 501, "characters"),
        ("(-8) ** 0.5", "not a real number"),
        ("1 << 10", "not allowed"),
    ],
)
def test_the_error_names_the_limit(expression: str, limit: str) -> None:
    with pytest.raises(ComputeError, match=limit):
        evaluate(expression)


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "text",
    [
        "What is round(1, -10**9)?",
        "What is 9 ** 9 ** 9?",
        "What is " + "1+ " * 600 + "?",
        "What is " + " and ".join(["2 ** 4000 * 2 ** 90"] * 80) + "?",
        "compute " + "(" * 300 + "1" + ")" * 300,
        "x" * 3_000,
    ],
)
def test_arithmetic_in_questions_is_bounded(text: str) -> None:
    found = arithmetic_in(text)
    assert found is None or isinstance(found[1], int | float | bool)
