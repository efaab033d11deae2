"""The JSON form: round trips, callables by registered name, and the schema."""

from __future__ import annotations

import json
from types import MappingProxyType

import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fsmnb.effects as fx
from fsmnb.effects import (
    Effect,
    Log,
    call,
    call_api,
    call_llm,
    coordinate_agents,
    delay,
    effect_from_json,
    effect_schema,
    effect_to_json,
    emit,
    invoke_agent,
    invoke_fsm,
    log,
    put_data,
    rag_pipeline,
    register_callable,
    retry,
    saga,
    sequence,
    step,
    unregister_callable,
    update_data,
    vector_search,
)
from fsmnb.errors import DefinitionError, ProviderError, SpecError

from .strategies import charge, double, effects, refund

EXAMPLES: list[Effect] = [
    call(charge, 42, currency="EUR"),
    fx.CallApi(url="https://x.test", method="POST", json={"a": [1]}, headers={"X": "1"}),
    delay(0.5),
    log("hello", "warning"),
    put_data("k", {"nested": [1, 2.5, None, True]}),
    fx.get_data("k", default=[]),
    fx.merge_data({"a": 1}, b=2),
    update_data("n", double, default=0),
    emit("paid", amount=42),
    invoke_fsm("checkout", order=7),
    fx.spawn_fsm("mailer", to="a@b.c"),
    fx.send_event("run-1", "approve", by="ann"),
    call_llm(
        "Summarize",
        model="scripted:echo",
        system="Be brief.",
        messages=[{"role": "user", "content": "hi"}],
        schema={"type": "object"},
        max_tokens=50,
        temperature=0.2,
        tools=[{"name": "search"}],
        seed=1,
    ),
    fx.embed_text(["a", "b"], model="local:minilm"),
    vector_search("q", index="docs", k=3, filters={"lang": "en"}),
    invoke_agent("researcher", "find X", depth=2),
    coordinate_agents(["a", "b"], "decide", strategy="consensus", threshold=0.9, timeout=5.0),
    rag_pipeline("q", index="docs", rerank=True, temperature=0),
    sequence(delay(1), log("x")),
    fx.parallel(delay(1), delay(2)),
    fx.race(delay(1), delay(2)),
    retry(call(charge, 1), attempts=5, backoff="linear", jitter=0.5, retry_on=(TimeoutError,)),
    fx.timeout(delay(9), 1.5),
    fx.with_compensation(call(charge, 1), call(refund, 1)),
    fx.circuit_breaker(call(charge, 1), "payments", failure_threshold=3, reset_timeout=10.0),
    saga(step(call(charge, 1), call(refund, 1), name="pay"), (emit("a"), None), log("done")),
    fx.batch([delay(1), delay(2)], concurrency=2),
    fx.cache(call(charge, 1), "price", ttl=60.0),
    fx.rate_limit(call(charge, 1), "api", rate=5.0, per=2.0),
]


def test_examples_cover_every_effect_kind() -> None:
    kinds = {
        cls.kind
        for cls in vars(fx).values()
        if isinstance(cls, type) and issubclass(cls, Effect) and cls is not Effect
    }
    assert {e.kind for e in EXAMPLES} == kinds


@pytest.mark.parametrize("effect", EXAMPLES, ids=lambda e: e.kind)
def test_every_kind_round_trips(effect: Effect) -> None:
    data = effect_to_json(effect)
    assert data["kind"] == effect.kind
    assert effect_from_json(data) == effect
    assert effect_from_json(json.dumps(data)) == effect
    assert effect_from_json(effect_to_json(effect, include_defaults=True)) == effect


@settings(max_examples=150, deadline=None)
@given(effects)
def test_random_trees_round_trip(effect: Effect) -> None:
    data = effect_to_json(effect)
    text = json.dumps(data, allow_nan=False)
    assert effect_from_json(text) == effect
    assert effect_to_json(effect_from_json(data)) == data


