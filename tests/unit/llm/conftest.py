"""A clean LLM layer per test: no keys, fresh cache and settings, no leftover scripts or routes."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

from fsmnb import llm
from fsmnb.llm import client, provider, script
from fsmnb.llm.capabilities import forget_capabilities
from fsmnb.llm.demo import DemoModelNotice

_ENV = (
    "FSMNB_RECORD_MODEL",
    "FSMNB_EMBED_MODEL",
    "FSMNB_LLM_CACHE",
    "OPENAI_BASE_URL",
    "ANTHROPIC_BASE_URL",
    "FSMNB_OPENAI_MODEL",
    "FSMNB_ANTHROPIC_MODEL",
)


@pytest.fixture(autouse=True)
def fresh_llm_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key in _ENV:
        monkeypatch.delenv(key, raising=False)
    saved = (client.settings.policy, client.settings.cache, client.settings.max_attempts)
    provider._ensure_builtins()
    factories = dict(provider._FACTORIES)
    llm.response_cache(llm.ResponseCache())
    provider._INSTANCES.clear()
    script._SCRIPTS.clear()
    forget_capabilities()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DemoModelNotice)
        yield
    client.settings.policy, client.settings.cache, client.settings.max_attempts = saved
    provider._FACTORIES.clear()
    provider._FACTORIES.update(factories)
    provider._INSTANCES.clear()
    script._SCRIPTS.clear()
