"""Reply schemas of the built-in structured requests (seed 003's JSON responses).

Each is a pydantic model with the bounds the seed asks for: confidences in
[0, 1], enums for closed choices, required fields present, short reasons.
Register your own with `fsmnb.llm.register_schema` (or pass the model class
to `structured` directly).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = (
    "SCHEMAS",
    "ConsensusFeedback",
    "DataAnalysis",
    "Finding",
    "Reasoning",
    "Solution",
    "Strategy",
    "TransitionSpec",
    "WorkflowCreation",
    "WorkflowSelection",
    "WorkflowStep",
    "register_schema",
)

Confidence = Field(ge=0.0, le=1.0, description="between 0 and 1")
Reason = Field(min_length=1, max_length=1000, description="a brief explanation")


class _Reply(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class WorkflowSelection(_Reply):
    """Which registered workflow fits a problem, or ``create_new``."""

    selected_workflow: str = Field(
        min_length=1, description="a listed workflow name, or create_new"
    )
    confidence: float = Confidence
    reason: str = Reason
    alternatives: list[str] = Field(default_factory=list, max_length=10)


class WorkflowStep(_Reply):
    """One state of a synthesized workflow."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="snake_case state id")
    description: str = Field(default="", max_length=500)
    action: str = Field(default="agent", description="a registered action name, or agent")
    task: str | None = Field(default=None, description="the sub-task when action is agent")


class TransitionSpec(_Reply):
    """``source --event--> target``."""

    source: str
    event: str = "next"
    target: str


class WorkflowCreation(_Reply):
    """A new workflow: its states (linear unless transitions are given)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    description: str = Field(min_length=1, max_length=1000)
    domain: str = "general"
    tags: list[str] = Field(default_factory=list, max_length=20)
    states: list[WorkflowStep] = Field(min_length=1, max_length=30)
    transitions: list[TransitionSpec] = Field(default_factory=list, max_length=100)
    confidence: float = Confidence


class Strategy(_Reply):
    """How to solve a problem: the seed's decision tree."""

    strategy: Literal["direct", "compute", "existing_workflow", "new_workflow"]
    confidence: float = Confidence
    reason: str = Reason
    answer: str | None = Field(default=None, description="for direct")
    expression: str | None = Field(default=None, description="arithmetic, for compute")
    workflow: str | None = Field(default=None, description="for existing_workflow")


class Reasoning(_Reply):
    """An analysis that ends in a conclusion."""

    conclusion: str = Field(min_length=1, max_length=2000)
    confidence: float = Confidence
    reasoning: list[str] = Field(default_factory=list, max_length=20)


class Solution(_Reply):
    """The answer to a problem."""

    answer: str = Field(min_length=1, max_length=4000)
    confidence: float = Confidence
    steps: list[str] = Field(default_factory=list, max_length=30)
    is_complete: bool = True


class Finding(_Reply):
    """One finding of a data analysis."""

    title: str = Field(min_length=1, max_length=200)
    detail: str = Field(default="", max_length=2000)
    severity: Literal["low", "medium", "high"] = "medium"


class DataAnalysis(_Reply):
    """What the data shows."""

    summary: str = Field(min_length=1, max_length=2000)
    findings: list[Finding] = Field(default_factory=list, max_length=30)
    recommendations: list[str] = Field(default_factory=list, max_length=20)
    confidence: float = Confidence


class ConsensusFeedback(_Reply):
    """One agent's feedback on the others' answers in a consensus round."""

    agree: bool
    score: float = Field(ge=0.0, le=1.0, description="agreement with the others, 0 to 1")
    feedback: str = Reason
    revised_answer: str | None = None


SCHEMAS: dict[str, type[BaseModel]] = {
    cls.__name__: cls
    for cls in (
        WorkflowSelection,
        WorkflowCreation,
        Strategy,
        Reasoning,
        Solution,
        DataAnalysis,
        ConsensusFeedback,
    )
}


def register_schema(model: type[BaseModel], name: str | None = None) -> type[BaseModel]:
    """Make `model` available to templates by `name` (default: its class name)."""
    SCHEMAS[name or model.__name__] = model
    return model