def test_json_shapes() -> None:
    tree = sequence(
        retry(call(charge, 42), attempts=3, backoff="exponential", retry_on=(TimeoutError,)),
        saga(step(call(charge, 1), call(refund, 1), name="pay")),
        update_data("n", double),
    )
    assert effect_to_json(tree) == {
        "kind": "sequence",
        "effects": [
            {
                "kind": "retry",
                "effect": {"kind": "call", "fn": "spec.charge", "args": [42]},
                "retry_on": ["TimeoutError"],
            },
            {
                "kind": "saga",
                "steps": [
                    {
                        "action": {"kind": "call", "fn": "spec.charge", "args": [1]},
                        "compensation": {"kind": "call", "fn": "spec.refund", "args": [1]},
                        "name": "pay",
                    }
                ],
            },
            {"kind": "update_data", "key": "n", "fn": "spec.twice"},
        ],
    }


def test_include_defaults_writes_every_field() -> None:
    assert effect_to_json(delay(1), include_defaults=True) == {"kind": "delay", "seconds": 1}
    full = effect_to_json(retry(delay(1)), include_defaults=True)
    assert full == {
        "kind": "retry",
        "effect": {"kind": "delay", "seconds": 1},
        "attempts": 3,
        "backoff": "exponential",
        "base": 0.1,
        "factor": 2.0,
        "max_delay": 30.0,
        "jitter": 0.0,
        "retry_on": [],
    }


def test_decoding_resolves_names_and_freezes_mappings() -> None:
    effect = effect_from_json(
        {"kind": "call", "fn": "spec.charge", "args": [1, [2]], "kwargs": {"a": {"b": 1}}}
    )
    assert isinstance(effect, fx.Call)
    assert effect.fn is charge
    assert effect.args == (1, [2])
    assert isinstance(effect.kwargs, MappingProxyType) and effect.kwargs == {"a": {"b": 1}}
    # A name in the Python form comes back as the function it names.
    assert effect_from_json(effect_to_json(call("spec.charge", 1))) == call(charge, 1)


def test_defaults_fill_missing_fields() -> None:
    assert effect_from_json({"kind": "retry", "effect": {"kind": "delay", "seconds": 1}}) == retry(
        delay(1)
    )
    assert effect_from_json({"kind": "call_api", "url": "u"}) == call_api("u")
    step_data = {"kind": "saga", "steps": [{"action": {"kind": "log", "message": "m"}}]}
    assert effect_from_json(step_data) == saga(log("m"))


def test_saga_step_names_round_trip_even_when_empty() -> None:
    unnamed = fx.Saga(steps=(fx.SagaStep(action=log("m"), name=""),))
    assert effect_from_json(effect_to_json(unnamed)) == unnamed


def test_functions_are_named_by_identity() -> None:
    assert effect_to_json(call(double, 2))["fn"] == "spec.twice"
    twin = lambda x: x  # noqa: E731
    register_callable("spec.b", twin)
    register_callable("spec.a", twin)
    try:
        assert effect_to_json(call(twin))["fn"] == "spec.a"  # the first name in sorted order
    finally:
        unregister_callable("spec.a")
        unregister_callable("spec.b")


def test_bound_methods_are_found_by_equality() -> None:
    class Payments:
        def charge(self, amount: int) -> int:
            return amount

    payments = Payments()
    register_callable("spec.pay", payments.charge)
    try:
        data = effect_to_json(call(payments.charge, 1))
        assert data["fn"] == "spec.pay"
        assert effect_from_json(data) == call(payments.charge, 1)
    finally:
        unregister_callable("spec.pay")


def test_names_of_objects_are_written() -> None:
    class Workflow:
        name = "checkout"

    assert effect_to_json(invoke_fsm(Workflow()))["workflow"] == "checkout"
    assert effect_to_json(coordinate_agents([Workflow(), "b"], "t"))["agents"] == ["checkout", "b"]


def test_pydantic_schemas_are_written_as_json_schema() -> None:
    class Answer(pydantic.BaseModel):
        value: int

    data = effect_to_json(call_llm("q", schema=Answer))
    assert data["schema"] == Answer.model_json_schema()
    assert effect_from_json(data) == call_llm("q", schema=Answer.model_json_schema())


