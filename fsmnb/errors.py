"""Every exception fsmnb raises, in one hierarchy.

```
FsmnbError
├─ DefinitionError (also TypeError)    a bad machine, workflow, spec or effect, found when it is built
│  └─ SpecError                        a JSON/YAML spec (machine, workflow or effect tree) that does not validate
├─ InputError (also ValueError)        a workflow validator rejected the data a run was started with
│  ├─ ParamsError                      an action's parameters did not validate; names each field and the fix
│  └─ SignalError                      a signal that is not CloudEvents-shaped or fails its route's schema
├─ ComputeError (also ValueError)      the bounded arithmetic evaluator refused or could not compute an expression
├─ RunError (also RuntimeError)
│  ├─ EffectError                      an effect failed; carries the effect's path; the cause chained with `from`
│  │  ├─ MissingHandlerError           no handler is registered for this effect type
│  │  └─ CircuitOpenError              a circuit breaker is open and refused the call
│  ├─ TransitionError                  no transition for this event in this state; lists the allowed events
│  ├─ RunNotFound (also LookupError)   no run with this id is visible to this tenant
│  ├─ CancelledRun                     the run was cancelled (by `run.cancel()`, an interrupt, or a timeout)
│  ├─ RunLeased                        another process drives this durable run; names the owner and the expiry
│  │  └─ LeaseLost                     this process's lease on the run was taken over: its writes are refused
│  ├─ RecursionLimitError              an agent's solve went too deep or in a cycle; shows the stack of problems
│  ├─ BudgetExceededError              a top-level solve spent its model calls, tokens or time; shows the stack
│  ├─ SynthesisError                   no synthesized workflow spec could be repaired; carries every attempt
│  ├─ FlowError                        a DAG flow stopped on a step's failure; carries each step's status
│  └─ EscalationError                  a supervisor's children crashed more often than its restart intensity
├─ SerializationError (also TypeError) a value could not be journaled; names its type and the fix
├─ StoreError                          a durable store could not be opened or written; names the file and the fix
├─ ProviderError                       .provider .model .status .is_retryable
├─ StructuredOutputError               the reply could not be validated after N attempts; carries every attempt
└─ MissingExtraError (also ImportError) an optional dependency is not installed; names the extra
```

Setup errors (`DefinitionError`, a `TypeError`) are kept apart from run errors
(`RunError`, a `RuntimeError`), so `except TypeError` around a definition never
swallows a failure of a running workflow.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

__all__ = (
    "BudgetExceededError",
    "CancelledRun",
    "CircuitOpenError",
    "ComputeError",
    "DefinitionError",
    "EffectError",
    "EscalationError",
    "FlowError",
    "FsmnbError",
    "InputError",
    "LeaseLost",
    "MissingExtraError",
    "MissingHandlerError",
    "ParamsError",
    "ProviderError",
    "RecursionLimitError",
    "RunError",
    "RunLeased",
    "RunNotFound",
    "SerializationError",
    "SignalError",
    "SpecError",
    "StoreError",
    "StructuredOutputError",
    "SynthesisError",
    "TransitionError",
)


class FsmnbError(Exception):
    """Base class of every error fsmnb raises."""


class DefinitionError(FsmnbError, TypeError):
    """A machine, workflow, spec or effect is malformed; raised when it is built.

    Attributes:
        problems: one message per offender, each naming it and the fix.
    """

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems: tuple[str, ...] = tuple(problems) or (message,)

    @classmethod
    def collect(cls, subject: str, problems: Iterable[str]) -> DefinitionError:
        """Build one error that lists every problem found in `subject`."""
        found = list(problems)
        if len(found) == 1:
            return cls(f"{subject}: {found[0]}", found)
        lines = "\n".join(f"  - {p}" for p in found)
        return cls(f"{subject} has {len(found)} problems:\n{lines}", found)


class SpecError(DefinitionError):
    """A spec (machine, workflow or effect tree as JSON/YAML) failed validation."""


class InputError(FsmnbError, ValueError):
    """A workflow validator rejected the data a run was started with."""


class ComputeError(FsmnbError, ValueError):
    """An expression is not plain arithmetic, exceeds a limit of the evaluator, or has no value.

    The message names the construct or the limit (and the limit's value).
    """


class ParamsError(InputError):
    """An action was called with parameters that fail its schema; nothing ran.

    Attributes:
        action: the action's name.
        problems: one line per offending field (``order.total: ...``).
    """

    def __init__(self, message: str, *, action: str = "", problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.action = action
        self.problems = list(problems)


class SignalError(InputError):
    """A signal was refused at the edge: not CloudEvents-shaped, or its data fails the route's schema.

    Attributes:
        problems: one line per offending field.
    """

    def __init__(self, message: str, *, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


class RunError(FsmnbError, RuntimeError):
    """A running workflow failed."""


class EffectError(RunError):
    """An effect failed while it was interpreted.

    Attributes:
        path: where the effect sits, e.g. ``payment/0/retry/attempt[2]/call(charge)``.
        effect: the effect value that failed.
    """

    def __init__(self, message: str, *, path: str = "", effect: Any = None) -> None:
        super().__init__(f"{message} (at `{path}`)" if path else message)
        self.path = path
        self.effect = effect


class MissingHandlerError(EffectError):
    """No handler is registered for an effect type (e.g. `call_llm` without `fsmnb.llm`)."""


class CircuitOpenError(EffectError):
    """A circuit breaker is open and refused to run its effect."""


class TransitionError(RunError):
    """An event that no transition of the current state accepts.

    Attributes:
        state: the current state.
        event: the event that was refused.
        allowed: the events the current state accepts.
    """

    def __init__(
        self, message: str, *, state: str = "", event: str = "", allowed: Sequence[str] = ()
    ) -> None:
        super().__init__(message)
        self.state = state
        self.event = event
        self.allowed = tuple(allowed)


class RunNotFound(RunError, LookupError):
    """No run with this id exists, or it belongs to another tenant (the two are not told apart)."""


class CancelledRun(RunError):
    """The run was cancelled before it reached a final state."""


class RunLeased(RunError):
    """Another process holds the lease of a durable run: at most one process drives a run.

    Attributes:
        run_id: the run.
        owner: who holds the lease (``host:pid:random``).
        expires: when the lease lapses unless its owner renews it (seconds since the epoch).
    """

    def __init__(self, message: str, *, run_id: str = "", owner: str = "", expires: float = 0.0):
        super().__init__(message)
        self.run_id = run_id
        self.owner = owner
        self.expires = expires


class LeaseLost(RunLeased):
    """This process's lease on a run was taken over (it had lapsed): the run's writes are refused.

    The run stops where it is; the new owner continues it from the journal.
    """


class RecursionLimitError(RunError):
    """An agent's `solve` went deeper than its limit, or met a problem already on its stack.

    Attributes:
        stack: the problems being solved, outermost first.
        reason: ``depth`` or ``cycle``.
    """

    def __init__(self, message: str, *, stack: Sequence[str] = (), reason: str = "depth") -> None:
        super().__init__(message)
        self.stack = tuple(stack)
        self.reason = reason


class BudgetExceededError(RunError):
    """A top-level `solve` spent its budget of model calls, tokens or wall time.

    Attributes:
        resource: ``model_calls``, ``tokens`` or ``seconds``.
        limit: the budget for that resource; used: what was spent.
        stack: the problems being solved, outermost first.
    """

    def __init__(
        self,
        message: str,
        *,
        resource: str = "",
        limit: float = 0,
        used: float = 0,
        stack: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.resource, self.limit, self.used = resource, limit, used
        self.stack = tuple(stack)


class SynthesisError(RunError):
    """No workflow spec the model proposed could be validated, even after repair.

    Attributes:
        attempts: every attempt, each with the spec proposed and its problems.
    """

    def __init__(self, message: str, *, attempts: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.attempts = tuple(attempts)


class SerializationError(FsmnbError, TypeError):
    """A value could not be turned into JSON for the journal."""


class StoreError(FsmnbError):
    """A durable store could not be opened or could not commit before its deadline.

    The journal on disk stays well formed (a prefix of the run, as after a crash).

    Attributes:
        path: the store's file.
    """

    def __init__(self, message: str, *, path: str = "") -> None:
        super().__init__(message)
        self.path = path


class ProviderError(FsmnbError):
    """A model provider failed.

    Attributes:
        provider: e.g. ``openai``.
        model: the model name.
        status: the HTTP status when there was one.
        is_retryable: whether retrying may help (429, 5xx, connection errors).
        retry_after: seconds the provider asked to wait before retrying, if it said.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        model: str = "",
        status: int | None = None,
        is_retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.model = model
        self.status = status
        self.is_retryable = is_retryable
        self.retry_after = retry_after


class StructuredOutputError(FsmnbError):
    """A structured reply could not be validated after every attempt.

    Attributes:
        attempts: every attempt made, each with the raw reply and the validation error.
    """

    def __init__(self, message: str, *, attempts: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.attempts = tuple(attempts)


class FlowError(RunError):
    """A DAG flow stopped because a step failed (after its retries and compensation).

    Attributes:
        step: the step that stopped the flow.
        steps: each step's status (``done``, ``failed``, ``skipped``, ``compensated``, ...).
    """

    def __init__(
        self, message: str, *, step: str = "", steps: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.step = step
        self.steps = dict(steps or {})


class EscalationError(RunError):
    """A supervisor's children crashed more often than its restart intensity allows.

    Attributes:
        supervisor: the supervisor's name.
        crashes: the (child, error) pairs inside the window, oldest first.
    """

    def __init__(
        self, message: str, *, supervisor: str = "", crashes: Sequence[tuple[str, str]] = ()
    ) -> None:
        super().__init__(message)
        self.supervisor = supervisor
        self.crashes = list(crashes)


class MissingExtraError(FsmnbError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""

    def __init__(self, feature: str, extra: str, module: str) -> None:
        super().__init__(
            f"{feature} needs the `{module}` package, which is not installed. "
            f"Install it with: pip install 'fsmnb[{extra}]'"
        )
        self.extra = extra
        self.module = module
