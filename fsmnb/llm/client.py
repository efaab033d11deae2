"""`complete()`: one model call with routing, caching, resilience, streaming and accounting.

Every call publishes an ``llm_call`` telemetry event (model, usage, cost,
cached, duration); a streamed call first publishes one ``llm_token`` event per
text fragment, ``data={"delta", "message_id", "model"}``. Calls made on behalf
of a run carry its id and are added to its ledger (`calls_of`, `cost_of`).
"""

from __future__ import annotations

import itertools
import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from fsmnb.engine.journal import EffectFinished
from fsmnb.engine.telemetry import TelemetryEvent, bus
from fsmnb.llm.cache import request_hash, response_cache
from fsmnb.llm.pricing import cost_for
from fsmnb.llm.provider import Provider, model_name, resolve
from fsmnb.llm.resilience import Policy, call_resiliently
from fsmnb.llm.types import Completion, LLMReply, LLMRequest

if TYPE_CHECKING:
    from fsmnb.engine.context import Context
    from fsmnb.engine.run import Run

__all__ = ("CallRecord", "Settings", "calls_of", "complete", "configure", "cost_of", "settings")


@dataclass(slots=True)
class Settings:
    """Process-wide defaults of the LLM layer (change them with `configure`).

    Attributes:
        policy: timeouts, retries, breaker and rate limit for remote providers.
        cache: whether calls use the response cache unless a call says otherwise.
        max_attempts: attempts of a structured call (the first included).
    """

    policy: Policy = field(default_factory=Policy)
    cache: bool = False
    max_attempts: int = 3


settings = Settings()


def configure(**changes: Any) -> Settings:
    """Change the defaults: ``configure(cache=True, policy=Policy(timeout=20))``."""
    for key, value in changes.items():
        if not hasattr(settings, key):
            raise TypeError(
                f"`configure` got an unknown setting `{key}`; known: policy, cache, max_attempts."
            )
        setattr(settings, key, value)
    return settings


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One model call made for a run (see `calls_of`)."""

    model: str
    input_tokens: int
    output_tokens: int
    cost: float
    cached: bool
    message_id: str
    duration: float


_LEDGER: weakref.WeakKeyDictionary[Any, list[CallRecord]] = weakref.WeakKeyDictionary()
_IDS = itertools.count(1)


def calls_of(run: Run) -> list[CallRecord]:
    """Every model call made on behalf of `run`, in order."""
    return list(_LEDGER.get(run, ()))


def cost_of(run: Run) -> float:
    """US dollars spent on model calls by `run` (from its ledger, else from its journal)."""
    records = _LEDGER.get(run)
    if records is not None:
        return sum(r.cost for r in records)
    return sum(
        getattr(entry.result, "cost", 0.0)
        for entry in run.journal
        if isinstance(entry, EffectFinished) and entry.label.startswith("call_llm")
    )


def build_request(
    model: str,
    prompt: str = "",
    *,
    system: str | None = None,
    messages: Sequence[Mapping[str, Any]] = (),
    max_tokens: int | None = None,
    temperature: float | None = None,
    tools: Sequence[Mapping[str, Any]] = (),
    schema: Mapping[str, Any] | None = None,
    schema_name: str = "reply",
    options: Mapping[str, Any] | None = None,
) -> LLMRequest:
    """An `LLMRequest` for the provider's own model name; `prompt` is appended as a user message."""
    convo = tuple(dict(m) for m in messages)
    if prompt:
        convo = (*convo, {"role": "user", "content": prompt})
    return LLMRequest(
        model=model_name(model),
        messages=convo,
        system=system,
        max_tokens=max_tokens,
        temperature=temperature,
        tools=tuple(tools),
        schema=schema,
        schema_name=schema_name,
        options=dict(options or {}),
    )


