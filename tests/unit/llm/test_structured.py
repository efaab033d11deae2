"""Structured calls: templates, tolerant parsing, retries with feedback, attempts, native schemas."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel

from fsmnb import llm
from fsmnb.errors import DefinitionError, StructuredOutputError
from fsmnb.llm.schemas import Solution, WorkflowSelection
from fsmnb.llm.structured_calls import FEEDBACK, structured_flow
from fsmnb.llm.types import LLMRequest

GOOD = {"answer": "42", "confidence": 0.9}


def test_the_flow_is_sans_io_and_feeds_errors_back() -> None:
    request = LLMRequest(model="m", messages=({"role": "user", "content": "q"},))
    flow = structured_flow(request, Solution, 3)
    first = next(flow)
    assert first is request
    second = flow.send("not json")
    assert second.messages[-2] == {"role": "assistant", "content": "not json"}
    assert second.messages[-1]["content"].startswith(FEEDBACK.split("{")[0])
    with pytest.raises(StopIteration) as done:
        flow.send(json.dumps(GOOD))
    result = done.value.value
    assert result.value == Solution(**GOOD)
    assert [a.ok for a in result.attempts] == [False, True]


async def test_a_failing_first_reply_is_retried_with_the_validation_error() -> None:
    script = llm.scripted(['{"answer": 42}', f"Sure:\n```json\n{json.dumps(GOOD)}\n```"])
    result = await llm.structured(Solution, prompt="6 * 7?", model="scripted")
    assert result.value.answer == "42" and len(result.attempts) == 2
    retry = script.requests[1].messages[-1]["content"]
    assert (
        "`confidence`: Field required" in retry
        and "`answer`: Input should be a valid string" in retry
    )


async def test_exhausted_attempts_raise_with_every_attempt() -> None:
    llm.scripted(["nope", "{}", '{"answer": ""}'])
    with pytest.raises(StructuredOutputError) as caught:
        await llm.structured(Solution, prompt="q", model="scripted", max_attempts=3)
    error = caught.value
    assert [a.reply for a in error.attempts] == ["nope", "{}", '{"answer": ""}']
    assert "after 3 attempts" in str(error) and "`Solution`" in str(error)


async def test_templates_render_yaml_and_bring_their_schema() -> None:
    script = llm.scripted(
        [{"selected_workflow": "create_new", "confidence": 0.5, "reason": "none"}]
    )
    result = await llm.structured(
        "workflow_selection", {"problem": 'a "quoted": problem', "workflows": []}, model="scripted"
    )
    assert isinstance(result.value, WorkflowSelection)
    sent = script.requests[0]
    assert "workflow selection expert" in (sent.system or "")
    import yaml

    doc = yaml.safe_load(sent.prompt)
    assert doc["task"] == {
        "type": "workflow_selection",
        "problem": 'a "quoted": problem',
        "available_workflows": [],
    }
    assert doc["response_schema"]["title"] == "WorkflowSelection"


def test_every_builtin_template_renders_valid_yaml() -> None:
    data = {
        "problem": "p",
        "workflows": [{"name": "w", "description": "d", "tags": ["t"]}],
        "question": "q",
        "context": {"k": 1},
        "data": [1, 2],
        "task": "t",
        "answer": "a",
        "others": ["b"],
        "options": ["x", "y"],  # agent_decision, registered by fsmnb.agents
    }
    assert set(llm.template_names()) >= {
        "workflow_selection",
        "workflow_creation",
        "strategy",
        "reasoning",
        "solve",
        "data_analysis",
        "consensus_feedback",
    }
    for name in llm.template_names():
        rendered = llm.render(name, data)
        assert "response_schema:" in rendered.yaml and rendered.system


def test_missing_template_values_and_unknown_templates_are_definition_errors() -> None:
    with pytest.raises(DefinitionError, match="needs a value"):
        llm.render("solve", {})
    with pytest.raises(DefinitionError, match="No request template `nope`"):
        llm.render("nope")


async def test_user_templates_and_schemas() -> None:
    class Haiku(BaseModel):
        lines: list[str]

    llm.register_schema(Haiku)
    llm.register_template(
        "haiku",
        system="You write haiku.",
        schema="Haiku",
        request="task:\n  type: haiku\n  topic: {{ topic | json }}\n",
    )
    llm.scripted(['{"lines": ["a", "b", "c"]}'])
    result = await llm.structured("haiku", {"topic": "rain"}, model="scripted")
    assert result.value.lines == ["a", "b", "c"]
    with pytest.raises(DefinitionError, match="schema `Nope`"):
        llm.register_template("x", system="s", request="r", schema="Nope")


async def test_native_schema_reaches_providers_that_support_it() -> None:
    native = llm.scripted([GOOD], name="native", native_schema=True)
    plain = llm.scripted([GOOD], name="plain")
    await llm.structured(Solution, prompt="q", model="scripted:native")
    await llm.structured(Solution, prompt="q", model="scripted:plain")
    assert (
        native.requests[0].schema is not None and native.requests[0].schema["title"] == "Solution"
    )
    assert plain.requests[0].schema is None
    assert "Respond with valid JSON only" in (plain.requests[0].system or "")


async def test_other_schema_kinds() -> None:
    llm.scripted(["[1, 2, 3]", '{"a": 1}'])
    assert (await llm.structured(list[int], prompt="q", model="scripted")).value == [1, 2, 3]
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    assert (await llm.structured(schema, prompt="q", model="scripted")).value == {"a": 1}


async def test_result_sums_usage_and_cost_over_attempts() -> None:
    llm.set_price("scripted", input=1_000_000.0, output=0.0)
    try:
        llm.scripted(["bad", json.dumps(GOOD)])
        result = await llm.structured(Solution, prompt="one two", model="scripted")
    finally:
        llm.set_price("scripted", input=0.0, output=0.0)
    assert result.usage.input_tokens == sum(a.usage.input_tokens for a in result.attempts)
    assert result.cost == pytest.approx(result.usage.input_tokens * 1.0)
    assert "attempts=2" in repr(result)
