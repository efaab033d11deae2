"""Client work off the loop (sync functions in bounded threads) and the model allow-list."""

from __future__ import annotations

import ast
import asyncio
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from fsmnb import Manager, register_callable
from fsmnb.effects import unregister_callable
from fsmnb.mcp import FsmServer
from fsmnb.mcp.policy import ModelPolicy

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

started = threading.Event()
release = threading.Event()


def spin(limit: float = 20.0) -> str:
    """Burn CPU (in pure Python, holding the GIL between bytecodes) until released."""
    import time

    started.set()
    deadline = time.monotonic() + limit
    n = 0
    while not release.is_set() and time.monotonic() < deadline:
        n += 1
    return "released" if release.is_set() else "gave up"


def increment(value: int) -> int:
    return value + 1


@pytest.fixture(autouse=True)
def _registered() -> Iterator[None]:
    started.clear()
    release.clear()
    register_callable("spin", spin)
    register_callable("increment", increment)
    yield
    release.set()
    unregister_callable("spin")
    unregister_callable("increment")


def pipeline(fn: str) -> dict[str, Any]:
    return {"effects": {"kind": "call", "fn": fn}}


async def _wait_for(event: threading.Event) -> None:
    for _ in range(2_000):
        if event.is_set():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the spinning function never started")


async def test_another_session_is_answered_while_a_sync_function_spins() -> None:
    app = FsmServer(Manager())
    async with Client(app.mcp) as spinner, Client(app.mcp) as other:
        spinning = asyncio.create_task(
            spinner.call_tool("execute_effect_pipeline", pipeline("spin"))
        )
        await _wait_for(started)
        answered = await asyncio.wait_for(other.call_tool("list_workflows", {}), 15)
        assert not answered.is_error
        assert not release.is_set() and not spinning.done()  # answered while it spins
        release.set()
        result = await asyncio.wait_for(spinning, 15)
        assert not result.is_error, result.content
        assert result.structured_content["result"] == "released"
    app.close()


async def test_a_pipeline_deadline_cuts_a_spinning_call_and_its_thread_stays_counted() -> None:
    app = FsmServer(Manager(), pipeline_timeout=0.3, call_threads=2, call_threads_per_tenant=1)
    async with Client(app.mcp) as client:
        result = await client.call_tool("execute_effect_pipeline", pipeline("spin"))
        assert result.is_error
        assert "did not finish within 0.3 s" in result.content[0].text
        assert app.calls.busy("default") == 1  # the thread cannot be killed: its slot stays taken
        busy = await client.call_tool("execute_effect_pipeline", pipeline("spin"))
        assert busy.is_error
        assert "threads for your synchronous functions are busy" in busy.content[0].text
        release.set()
        for _ in range(2_000):
            if app.calls.busy() == 0:
                break
            await asyncio.sleep(0.005)
        assert app.calls.busy() == 0
        again = await client.call_tool(
            "execute_effect_pipeline",
            {"effects": {"kind": "update_data", "key": "n", "fn": "increment", "default": 1}},
        )
        assert not again.is_error, again.content
        assert again.structured_content["data"] == {"n": 2}
    app.close()


@pytest.mark.parametrize(
    ("effect", "offender"),
    [
        ({"kind": "call_llm", "prompt": "hi", "model": "replay:{path}"}, "the model `replay:"),
        ({"kind": "call_llm", "prompt": "hi", "model": "local:{path}"}, "the model `local:"),
        (
            {"kind": "call_llm", "prompt": "hi", "options": {"record": True}},
            "`record`: names a file, a URL or a process",
        ),
        (
            {"kind": "call_llm", "prompt": "hi", "options": {"record_model": "openai:x"}},
            "`record_model`: names a file",
        ),
        (
            {"kind": "call_llm", "prompt": "hi", "options": {"base_url": "http://10.0.0.1"}},
            "`base_url`: names a file, a URL",
        ),
        ({"kind": "embed_text", "text": "hi", "model": "local:{path}"}, "the model `local:"),
        (
            {"kind": "rag_pipeline", "query": "q", "model": "replay:{path}"},
            "the model `replay:",
        ),
        (
            {"kind": "invoke_agent", "agent": "a", "task": "t", "context": {"model": "x:{path}"}},
            "`context`.`model`",
        ),
        ({"kind": "vector_search", "query": "q", "index": "{path}"}, "no index `"),
        ({"kind": "rag_pipeline", "query": "q", "index": "{path}"}, "no index `"),
    ],
)
async def test_a_client_cannot_name_host_resources(
    tmp_path: Path, effect: dict[str, Any], offender: str
) -> None:
    existing = tmp_path / "calls.jsonl"
    existing.write_text("")
    missing = tmp_path / "new" / "calls.jsonl"
    app = FsmServer(Manager(), models=["demo"])
    messages = []
    async with Client(app.mcp) as client:
        for path in (existing, missing):
            tree = ast.literal_eval(str(effect).replace("{path}", str(path)))
            result = await client.call_tool("execute_effect_pipeline", {"effects": tree})
            assert result.is_error
            assert offender in result.content[0].text
            text = result.content[0].text.replace(str(path), "PATH")
            messages.append(re.sub(r"(replay|local|x):[^`]*`", "MODEL`", text))
    assert messages[0] == messages[1]  # nothing tells an existing file from a missing one
    assert not missing.parent.exists() and existing.read_text() == ""
    app.close()


async def test_the_default_and_allowed_models_answer_and_the_evaluator_bomb_is_harmless() -> None:
    app = FsmServer(Manager(), models=["demo"])
    async with Client(app.mcp) as client:
        for model in (None, "demo"):
            effect = {"kind": "call_llm", "prompt": "What is round(1, -10**9)?"}
            if model:
                effect["model"] = model
            result = await client.call_tool("execute_effect_pipeline", {"effects": effect})
            assert not result.is_error, result.content
            assert isinstance(result.structured_content["result"], str)
    app.close()


async def test_spawn_agent_and_templates_check_the_model() -> None:
    app = FsmServer(Manager())
    async with Client(app.mcp) as client:
        spawned = await client.call_tool(
            "spawn_agent", {"role": "r", "task": "t", "model": "replay:/etc/passwd"}
        )
        assert spawned.is_error and "the model `replay:/etc/passwd` is not allowed" in (
            spawned.content[0].text
        )
        built = await client.call_tool(
            "create_ai_workflow",
            {"template": "rag_qa", "name": "q", "config": {"model": "local:/x", "question": "q"}},
        )
        assert built.is_error and "`config`.`model`" in built.content[0].text
    app.close()


def test_policy_options_are_typed_and_bounded() -> None:
    policy = ModelPolicy(["demo", "default"])
    assert policy.allowed == frozenset({"demo"})
    assert policy.problems_of_options({"cache": True, "max_attempts": 3}, "o") == []
    found = policy.problems_of_options({"cache": "yes", "max_attempts": 99, "seed": True}, "o")
    assert len(found) == 3
    assert any("`cache`: expected bool, got str" in f for f in found)
    assert any("must be 1 to 5, got 99" in f for f in found)
