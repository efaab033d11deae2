"""AI workflow templates (seed 000) as a library: one line builds a parameterised workflow.

    from fsmnb import templates
    wf = templates.build("customer_service", languages=["en", "es"])
    run = wf.start(message="My router keeps dropping the wifi")
    templates.diagram("research_pipeline", topic="heat pumps")   # Mermaid text

Each template validates its config with a pydantic model (`TEMPLATES[name].config`),
runs offline on the demo model and on any real provider (``model=...``), and is
what the MCP tool `create_ai_workflow` builds. Templates: `customer_service`,
`research_pipeline`, `crisis_response`, `multi_agent_analysis`, `rag_qa`,
`review_loop`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fsmnb.errors import DefinitionError
from fsmnb.templates.base import Template, TemplateConfig, validate_config
from fsmnb.templates.classic import CLASSIC, MultiAgentConfig, RagConfig, ReviewConfig
from fsmnb.templates.crisis import CRISIS_RESPONSE, CrisisConfig
from fsmnb.templates.customer_service import CUSTOMER_SERVICE, CustomerServiceConfig
from fsmnb.templates.research import RESEARCH_PIPELINE, ResearchConfig
from fsmnb.workflow.workflow import Workflow

__all__ = (
    "TEMPLATES",
    "CrisisConfig",
    "CustomerServiceConfig",
    "MultiAgentConfig",
    "RagConfig",
    "ResearchConfig",
    "ReviewConfig",
    "Template",
    "TemplateConfig",
    "build",
    "build_from_template",
    "diagram",
)

TEMPLATES: dict[str, Template] = {
    t.name: t for t in (CUSTOMER_SERVICE, RESEARCH_PIPELINE, CRISIS_RESPONSE, *CLASSIC)
}


def build_from_template(template: str, name: str, config: Mapping[str, Any]) -> Workflow:
    """Validate `config` against `template`'s model and build the workflow called `name`.

    Raises:
        DefinitionError: unknown template, invalid config (every field named), or a step
            whose layer is missing.
    """
    found = TEMPLATES.get(template)
    if found is None:
        known = ", ".join(f"`{n}`" for n in TEMPLATES)
        raise DefinitionError(f"No template `{template}`. Templates: {known}.")
    return found.build(name, validate_config(found, config)).check()


def build(template: str, /, *, name: str | None = None, **config: Any) -> Workflow:
    """The workflow of `template` with `config` (``build("rag_qa", question="...")``).

    Raises:
        DefinitionError: as `build_from_template`.
    """
    return build_from_template(template, name or template, config)


def diagram(template: str, /, **config: Any) -> str:
    """The Mermaid state diagram of `template` built with `config`."""
    return build(template, **config).machine.to_mermaid()
