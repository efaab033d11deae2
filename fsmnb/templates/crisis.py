"""`crisis_response` (seed 000's incident coordination): assess, mobilize, act, monitor, learn.

    assessing → responding → awaiting_approval → monitoring → postmortem → closed
        ↘ mobilizing ↗ (high or critical)          ↑ escalate ┘ (→ mobilizing)

- **assessing**: a model rates the incident's severity (``agent_decision`` over
  low/medium/high/critical); high and critical mobilize a response team.
- **mobilizing**: an incident commander leads the responders (``hierarchical``).
- **responding**: a model writes the response plan.
- **awaiting_approval** (when `approval_required`): a person ``approve``s or
  ``revise``s (feedback=...) the plan.
- **monitoring**: waits for ``resolved`` or ``escalate`` (back to mobilizing).
- **postmortem**: a model writes the post-incident review.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from pydantic import Field

from fsmnb.agents.templates import ensure_templates
from fsmnb.effects import CallLLM, CoordinateAgents, Effect, call_llm, coordinate_agents
from fsmnb.templates.base import Template, TemplateConfig, check_steps, step
from fsmnb.workflow.workflow import Workflow

__all__ = ("CRISIS_RESPONSE", "CrisisConfig")

SEVERITIES = ("low", "medium", "high", "critical")


class CrisisConfig(TemplateConfig):
    """Config of `crisis_response`."""

    incident: str = Field(min_length=1, max_length=4000, description="What happened.")
    responders: list[str] = Field(
        default=["incident_commander", "operations_lead", "communications_lead"],
        min_length=1,
        max_length=8,
    )
    mobilize_from: str = Field(
        default="high",
        pattern="^(low|medium|high|critical)$",
        description="Lowest severity that mobilizes the response team.",
    )
    approval_required: bool = True


def _build(name: str, cfg: CrisisConfig) -> Workflow:
    ensure_templates()  # the `agent_decision` request its classification uses
    check_steps(
        "crisis_response",
        cfg,
        {"assess": CallLLM, "mobilize": CoordinateAgents, "plan": CallLLM, "postmortem": CallLLM},
    )
    wf = Workflow(
        name,
        description=f"Incident response: {cfg.incident[:80]}",
        tags=("template", "crisis_response"),
        register=False,
    )

    @wf.state(
        initial=True, on={"error": "failed", "contained": "responding", "major": "mobilizing"}
    )
    def assessing(ctx: Any) -> Generator[Effect, Any, str]:
        """A model rates the incident's severity."""
        incident = str(ctx.data.setdefault("incident", cfg.incident))
        ask = call_llm(
            model=cfg.model,
            template="agent_decision",
            data={
                "question": "How severe is this incident?",
                "options": list(SEVERITIES),
                "context": {"incident": incident},
            },
        )
        choice = yield step(cfg, "assess", ask, ctx.data)
        severity = str(getattr(choice, "choice", choice))
        ctx.data["severity"] = severity if severity in SEVERITIES else "high"
        major = SEVERITIES.index(ctx.data["severity"]) >= SEVERITIES.index(cfg.mobilize_from)
        return "major" if major else "contained"

    @wf.state(on={"error": "failed", "team_ready": "responding"})
    def mobilizing(ctx: Any) -> Generator[Effect, Any, str]:
        """The incident commander leads the responders."""
        effect = coordinate_agents(
            cfg.responders,
            f"Coordinate the response to a {ctx.data['severity']} incident: {ctx.data['incident']}",
            strategy="hierarchical",
        )
        result = yield step(cfg, "mobilize", effect, ctx.data)
        ctx.data["team_plan"] = getattr(result, "answer", result)
        ctx.data["mobilized"] = int(ctx.data.get("mobilized", 0)) + 1
        return "team_ready"

    @wf.state(
        on={"error": "failed", "plan_ready": "awaiting_approval", "plan_approved": "monitoring"}
    )
    def responding(ctx: Any) -> Generator[Effect, Any, str]:
        """A model writes the response plan (with a reviewer's feedback on a revision)."""
        feedback = str(ctx.payload.get("feedback", "")).strip()
        prompt = (
            f"Write the response plan for a {ctx.data['severity']} incident: {ctx.data['incident']}\n"
            f"Team input: {ctx.data.get('team_plan') or 'none'}"
            + (f"\nRevise for this feedback: {feedback}" if feedback else "")
        )
        reply = yield step(cfg, "plan", call_llm(prompt, model=cfg.model), ctx.data)
        ctx.data["response_plan"] = str(reply)
        return "plan_ready" if cfg.approval_required else "plan_approved"

    wf.add_state(
        "awaiting_approval",
        None,
        on={"approve": "monitoring", "revise": "responding"},
        description="Waits for a person: `approve` or `revise` (feedback=...).",
    )
    wf.add_state(
        "monitoring",
        None,
        on={"resolved": "postmortem", "escalate": "mobilizing"},
        description="Waits for `resolved` or `escalate`.",
    )

    @wf.state(on={"error": "failed", "documented": "closed"})
    def postmortem(ctx: Any) -> Generator[Effect, Any, str]:
        """A model writes the post-incident review."""
        prompt = (
            f"Write a blameless post-incident review of: {ctx.data['incident']}\n"
            f"Severity: {ctx.data['severity']}\nPlan: {ctx.data.get('response_plan')}"
        )
        reply = yield step(cfg, "postmortem", call_llm(prompt, model=cfg.model), ctx.data)
        ctx.data["postmortem"] = str(reply)
        return "documented"

    wf.final("closed", "failed")
    return wf


CRISIS_RESPONSE = Template(
    "crisis_response",
    "Incident coordination: severity assessment, team mobilization, an approved response plan, "
    "monitoring and a post-incident review.",
    CrisisConfig,
    _build,
    None,
)
