"""Property: for random effect trees, the interpreter agrees with a tiny reference evaluator."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fsmnb import EffectError
from fsmnb.effects import (
    Call,
    Effect,
    GetData,
    Parallel,
    PutData,
    Retry,
    Saga,
    Sequence,
    WithCompensation,
    batch,
    call,
    get_data,
    parallel,
    put_data,
    retry,
    saga,
    sequence,
    step,
    with_compensation,
)
from fsmnb.effects.combinators import Batch
from fsmnb.engine import VirtualClock

from .helpers import run_effect


class Fail(Exception):
    """The reference evaluator's failure."""


def boom() -> None:
    raise ValueError("boom")


def const(value: int) -> int:
    return value


keys = st.sampled_from(["a", "b", "c"])
leaves = st.one_of(
    st.integers(-5, 5).map(lambda v: call(const, v)),
    st.just(call(boom)),
    st.tuples(keys, st.integers(0, 9)).map(lambda kv: put_data(*kv)),
    keys.map(get_data),
)


def extend(children: st.SearchStrategy[Effect]) -> st.SearchStrategy[Effect]:
    many = st.lists(children, max_size=4)
    return st.one_of(
        many.map(lambda es: sequence(*es)),
        many.map(lambda es: parallel(*es)),
        many.map(lambda es: batch(es, concurrency=2)),
        st.tuples(children, st.integers(1, 3)).map(lambda t: retry(t[0], attempts=t[1], base=0)),
        st.tuples(children, children).map(lambda t: with_compensation(*t)),
        st.lists(st.tuples(children, children), max_size=3).map(
            lambda ss: saga(*[step(a, compensate=c) for a, c in ss])
        ),
    )


trees = st.recursive(leaves, extend, max_leaves=12)


def footprint(effect: Effect) -> tuple[set[str], set[str]]:
    """The data keys an effect tree reads and writes."""
    if isinstance(effect, GetData):
        return {effect.key}, set()
    if isinstance(effect, PutData):
        return set(), {effect.key}
    reads: set[str] = set()
    writes: set[str] = set()
    for child in effect.children():
        r, w = footprint(child)
        reads |= r
        writes |= w
    return reads, writes


def is_race_free(effect: Effect) -> bool:
    """No two concurrent branches touch a key that one of them writes (their order is not defined)."""
    if isinstance(effect, Parallel | Batch):
        prints = [footprint(c) for c in effect.effects]
        for i, (r1, w1) in enumerate(prints):
            for r2, w2 in prints[i + 1 :]:
                if w1 & (r2 | w2) or w2 & r1:
                    return False
    return all(is_race_free(c) for c in effect.children())


def reference(effect: Effect, data: dict[str, Any]) -> Any:
    """What the effect means, evaluated synchronously; raises `Fail` on failure."""
    if isinstance(effect, Call):
        if effect.fn is boom:
            raise Fail
        return effect.fn(*effect.args)  # type: ignore[operator]
    if isinstance(effect, PutData):
        data[effect.key] = effect.value
        return effect.value
    if isinstance(effect, GetData):
        return data.get(effect.key, effect.default)
    if isinstance(effect, Sequence | Parallel | Batch):
        # Concurrent children all run before a failure surfaces (siblings of sync leaves are not
        # cancelled in time); race-free trees make their order irrelevant.
        results, failed = [], False
        for child in effect.effects:
            try:
                results.append(reference(child, data))
            except Fail:
                failed = True
                if isinstance(effect, Sequence):
                    break
        if failed:
            raise Fail
        return results
    if isinstance(effect, Retry):
        for _ in range(effect.attempts):
            try:
                return reference(effect.effect, data)
            except Fail:
                continue
        raise Fail
    if isinstance(effect, WithCompensation):
        try:
            return reference(effect.effect, data)
        except Fail:
            with contextlib.suppress(Fail):
                reference(effect.compensation, data)
            raise
    if isinstance(effect, Saga):
        return [reference(s.action, data) for s in effect.steps]
    raise AssertionError(f"unexpected {effect!r}")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees)
def test_interpreter_matches_reference(effect: Effect) -> None:
    assume(is_race_free(effect))
    data: dict[str, Any] = {}
    try:
        expected: Any = reference(effect, data)
    except Fail:
        expected = Fail

    async def interpreted() -> Any:
        try:
            return await run_effect(effect, clock=VirtualClock())
        except EffectError:
            return Fail

    assert asyncio.run(interpreted()) == expected