@pytest.mark.parametrize(
    ("effect", "words"),
    [
        (call(lambda: 1), "function `<lambda>` is not registered"),
        (call("spec.missing"), "no callable is registered as `spec.missing`"),
        (update_data("k", len), "Register it with `fsmnb.register_callable('len', len)`"),
        (retry(delay(1), retry_on=lambda e: True), "a predicate has no JSON form"),
        (retry(delay(1), retry_on=(KeyboardInterrupt,)), "`KeyboardInterrupt` is not one of"),
        (put_data("k", {1, 2}), "set `{1, 2}` is not a JSON value"),
        (put_data("k", {1: "a"}), "object keys must be strings"),
        (invoke_fsm(object()), "object has no `name`"),
        (call_llm("q", schema=object()), "object `<object object"),
        (put_data("k", "x" * 100_001), "longer than 100,000 bytes"),
    ],
)
def test_what_has_no_json_form_is_refused(effect: Effect, words: str) -> None:
    with pytest.raises(SpecError, match=r"`(value|fn|retry_on|workflow|schema)\b") as info:
        effect_to_json(effect)
    assert words in str(info.value)


def test_encoding_reports_every_offender_by_path() -> None:
    tree = sequence(call(lambda: 1), saga(step(delay(1), put_data("k", object()))))
    with pytest.raises(SpecError) as info:
        effect_to_json(tree)
    assert [p.split("`")[1] for p in info.value.problems] == [
        "effects[0].fn",
        "effects[1].steps[0].compensation.value",
    ]


def test_custom_effect_classes_are_refused() -> None:
    class Teleport(Log):
        kind = "teleport"

    with pytest.raises(SpecError, match="`Teleport` is not a built-in effect kind"):
        effect_to_json(sequence(Teleport(message="x")))
    with pytest.raises(SpecError, match="expected an effect, got str"):
        effect_to_json("delay")  # type: ignore[arg-type]


def test_too_deep_python_trees_are_refused() -> None:
    tree: Effect = delay(1)
    for _ in range(40):
        tree = retry(tree)
    with pytest.raises(SpecError, match="nested more than 32 deep"):
        effect_to_json(tree)


# -- schema ------------------------------------------------------------------------------------


def test_schema_is_valid_json_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = effect_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for effect in EXAMPLES:
        validator.validate(effect_to_json(effect))
        validator.validate(effect_to_json(effect, include_defaults=True))
    assert not validator.is_valid({"kind": "retry", "effect": {"kind": "delay"}})
    assert not validator.is_valid({"kind": "delay", "seconds": 1, "extra": 1})
    assert not validator.is_valid({"kind": "call", "fn": "os.system"})


def test_schema_structure() -> None:
    schema = effect_schema()
    assert json.loads(json.dumps(schema)) == schema
    assert schema["discriminator"]["propertyName"] == "kind"
    defs = schema["$defs"]
    kinds = {e.kind for e in EXAMPLES}
    assert {defs[type(e).__name__]["properties"]["kind"]["const"] for e in EXAMPLES} == kinds
    assert all(d.get("additionalProperties") is False for d in defs.values() if "properties" in d)
    retry_props = defs["Retry"]["properties"]
    assert retry_props["attempts"] == {
        "default": 3,
        "description": "total attempts (≥ 1).",
        "type": "integer",
    }
    assert "ProviderError" in retry_props["retry_on"]["items"]["enum"]
    assert defs["Retry"]["required"] == ["kind", "effect"]
    assert defs["CallApi"]["properties"]["json"] == {"default": None}  # any JSON value


def test_schema_lists_registered_callables() -> None:
    fn = effect_schema()["$defs"]["Call"]["properties"]["fn"]
    assert {"spec.charge", "spec.refund", "spec.twice"} <= set(fn["enum"])
    register_callable("spec.late", len)
    try:
        assert "spec.late" in effect_schema()["$defs"]["UpdateData"]["properties"]["fn"]["enum"]
    finally:
        unregister_callable("spec.late")


# -- errors are definition errors -------------------------------------------------------------


def test_spec_errors_are_definition_errors() -> None:
    assert issubclass(SpecError, DefinitionError) and issubclass(SpecError, TypeError)


@given(st.sampled_from([TimeoutError, ConnectionError, OSError, ValueError, ProviderError]))
def test_retry_on_names_round_trip(cls: type[BaseException]) -> None:
    effect = retry(delay(1), retry_on=(cls,))
    assert effect_to_json(effect)["retry_on"] == [cls.__name__]
    assert effect_from_json(effect_to_json(effect)) == effect
