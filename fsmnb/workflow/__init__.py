"""Workflows: a machine plus what each state does; `@state` decorators; pipelines."""

from fsmnb.workflow.catalog import get_workflow, register_workflow, workflow_names
from fsmnb.workflow.events import Event, Result
from fsmnb.workflow.pipeline import Pipeline, Task, pipeline, task
from fsmnb.workflow.state import StateDef
from fsmnb.workflow.workflow import Workflow, collecting, final, state

__all__ = (
    "Event",
    "Pipeline",
    "Result",
    "StateDef",
    "Task",
    "Workflow",
    "collecting",
    "final",
    "get_workflow",
    "pipeline",
    "register_workflow",
    "state",
    "task",
    "workflow_names",
)
