"""The constructors: invariants, saga step forms, `a | b`, labels, and retry's schedule."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from fsmnb.effects import (
    Effect,
    Retry,
    SagaStep,
    Sequence,
    batch,
    cache,
    call,
    call_api,
    call_llm,
    circuit_breaker,
    delay,
    emit,
    invoke_fsm,
    log,
    parallel,
    put_data,
    race,
    rate_limit,
    retry,
    saga,
    sequence,
    spawn_fsm,
    step,
    timeout,
    update_data,
    with_compensation,
)
from fsmnb.errors import DefinitionError, ProviderError

from .strategies import charge, refund

a, b, c, d = delay(1), delay(2), log("three"), emit("four")


# -- invariants ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (lambda: retry(a, attempts=0), "`attempts` ≥ 1, got 0"),
        (lambda: retry(a, backoff="fibonacci"), "backoff `fibonacci` is unknown"),  # type: ignore[arg-type]
        (lambda: retry(a, jitter=1.5), "jitter is a fraction between 0 and 1"),
        (lambda: retry(a, jitter=-0.1), "jitter is a fraction between 0 and 1"),
        (lambda: retry(a, retry_on=("TimeoutError",)), "retry_on takes exception classes"),  # type: ignore[arg-type]
        (lambda: retry(charge), "`retry` takes an effect, got function"),  # type: ignore[arg-type]
        (lambda: timeout(a, 0), "`seconds` > 0, got 0"),
        (lambda: timeout(a, -1), "`seconds` > 0, got -1"),
        (lambda: batch([a, b], concurrency=0), "concurrency ≥ 1, got 0"),
        (lambda: batch([a, "b"]), "item 1 is str"),  # type: ignore[list-item]
        (lambda: rate_limit(a, "api", rate=0), "rate > 0 and per > 0"),
        (lambda: rate_limit(a, "api", rate=1, per=0), "rate > 0 and per > 0"),
        (lambda: circuit_breaker(a, "db", failure_threshold=0), "failure_threshold ≥ 1, got 0"),
        (lambda: race(), "`race` needs at least one effect"),
        (lambda: sequence(a, charge), "Wrap plain functions with `call(fn, ...)`"),  # type: ignore[arg-type]
        (lambda: with_compensation(a, None), "`with_compensation` takes an effect"),  # type: ignore[arg-type]
        (lambda: cache(42, "k"), "`cache` takes an effect"),  # type: ignore[arg-type]
        (lambda: step(a, "undo"), "`step` takes an effect"),  # type: ignore[arg-type]
        (lambda: saga((a, "undo")), "`step` takes an effect"),  # type: ignore[arg-type]
    ],
)
def test_constructors_refuse_bad_definitions(build: Any, words: str) -> None:
    with pytest.raises(DefinitionError, match=re.escape(words)):
        build()


def test_definition_errors_are_type_errors() -> None:
    with pytest.raises(TypeError):
        retry(a, attempts=0)


def test_retry_normalizes_retry_on() -> None:
    assert retry(a, retry_on=TimeoutError).retry_on == (TimeoutError,)
    assert retry(a, retry_on=[TimeoutError, ValueError]).retry_on == (TimeoutError, ValueError)  # type: ignore[arg-type]
    predicate = retry(a, retry_on=lambda e: True).retry_on
    assert callable(predicate) and not isinstance(predicate, tuple)


def test_valid_bounds_are_accepted() -> None:
    assert retry(a, attempts=1, jitter=0.0).attempts == 1
    assert retry(a, jitter=1.0).jitter == 1.0
    assert batch([], concurrency=1).effects == ()
    assert circuit_breaker(a, "db", failure_threshold=1).failure_threshold == 1
    assert sequence().effects == () and parallel().effects == ()


# -- saga steps ------------------------------------------------------------------------------


def test_saga_accepts_every_step_form() -> None:
    explicit = step(call(charge, 5), call(refund, 5), name="pay")
    s = saga(explicit, (a, b), (c, None), d)
    assert s.steps == (
        explicit,
        SagaStep(action=a, compensation=b, name="delay"),
        SagaStep(action=c, compensation=None, name="log"),
        SagaStep(action=d, compensation=None, name="emit(four)"),
    )
    assert s.children() == (explicit.action, explicit.compensation, a, b, c, d)


def test_step_names_default_to_the_action_label() -> None:
    assert step(call(charge)).name == "call(charge)"
    assert step(call(charge), name="").name == "call(charge)"
    assert step(call(charge), name="pay").name == "pay"


# -- a | b -------------------------------------------------------------------------------------


def test_pipe_builds_flat_sequences() -> None:
    assert a | b == Sequence(effects=(a, b))
    assert a | b | c | d == Sequence(effects=(a, b, c, d))
    assert (a | b) | (c | d) == Sequence(effects=(a, b, c, d))
    assert a | sequence(b, c) == sequence(a, b, c)
    nested = parallel(a, b) | c
    assert nested == sequence(parallel(a, b), c)


def test_pipe_refuses_non_effects() -> None:
    with pytest.raises(TypeError):
        _ = a | charge  # type: ignore[operator]


# -- labels ------------------------------------------------------------------------------------


class _Named:
    name = "checkout"


@pytest.mark.parametrize(
    ("effect", "label"),
    [
        (call(charge, 1), "call(charge)"),
        (call("spec.charge"), "call(spec.charge)"),
        (call(lambda: 1), "call(<lambda>)"),
        (call_api("https://x.test/a", "post"), "call_api(POST https://x.test/a)"),
        (update_data("n", "spec.twice"), "update_data(n)"),
        (emit("paid", amount=1), "emit(paid)"),
        (invoke_fsm("checkout"), "invoke_fsm(checkout)"),
        (invoke_fsm(_Named()), "invoke_fsm(checkout)"),
        (spawn_fsm("checkout"), "spawn_fsm(checkout)"),
        (call_llm("hi"), "call_llm(default)"),
        (call_llm("hi", model="scripted:echo"), "call_llm(scripted:echo)"),
        (delay(1), "delay"),
        (put_data("k", 1), "put_data"),
        (retry(a), "retry"),
        (saga(a), "saga"),
        (a | b, "sequence"),
    ],
)
def test_labels(effect: Effect, label: str) -> None:
    assert effect.label() == label


# -- retry schedule ----------------------------------------------------------------------------


def test_constant_backoff_waits_base() -> None:
    r = retry(a, backoff="constant", base=0.5)
    assert [r.wait_before(n) for n in (2, 3, 4)] == [0.5, 0.5, 0.5]


def test_linear_backoff_grows_by_base() -> None:
    r = retry(a, backoff="linear", base=0.5, max_delay=1.2)
    assert [r.wait_before(n) for n in (2, 3, 4)] == [0.5, 1.0, 1.2]


def test_exponential_backoff_multiplies_by_factor() -> None:
    r = retry(a, backoff="exponential", base=0.1, factor=3.0, max_delay=1.0)
    assert [r.wait_before(n) for n in (2, 3, 4, 5)] == pytest.approx([0.1, 0.3, 0.9, 1.0])


def test_exponential_backoff_caps_instead_of_overflowing() -> None:
    r = retry(a, attempts=5000, backoff="exponential", max_delay=7.0)
    assert r.wait_before(2000) == 7.0


def test_should_retry_defaults_to_every_exception() -> None:
    r = retry(a)
    assert r.should_retry(ValueError()) and r.should_retry(ProviderError("x"))
    assert not r.should_retry(asyncio.CancelledError())
    assert not r.should_retry(KeyboardInterrupt())


def test_should_retry_filters_by_type_or_predicate() -> None:
    by_type = retry(a, retry_on=(TimeoutError, ConnectionError))
    assert by_type.should_retry(TimeoutError()) and by_type.should_retry(ConnectionResetError())
    assert not by_type.should_retry(ValueError())
    by_predicate = retry(a, retry_on=lambda e: isinstance(e, ProviderError) and e.is_retryable)
    assert by_predicate.should_retry(ProviderError("busy", status=429, is_retryable=True))
    assert not by_predicate.should_retry(ProviderError("bad", status=400))


# -- shape -------------------------------------------------------------------------------------


def test_children_and_flags() -> None:
    assert retry(a).children() == (a,)
    assert with_compensation(a, b).children() == (a, b)
    assert batch([a, b]).children() == (a, b)
    assert a.children() == ()
    assert a.is_leaf and not retry(a).is_leaf
    assert put_data("k").is_inline and not delay(1).is_inline


def test_effects_are_frozen() -> None:
    r: Retry = retry(a)
    with pytest.raises(AttributeError):
        r.attempts = 5  # type: ignore[misc]
