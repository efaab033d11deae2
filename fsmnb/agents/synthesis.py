"""Workflow synthesis: ask for a spec, validate it, feed the problems back, register, return.

Each attempt asks the model the ``agent_workflow`` request (the problem, the
domain, the available actions with their events, and the previous attempt's
problems). The reply must validate as a `WorkflowSpec` (the LLM layer retries
malformed JSON itself), and the spec must pass `spec_problems`: a sound
machine, only available actions with arguments their functions accept, a task
for every agent step. A sound spec is registered with ``author="synthesized"``
(under a fresh name if its name is taken) and built into a `Workflow`; after
`agent.synthesis_attempts` unsound ones, `SynthesisError` lists every attempt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fsmnb.agents.actions import AGENT
from fsmnb.agents.build import build_workflow
from fsmnb.agents.recursion import fingerprint
from fsmnb.agents.spec import WorkflowSpec, spec_problems
from fsmnb.errors import StructuredOutputError, SynthesisError
from fsmnb.workflow.workflow import Workflow

if TYPE_CHECKING:
    from fsmnb.agents.agent import Agent

__all__ = ("Synthesis", "SynthesisAttempt", "synthesize")


@dataclass(frozen=True, slots=True)
class SynthesisAttempt:
    """One spec the model proposed and what was wrong with it (empty: sound)."""

    number: int
    spec: dict[str, Any] | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Whether this spec was sound."""
        return not self.problems


@dataclass(frozen=True, slots=True)
class Synthesis:
    """A synthesized, validated and registered workflow, with the attempts it took."""

    workflow: Workflow
    spec: WorkflowSpec
    attempts: tuple[SynthesisAttempt, ...] = field(default=())


def _fresh_name(spec: WorkflowSpec, taken: Any) -> WorkflowSpec:
    if spec.name not in taken:
        return spec
    n = 2
    while f"{spec.name}_{n}"[:64] in taken:
        n += 1
    return spec.model_copy(update={"name": f"{spec.name}_{n}"[:64]})


def _restated(spec: WorkflowSpec, problem: str) -> list[str]:
    """Agent steps whose task is the whole problem again (solving them would be a cycle)."""
    mark = fingerprint(problem)
    return [
        f"State `{s.name}` gives the agent the whole problem again as its task; give it a "
        "smaller sub-problem."
        for s in spec.states
        if s.action == AGENT and s.task and fingerprint(s.task) == mark
    ]


async def synthesize(
    agent: Agent, problem: str, *, domain: str | None = None, constraints: str = ""
) -> Synthesis:
    """Create, validate, register and return a workflow for `problem`.

    Raises:
        SynthesisError: no sound spec within `agent.synthesis_attempts`; `.attempts` has each.
    """
    actions = agent.actions
    offered = [a.describe() for a in actions.values()]
    attempts: list[SynthesisAttempt] = []
    problems: list[str] = []
    for number in range(1, max(1, agent.synthesis_attempts) + 1):
        data = {
            "problem": problem,
            "domain": domain or "general",
            "constraints": constraints,
            "actions": offered,
            "problems": problems,
        }
        try:
            spec: WorkflowSpec = (await agent.ask("agent_workflow", data)).value
        except StructuredOutputError as exc:
            problems = [f"the reply was not a valid workflow spec: {exc}"]
            attempts.append(SynthesisAttempt(number, None, tuple(problems)))
            continue
        spec = _fresh_name(spec, agent.registry)
        problems = spec_problems(spec, actions) + _restated(spec, problem)
        attempts.append(SynthesisAttempt(number, spec.to_json(), tuple(problems)))
        if problems:
            agent.say(
                f"spec `{spec.name}` (attempt {number}) has {len(problems)} problems; repairing",
                synthesis="repair",
                problems=problems,
            )
            continue
        workflow = build_workflow(spec, actions)
        agent.registry.register(
            spec, domain=domain or spec.domain, author="synthesized", description=spec.description
        )
        agent.say(
            f"synthesized workflow `{spec.name}`: {len(spec.states)} states, "
            f"{len(workflow.machine.transitions)} transitions (attempt {number}), registered",
            synthesis="registered",
            workflow=spec.name,
        )
        return Synthesis(workflow, spec, tuple(attempts))
    lines = []
    for a in attempts:
        name = (a.spec or {}).get("name", "no spec")
        lines.append(f"  attempt {a.number} (`{name}`):")
        lines += [f"    - {p}" for p in a.problems]
    raise SynthesisError(
        f"Could not synthesize a sound workflow for “{problem[:120]}” in {len(attempts)} "
        f"attempts:\n" + "\n".join(lines) + "\nRegister the actions it needs, give the agent a "
        "stronger model, or raise `synthesis_attempts`.",
        attempts=attempts,
    )
