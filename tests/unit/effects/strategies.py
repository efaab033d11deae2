"""Registered test callables and hypothesis strategies for random effect trees."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from fsmnb.effects import (
    Call,
    CallApi,
    CallLLM,
    CoordinateAgents,
    Delay,
    Effect,
    EmbedText,
    Emit,
    GetData,
    InvokeAgent,
    InvokeFsm,
    Log,
    MergeData,
    PutData,
    RagPipeline,
    SendEvent,
    SpawnFsm,
    UpdateData,
    VectorSearch,
    batch,
    cache,
    circuit_breaker,
    parallel,
    race,
    rate_limit,
    retry,
    saga,
    sequence,
    step,
    timeout,
    with_compensation,
)
from fsmnb.errors import EffectError, ProviderError


def charge(amount: float) -> float:
    """A registered callable."""
    return amount


def refund(amount: float) -> float:
    """Another registered callable."""
    return -amount


def double(x: Any) -> Any:
    """Registered as `spec.twice`, to show lookup by identity, not by `__name__`."""
    return x * 2


# Namespaced names, so that tests of other packages registering `charge` cannot interfere.
REGISTERED: dict[str, Callable[..., Any]] = {
    "spec.charge": charge,
    "spec.refund": refund,
    "spec.twice": double,
}


# -- strategies --------------------------------------------------------------------------------

names = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
texts = st.text(max_size=20)
floats = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)
positive = st.floats(min_value=1e-3, max_value=1e6)
json_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | floats | texts
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=6,
)
mappings = st.dictionaries(texts, json_values, max_size=3)
fns = st.sampled_from(sorted(REGISTERED.values(), key=lambda f: f.__name__))
tuples_of: Callable[[Any], Any] = lambda s: st.lists(s, max_size=3).map(tuple)  # noqa: E731

leaves: st.SearchStrategy[Effect] = st.one_of(
    st.builds(
        Call, fn=fns, args=tuples_of(json_values), kwargs=mappings, pass_context=st.booleans()
    ),
    st.builds(
        CallApi,
        url=texts,
        method=st.sampled_from(["GET", "POST"]),
        json=json_values,
        params=mappings,
        headers=st.dictionaries(texts, texts, max_size=2),
        timeout=positive,
    ),
    st.builds(Delay, seconds=positive),
    st.builds(Log, message=texts, level=st.sampled_from(["debug", "info", "error"])),
    st.builds(PutData, key=texts, value=json_values),
    st.builds(GetData, key=texts, default=json_values),
    st.builds(MergeData, values=mappings),
    st.builds(UpdateData, key=texts, fn=fns, default=json_values),
    st.builds(Emit, event=names, payload=mappings),
    st.builds(InvokeFsm, workflow=names, data=mappings),
    st.builds(SpawnFsm, workflow=names, data=mappings),
    st.builds(SendEvent, run_id=texts, event=names, payload=mappings),
    st.builds(
        CallLLM,
        prompt=texts,
        model=st.none() | names,
        system=st.none() | texts,
        messages=tuples_of(mappings),
        schema=st.none() | st.just({"type": "object", "properties": {"a": {"type": "integer"}}}),
        max_tokens=st.none() | st.integers(1, 4096),
        temperature=st.none() | st.floats(0, 2),
        tools=tuples_of(mappings),
        options=mappings,
    ),
    st.builds(EmbedText, text=texts | tuples_of(texts), model=st.none() | names),
    st.builds(VectorSearch, query=texts, index=names, k=st.integers(1, 50), filters=mappings),
    st.builds(InvokeAgent, agent=names, task=texts, context=mappings),
    st.builds(
        CoordinateAgents,
        agents=tuples_of(names),
        task=texts,
        strategy=st.sampled_from(["parallel", "consensus", "debate"]),
        threshold=st.floats(0, 1),
        max_rounds=st.integers(1, 5),
        timeout=st.none() | positive,
        options=mappings,
    ),
    st.builds(
        RagPipeline,
        query=texts,
        index=names,
        k=st.integers(1, 20),
        model=st.none() | names,
        rerank=st.booleans(),
        max_context_chars=st.integers(1, 10_000),
        options=mappings,
    ),
)


def _combinators(children: st.SearchStrategy[Effect]) -> st.SearchStrategy[Effect]:
    some = st.lists(children, max_size=3)
    exceptions = st.lists(st.sampled_from([TimeoutError, ValueError, ProviderError, EffectError]))
    steps = st.builds(step, children, st.none() | children, name=st.just("") | names)
    return st.one_of(
        some.map(lambda es: sequence(*es)),
        some.map(lambda es: parallel(*es)),
        st.lists(children, min_size=1, max_size=3).map(lambda es: race(*es)),
        st.builds(
            retry,
            children,
            attempts=st.integers(1, 10),
            backoff=st.sampled_from(["constant", "linear", "exponential"]),
            base=positive,
            factor=positive,
            max_delay=positive,
            jitter=st.floats(0, 1),
            retry_on=exceptions.map(tuple),
        ),
        st.builds(timeout, children, positive),
        st.builds(with_compensation, children, children),
        st.builds(
            circuit_breaker,
            children,
            names,
            failure_threshold=st.integers(1, 10),
            reset_timeout=positive,
        ),
        st.lists(steps, max_size=3).map(lambda s: saga(*s)),
        st.builds(batch, some, concurrency=st.integers(1, 10)),
        st.builds(cache, children, texts, ttl=st.none() | positive),
        st.builds(rate_limit, children, names, rate=positive, per=positive),
    )


effects: st.SearchStrategy[Effect] = st.recursive(leaves, _combinators, max_leaves=10)
"""Random effect trees of every kind whose callables are registered and whose data is JSON."""
