"""Malformed JSON effects: each offender is refused with a `SpecError` naming its JSON path."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fsmnb.effects import (
    Effect,
    callable_names,
    effect_from_json,
    effect_to_json,
    register_callable,
    unregister_callable,
)
from fsmnb.errors import SpecError

from .strategies import effects, json_values

DELAY = {"kind": "delay", "seconds": 1}


def problems(data: Any) -> list[str]:
    """The problems `effect_from_json` reports for `data` (it must refuse it)."""
    with pytest.raises(SpecError) as info:
        effect_from_json(data)
    return list(info.value.problems)


def seq(*effects: Any) -> dict[str, Any]:
    return {"kind": "sequence", "effects": list(effects)}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # unknown or missing kind
        (seq(DELAY, {"kind": "teleport"}), "`effects[1].kind`: unknown effect kind `teleport`"),
        (seq({"seconds": 1}), "`effects[0].kind`: Field required"),
        ({"kind": 3}, "`kind`: unknown effect kind `3`"),
        (seq(5), "`effects[0]`: Input should be an object"),
        # wrong types (scalars are strict: no bool for int, no string for a number)
        (seq(DELAY, {"kind": "retry", "effect": DELAY, "attempts": "3"}), "`effects[1].attempts`: Input should be a valid integer"),
        ({"kind": "retry", "effect": DELAY, "attempts": True}, "`attempts`: Input should be a valid integer"),
        ({"kind": "retry", "effect": DELAY, "attempts": 2.5}, "`attempts`: Input should be a valid integer"),
        ({"kind": "delay", "seconds": "1.5"}, "`seconds`: Input should be a valid number"),
        ({"kind": "log", "message": None}, "`message`: Input should be a valid string"),
        ({"kind": "retry", "effect": DELAY, "backoff": "fibonacci"}, "`backoff`: Input should be 'constant', 'linear' or 'exponential'"),
        ({"kind": "embed_text", "text": 5}, "`text`: Input should be a valid string or a valid list"),
        ({"kind": "call_api", "url": "u", "headers": {"X-Id": 1}}, '`headers["X-Id"]`: Input should be a valid string'),
        ({"kind": "call", "fn": "spec.charge", "args": {"a": 1}}, "`args`: Input should be a valid list"),
        ({"kind": "sequence", "effects": DELAY}, "`effects`: Input should be a valid list"),
        ({"kind": "call_llm", "schema": "{}"}, "`schema`: Input should be a valid dictionary"),
        ({"kind": "coordinate_agents", "agents": [1], "task": "t"}, "`agents[0]`: Input should be a valid string"),
        ({"kind": "saga", "steps": [{"action": DELAY, "compensation": 3}]}, "`steps[0].compensation`: Input should be an object"),
        # missing fields
        (seq({"kind": "delay"}), "`effects[0].seconds`: Field required"),
        ({"kind": "retry"}, "`effect`: Field required"),
        ({"kind": "saga", "steps": [{"compensation": DELAY}]}, "`steps[0].action`: Field required"),
        ({"kind": "with_compensation", "effect": DELAY}, "`compensation`: Field required"),
        # extra fields
        ({"kind": "delay", "seconds": 1, "sconds": 2}, "`sconds`: Extra inputs are not permitted"),
        ({"kind": "saga", "steps": [{"action": DELAY, "undo": DELAY}]}, "`steps[0].undo`: Extra inputs are not permitted"),
        # callables only by registered name
        (seq(DELAY, {"kind": "call", "fn": "charge"}), "`effects[1].fn`: no callable is registered as `charge`. Registered: "),
        ({"kind": "update_data", "key": "k", "fn": "builtins.eval"}, "`fn`: no callable is registered as `builtins.eval`"),
        ({"kind": "call", "fn": 3}, "`fn`: Input should be a valid string"),
        # retry_on only from the whitelist
        ({"kind": "retry", "effect": DELAY, "retry_on": ["os.system"]}, "`retry_on[0]`: `os.system` is not an exception `retry_on` accepts; use one of `Exception`"),
        ({"kind": "retry", "effect": DELAY, "retry_on": ["KeyboardInterrupt"]}, "`retry_on[0]`: `KeyboardInterrupt` is not an exception"),
        # the constructors' invariants, at the effect's path
        (seq(DELAY, {"kind": "retry", "effect": DELAY, "attempts": 0}), "`effects[1]`: `retry` needs `attempts` ≥ 1, got 0."),
        ({"kind": "retry", "effect": DELAY, "jitter": 2}, "`$`: `retry` jitter is a fraction between 0 and 1, got 2.0."),
        (seq({"kind": "timeout", "effect": DELAY, "seconds": 0}), "`effects[0]`: `timeout` needs `seconds` > 0, got 0.0."),
        ({"kind": "batch", "effects": [], "concurrency": 0}, "`$`: `batch` needs concurrency ≥ 1, got 0."),
        ({"kind": "rate_limit", "effect": DELAY, "name": "api", "rate": 0}, "`$`: `rate_limit` needs rate > 0 and per > 0"),
        ({"kind": "circuit_breaker", "effect": DELAY, "name": "db", "failure_threshold": 0}, "`$`: `circuit_breaker` needs failure_threshold ≥ 1, got 0."),
        ({"kind": "race", "effects": []}, "`$`: `race` needs at least one effect."),
        ({"kind": "saga", "steps": [{"action": {"kind": "race", "effects": []}}]}, "`steps[0].action`: `race` needs at least one effect."),
    ],
)  # fmt: skip
def test_offenders_are_named_by_path(data: dict[str, Any], expected: str) -> None:
    found = problems(data)
    assert any(p.startswith(expected) for p in found), found


def test_every_offender_is_reported_at_once() -> None:
    data = seq(
        {"kind": "delay"},
        {"kind": "call", "fn": "charge"},
        {"kind": "retry", "effect": {"kind": "nope"}, "attempts": "x", "extra": 1},
    )
    found = problems(data)
    assert [p.split("`")[1] for p in found] == [
        "effects[0].seconds",
        "effects[1].fn",
        "effects[2].effect.kind",
        "effects[2].attempts",
        "effects[2].extra",
    ]
    with pytest.raises(SpecError, match=r"^Effect spec has 5 problems:\n  - `effects\[0\]"):
        effect_from_json(data)


def test_invariants_are_reported_for_every_node() -> None:
    data = seq(
        {"kind": "retry", "effect": DELAY, "attempts": 0},
        {"kind": "timeout", "effect": {"kind": "race", "effects": []}, "seconds": 1},
    )
    assert [p.split("`")[1] for p in problems(data)] == ["effects[0]", "effects[1].effect"]


def test_unknown_callable_message_lists_names_and_the_fix() -> None:
    [message] = problems({"kind": "call", "fn": "charge"})
    registered = ", ".join(f"`{n}`" for n in callable_names())
    assert message == (
        f"`fn`: no callable is registered as `charge`. Registered: {registered}. "
        f"Register it with `fsmnb.register_callable('charge', fn)`."
    )


@given(st.text(max_size=40))
def test_unregistered_names_never_resolve(name: str) -> None:
    if name in callable_names():
        return
    with pytest.raises(SpecError, match="no callable is registered as"):
        effect_from_json({"kind": "call", "fn": name})


def test_unregistering_a_name_makes_specs_that_use_it_fail() -> None:
    register_callable("spec.temporary", len)
    assert effect_from_json({"kind": "call", "fn": "spec.temporary"}).fn is len  # type: ignore[attr-defined]
    unregister_callable("spec.temporary")
    with pytest.raises(SpecError, match=r"`spec\.temporary`"):
        effect_from_json({"kind": "call", "fn": "spec.temporary"})


garbage = json_values | st.sampled_from(
    [{"kind": "nope"}, {"kind": "delay"}, {}, [], [{}], "spec.charge", "os.system", -1, 0]
)


def _objects(tree: Any) -> list[dict[str, Any]]:
    found, stack = [], [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found.append(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


@given(effects, st.data())
def test_corrupted_specs_only_ever_raise_spec_errors(effect: Effect, data: st.DataObject) -> None:
    tree = effect_to_json(effect)
    target = data.draw(st.sampled_from(_objects(tree)))
    key = data.draw(st.sampled_from([*sorted(target), "kind", "effect", "effects", "fn", "zz"]))
    target[key] = data.draw(garbage)
    try:
        result = effect_from_json(tree)
    except SpecError as e:
        assert e.problems and all(p.startswith("`") for p in e.problems), e.problems
    else:
        assert isinstance(result, Effect)


# -- not an object, not JSON -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "`$`: an effect is a JSON object with a `kind`, got list"),
        ("1" * 5000, "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ([DELAY], "got list"),
        (None, "got NoneType"),
    ],
)
def test_non_objects_are_refused(data: Any, words: str) -> None:
    with pytest.raises(SpecError, match=r"^Effect spec") as info:
        effect_from_json(data)
    assert words in str(info.value)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (float("nan"), "`nan` is not a JSON number"),
        (float("inf"), "`inf` is not a JSON number"),
        ({1, 2}, "set `{1, 2}` is not a JSON value"),
        (object(), "is not a JSON value"),
        ({1: "a"}, "object keys must be strings"),
    ],
)
def test_non_json_values_are_refused(value: Any, words: str) -> None:
    [message] = problems(seq({"kind": "put_data", "key": "k", "value": value}))
    assert message.startswith("`effects[0].value")
    assert words in message


def test_json_text_with_nan_is_refused() -> None:
    assert problems('{"kind": "put_data", "key": "k", "value": NaN}') == [
        "`value`: `nan` is not a JSON number."
    ]


# -- size limits -------------------------------------------------------------------------------


def nested(depth: int) -> dict[str, Any]:
    tree: dict[str, Any] = DELAY
    for _ in range(depth - 1):
        tree = {"kind": "retry", "effect": tree}
    return tree


def test_effects_may_nest_32_deep() -> None:
    effect_from_json(nested(32))
    [message] = problems(nested(33))
    assert message == f"`{'.'.join(['effect'] * 32)}`: effects are nested more than 32 deep."


def test_depth_counts_through_lists_and_saga_steps() -> None:
    tree: dict[str, Any] = DELAY
    for i in range(40):
        tree = (
            seq(tree)
            if i % 2
            else {"kind": "saga", "steps": [{"action": DELAY, "compensation": tree}]}
        )
    assert "nested more than 32 deep" in problems(tree)[0]


def test_at_most_10000_effects() -> None:
    effect_from_json(seq(*[DELAY] * 9_999))
    assert problems(seq(*[DELAY] * 10_000)) == ["`$`: the tree holds more than 10,000 effects."]


def test_strings_are_limited_to_100_kb() -> None:
    effect_from_json({"kind": "log", "message": "x" * 100_000})
    effect_from_json({"kind": "log", "message": "é" * 50_000})  # 100,000 bytes
    assert problems(seq({"kind": "log", "message": "x" * 100_001})) == [
        "`effects[0].message`: the string is longer than 100,000 bytes."
    ]
    assert problems({"kind": "log", "message": "€" * 40_000}) == [
        "`message`: the string is longer than 100,000 bytes."
    ]
    found = problems({"kind": "put_data", "key": "k", "value": {"a": ["y" * 200_000]}})
    assert found == ["`value.a[0]`: the string is longer than 100,000 bytes."]
    assert "a key is longer" in problems({"kind": "merge_data", "values": {"k" * 100_001: 1}})[0]


def test_values_may_nest_32_deep() -> None:
    def value(depth: int) -> Any:
        out: Any = 0
        for _ in range(depth):
            out = [out]
        return out

    effect_from_json({"kind": "put_data", "key": "k", "value": value(32)})
    [message] = problems({"kind": "put_data", "key": "k", "value": value(33)})
    assert message == f"`value{'[0]' * 32}`: the value is nested more than 32 deep."


def test_json_text_goes_through_the_same_checks() -> None:
    text = json.dumps(seq({"kind": "retry", "effect": DELAY, "attempts": 0}))
    with pytest.raises(SpecError, match=r"`effects\[0\]`: `retry` needs `attempts` ≥ 1"):
        effect_from_json(text)


def test_long_problem_lists_are_cut() -> None:
    with pytest.raises(SpecError) as info:
        effect_from_json(seq(*[{"kind": "delay"}] * 80))
    assert str(info.value).count("\n") == 51
    assert str(info.value).endswith("… and 30 more.")
