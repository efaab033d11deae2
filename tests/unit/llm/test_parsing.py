"""Tolerant JSON extraction from model replies."""

from __future__ import annotations

import pytest

from fsmnb.llm.parsing import MAX_REPLY_CHARS, ReplyParseError, extract_json


@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ('{"a": 1}', {"a": 1}),
        ('  ```json\n{"a": 1}\n```  ', {"a": 1}),
        ('Here you go:\n```\n{"a": [1, 2]}\n```\nAnything else?', {"a": [1, 2]}),
        ('Sure! {"a": 1} Hope that helps. {"b": 2}', {"a": 1}),
        ('The {braces} in prose, then {"a": 1}', {"a": 1}),
        ("[1, 2, 3] trailing", [1, 2, 3]),
        ('"just a string"', "just a string"),
    ],
)
def test_finds_the_json(reply: str, value: object) -> None:
    assert extract_json(reply) == value


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("no json at all", "no JSON object"),
        ('{"a": 1', "no complete JSON"),
        ("[" * 100_000, "nested too deeply"),
        ("x" * (MAX_REPLY_CHARS + 1), "characters long"),
    ],
)
def test_says_what_is_wrong(reply: str, message: str) -> None:
    with pytest.raises(ReplyParseError, match=message):
        extract_json(reply)
