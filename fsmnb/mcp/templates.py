"""AI workflow templates that `create_ai_workflow` builds from a client's config.

A template is a function of a validated config that builds a private
`Workflow` whose steps are effects: `call_llm`, `coordinate_agents`,
`rag_pipeline`, and `call` of functions registered by name. A client chooses a
template and fills in its config; it never sends code. Any AI step can be
replaced by a registered callable (``"steps": {"answer": "my_answer_fn"}``);
the callable receives a copy of the run's data. A step whose layer
(`fsmnb.llm`, `fsmnb.agents`) is not installed and that has no replacement is
refused when the workflow is built, not when it runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from fsmnb.effects import (
    CallLLM,
    CoordinateAgents,
    Effect,
    RagPipeline,
    call,
    call_llm,
    coordinate_agents,
    log,
    rag_pipeline,
    resolve_callable,
)
from fsmnb.engine.handlers import handler_for
from fsmnb.errors import DefinitionError
from fsmnb.workflow.workflow import Workflow

__all__ = ("TEMPLATES", "Template", "build_from_template")

_STRICT = ConfigDict(extra="forbid")
_LAYER = {CallLLM: "fsmnb.llm", RagPipeline: "fsmnb.llm", CoordinateAgents: "fsmnb.agents"}


class _Base(BaseModel):
    model_config = _STRICT
    model: str | None = Field(default=None, description="Model string for LLM steps.")
    steps: dict[str, str] = Field(
        default={}, description="Replace an AI step by a registered callable: {step: name}."
    )


class MultiAgentConfig(_Base):
    """Config of `multi_agent_analysis`."""

    data_source: str = Field(description="What to analyse (a name the agents understand).")
    analysis_depth: Literal["quick", "standard", "comprehensive"] = "standard"
    output_format: str = "executive_summary"
    agents: list[str] = ["sentiment_analyst", "theme_extractor"]
    strategy: Literal["sequential", "parallel", "consensus", "debate", "hierarchical", "voting"] = (
        "parallel"
    )


class RagConfig(_Base):
    """Config of `rag_qa`."""

    question: str
    index: str = "default"
    k: int = Field(default=5, ge=1, le=100)


class ReviewConfig(_Base):
    """Config of `review_loop`."""

    brief: str = Field(description="What to draft.")
    max_revisions: int = Field(default=3, ge=0, le=20)


@dataclass(frozen=True)
class Template:
    """A named template: its config model, its builder and a nominal duration."""

    name: str
    description: str
    config: type[_Base]
    build: Callable[[str, Any], Workflow]
    estimate: float | None


def _step(cfg: _Base, step: str, effect: Effect, data: dict[str, Any]) -> Effect:
    name = cfg.steps.get(step)
    return call(name, dict(data)) if name else effect


def _check_steps(template: str, cfg: _Base, needs: dict[str, type[Effect]]) -> None:
    unknown = sorted(set(cfg.steps) - set(needs))
    if unknown:
        raise DefinitionError(
            f"Template `{template}` has no steps {', '.join(f'`{s}`' for s in unknown)}; "
            f"its steps are {', '.join(f'`{s}`' for s in needs)}."
        )
    for step, kind in needs.items():
        if step in cfg.steps:
            resolve_callable(cfg.steps[step])  # DefinitionError listing the registered names
        elif not _available(kind):
            raise DefinitionError(
                f"Template `{template}` step `{step}` needs the `{_LAYER[kind]}` layer, which is "
                f"not installed in this build. Pass `config.steps.{step}` naming a registered "
                "callable to run instead."
            )


def _available(kind: type[Effect]) -> bool:
    if handler_for(kind) is not None:
        return True
    try:
        importlib.import_module(_LAYER[kind])
    except ImportError:
        return False
    return handler_for(kind) is not None


def _multi_agent(name: str, cfg: MultiAgentConfig) -> Workflow:
    _check_steps("multi_agent_analysis", cfg, {"analyze": CoordinateAgents, "synthesize": CallLLM})
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
        ctx.data["analysis"] = yield _step(cfg, "analyze", effect, ctx.data)
        return "analysis_complete"

    @wf.state(on={"synthesized": "done", "error": "failed"})
    def synthesizing(ctx: Any) -> Generator[Effect, Any, str]:
        """A model writes the report."""
        prompt = f"Write a {cfg.output_format} of this analysis:\n{ctx.data.get('analysis')}"
        ctx.data["report"] = yield _step(
            cfg, "synthesize", call_llm(prompt, model=cfg.model), ctx.data
        )
        return "synthesized"

    wf.final("done", "failed")
    return wf


def _rag(name: str, cfg: RagConfig) -> Workflow:
    _check_steps("rag_qa", cfg, {"retrieve": RagPipeline, "answer": CallLLM})
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
        ctx.data["context"] = yield _step(cfg, "retrieve", effect, ctx.data)
        return "retrieved"

    @wf.state(on={"answered": "done", "error": "failed"})
    def answering(ctx: Any) -> Generator[Effect, Any, str]:
        """Answer from the passages."""
        prompt = f"Context:\n{ctx.data.get('context')}\n\nQuestion: {ctx.data['question']}"
        ctx.data["answer"] = yield _step(cfg, "answer", call_llm(prompt, model=cfg.model), ctx.data)
        return "answered"

    wf.final("done", "failed")
    return wf


def _review(name: str, cfg: ReviewConfig) -> Workflow:
    _check_steps("review_loop", cfg, {"draft": CallLLM, "revise": CallLLM})
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
        ctx.data["draft"] = yield _step(cfg, "draft", effect, ctx.data)
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
        ctx.data["draft"] = yield _step(cfg, "revise", effect, {**ctx.data, "feedback": feedback})
        return "revised"

    wf.final("published", "failed")
    return wf


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(
            "multi_agent_analysis",
            "Agents analyse a data source; a model synthesises a report.",
            MultiAgentConfig,
            _multi_agent,
            30.0,
        ),
        Template("rag_qa", "Retrieval-augmented question answering.", RagConfig, _rag, 5.0),
        Template(
            "review_loop",
            "Draft, human review, revisions until approved.",
            ReviewConfig,
            _review,
            None,
        ),
    )
}


def build_from_template(template: str, name: str, config: dict[str, Any]) -> Workflow:
    """Validate `config` against `template`'s model and build the workflow called `name`.

    Raises:
        DefinitionError: unknown template, invalid config (every field named), or a step
            whose layer is missing.
    """
    t = TEMPLATES.get(template)
    if t is None:
        known = ", ".join(f"`{n}`" for n in TEMPLATES)
        raise DefinitionError(f"No template `{template}`. Templates: {known}.")
    from pydantic import ValidationError

    try:
        cfg = t.config.model_validate(config)
    except ValidationError as e:
        found = [
            f"`{'.'.join(map(str, d['loc'])) or 'config'}`: {d['msg']}"
            for d in e.errors(include_url=False)
        ]
        raise DefinitionError.collect(f"Config of template `{template}`", found) from None
    return t.build(name, cfg).check()
