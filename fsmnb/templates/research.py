"""`research_pipeline` (seed 000): strategy → parallel research → synthesis → multi-perspective review.

    planning → researching → synthesizing → reviewing → published
                                   ↑ revise ┘        ↘ unapproved (after `max_revisions`)

- **planning**: a research strategist and a methodology expert agree on a plan
  (``consensus``).
- **researching**: literature, data and domain researchers work in parallel.
- **synthesizing**: a model combines their findings (with the reviewers' feedback
  on a revision).
- **reviewing**: a fact checker, a bias detector and a completeness reviewer
  review the synthesis (``consensus`` at `review_threshold`); without agreement it
  is revised, up to `max_revisions` times.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from pydantic import Field

from fsmnb.effects import CallLLM, CoordinateAgents, Effect, call_llm, coordinate_agents
from fsmnb.templates.base import Template, TemplateConfig, check_steps, step
from fsmnb.workflow.workflow import Workflow

__all__ = ("RESEARCH_PIPELINE", "ResearchConfig")


class ResearchConfig(TemplateConfig):
    """Config of `research_pipeline`."""

    topic: str = Field(min_length=1, max_length=2000, description="What to research.")
    planners: list[str] = Field(
        default=["research_strategist", "methodology_expert"], min_length=1, max_length=5
    )
    researchers: list[str] = Field(
        default=["literature_researcher", "data_analyst", "domain_expert"],
        min_length=1,
        max_length=8,
    )
    reviewers: list[str] = Field(
        default=["fact_checker", "bias_detector", "completeness_reviewer"],
        min_length=1,
        max_length=5,
    )
    plan_threshold: float = Field(default=0.8, ge=0.0, le=1.0)
    review_threshold: float = Field(default=0.75, ge=0.0, le=1.0)
    max_revisions: int = Field(default=1, ge=0, le=5)


def _outcome(result: Any) -> Any:
    return getattr(result, "answer", result)


def _build(name: str, cfg: ResearchConfig) -> Workflow:
    check_steps(
        "research_pipeline",
        cfg,
        {
            "plan": CoordinateAgents,
            "research": CoordinateAgents,
            "synthesize": CallLLM,
            "review": CoordinateAgents,
        },
    )
    wf = Workflow(
        name,
        description=f"Research pipeline: {cfg.topic[:80]}",
        tags=("template", "research_pipeline"),
        register=False,
    )

    @wf.state(initial=True, on={"error": "failed", "plan_ready": "researching"})
    def planning(ctx: Any) -> Generator[Effect, Any, str]:
        """A strategist and a methodology expert agree on a research plan."""
        topic = str(ctx.data.setdefault("topic", cfg.topic))
        effect = coordinate_agents(
            cfg.planners,
            f"Create a research plan and its quality criteria for: {topic}",
            strategy="consensus",
            threshold=cfg.plan_threshold,
        )
        ctx.data["plan"] = _outcome((yield step(cfg, "plan", effect, ctx.data)))
        return "plan_ready"

    @wf.state(on={"error": "failed", "research_complete": "synthesizing"})
    def researching(ctx: Any) -> Generator[Effect, Any, str]:
        """Literature, data and domain research in parallel."""
        task = f"Research `{ctx.data['topic']}` following this plan: {ctx.data.get('plan')}"
        effect = coordinate_agents(cfg.researchers, task, strategy="parallel")
        ctx.data["findings"] = _outcome((yield step(cfg, "research", effect, ctx.data)))
        return "research_complete"

    @wf.state(on={"error": "failed", "synthesized": "reviewing"})
    def synthesizing(ctx: Any) -> Generator[Effect, Any, str]:
        """A model combines the findings (and the reviewers' feedback on a revision)."""
        feedback = ctx.data.get("review_feedback")
        prompt = (
            f"Synthesize research findings on `{ctx.data['topic']}` into conclusions.\n"
            f"Findings: {ctx.data.get('findings')}"
            + (f"\nReviewers' feedback to address: {feedback}" if feedback else "")
        )
        reply = yield step(cfg, "synthesize", call_llm(prompt, model=cfg.model), ctx.data)
        ctx.data["synthesis"] = str(reply)
        return "synthesized"

    @wf.state(
        on={
            "error": "failed",
            "approved": "published",
            "revise": "synthesizing",
            "not_approved": "unapproved",
        }
    )
    def reviewing(ctx: Any) -> Generator[Effect, Any, str]:
        """Fact checker, bias detector and completeness reviewer seek consensus on the synthesis."""
        effect = coordinate_agents(
            cfg.reviewers,
            f"Review this research synthesis for factual errors, bias and gaps: "
            f"{ctx.data.get('synthesis')}",
            strategy="consensus",
            threshold=cfg.review_threshold,
        )
        review = yield step(cfg, "review", effect, ctx.data)
        ctx.data["review"] = _outcome(review)
        ctx.data["review_score"] = getattr(review, "score", None)
        if getattr(review, "reached", True):
            return "approved"
        revisions = int(ctx.data.get("revisions", 0))
        if revisions >= cfg.max_revisions:
            return "not_approved"
        ctx.data["revisions"] = revisions + 1
        ctx.data["review_feedback"] = ctx.data["review"]
        return "revise"

    wf.final("published", "unapproved", "failed")
    return wf


RESEARCH_PIPELINE = Template(
    "research_pipeline",
    "Plan by consensus, research in parallel, synthesize, and review with a fact checker, a bias "
    "detector and a completeness reviewer.",
    ResearchConfig,
    _build,
    120.0,
)
