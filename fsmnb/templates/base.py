"""What every AI workflow template shares: its config base, its record, step replacement, checks.

A template is a function of a validated pydantic config that builds a private
`Workflow` whose AI steps are effects (`call_llm`, `coordinate_agents`,
`rag_pipeline`, `vector_search`). Any AI step can be replaced by a registered
callable (``steps={"answer": "my_answer_fn"}``) that receives a copy of the run's
data; a step whose layer is not installed and has no replacement is refused when
the workflow is built, not when it runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fsmnb.effects import CallLLM, CoordinateAgents, Effect, RagPipeline, call, resolve_callable
from fsmnb.effects.ai import VectorSearch
from fsmnb.engine.handlers import handler_for
from fsmnb.errors import DefinitionError
from fsmnb.workflow.workflow import Workflow

__all__ = ("Template", "TemplateConfig", "check_steps", "step", "validate_config")

_LAYER = {
    CallLLM: "fsmnb.llm",
    RagPipeline: "fsmnb.llm",
    VectorSearch: "fsmnb.llm",
    CoordinateAgents: "fsmnb.agents",
}


class TemplateConfig(BaseModel):
    """Fields every template's config has (unknown fields are refused)."""

    model_config = ConfigDict(extra="forbid")
    model: str | None = Field(default=None, description="Model string for LLM steps.")
    steps: dict[str, str] = Field(
        default={}, description="Replace an AI step by a registered callable: {step: name}."
    )


@dataclass(frozen=True)
class Template:
    """A named template: its config model, its builder and a nominal duration in seconds."""

    name: str
    description: str
    config: type[TemplateConfig]
    build: Callable[[str, Any], Workflow]
    estimate: float | None


def step(cfg: TemplateConfig, name: str, effect: Effect, data: Mapping[str, Any]) -> Effect:
    """`effect`, or a call of the callable that `cfg.steps` puts in its place."""
    replacement = cfg.steps.get(name)
    return call(replacement, dict(data)) if replacement else effect


def check_steps(template: str, cfg: TemplateConfig, needs: Mapping[str, type[Effect]]) -> None:
    """Refuse unknown step replacements, unregistered callables and missing layers now."""
    unknown = sorted(set(cfg.steps) - set(needs))
    if unknown:
        raise DefinitionError(
            f"Template `{template}` has no steps {', '.join(f'`{s}`' for s in unknown)}; "
            f"its steps are {', '.join(f'`{s}`' for s in needs)}."
        )
    for name, kind in needs.items():
        if name in cfg.steps:
            resolve_callable(cfg.steps[name])  # DefinitionError listing the registered names
        elif not _available(kind):
            raise DefinitionError(
                f"Template `{template}` step `{name}` needs the `{_LAYER[kind]}` layer, which is "
                f"not installed in this build. Pass `config.steps.{name}` naming a registered "
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


def validate_config(template: Template, config: Mapping[str, Any]) -> TemplateConfig:
    """`config` validated by the template's model.

    Raises:
        DefinitionError: every invalid or unknown field, named.
    """
    try:
        return template.config.model_validate(dict(config))
    except ValidationError as e:
        found = [
            f"`{'.'.join(map(str, d['loc'])) or 'config'}`: {d['msg']}"
            for d in e.errors(include_url=False)
        ]
        raise DefinitionError.collect(f"Config of template `{template.name}`", found) from None
