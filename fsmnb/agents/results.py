"""What an agent's `reason`, `plan` and `solve` return."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fsmnb.agents.metadata import Match

__all__ = ("STRATEGIES", "Decision", "Plan", "Solution")

#: The four branches of seed 003's decision tree.
STRATEGIES = ("direct", "compute", "existing_workflow", "new_workflow")


@dataclass(frozen=True, slots=True)
class Decision:
    """How `solve` will go about a problem (the seed's decision tree), and why.

    Attributes:
        strategy: ``direct``, ``compute``, ``existing_workflow`` or ``new_workflow``.
        confidence: 0 to 1.
        reason: a short explanation (the model's, or the agent's own for the arithmetic fast path).
        expression: the arithmetic, for ``compute``.
        value: its value, computed by the safe evaluator.
        answer: the answer, for ``direct`` when the model gave it.
        workflow: the registered workflow, for ``existing_workflow``.
        candidates: the registry's similar workflows that were offered, best first.
        model_calls: model calls the decision took (0 for the arithmetic fast path).
    """

    strategy: str
    confidence: float
    reason: str
    expression: str | None = None
    value: Any = None
    answer: str | None = None
    workflow: str | None = None
    candidates: tuple[Match, ...] = ()
    model_calls: int = 0


@dataclass(frozen=True, slots=True)
class Plan:
    """The workflow `plan` picked for a problem (None: create a new one), with the ranking."""

    workflow: str | None
    confidence: float
    reason: str
    candidates: tuple[Match, ...] = ()
    alternatives: tuple[str, ...] = ()


@dataclass(slots=True)
class Solution:
    """The outcome of `Agent.solve`.

    Attributes:
        problem: what was asked.
        answer: the answer (a number for arithmetic, else what the strategy produced).
        strategy, confidence, reason: the decision that was followed.
        agent: the agent's name.
        workflow: the workflow run (existing or synthesized), if any.
        result: that run's `Result`, if any.
        synthesized: whether the workflow was created for this problem.
        spent: model calls, tokens and seconds of the top-level solve so far.
        depth: 1 for a top-level solve, more for sub-problems.
    """

    problem: str
    answer: Any
    strategy: str
    confidence: float
    reason: str
    agent: str = ""
    workflow: str | None = None
    result: Any = None
    synthesized: bool = False
    spent: dict[str, Any] = field(default_factory=dict)
    depth: int = 1

    @property
    def ok(self) -> bool:
        """Whether the solve produced an answer (a workflow run reached a final state)."""
        return self.result is None or bool(getattr(self.result, "ok", True))

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (the run's data instead of the `Result` object)."""
        return {
            "problem": self.problem,
            "answer": self.answer,
            "strategy": self.strategy,
            "confidence": self.confidence,
            "reason": self.reason,
            "agent": self.agent,
            "workflow": self.workflow,
            "synthesized": self.synthesized,
            "state": getattr(self.result, "state", None),
            "status": getattr(self.result, "status", None),
            "spent": dict(self.spent),
        }

    def __repr__(self) -> str:
        via = f" via {self.workflow}" if self.workflow else ""
        answer = repr(self.answer)
        answer = answer if len(answer) <= 80 else answer[:77] + "..."
        return (
            f"Solution({answer}, strategy={self.strategy}{via}, confidence={self.confidence:.2f})"
        )
