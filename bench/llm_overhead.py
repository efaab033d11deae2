"""LLM layer measurements: structured-reply recovery under malformed replies, and per-call overhead.

    .venv/bin/python bench/llm_overhead.py            # full run (~20 s)
    .venv/bin/python bench/llm_overhead.py --quick    # smaller N

1. Recovery: 10,000 structured calls against a scripted model whose every reply
   is malformed with probability 0.3 (truncated, wrong type, wrong enum, out of
   range, missing field, prose around JSON, code fences, empty, other JSON),
   `max_attempts=3`. Reports the share of calls that end with a valid object,
   the attempts they took, and that every other call ended in
   `StructuredOutputError` (never another exception).
2. Overhead: the official `openai` SDK's `chat.completions.create` against an
   in-process `httpx2.MockTransport` (no sockets, so the network's noise does
   not hide a sub-millisecond difference), bare versus through
   `fsmnb.llm.complete` with the same client. Rounds alternate between the two;
   the reported overhead is the median over rounds of (framework - bare) per call.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Literal

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydantic import BaseModel, Field

from fsmnb import llm
from fsmnb.errors import StructuredOutputError


class Verdict(BaseModel):
    label: Literal["pass", "fail", "unknown"]
    confidence: float = Field(ge=0, le=1)
    reasons: list[str] = Field(default_factory=list)


def valid(rng: random.Random) -> dict[str, Any]:
    return {
        "label": rng.choice(["pass", "fail", "unknown"]),
        "confidence": round(rng.random(), 3),
        "reasons": ["r"] * rng.randint(0, 3),
    }


def malformed(rng: random.Random) -> tuple[str, str]:
    obj = valid(rng)
    text = json.dumps(obj)
    kind = rng.choice(
        [
            "truncated",
            "wrong_type",
            "wrong_enum",
            "out_of_range",
            "missing",
            "prose",
            "fenced",
            "empty",
            "other_json",
        ]
    )
    if kind == "truncated":
        return kind, text[: rng.randint(0, len(text) - 1)]
    if kind == "wrong_type":
        return kind, json.dumps({**obj, "confidence": "high"})
    if kind == "wrong_enum":
        return kind, json.dumps({**obj, "label": "maybe"})
    if kind == "out_of_range":
        return kind, json.dumps({**obj, "confidence": 7})
    if kind == "missing":
        return kind, json.dumps({k: v for k, v in obj.items() if k != "label"})
    if kind == "prose":  # recoverable by tolerant parsing, no retry needed
        return kind, f"Sure! Here is my verdict: {text} Let me know if you need more."
    if kind == "fenced":  # recoverable by tolerant parsing
        return kind, f"```json\n{text}\n```"
    if kind == "empty":
        return kind, ""
    return kind, json.dumps([1, 2, 3])


async def recovery(n: int, rate: float, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)

    def reply(_request: Any) -> str:
        if rng.random() < rate:
            return malformed(rng)[1]
        return json.dumps(valid(rng))

    model = llm.ScriptedProvider(reply)
    ok = failed = 0
    attempts: list[int] = []
    others: list[str] = []
    for _ in range(n):
        try:
            result = await llm.structured(Verdict, prompt="judge", model=model, max_attempts=3)
        except StructuredOutputError as error:
            failed += 1
            attempts.append(len(error.attempts))
        except Exception as error:  # must never happen
            others.append(repr(error))
        else:
            ok += 1
            attempts.append(len(result.attempts))
    return {
        "calls": n,
        "malformed_rate": rate,
        "valid_share": ok / n,
        "structured_output_errors": failed,
        "other_exceptions": len(others),
        "mean_attempts": statistics.mean(attempts),
        "first_reply_malformed_expected_share_after_3": 1 - rate**3,
    }


async def overhead(calls: int, rounds: int) -> dict[str, Any]:
    import httpx2
    import openai

    from fsmnb.llm.adapters.openai_sdk import OpenAIProvider

    body = json.dumps(
        {
            "id": "c",
            "object": "chat.completion",
            "created": 0,
            "model": "gpt-test",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "hello"},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
        }
    ).encode()

    def handler(request: Any) -> Any:
        return httpx2.Response(200, content=body, headers={"content-type": "application/json"})

    http = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
    bare = openai.AsyncOpenAI(
        api_key="sk-bench", base_url="http://bench.invalid/v1", max_retries=0, http_client=http
    )
    provider = OpenAIProvider(
        "gpt-test", api_key="sk-bench", base_url="http://bench.invalid/v1", http_client=http
    )
    llm.register_provider("benchopenai", provider)
    messages = [{"role": "user", "content": "hi"}]

    async def run_bare() -> float:
        t0 = time.perf_counter()
        for _ in range(calls):
            await bare.chat.completions.create(model="gpt-test", messages=messages)
        return (time.perf_counter() - t0) / calls

    async def run_framework() -> float:
        t0 = time.perf_counter()
        for _ in range(calls):
            await llm.complete("hi", model="benchopenai:gpt-test")
        return (time.perf_counter() - t0) / calls

    await run_bare()
    await run_framework()  # warm both paths
    bare_t, fw_t, diffs = [], [], []
    for i in range(rounds):
        if i % 2:
            b, f = await run_bare(), await run_framework()
        else:
            f, b = await run_framework(), await run_bare()
        bare_t.append(b)
        fw_t.append(f)
        diffs.append(f - b)
    await http.aclose()
    return {
        "calls_per_round": calls,
        "rounds": rounds,
        "bare_sdk_ms": statistics.median(bare_t) * 1e3,
        "framework_ms": statistics.median(fw_t) * 1e3,
        "overhead_ms": statistics.median(diffs) * 1e3,
    }


async def main(quick: bool) -> None:
    result = {
        "recovery": await recovery(2_000 if quick else 10_000, 0.3),
        "overhead": await overhead(100 if quick else 300, 6 if quick else 12),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    asyncio.run(main(parser.parse_args().quick))
