"""The policies an action declares: how long an attempt may take, how to retry, when to stop calling.

Policies are frozen values; the breaker's state lives in the engine's shared
`resources` (the same breakers the `circuit_breaker` effect uses), keyed by the
policy's `key` or the action's name, so every caller of a failing service sees
the same open circuit.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from fsmnb.errors import DefinitionError

__all__ = ("BreakerPolicy", "RetryPolicy")

Backoff = Literal["constant", "linear", "exponential"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """Try an action again when an attempt fails with one of `retry_on`.

    Args:
        attempts: total attempts (≥ 1).
        backoff: ``constant`` (base), ``linear`` (base × n) or ``exponential``
            (base × factor^(n-1)), capped at `max_delay`.
        base: the first wait, in seconds.
        factor: the growth of exponential backoff.
        max_delay: the longest wait.
        jitter: a fraction (0–1) of each wait drawn at random.
        retry_on: exception types worth another attempt (a `ParamsError` never is:
            the same parameters fail the same way).
    """

    attempts: int = 3
    backoff: Backoff = "exponential"
    base: float = 0.05
    factor: float = 2.0
    max_delay: float = 5.0
    jitter: float = 0.0
    retry_on: tuple[type[BaseException], ...] = (Exception,)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise DefinitionError(f"`RetryPolicy` needs `attempts` ≥ 1, got {self.attempts}.")
        if self.backoff not in ("constant", "linear", "exponential"):
            raise DefinitionError(
                f"`RetryPolicy` backoff `{self.backoff}` is unknown; use `constant`, `linear` "
                "or `exponential`."
            )
        if not 0.0 <= self.jitter <= 1.0:
            raise DefinitionError(f"`RetryPolicy` jitter is a fraction 0–1, got {self.jitter}.")

    def wait_before(self, attempt: int) -> float:
        """Seconds to wait before `attempt` (2, 3, …), jitter included."""
        n = attempt - 1
        if self.backoff == "constant":
            wait = self.base
        elif self.backoff == "linear":
            wait = self.base * n
        else:
            wait = self.base * self.factor ** min(n - 1, 64)
        wait = min(wait, self.max_delay)
        if self.jitter:
            wait -= wait * self.jitter * random.random()
        return float(wait)


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakerPolicy:
    """Stop calling after `failures` consecutive failures; let one trial through after `reset` s.

    Args:
        failures: consecutive failed calls (after retries) that open the circuit.
        reset: seconds the circuit stays open before a trial call.
        key: the breaker shared by calls; a string, or a function of the validated
            parameters (the seed's CallExternalAPI keys its breaker by URL). The
            action's name when None.
    """

    failures: int = 5
    reset: float = 30.0
    key: str | Callable[[Any], str] | None = None

    def __post_init__(self) -> None:
        if self.failures < 1 or self.reset <= 0:
            raise DefinitionError(
                f"`BreakerPolicy` needs failures ≥ 1 and reset > 0, got {self.failures}, "
                f"{self.reset}."
            )

    def key_for(self, action: str, params: Any) -> str:
        """The name of the breaker these parameters use."""
        if self.key is None:
            return f"action:{action}"
        if isinstance(self.key, str):
            return self.key
        return f"action:{action}:{self.key(params)}"
