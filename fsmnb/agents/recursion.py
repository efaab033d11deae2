"""Recursion control for `Agent.solve`: the stack of problems, cycle detection and a budget.

The stack lives in a `contextvars.ContextVar`, so it follows a solve into the
workflow it runs, into the tasks that workflow starts, and into the agents a
coordination runs concurrently, without anyone passing it along. Each frame
holds the problem's fingerprint (its words, lower-cased, punctuation and
extra spaces dropped), so "Check pump 3." and "check  pump 3" are the same
problem and solving it inside itself is a cycle.

One `Budget` is made per top-level solve and shared by every nested one:
model calls, tokens and wall time. Exceeding the depth, meeting a cycle or
spending the budget raises `RecursionLimitError` / `BudgetExceededError`,
whose message shows the stack of problems.
"""

from __future__ import annotations

import contextvars
import hashlib
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fsmnb.errors import BudgetExceededError, RecursionLimitError

__all__ = (
    "Budget",
    "Frame",
    "acting",
    "current_agent",
    "current_budget",
    "current_ctx",
    "current_stack",
    "fingerprint",
    "format_stack",
    "running",
    "running_workflows",
    "solving",
)

_WORD = re.compile(r"\w+")


def fingerprint(problem: str) -> str:
    """A short, stable id of a problem's words (case, punctuation and spacing ignored)."""
    text = " ".join(_WORD.findall(problem.lower()))
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


@dataclass(slots=True)
class Budget:
    """What one top-level solve may spend; nested solves share it.

    Attributes:
        max_model_calls: model calls in all (structured retries count).
        max_tokens: input plus output tokens.
        max_seconds: wall time from the start of the top-level solve.
    """

    max_model_calls: int = 200
    max_tokens: int = 500_000
    max_seconds: float = 300.0
    model_calls: int = 0
    tokens: int = 0
    started: float = field(default_factory=time.perf_counter)

    @property
    def elapsed(self) -> float:
        """Seconds since the top-level solve started."""
        return time.perf_counter() - self.started

    def remaining_seconds(self) -> float:
        """Wall time left (never negative)."""
        return max(0.0, self.max_seconds - self.elapsed)

    def charge(self, calls: int = 0, tokens: int = 0) -> None:
        """Count model calls and tokens, then `check`."""
        self.model_calls += calls
        self.tokens += tokens
        self.check()

    def check(self) -> None:
        """Raise `BudgetExceededError` if any limit is spent."""
        for resource, used, limit in (
            ("model_calls", self.model_calls, self.max_model_calls),
            ("tokens", self.tokens, self.max_tokens),
            ("seconds", round(self.elapsed, 3), self.max_seconds),
        ):
            if used > limit:
                stack = [f.problem for f in current_stack()]
                raise BudgetExceededError(
                    f"The solve spent its budget of {limit} {resource.replace('_', ' ')} "
                    f"(used {used}).\n{format_stack(stack)}\nRaise it with "
                    f"`Agent(..., budget=Budget({_arg(resource)}=...))` or split the problem.",
                    resource=resource,
                    limit=limit,
                    used=used,
                    stack=stack,
                )

    def summary(self) -> dict[str, Any]:
        """What was spent so far."""
        return {
            "model_calls": self.model_calls,
            "tokens": self.tokens,
            "seconds": round(self.elapsed, 4),
        }


def _arg(resource: str) -> str:
    return {"model_calls": "max_model_calls", "tokens": "max_tokens"}.get(resource, "max_seconds")


@dataclass(frozen=True, slots=True)
class Frame:
    """One solve on the stack."""

    problem: str
    fingerprint: str
    agent: str
    workflow: str | None = None


_STACK: contextvars.ContextVar[tuple[Frame, ...]] = contextvars.ContextVar(
    "fsmnb_agent_stack", default=()
)
_BUDGET: contextvars.ContextVar[Budget | None] = contextvars.ContextVar(
    "fsmnb_agent_budget", default=None
)
_RUNNING: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar(
    "fsmnb_agent_workflows", default=()
)


def current_stack() -> tuple[Frame, ...]:
    """The solves in progress in this context, outermost first."""
    return _STACK.get()


def current_budget() -> Budget | None:
    """The budget of the top-level solve in progress, if any."""
    return _BUDGET.get()


def running_workflows() -> tuple[str, ...]:
    """Workflows an enclosing solve is running (an inner solve must not pick them again)."""
    return _RUNNING.get()


@contextmanager
def running(workflow: str) -> Iterator[None]:
    """Mark `workflow` as run by the current solve while the block runs."""
    token = _RUNNING.set((*_RUNNING.get(), workflow))
    try:
        yield
    finally:
        _RUNNING.reset(token)


def format_stack(problems: list[str] | tuple[str, ...]) -> str:
    """The stack of problems as an indented list, outermost first."""
    lines = [f"{'  ' * i}{'└─ ' if i else ''}{p[:120]}" for i, p in enumerate(problems)]
    return "Stack of problems:\n" + "\n".join(f"  {line}" for line in lines)


@contextmanager
def solving(problem: str, agent: str, *, max_depth: int, budget: Budget) -> Iterator[Budget]:
    """Push `problem` on the stack for the block; yields the budget in force.

    The first (top-level) solve installs `budget`; nested ones share the
    enclosing solve's budget.

    Raises:
        RecursionLimitError: the stack is `max_depth` deep, or `problem` is already on it.
        BudgetExceededError: the shared budget is spent.
    """
    stack = _STACK.get()
    mark = fingerprint(problem)
    problems = [f.problem for f in stack]
    if any(f.fingerprint == mark for f in stack):
        shown = [*problems, f"{problem}   ← cycle"]
        raise RecursionLimitError(
            f"Agent `{agent}` was asked to solve a problem it is already solving.\n"
            f"{format_stack(shown)}\nA workflow step must solve a smaller sub-problem.",
            stack=[*problems, problem],
            reason="cycle",
        )
    if len(stack) >= max_depth:
        raise RecursionLimitError(
            f"Agent `{agent}` reached its depth limit of {max_depth} nested solves.\n"
            f"{format_stack([*problems, problem])}\nRaise it with `Agent(..., max_depth=...)` "
            "or give the workflow simpler sub-problems.",
            stack=[*problems, problem],
            reason="depth",
        )
    outer = _BUDGET.get()
    active = outer if outer is not None else budget
    token_b = _BUDGET.set(active) if outer is None else None
    token_s = _STACK.set((*stack, Frame(problem, mark, agent)))
    try:
        active.check()
        yield active
    finally:
        _STACK.reset(token_s)
        if token_b is not None:
            _BUDGET.reset(token_b)


_AGENT: contextvars.ContextVar[Any] = contextvars.ContextVar("fsmnb_current_agent", default=None)
_CTX: contextvars.ContextVar[Any] = contextvars.ContextVar("fsmnb_agent_ctx", default=None)


def current_agent() -> Any:
    """The agent executing the current workflow (None outside `Agent.execute`)."""
    return _AGENT.get()


def current_ctx() -> Any:
    """The run context an agent was invoked from (for telemetry and cost accounting), if any."""
    return _CTX.get()


@contextmanager
def acting(agent: Any = None, ctx: Any = None) -> Iterator[None]:
    """Make `agent` (and the run context `ctx`) current for the block."""
    token_a = _AGENT.set(agent) if agent is not None else None
    token_c = _CTX.set(ctx) if ctx is not None else None
    try:
        yield
    finally:
        if token_c is not None:
            _CTX.reset(token_c)
        if token_a is not None:
            _AGENT.reset(token_a)
