"""The agents' own structured requests, registered with the LLM layer on import.

- ``agent_workflow``: synthesize a workflow spec (`WorkflowSpec`): like the
  LLM layer's ``workflow_creation`` (same task type, so any model that answers
  that answers this), but the available actions come with their descriptions
  and the events they return, states may carry ``args`` and ``final``, and
  the problems of a previous attempt are fed back for repair.
  Registered on first use (`ensure_templates`).
- ``agent_decision``: choose one of a state's events (`Choice`).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from fsmnb.agents.spec import WorkflowSpec

__all__ = ("Choice", "ensure_templates")

_registered = False


class Choice(BaseModel):
    """Which option applies, how sure, and why."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    choice: str = Field(min_length=1, max_length=200, description="one of the options, verbatim")
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    reason: str = Field(default="", max_length=1000)


_WORKFLOW_REQUEST = """\
task:
  type: workflow_creation
  problem: {{ problem | json }}
  domain: {{ domain | default("general") | json }}
  constraints_from_user: {{ constraints | default("") | json }}
  available_actions: {{ actions | default([]) | json }}
  problems_to_fix: {{ problems | default([]) | json }}
constraints:
  - Name the workflow and its states in snake_case
  - A state's action is one of the available actions by name (with its args), or "agent" with a task
  - States run in the order listed unless transitions are given
  - With transitions, every state must be reachable and mark the states that end the run final
  - An action that lists events leaves its state by those events
  - If problems_to_fix is not empty, fix every one of them
  - Respond with valid JSON only
"""

_DECISION_REQUEST = """\
task:
  type: decision
  question: {{ question | json }}
  options: {{ options | json }}
  context: {{ context | default({}) | json }}
constraints:
  - choice is one of the options, verbatim
  - Give a confidence score between 0 and 1
  - Respond with valid JSON only
"""


def ensure_templates() -> None:
    """Register the agents' templates (once; on first use, so that importing stays light)."""
    global _registered
    if _registered:
        return
    _registered = True
    from fsmnb.llm.templates import register_template  # imports jinja2

    register_template(
        "agent_workflow",
        schema=WorkflowSpec,
        description="Synthesize a workflow spec from registered actions and agent sub-tasks.",
        system=(
            "You design workflows as finite state machines. Each state does one step: either a "
            "listed action (with its arguments) or an agent sub-task. Branch on the events an "
            "action returns. Respond with valid JSON only, no additional text."
        ),
        request=_WORKFLOW_REQUEST,
    )

    register_template(
        "agent_decision",
        schema=Choice,
        description="Choose which of a workflow state's events applies.",
        system=(
            "You decide which option applies given the question and the evidence. Answer with one "
            "of the options verbatim. Respond with valid JSON only, no additional text."
        ),
        request=_DECISION_REQUEST,
    )
