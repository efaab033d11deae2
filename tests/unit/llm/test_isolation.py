"""The local model in a child process: a crash in native code is a ProviderError; we survive.

The stand-in (`standin_model.py`) runs where llama.cpp would: CI does not build
llama-cpp-python, and the mechanism is the same (`local`-marked tests run the real one).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from fsmnb import llm
from fsmnb.errors import ProviderError
from fsmnb.llm.adapters.llama_cpp import LocalProvider
from fsmnb.llm.client import build_request
from fsmnb.llm.grammar_schema import simplify_for_grammar
from fsmnb.llm.isolation import ChildModel
from fsmnb.llm.schemas import Solution, WorkflowCreation


@pytest.fixture
async def child() -> AsyncIterator[ChildModel]:
    model = ChildModel(
        "tests.unit.llm.standin_model:worker", ("hello",), label="local:standin", timeout=20
    )
    yield model
    model.close()


def _ask(prompt: str, **extra: object) -> dict[str, object]:
    return {"messages": [{"role": "user", "content": prompt}], **extra}


async def test_a_segfault_in_the_child_is_a_provider_error_and_the_next_call_restarts_it(
    child: ChildModel,
) -> None:
    first = await child.request(_ask("hi"))
    crashed_pid = child.pid

    with pytest.raises(ProviderError, match=r"the local model crashed \(signal SIGSEGV\)"):
        await child.request(_ask("segfault"))
    again = await child.request(_ask("hi"))

    assert first["text"] == f"hello from {crashed_pid}"
    assert crashed_pid != os.getpid() and again["text"] == f"hello from {child.pid}"
    assert child.pid != crashed_pid


async def test_an_abort_and_an_exception_are_reported_differently(child: ChildModel) -> None:
    with pytest.raises(ProviderError, match=r"crashed \(signal SIGABRT\)"):
        await child.request(_ask("abort"))
    with pytest.raises(ProviderError, match="failed: ValueError: the grammar is too large"):
        await child.request(_ask("raise"))
    pid = child.pid
    assert (await child.request(_ask("hi")))["text"] == f"hello from {pid}"  # same child


async def test_fragments_stream_back_onto_the_loop(child: ChildModel) -> None:
    seen: list[str] = []
    done = await child.request(_ask("hi", stream=True), seen.append)
    assert "".join(seen).strip() == done["text"]


async def test_a_hung_child_is_stopped_at_the_timeout() -> None:
    model = ChildModel("tests.unit.llm.standin_model:worker", ("x",), label="local:x", timeout=1)
    try:
        with pytest.raises(ProviderError, match="did not answer within 1 s"):
            await model.request(_ask("hang"))
        assert model.pid is None
    finally:
        model.close()


async def test_a_factory_that_cannot_load_is_reported() -> None:
    model = ChildModel("tests.unit.llm.standin_model:nope", (), label="local:nope", timeout=20)
    with pytest.raises(ProviderError, match="could not be loaded: AttributeError"):
        await model.request(_ask("hi"))


async def test_the_local_provider_sends_a_grammar_sized_schema_through_the_child(
    child: ChildModel,
) -> None:
    provider = LocalProvider("smollm2")
    provider._child = child  # the stand-in instead of llama.cpp
    plain = await llm.complete("schema", model=provider)
    request = build_request("local:smollm2", "schema", schema=WorkflowCreation.model_json_schema())
    completion = await provider.complete(request)

    assert plain == "null"  # no schema: no response_format
    sent = completion.text
    assert '"maxItems": 30' not in sent and '"maxLength": 1000' not in sent
    assert '"pattern"' not in sent and '"json_object"' in sent


@pytest.mark.parametrize("model", [Solution, WorkflowCreation])
def test_simplified_schemas_keep_the_shape_and_drop_the_large_limits(model: type) -> None:
    full = model.model_json_schema()
    small = simplify_for_grammar(full)

    assert small["required"] == full["required"]
    assert set(small["properties"]) == set(full["properties"])
    for node in _nodes(small):  # (a property may be *called* description)
        assert not isinstance(node.get("pattern"), str)
        assert not isinstance(node.get("description"), str) and "minimum" not in node
        assert node.get("maxLength", 0) <= 64 and node.get("maxItems", 0) <= 8
        assert node.get("minLength", 0) <= node.get("maxLength", 64)


def _nodes(node: object) -> list[dict[str, object]]:
    if isinstance(node, dict):
        return [node, *[n for v in node.values() for n in _nodes(v)]]
    if isinstance(node, list):
        return [n for v in node for n in _nodes(v)]
    return []
