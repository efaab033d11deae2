"""10,000 malformed replies through the structured-call path: never an unhandled exception.

Every reply that a retry can fix is fixed; the rest end in `StructuredOutputError`
holding every attempt. Driven through `structured()` with the scripted provider
(the same path a real provider's replies take after the SDK), on one event loop.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from fsmnb.errors import StructuredOutputError
from fsmnb.llm import ScriptedProvider, structured, validate_reply
from fsmnb.llm.parsing import MAX_REPLY_CHARS


class Verdict(BaseModel):
    label: Literal["pass", "fail", "unknown"]
    confidence: float = Field(ge=0, le=1)
    reasons: list[str] = Field(default_factory=list, max_length=5)


VALID = json.dumps({"label": "pass", "confidence": 0.9, "reasons": ["ok"]})

valid_objects = st.fixed_dictionaries(
    {
        "label": st.sampled_from(["pass", "fail", "unknown"]),
        "confidence": st.floats(0, 1),
        "reasons": st.lists(st.text(max_size=10), max_size=5),
    }
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def malformed(draw: Any) -> str:
    obj = draw(valid_objects)
    text = json.dumps(obj)
    kind = draw(
        st.sampled_from(
            [
                "truncated",
                "wrong_type",
                "wrong_enum",
                "out_of_range",
                "missing",
                "prose",
                "fenced",
                "empty",
                "huge",
                "random",
                "deep",
                "too_many",
                "nan",
                "other_json",
            ]
        )
    )
    if kind == "truncated":
        return text[: draw(st.integers(0, max(0, len(text) - 1)))]
    if kind == "wrong_type":
        key = draw(st.sampled_from(sorted(obj)))
        obj[key] = draw(json_values.filter(lambda v: type(v) is not type(obj[key])))
        return json.dumps(obj)
    if kind == "wrong_enum":
        obj["label"] = draw(
            st.text(max_size=8).filter(lambda s: s not in ("pass", "fail", "unknown"))
        )
        return json.dumps(obj)
    if kind == "out_of_range":
        obj["confidence"] = draw(st.floats(1.0001, 1e9) | st.floats(-1e9, -0.0001))
        return json.dumps(obj)
    if kind == "missing":
        del obj[draw(st.sampled_from(["label", "confidence"]))]
        return json.dumps(obj)
    if kind == "prose":
        return draw(st.text(max_size=30)) + text + draw(st.text(max_size=30))
    if kind == "fenced":
        return f"Here it is:\n```json\n{text}\n```\n"
    if kind == "empty":
        return draw(st.sampled_from(["", " ", "\n\t", "null", "{}", "[]"]))
    if kind == "huge":
        return text + " " * (MAX_REPLY_CHARS + draw(st.integers(1, 1000)))
    if kind == "deep":
        return "[" * draw(st.integers(500, 5000))
    if kind == "too_many":
        obj["reasons"] = ["r"] * draw(st.integers(6, 50))
        return json.dumps(obj)
    if kind == "nan":
        return text.replace(
            json.dumps(obj["confidence"]), draw(st.sampled_from(["NaN", "Infinity", "-Infinity"]))
        )
    if kind == "other_json":
        return json.dumps(draw(json_values))
    return draw(st.text(max_size=60))


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


BATCHES, PER_BATCH = 100, 100  # 10,000 generated replies in all


@settings(
    max_examples=BATCHES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(replies=st.lists(malformed(), min_size=PER_BATCH, max_size=PER_BATCH))
def test_malformed_replies_are_recovered_or_reported(
    loop: asyncio.AbstractEventLoop, replies: list[str]
) -> None:
    for reply in replies:
        check_one(loop, reply)


def check_one(loop: asyncio.AbstractEventLoop, reply: str) -> None:
    usable = validate_reply(reply, Verdict)[1] is None

    # a retry can fix it: the next reply is valid
    fixed = loop.run_until_complete(
        structured(Verdict, prompt="judge", model=ScriptedProvider([reply, VALID]), max_attempts=2)
    )
    assert isinstance(fixed.value, Verdict)
    assert len(fixed.attempts) == (1 if usable else 2)
    assert fixed.attempts[-1].ok and all(a.error for a in fixed.attempts[:-1])

    # nothing can fix it: every attempt is reported
    try:
        again = loop.run_until_complete(
            structured(Verdict, prompt="judge", model=ScriptedProvider([reply] * 3), max_attempts=3)
        )
    except StructuredOutputError as error:
        assert not usable
        assert [a.reply for a in error.attempts] == [reply] * 3
        assert all(a.error for a in error.attempts)
    else:
        assert usable and len(again.attempts) == 1
