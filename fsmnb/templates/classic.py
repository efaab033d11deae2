"""The first three templates: `multi_agent_analysis`, `rag_qa`, `review_loop`."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, Literal

from pydantic import Field

from fsmnb.effects import (
    CallLLM,
    CoordinateAgents,
    Effect,
    RagPipeline,
    call_llm,
    coordinate_agents,
    log,
    rag_pipeline,
)
from fsmnb.templates.base import Template, TemplateConfig, check_steps, step
from fsmnb.workflow.workflow import Workflow

__all__ = ("CLASSIC", "MultiAgentConfig", "RagConfig", "ReviewConfig")


class MultiAgentConfig(TemplateConfig):
    """Config of `multi_agent_analysis`."""

    data_source: str = Field(description="What to analyse (a name the agents understand).")
    analysis_depth: Literal["quick", "standard", "comprehensive"] = "standard"
    output_format: str = "executive_summary"
    agents: list[str] = Field(default=["sentiment_analyst", "theme_extractor"])
    strategy: Literal["sequential", "parallel", "consensus", "debate", "hierarchical", "voting"] = (
        "parallel"
    )


class RagConfig(TemplateConfig):
    """Config of `rag_qa`."""

    question: str
    index: str = "default"
    k: int = Field(default=5, ge=1, le=100)


class ReviewConfig(TemplateConfig):
    """Config of `review_loop`."""

    brief: str = Field(description="What to draft.")
    max_revisions: int = Field(default=3, ge=0, le=20)


def _multi_agent(name: str, cfg: MultiAgentConfig) -> Workflow:
    check_steps("multi_agent_analysis", cfg, {"analyze": CoordinateAgents, "synthesize": CallLLM})
    wf = Workflow(
        name,
        description="Agents analyse a data source; a model synthesises.",
        tags=("template", "multi_agent_analysis"),
        register=False,
    )

    @wf.state(initial=True, on={"data_ready": "analyzing"})
    def initializing(ctx: Any) -> Generator[Effect, Any, str]:
        """Record the analysis plan."""
        ctx.data.setdefault("data_source", cfg.data_source)
        ctx.data["plan"] = {"depth": cfg.analysis_depth, "agents": cfg.agents}
        yield log(f"analysis of {cfg.data_source} planned ({cfg.analysis_depth})")
        return "data_ready"

    @wf.state(on={"analysis_complete": "synthesizing", "error": "failed"})
    def analyzing(ctx: Any) -> Generator[Effect, Any, str]:
        """The agents analyse the data source."""
        task = f"Analyse {cfg.data_source} ({cfg.analysis_depth})."
        effect = coordinate_agents(cfg.agents, task, strategy=cfg.strategy)
        ctx.data["analysis"] = yield step(cfg, "analyze", effect, ctx.data)
        return "analysis_complete"

    @wf.state(on={"synthesized": "done", "error": "failed"})
    def synthesizing(ctx: Any) -> Generator[Effect, Any, str]:
        """A model writes the report."""
        prompt = f"Write a {cfg.output_format} of this analysis:\n{ctx.data.get('analysis')}"
        ctx.data["report"] = yield step(
            cfg, "synthesize", call_llm(prompt, model=cfg.model), ctx.data
        )
        return "synthesized"

    wf.final("done", "failed")
    return wf


def _rag(name: str, cfg: RagConfig) -> Workflow:
    check_steps("rag_qa", cfg, {"retrieve": RagPipeline, "answer": CallLLM})
    wf = Workflow(
        name,
        description="Retrieve passages, then answer a question from them.",
        tags=("template", "rag_qa"),
        register=False,
    )

    @wf.state(initial=True, on={"retrieved": "answering", "error": "failed"})
    def retrieving(ctx: Any) -> Generator[Effect, Any, str]:
        """Find passages for the question."""
        ctx.data.setdefault("question", cfg.question)
        effect = rag_pipeline(cfg.question, index=cfg.index, k=cfg.k, model=cfg.model)
        ctx.data["context"] = yield step(cfg, "retrieve", effect, ctx.data)
        return "retrieved"

    @wf.state(on={"answered": "done", "error": "failed"})
    def answering(ctx: Any) -> Generator[Effect, Any, str]:
        """Answer from the passages."""
        prompt = f"Context:\n{ctx.data.get('context')}\n\nQuestion: {ctx.data['question']}"
        ctx.data["answer"] = yield step(cfg, "answer", call_llm(prompt, model=cfg.model), ctx.data)
        return "answered"

    wf.final("done", "failed")
    return wf


def _review(name: str, cfg: ReviewConfig) -> Workflow:
    check_steps("review_loop", cfg, {"draft": CallLLM, "revise": CallLLM})
    wf = Workflow(
        name,
        description="Draft, then a person approves or asks for revisions.",
        tags=("template", "review_loop"),
        register=False,
    )

    def may_revise(ctx: Any) -> bool:
        return int(ctx.data.get("revisions", 0)) < cfg.max_revisions

    wf.guard(may_revise)

    @wf.state(initial=True, on={"drafted": "reviewing", "error": "failed"})
    def drafting(ctx: Any) -> Generator[Effect, Any, str]:
        """A model writes the first draft."""
        ctx.data.setdefault("brief", cfg.brief)
        effect = call_llm(f"Draft: {cfg.brief}", model=cfg.model)
        ctx.data["draft"] = yield step(cfg, "draft", effect, ctx.data)
        return "drafted"

    wf.add_state(
        "reviewing",
        None,
        on={"approve": "published", "revise": ("revising", "may_revise"), "reject": "failed"},
        description="Waits for a person: `approve`, `revise` (feedback=...) or `reject`.",
    )

    @wf.state(on={"revised": "reviewing", "error": "failed"})
    def revising(ctx: Any) -> Generator[Effect, Any, str]:
        """A model revises the draft with the reviewer's feedback."""
        ctx.data["revisions"] = int(ctx.data.get("revisions", 0)) + 1
        feedback = ctx.payload.get("feedback", "")
        effect = call_llm(
            f"Revise:\n{ctx.data.get('draft')}\nFeedback: {feedback}", model=cfg.model
        )
        ctx.data["draft"] = yield step(cfg, "revise", effect, {**ctx.data, "feedback": feedback})
        return "revised"

    wf.final("published", "failed")
    return wf


CLASSIC: tuple[Template, ...] = (
    Template(
        "multi_agent_analysis",
        "Agents analyse a data source; a model synthesises a report.",
        MultiAgentConfig,
        _multi_agent,
        30.0,
    ),
    Template("rag_qa", "Retrieval-augmented question answering.", RagConfig, _rag, 5.0),
    Template(
        "review_loop", "Draft, human review, revisions until approved.", ReviewConfig, _review, None
    ),
)
