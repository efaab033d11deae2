"""Workflows by name, for effects and tools that refer to them as data (`invoke_fsm("orders")`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fsmnb.errors import DefinitionError

if TYPE_CHECKING:
    from fsmnb.workflow.workflow import Workflow

__all__ = ("get_workflow", "register_workflow", "workflow_names")

_WORKFLOWS: dict[str, Workflow] = {}


def register_workflow(workflow: Workflow) -> Workflow:
    """Make `workflow` findable by its name (the latest definition of a name wins)."""
    _WORKFLOWS[workflow.name] = workflow
    return workflow


def get_workflow(name: str) -> Workflow:
    """The workflow registered as `name`; a `DefinitionError` listing the known names otherwise."""
    try:
        return _WORKFLOWS[name]
    except KeyError:
        known = ", ".join(f"`{n}`" for n in sorted(_WORKFLOWS)) or "none"
        raise DefinitionError(
            f"No workflow is registered as `{name}`. Known: {known}. Define it with "
            f"`Workflow({name!r})` (workflows register themselves by name)."
        ) from None


def workflow_names() -> tuple[str, ...]:
    """Every registered workflow name, sorted."""
    return tuple(sorted(_WORKFLOWS))
