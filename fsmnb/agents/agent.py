"""`Agent`: plan, reason, solve, execute, and their structured variants (seed 003).

    agent = Agent("engineer", registry=registry, system="You keep Line 3 running.")
    (await agent.solve("What is 47 + 89?")).answer            # 136, no model call
    await agent.solve("Check equipment health for Line 3")      # runs daily_equipment_check

Every model call goes through the LLM layer's structured calls (YAML request,
JSON reply validated against a schema, retried with the error fed back), is
charged to the budget of the top-level solve, and is made on behalf of the
run the agent works for, if any (its telemetry and cost ledger). What the
agent decides and answers is published as ``agent_message`` telemetry, which
the `Transcript` widget shows.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from fsmnb.agents.actions import Action, action_table
from fsmnb.agents.recursion import Budget, acting, current_budget, current_ctx, running
from fsmnb.agents.registry import WorkflowRegistry
from fsmnb.agents.results import Decision, Plan, Solution
from fsmnb.agents.templates import Choice, ensure_templates
from fsmnb.engine.sync import run_sync
from fsmnb.engine.telemetry import TelemetryEvent, bus
from fsmnb.errors import (
    BudgetExceededError,
    RecursionLimitError,
    RunError,
    StructuredOutputError,
    SynthesisError,
)
from fsmnb.llm.demo_answers import DEMO_TAG
from fsmnb.llm.provider import default_model, split_model
from fsmnb.llm.structured_calls import StructuredResult, structured
from fsmnb.llm.templates import get_template
from fsmnb.workflow.events import Result
from fsmnb.workflow.workflow import Workflow

__all__ = ("Agent",)


class Agent:
    """An agent: a model, a workflow registry, the actions it may use, and a role.

    Args:
        name: its name (agents register by name for `invoke_agent` and MCP tools).
        model: a model string (``openai:gpt-4o-mini``, ``demo``, ``scripted:x``); None: the default.
        registry: the workflows it can find and store (default: a new in-memory one).
        actions: the actions its workflows may use (names, functions, `Action`s, or a
            mapping); None: every registered action.
        system: its role, prepended to every request's system prompt.
        capabilities: what it is good at (hierarchical coordination assigns by these).
        max_depth: how deep solves may nest.
        budget: limits per top-level solve (model calls, tokens, seconds).
        max_attempts: attempts of each structured call (None: the LLM layer's default).
        synthesis_attempts: specs asked for before synthesis gives up.
        planning_depth: solves nested deeper than this answer directly: they neither run
            nor synthesize workflows (the recursion's base case).
        register: make it findable by name (`get_agent`).
        native: ask for the provider's native structured output (JSON schema mode);
            False sends the schema in the prompt only (for servers whose schema mode
            is unreliable; unsupported modes are stepped down from automatically).
    """

    def __init__(
        self,
        name: str,
        *,
        model: str | None = None,
        registry: WorkflowRegistry | None = None,
        actions: Iterable[Any] | Mapping[str, Any] | None = None,
        system: str = "",
        capabilities: Iterable[str] = (),
        max_depth: int = 4,
        budget: Budget | None = None,
        max_attempts: int | None = None,
        synthesis_attempts: int = 3,
        planning_depth: int = 1,
        register: bool = True,
        native: bool = True,
    ) -> None:
        self.name = name
        self.model = model
        self.registry = registry if registry is not None else WorkflowRegistry()
        self._own_actions = actions
        self.system = system
        self.capabilities = tuple(capabilities)
        self.max_depth = max_depth
        self.limits = budget or Budget()
        self.max_attempts = max_attempts
        self.synthesis_attempts = synthesis_attempts
        self.planning_depth = planning_depth
        self.native = native
        if register:
            from fsmnb.agents.catalog import register_agent

            register_agent(self)

    def __repr__(self) -> str:
        return (
            f"<Agent {self.name!r} model={self.model or 'default'} {len(self.registry)} workflows>"
        )

    @property
    def actions(self) -> dict[str, Action]:
        """The actions this agent's workflows may use, by name (resolved now)."""
        return action_table(self._own_actions)

    @property
    def on_demo(self) -> bool:
        """Whether the offline demo model answers for this agent (its messages say so)."""
        return split_model(self.model or default_model())[0] == "demo"

    def new_budget(self) -> Budget:
        """A fresh budget with this agent's limits (one per top-level solve)."""
        b = self.limits
        return Budget(b.max_model_calls, b.max_tokens, b.max_seconds)

    # -- talking to the model --------------------------------------------------------------------

    async def ask(
        self, schema: Any, data: Mapping[str, Any] | None = None, **kw: Any
    ) -> StructuredResult[Any]:
        """One structured call made as this agent, charged to the current budget.

        `schema` is a template name or a pydantic model (see `fsmnb.llm.structured`).
        """
        ensure_templates()
        budget = current_budget()
        if budget is not None:
            budget.check()
        kw.setdefault("stream", False)  # JSON replies are shown as agent messages, not tokens
        kw.setdefault("native", self.native)
        system = kw.pop("system", None)
        if self.system and system is None:
            base = get_template(schema).system if isinstance(schema, str) else ""
            system = f"{self.system.strip()}\n\n{base}".strip()
        try:
            result: StructuredResult[Any] = await structured(
                schema,
                data,
                model=self.model,
                system=system,
                max_attempts=self.max_attempts,
                ctx=current_ctx(),
                **kw,
            )
        except StructuredOutputError as exc:
            if budget is not None:
                budget.charge(calls=len(exc.attempts))
            raise
        if budget is not None:
            budget.charge(calls=len(result.attempts), tokens=result.usage.total_tokens)
        return result

    def say(self, content: str, **data: Any) -> None:
        """Publish an ``agent_message`` (what the Transcript widget shows)."""
        ctx = current_ctx()
        run = getattr(ctx, "instance", None)
        if run is None and not bus.active:
            return
        if self.on_demo and DEMO_TAG not in content:
            content, data = f"{content} {DEMO_TAG}", {**data, "demo": True}
        event = TelemetryEvent(
            kind="agent_message",
            run_id=getattr(run, "id", ""),
            state=getattr(ctx, "state", ""),
            name=self.name,
            data={"role": "assistant", "agent": self.name, "content": content, **data},
        )
        (run.publish if run is not None else bus.publish)(event)

    # -- the seed's interface ----------------------------------------------------------------------

    async def plan(self, problem: str, *, k: int = 5) -> Plan:
        """Pick a registered workflow for `problem` (None: none fits, create one)."""
        from fsmnb.agents.solving import plan

        return await plan(self, problem, k=k)

    async def plan_structured(self, request: Mapping[str, Any]) -> StructuredResult[Any]:
        """Workflow selection as a structured call: ``{"problem", "workflows": [...]}``."""
        data = dict(request)
        listed = data.pop("available_workflows", None)
        data.setdefault(
            "workflows", [w if isinstance(w, Mapping) else {"name": w} for w in listed or ()]
        )
        return await self.ask("workflow_selection", data)

    async def reason(self, problem: str, context: Mapping[str, Any] | None = None) -> Decision:
        """Choose how to solve `problem`: seed 003's decision tree (see `fsmnb.agents.solving`)."""
        from fsmnb.agents.solving import decide

        return await decide(self, problem, context or {})

    async def reason_structured(self, request: Mapping[str, Any]) -> StructuredResult[Any]:
        """Reasoning as a structured call: ``{"question", "context", "reasoning_type"}``."""
        return await self.ask("reasoning", dict(request))

    async def solve(self, problem: str, **context: Any) -> Solution:
        """Solve `problem` by the decision tree; sub-problems may recurse, under limits.

        Raises:
            RecursionLimitError: too deep, or the problem is already being solved up the stack.
            BudgetExceededError: the top-level solve spent its model calls, tokens or time.
            SynthesisError: a new workflow was needed and no spec could be repaired.
        """
        from fsmnb.agents.solving import solve

        return await solve(self, problem, context)

    async def solve_structured(
        self, kind: str | Any = "solve", data: Mapping[str, Any] | None = None
    ) -> StructuredResult[Any]:
        """A structured call by template name (``solve``, ``data_analysis``, …) or schema."""
        return await self.ask(kind, dict(data or {}))

    async def execute(
        self,
        workflow: Workflow | str,
        data: Mapping[str, Any] | None = None,
        *,
        problem: str | None = None,
    ) -> Result:
        """Run `workflow` (or a registered name) as this agent; the registry records the run."""
        wf = (
            self.registry.workflow(workflow, self.actions)
            if isinstance(workflow, str)
            else workflow
        )
        started, ok = time.perf_counter(), False
        try:
            with acting(self), running(wf.name):
                result = await wf.run(dict(data or {}))
            ok = result.ok
            return result
        except RunError as exc:
            limit = _limit_in(exc)
            if limit is not None and limit is not exc:  # show the stack, not the run's wrapper
                raise limit from exc
            raise
        finally:
            self.registry.record_run(wf.name, ok, time.perf_counter() - started, problem)

    # -- helpers for workflows and coordination ----------------------------------------------------

    async def choose(self, question: str, options: list[str], context: Any = None) -> Choice:
        """Pick one of `options` (e.g. the event that leaves a state); the first when unsure."""
        result = await self.ask(
            "agent_decision", {"question": question, "options": options, "context": context or {}}
        )
        picked: Choice = result.value
        if picked.choice not in options:
            picked = Choice(
                choice=options[0],
                confidence=0.0,
                reason=f"the model chose `{picked.choice}`, not an option; took `{options[0]}`",
            )
        self.say(f"{question} → {picked.choice} ({picked.reason})", decision=picked.choice)
        return picked

    async def respond(self, task: str, context: Mapping[str, Any] | None = None) -> str:
        """A direct answer to `task` (what coordination asks each agent for)."""
        from fsmnb.agents.compute import format_number, plain_arithmetic

        found = plain_arithmetic(task)
        if found is not None:
            return format_number(found[1])
        result = await self.ask("solve", {"problem": task, "context": dict(context or {})})
        return str(result.value.answer)

    def solve_sync(self, problem: str, **context: Any) -> Solution:
        """`solve` from synchronous code (a script, or a notebook cell without `await`)."""
        return run_sync(self.solve(problem, **context))


def _limit_in(exc: BaseException) -> BaseException | None:
    """The recursion, budget or synthesis error that caused `exc`, if one did."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, RecursionLimitError | BudgetExceededError | SynthesisError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