async def complete(
    prompt: str = "",
    *,
    model: str | Provider | None = None,
    system: str | None = None,
    messages: Sequence[Mapping[str, Any]] = (),
    max_tokens: int | None = None,
    temperature: float | None = None,
    tools: Sequence[Mapping[str, Any]] = (),
    stream: bool | None = None,
    cache: bool | None = None,
    policy: Policy | None = None,
    ctx: Context | None = None,
    request: LLMRequest | None = None,
    **options: Any,
) -> LLMReply:
    """Ask a model and return its reply text (an `LLMReply`, which is a `str`).

    Args:
        prompt: the user message, appended after `messages`.
        model: a model string (``openai:gpt-4o-mini``, ``demo``, …), a `Provider`,
            or None for `default_model()`.
        system: the system prompt.
        messages: earlier conversation turns.
        max_tokens: a cap on the reply.
        temperature: sampling temperature.
        tools: tool specs ``{"name", "description", "parameters"}``.
        stream: stream token deltas to telemetry; None streams when someone listens.
        cache: use the response cache; None follows `settings.cache`.
        policy: timeouts and retries for this call; None follows `settings.policy`.
        ctx: the run context the call is made for (telemetry and the run's ledger).
        request: a prepared request (then prompt, messages, … are ignored).
        **options: passed to the provider.

    Raises:
        ProviderError: the provider failed after the policy's retries.
        DefinitionError: the model string names no known provider.
    """
    full, provider = resolve(model)
    if request is None:
        request = build_request(
            full,
            prompt,
            system=system,
            messages=messages,
            max_tokens=max_tokens,
            temperature=temperature,
            tools=tools,
            options=options,
        )
    return await send(full, provider, request, stream=stream, cache=cache, policy=policy, ctx=ctx)


async def send(
    full: str,
    provider: Provider,
    request: LLMRequest,
    *,
    stream: bool | None = None,
    cache: bool | None = None,
    policy: Policy | None = None,
    ctx: Context | None = None,
) -> LLMReply:
    """Send a prepared `request` to `provider` (what `complete` and structured calls share)."""
    run = ctx.instance if ctx is not None else None
    run_id = run.id if run is not None else ""
    state = ctx.state if ctx is not None else ""
    publish = run.publish if run is not None else bus.publish
    observed = bus.active or (run is not None and run.observed)
    use_cache = settings.cache if cache is None else cache
    message_id = f"{run_id or 'llm'}-{next(_IDS)}"
    t0 = time.perf_counter()

    completion: Completion | None = None
    key = ""
    if use_cache:
        key = request_hash(request) + ":" + full
        completion = response_cache().get(key)
    cached = completion is not None
    if completion is None:
        on_delta = None
        if stream or (stream is None and observed):

            def on_delta(delta: str) -> None:
                publish(
                    TelemetryEvent(
                        kind="llm_token",
                        run_id=run_id,
                        state=state,
                        name=full,
                        data={"delta": delta, "message_id": message_id, "model": full},
                    )
                )

        if provider.is_remote:
            chosen = policy or settings.policy

            def on_retry(attempt: int, error: BaseException, wait: float) -> None:
                publish(
                    TelemetryEvent(
                        kind="llm_retry",
                        run_id=run_id,
                        state=state,
                        name=full,
                        data={"attempt": attempt, "error": str(error), "wait": wait},
                    )
                )

            completion = await call_resiliently(
                provider.name,
                lambda: provider.complete(request, on_delta),
                policy=chosen,
                clock=ctx.clock if ctx is not None else None,
                on_retry=on_retry,
            )
        else:
            completion = await provider.complete(request, on_delta)
        if use_cache:
            response_cache().put(key, completion)

    cost = 0.0 if cached else cost_for(full, completion.usage)
    duration = time.perf_counter() - t0
    reply = LLMReply(
        completion.text,
        model=full,
        usage=completion.usage,
        cost=cost,
        tool_calls=completion.tool_calls,
        cached=cached,
        message_id=message_id,
        finish_reason=completion.finish_reason,
    )
    if run is not None:
        _LEDGER.setdefault(run, []).append(
            CallRecord(
                full,
                completion.usage.input_tokens,
                completion.usage.output_tokens,
                cost,
                cached,
                message_id,
                duration,
            )
        )
    if observed:
        publish(
            TelemetryEvent(
                kind="llm_call",
                run_id=run_id,
                state=state,
                name=full,
                duration=duration,
                data={
                    "model": full,
                    "message_id": message_id,
                    "input_tokens": completion.usage.input_tokens,
                    "output_tokens": completion.usage.output_tokens,
                    "usage": {
                        "input_tokens": completion.usage.input_tokens,
                        "output_tokens": completion.usage.output_tokens,
                    },
                    "cost": cost,
                    "cached": cached,
                },
            )
        )
    return reply


def with_options(request: LLMRequest, **options: Any) -> LLMRequest:
    """`request` with extra provider options."""
    return replace(request, options={**request.options, **options})
