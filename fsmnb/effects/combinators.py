"""Combinators: effects that compose other effects."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from fsmnb.effects.base import Effect
from fsmnb.errors import DefinitionError

__all__ = (
    "Batch",
    "Cache",
    "CircuitBreaker",
    "Parallel",
    "Race",
    "RateLimit",
    "Retry",
    "Saga",
    "SagaStep",
    "Sequence",
    "Timeout",
    "WithCompensation",
    "batch",
    "cache",
    "circuit_breaker",
    "parallel",
    "race",
    "rate_limit",
    "retry",
    "saga",
    "sequence",
    "step",
    "timeout",
    "with_compensation",
)

Backoff = Literal["constant", "linear", "exponential"]


def _effects(items: Iterable[Any], where: str) -> tuple[Effect, ...]:
    out = tuple(items)
    for i, e in enumerate(out):
        if not isinstance(e, Effect):
            raise DefinitionError(
                f"`{where}` takes effects, but item {i} is {type(e).__name__} `{e!r:.60}`. "
                f"Wrap plain functions with `call(fn, ...)`."
            )
    return out


def _effect(e: Any, where: str) -> Effect:
    if not isinstance(e, Effect):
        raise DefinitionError(
            f"`{where}` takes an effect, got {type(e).__name__} `{e!r:.60}`. "
            f"Wrap plain functions with `call(fn, ...)`."
        )
    return e


@dataclass(frozen=True, slots=True, kw_only=True)
class Sequence(Effect):
    """Run effects one after another; the result is the list of their results."""

    kind: ClassVar[str] = "sequence"
    is_leaf: ClassVar[bool] = False
    effects: tuple[Effect, ...]

    def children(self) -> tuple[Effect, ...]:
        return self.effects


@dataclass(frozen=True, slots=True, kw_only=True)
class Parallel(Effect):
    """Run effects concurrently; the result is their results in order.

    The first failure cancels the others (structured concurrency); the error is
    that failure.
    """

    kind: ClassVar[str] = "parallel"
    is_leaf: ClassVar[bool] = False
    effects: tuple[Effect, ...]

    def children(self) -> tuple[Effect, ...]:
        return self.effects


@dataclass(frozen=True, slots=True, kw_only=True)
class Race(Effect):
    """Run effects concurrently; the first to succeed wins and the rest are cancelled.

    Fails only when every effect fails.
    """

    kind: ClassVar[str] = "race"
    is_leaf: ClassVar[bool] = False
    effects: tuple[Effect, ...]

    def children(self) -> tuple[Effect, ...]:
        return self.effects


@dataclass(frozen=True, slots=True, kw_only=True)
class Retry(Effect):
    """Run an effect again when it fails, waiting between attempts.

    Args:
        effect: what to run.
        attempts: total attempts (≥ 1).
        backoff: ``constant`` (base), ``linear`` (base × n) or ``exponential``
            (base × factor^(n-1)), capped at `max_delay`.
        base: the first wait, in seconds.
        factor: the growth factor for exponential backoff.
        max_delay: the longest wait.
        jitter: a fraction (0–1) of each wait drawn at random (full jitter at 1).
        retry_on: exception types to retry, or a predicate on the exception;
            empty means every `Exception`.
    """

    kind: ClassVar[str] = "retry"
    is_leaf: ClassVar[bool] = False
    effect: Effect
    attempts: int = 3
    backoff: Backoff = "exponential"
    base: float = 0.1
    factor: float = 2.0
    max_delay: float = 30.0
    jitter: float = 0.0
    retry_on: tuple[type[BaseException], ...] | Callable[[BaseException], bool] = ()

    def children(self) -> tuple[Effect, ...]:
        return (self.effect,)

    def wait_before(self, attempt: int) -> float:
        """The wait (without jitter) before `attempt` (2, 3, …)."""
        n = attempt - 1
        if self.backoff == "constant":
            wait = self.base
        elif self.backoff == "linear":
            wait = self.base * n
        else:
            try:
                wait = self.base * self.factor ** (n - 1)
            except OverflowError:  # many attempts: factor^n exceeds a float, so the cap applies
                wait = self.max_delay
        return float(min(wait, self.max_delay))

    def should_retry(self, error: BaseException) -> bool:
        """Whether `error` is one this retry handles."""
        if not self.retry_on:
            return isinstance(error, Exception)
        if isinstance(self.retry_on, tuple):
            return isinstance(error, self.retry_on)
        return bool(self.retry_on(error))


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeout(Effect):
    """Fail with `TimeoutError` (wrapped in `EffectError`) when an effect takes too long."""

    kind: ClassVar[str] = "timeout"
    is_leaf: ClassVar[bool] = False
    effect: Effect
    seconds: float

    def children(self) -> tuple[Effect, ...]:
        return (self.effect,)


@dataclass(frozen=True, slots=True, kw_only=True)
class WithCompensation(Effect):
    """Run an effect; if it fails or is cancelled, run the compensation, then fail."""

    kind: ClassVar[str] = "with_compensation"
    is_leaf: ClassVar[bool] = False
    effect: Effect
    compensation: Effect

    def children(self) -> tuple[Effect, ...]:
        return (self.effect, self.compensation)


@dataclass(frozen=True, slots=True, kw_only=True)
class CircuitBreaker(Effect):
    """Guard an effect with a breaker shared by `name` (closed → open → half-open).

    After `failure_threshold` consecutive failures the breaker opens and calls
    fail at once with `CircuitOpenError`; after `reset_timeout` seconds one
    trial call is let through (half-open); its success closes the breaker.
    """

    kind: ClassVar[str] = "circuit_breaker"
    is_leaf: ClassVar[bool] = False
    effect: Effect
    name: str
    failure_threshold: int = 5
    reset_timeout: float = 30.0

    def children(self) -> tuple[Effect, ...]:
        return (self.effect,)


@dataclass(frozen=True, slots=True, kw_only=True)
class SagaStep:
    """One saga step: an action and the effect that undoes it."""

    action: Effect
    compensation: Effect | None = None
    name: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Saga(Effect):
    """Run steps in order; when one fails, run the compensations of the done steps in reverse.

    The result is the list of the steps' results. On failure the original error
    is raised after compensating; compensation failures are attached to it as notes.
    """

    kind: ClassVar[str] = "saga"
    is_leaf: ClassVar[bool] = False
    steps: tuple[SagaStep, ...]

    def children(self) -> tuple[Effect, ...]:
        out: list[Effect] = []
        for s in self.steps:
            out.append(s.action)
            if s.compensation is not None:
                out.append(s.compensation)
        return tuple(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class Batch(Effect):
    """Run many effects with at most `concurrency` at a time; results in order."""

    kind: ClassVar[str] = "batch"
    is_leaf: ClassVar[bool] = False
    effects: tuple[Effect, ...]
    concurrency: int = 10

    def children(self) -> tuple[Effect, ...]:
        return self.effects


@dataclass(frozen=True, slots=True, kw_only=True)
class Cache(Effect):
    """Reuse an effect's result under `key` for `ttl` seconds (None: for the engine's life)."""

    kind: ClassVar[str] = "cache"
    is_leaf: ClassVar[bool] = False
    effect: Effect
    key: str
    ttl: float | None = None

    def children(self) -> tuple[Effect, ...]:
        return (self.effect,)


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimit(Effect):
    """Let at most `rate` runs of effects under `name` start per `per` seconds (token bucket)."""

    kind: ClassVar[str] = "rate_limit"
    is_leaf: ClassVar[bool] = False
    effect: Effect
    name: str
    rate: float
    per: float = 1.0

    def children(self) -> tuple[Effect, ...]:
        return (self.effect,)


# -- constructors ------------------------------------------------------------------------------


def sequence(*effects: Effect) -> Sequence:
    """Run `effects` one after another; the result is the list of results."""
    return Sequence(effects=_effects(effects, "sequence"))


def parallel(*effects: Effect) -> Parallel:
    """Run `effects` concurrently; the result is the list of results, in order."""
    return Parallel(effects=_effects(effects, "parallel"))


def race(*effects: Effect) -> Race:
    """Run `effects` concurrently; the first success wins, the rest are cancelled."""
    if not effects:
        raise DefinitionError("`race` needs at least one effect.")
    return Race(effects=_effects(effects, "race"))


def retry(
    effect: Effect,
    *,
    attempts: int = 3,
    backoff: Backoff = "exponential",
    base: float = 0.1,
    factor: float = 2.0,
    max_delay: float = 30.0,
    jitter: float = 0.0,
    retry_on: tuple[type[BaseException], ...]
    | type[BaseException]
    | Callable[[BaseException], bool] = (),
) -> Retry:
    """Retry `effect` up to `attempts` times with constant, linear or exponential backoff."""
    if attempts < 1:
        raise DefinitionError(f"`retry` needs `attempts` ≥ 1, got {attempts}.")
    if backoff not in ("constant", "linear", "exponential"):
        raise DefinitionError(
            f"`retry` backoff `{backoff}` is unknown; use `constant`, `linear` or `exponential`."
        )
    if not 0.0 <= jitter <= 1.0:
        raise DefinitionError(f"`retry` jitter is a fraction between 0 and 1, got {jitter}.")
    if isinstance(retry_on, type):
        retry_on = (retry_on,)
    elif not callable(retry_on):
        retry_on = tuple(retry_on)  # a list would be taken for a predicate by `should_retry`
        for cls in retry_on:
            if not (isinstance(cls, type) and issubclass(cls, BaseException)):
                raise DefinitionError(
                    f"`retry` retry_on takes exception classes or a predicate, got `{cls!r:.60}`."
                )
    return Retry(
        effect=_effect(effect, "retry"),
        attempts=attempts,
        backoff=backoff,
        base=base,
        factor=factor,
        max_delay=max_delay,
        jitter=jitter,
        retry_on=retry_on,
    )


def timeout(effect: Effect, seconds: float) -> Timeout:
    """Fail when `effect` takes longer than `seconds`."""
    if seconds <= 0:
        raise DefinitionError(f"`timeout` needs `seconds` > 0, got {seconds}.")
    return Timeout(effect=_effect(effect, "timeout"), seconds=seconds)


def with_compensation(effect: Effect, compensation: Effect) -> WithCompensation:
    """Run `effect`; on failure or cancellation run `compensation`, then fail."""
    return WithCompensation(
        effect=_effect(effect, "with_compensation"),
        compensation=_effect(compensation, "with_compensation"),
    )


def circuit_breaker(
    effect: Effect, name: str, *, failure_threshold: int = 5, reset_timeout: float = 30.0
) -> CircuitBreaker:
    """Guard `effect` with the breaker `name`, shared by every effect that names it."""
    if failure_threshold < 1:
        raise DefinitionError(
            f"`circuit_breaker` needs failure_threshold ≥ 1, got {failure_threshold}."
        )
    return CircuitBreaker(
        effect=_effect(effect, "circuit_breaker"),
        name=name,
        failure_threshold=failure_threshold,
        reset_timeout=reset_timeout,
    )


def step(action: Effect, compensate: Effect | None = None, *, name: str = "") -> SagaStep:
    """One saga step: `action`, undone by `compensate` if a later step fails."""
    return SagaStep(
        action=_effect(action, "step"),
        compensation=None if compensate is None else _effect(compensate, "step"),
        name=name or action.label(),
    )


def saga(*steps: SagaStep | tuple[Effect, Effect | None] | Effect) -> Saga:
    """Run steps in order and compensate the done ones in reverse when one fails.

    Each step is a `step(action, compensate=...)`, a tuple `(action, compensation)`,
    or a bare effect with nothing to undo.
    """
    out: list[SagaStep] = []
    for s in steps:
        if isinstance(s, SagaStep):
            out.append(s)
        elif isinstance(s, tuple) and len(s) in (2, 3):
            out.append(step(s[0], s[1], name=s[2] if len(s) == 3 else ""))
        elif isinstance(s, tuple):
            raise DefinitionError(
                f"A saga step tuple is `(action, compensation[, name])`, got {len(s)} items."
            )
        else:
            out.append(step(s))
    return Saga(steps=tuple(out))


def batch(effects: Iterable[Effect], *, concurrency: int = 10) -> Batch:
    """Run many effects, at most `concurrency` at a time; results in order."""
    if concurrency < 1:
        raise DefinitionError(f"`batch` needs concurrency ≥ 1, got {concurrency}.")
    return Batch(effects=_effects(effects, "batch"), concurrency=concurrency)


def cache(effect: Effect, key: str, *, ttl: float | None = None) -> Cache:
    """Reuse `effect`'s result under `key` for `ttl` seconds."""
    return Cache(effect=_effect(effect, "cache"), key=key, ttl=ttl)


def rate_limit(effect: Effect, name: str, *, rate: float, per: float = 1.0) -> RateLimit:
    """Start at most `rate` effects named `name` per `per` seconds; the rest wait their turn."""
    if rate <= 0 or per <= 0:
        raise DefinitionError(f"`rate_limit` needs rate > 0 and per > 0, got {rate} per {per}.")
    return RateLimit(effect=_effect(effect, "rate_limit"), name=name, rate=rate, per=per)
