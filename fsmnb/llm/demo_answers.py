"""What the ``demo`` model answers: YAML task requests, schemas, and free text.

Pure functions of the request (no state, no randomness), so the demo is deterministic.
A YAML request's ``task.type`` is answered by the handler registered for it with
`register_task`; the agents' own tasks (workflow selection, strategy, synthesis,
solving, …) are answered by `fsmnb.agents.demo_tasks`, next to the agents they
serve. Anything else gets a schema-valid instance or an honest sentence; arithmetic
is answered only when the text is nothing but arithmetic.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import yaml

from fsmnb.llm.arithmetic import format_number, plain_arithmetic
from fsmnb.llm.instances import instance_of
from fsmnb.llm.overlap import best_matches
from fsmnb.llm.types import LLMRequest

__all__ = ("DEMO_TAG", "TaskAnswer", "answer", "free_text", "register_task")

DEMO_TAG = "(offline demo model)"

#: Answers one YAML task (``task:`` mapping) with a JSON-able reply.
TaskAnswer = Callable[[Mapping[str, Any]], Mapping[str, Any]]

_TASKS: dict[str, TaskAnswer] = {}


def register_task(kind: str, handler: TaskAnswer) -> None:
    """Have the demo answer YAML requests whose ``task.type`` is `kind` with `handler`."""
    _TASKS[kind] = handler


def answer(request: LLMRequest) -> str:
    """The demo's reply text for `request`."""
    task = _task_of(request.prompt)
    if task is not None:
        handler = _TASKS.get(str(task.get("type")))
        if handler is not None:
            return json.dumps(handler(task), ensure_ascii=False)
    if request.schema is not None:
        return json.dumps(instance_of(request.schema, text=f"demo {DEMO_TAG}"), ensure_ascii=False)
    return free_text(request.prompt)


def _task_of(prompt: str) -> Mapping[str, Any] | None:
    if "task:" not in prompt:
        return None
    try:
        doc = yaml.safe_load(prompt)
    except yaml.YAMLError:
        return None
    task = doc.get("task") if isinstance(doc, dict) else None
    return task if isinstance(task, dict) else None


def free_text(prompt: str) -> str:
    """The demo's free-text reply: arithmetic, a RAG context line, or what it cannot do."""
    found = plain_arithmetic(prompt)
    if found is not None:
        expression, value = found
        return f"{expression} = {format_number(value)}"
    if "Context:" in prompt and "Question:" in prompt:
        context, _, question = prompt.partition("Question:")
        lines = [ln.strip(" -•\t") for ln in context.splitlines() if len(ln.strip()) > 3]
        ranked = best_matches(question, ((ln, ln) for ln in lines if not ln.startswith("Context:")))
        if ranked:
            return f"{ranked[0][0]} {DEMO_TAG}"
        return f"The context does not say. {DEMO_TAG}"
    head = " ".join(prompt.split()[:12])
    return (
        f"I am fsmnb's offline demo model, so I cannot really answer “{head}”. I do plain "
        f"arithmetic and the framework's structured requests; configure a real model for the rest."
    )
