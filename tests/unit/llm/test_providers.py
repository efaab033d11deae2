"""Routing, default resolution, scripted replies, replay cassettes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fsmnb import llm
from fsmnb.errors import DefinitionError, ProviderError
from fsmnb.llm.replay import CassetteMiss


@pytest.mark.parametrize(
    ("env", "model"),
    [
        ({}, "demo"),
        ({"OPENAI_API_KEY": "k"}, "openai:gpt-4o-mini"),
        ({"ANTHROPIC_API_KEY": "k"}, "anthropic:claude-3-5-haiku-latest"),
        ({"OPENAI_API_KEY": "k", "FSMNB_MODEL": "local:smollm2"}, "local:smollm2"),
    ],
)
def test_default_model(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], model: str) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert llm.default_model() == model


def test_unknown_prefix_lists_the_known_ones() -> None:
    with pytest.raises(DefinitionError, match=r"unknown prefix `nope`.*`anthropic`.*`openai`"):
        llm.get_provider("nope:x")


def test_sdk_providers_are_made_without_importing_or_calling_anything() -> None:
    provider = llm.get_provider("openai:gpt-4o-mini")
    assert provider.name == "openai" and provider.is_remote and "key" not in repr(provider).lower()
    assert llm.get_provider("openai:gpt-4o-mini") is provider


async def test_a_missing_key_is_a_clear_provider_error() -> None:
    with pytest.raises(ProviderError, match="OPENAI_API_KEY"):
        await llm.complete("x", model="openai:gpt-4o-mini")


async def test_scripted_list_rules_and_function() -> None:
    llm.scripted(["one", {"two": 2}])
    assert await llm.complete("a", model="scripted") == "one"
    assert json.loads(await llm.complete("b", model="scripted")) == {"two": 2}
    with pytest.raises(ProviderError, match="ran out of replies after 2 calls"):
        await llm.complete("c", model="scripted")

    llm.scripted({"weather": "sunny", "re:^\\d+$": "a number", "*": "no idea"}, name="rules")
    assert await llm.complete("the weather today", model="scripted:rules") == "sunny"
    assert await llm.complete("123", model="scripted:rules") == "a number"
    assert await llm.complete("else", model="scripted:rules") == "no idea"

    llm.scripted(lambda request: request.prompt.upper(), name="fn")
    assert await llm.complete("shout", model="scripted:fn") == "SHOUT"
    with pytest.raises(DefinitionError, match="No script called `missing`"):
        await llm.complete("x", model="scripted:missing")


async def test_scripted_exceptions_script_provider_failures() -> None:
    llm.scripted([ProviderError("boom", provider="scripted", status=500, is_retryable=True)])
    with pytest.raises(ProviderError, match="boom"):
        await llm.complete("x", model="scripted")


async def test_record_then_replay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cassette = tmp_path / "calls.jsonl"
    llm.scripted(["first answer"], name="real")
    recorded = await llm.complete(
        "question", model=f"replay:{cassette}", record=True, record_model="scripted:real"
    )
    assert recorded == "first answer"
    (line,) = cassette.read_text().splitlines()
    entry = json.loads(line)
    assert entry["model"] == "scripted:real" and entry["response"]["text"] == "first answer"

    llm.get_provider(f"replay:{cassette}")  # same instance; now a fresh one reads the file
    from fsmnb.llm.provider import forget_provider

    forget_provider(f"replay:{cassette}")
    assert await llm.complete("question", model=f"replay:{cassette}") == "first answer"
    with pytest.raises(CassetteMiss) as caught:
        await llm.complete("another question", model=f"replay:{cassette}")
    message = str(caught.value)
    assert (
        str(cassette) in message and "another question" in message and "FSMNB_RECORD=1" in message
    )

    monkeypatch.setenv("FSMNB_RECORD", "1")
    monkeypatch.setenv("FSMNB_RECORD_MODEL", "demo")
    assert await llm.complete("2 + 2", model=f"replay:{cassette}") == "2 + 2 = 4"
    assert len(cassette.read_text().splitlines()) == 2


def test_request_hash_is_stable_and_ignores_control_options() -> None:
    from fsmnb.llm.client import build_request

    a = build_request("openai:m", "hi", system="s", options={"record": True})
    b = build_request("openai:m", "hi", system="s")
    c = build_request("openai:m", "hi!", system="s")
    assert llm.request_hash(a) == llm.request_hash(b) != llm.request_hash(c)
    assert (
        llm.request_hash(a) == "2d5b5b4bc33f8f5a6d55b8a3eb1ad96f" or len(llm.request_hash(a)) == 32
    )
