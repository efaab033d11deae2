"""DAG flows: steps with dependencies, parallel groups and error policies, checked when built.

    flow = Flow("order_processing", [
        FlowStep("validate_order", ValidateOrder, timeout=5, on_error="halt"),
        FlowStep("check_inventory", CheckInventory, parallel_group="validation", on_error="retry"),
        FlowStep("process_payment", ProcessPayment, parallel_group="validation",
                 compensation=RefundPayment, on_error="compensate"),
        FlowStep("reserve_inventory", ReserveInventory,
                 depends_on=["check_inventory", "process_payment"]),
        FlowStep("create_shipment", CreateShipment, depends_on=["reserve_inventory"], async_=True),
        FlowStep("send_confirmation", SendConfirmation, depends_on=["process_payment"],
                 on_error="continue"),
    ])
    result = await flow.run(order_id="A1", total=30.0)

Dependencies: a step without `depends_on` follows the step before it (the
first step starts the flow), except that consecutive steps of one
`parallel_group` share the dependencies of the group's first step. So a list
reads top to bottom and a group runs side by side. ``depends_on=[]`` makes a
step a root.

Errors (`on_error`): ``halt`` stops the flow (`FlowError`); ``retry`` retries
with `retry` (a `RetryPolicy` or an attempt count; 3 exponential attempts by
default), then halts; ``compensate`` undoes every completed step, in reverse
topological order, then stops; ``continue`` records the failure and goes on
(its dependents are skipped). A step with ``required=False`` continues.
``async_=True`` starts the step as a detached run and does not wait for it.

A flow compiles to a `Workflow` with one state per stage of the DAG (steps
whose dependencies are all in earlier stages run side by side), whose
actions run `act` effects: the journal, durable resume, telemetry and the
RunView work on flows unchanged. `FlowDefinitionError`s name every offender
(cycles as their path, unknown dependencies, steps that can never run) and
the fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from fsmnb.errors import DefinitionError
from fsmnb.signals.actions import Action, resolve_action
from fsmnb.signals.policies import RetryPolicy

if TYPE_CHECKING:
    from fsmnb.engine.run import Run
    from fsmnb.workflow.events import Result
    from fsmnb.workflow.workflow import Workflow

__all__ = ("Flow", "FlowStep", "OnError")

OnError = Literal["halt", "retry", "compensate", "continue"]
_ON_ERROR = ("halt", "retry", "compensate", "continue")
Params = Mapping[str, Any] | Callable[[dict[str, Any], dict[str, Any]], Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class FlowStep:
    """One step of a flow.

    Args:
        name: the step's id (an identifier).
        action: the `Action` it runs (class, instance or registered name).
        params: fixed parameters, or ``fn(data, results) -> params``. By default the
            action's parameters are taken by name from the flow's data, then from the
            results (mappings) of the steps it depends on.
        depends_on: steps that must finish first (None: see the module docstring).
        parallel_group: steps of one group run side by side.
        timeout: seconds an attempt may take.
        on_error: ``halt``, ``retry``, ``compensate`` or ``continue``.
        retry: attempts (int) or a `RetryPolicy`, for ``on_error="retry"`` or on its own.
        required: whether the flow needs it (False: its failure is recorded and skipped past).
        async_: start it detached and do not wait for it (the seed's ``async: true``).
        compensation: the action that undoes it (default: its own `compensate`, if any).
    """

    name: str
    action: Any
    params: Params | None = None
    depends_on: Sequence[str] | None = None
    parallel_group: str | None = None
    timeout: float | None = None
    on_error: OnError = "halt"
    retry: RetryPolicy | int | None = None
    required: bool | None = None
    async_: bool = False
    compensation: Any = None
    description: str = ""
    #: the action and compensation resolved, and the dependencies, when the flow was built
    resolved: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def act(self) -> Action:
        """The step's action (resolved when the flow was built)."""
        return self.resolved["action"]  # type: ignore[no-any-return]

    @property
    def undo(self) -> Action | None:
        """The action that compensates the step, if any."""
        return self.resolved.get("undo")

    @property
    def is_required(self) -> bool:
        """Whether a failure stops the flow (after retries and compensation)."""
        return self.required if self.required is not None else self.on_error != "continue"

    @property
    def retry_policy(self) -> RetryPolicy | None:
        """The retry policy, from `retry` or ``on_error="retry"``."""
        if isinstance(self.retry, RetryPolicy):
            return self.retry
        if isinstance(self.retry, int):
            return RetryPolicy(attempts=self.retry)
        return RetryPolicy(attempts=3) if self.on_error == "retry" else None

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> FlowStep:
        """A step from the seed's map form (``async`` and ``retry: {max_attempts, backoff}``)."""
        spec = dict(spec)
        if "async" in spec:
            spec["async_"] = spec.pop("async")
        retry = spec.get("retry")
        if isinstance(retry, Mapping):
            spec["retry"] = RetryPolicy(
                attempts=int(retry.get("max_attempts", 3)),
                backoff=retry.get("backoff", "exponential"),
                base=float(retry.get("base", 0.05)),
            )
        known = set(cls.__dataclass_fields__) - {"resolved"}
        unknown = sorted(set(spec) - known)
        if unknown:
            names = ", ".join(f"`{k}`" for k in unknown)
            raise DefinitionError(
                f"Flow step `{spec.get('name')}` has unknown keys {names}; "
                f"known: {', '.join(sorted(known))}."
            )
        return cls(**spec)


class Flow:
    """A DAG of steps, validated when built and compiled to a `Workflow`.

    Args:
        name: the flow's name (also its workflow's).
        steps: `FlowStep`s or the seed's dicts.
        description: what it is for.
        register: add the compiled workflow to the catalog (MCP, `%fsm`).

    Raises:
        DefinitionError: every problem found, each with its fix.
    """

    def __init__(
        self,
        name: str,
        steps: Iterable[FlowStep | Mapping[str, Any]],
        *,
        description: str = "",
        register: bool = True,
    ) -> None:
        self.name = name
        self.description = description
        self.steps: dict[str, FlowStep] = {}
        problems: list[str] = []
        for raw in steps:
            step = raw if isinstance(raw, FlowStep) else FlowStep.from_dict(raw)
            if not isinstance(step.name, str) or not step.name.isidentifier():
                problems.append(f"step name `{step.name}` is not an identifier (use snake_case)")
                continue
            if step.name in self.steps:
                problems.append(f"step `{step.name}` is defined twice (rename one)")
            self.steps[step.name] = step
        from fsmnb.signals.flow_check import check_flow

        problems += check_flow(self)
        if problems:
            raise DefinitionError.collect(f"Flow `{name}`", problems)
        from fsmnb.signals.flow_check import stages_of

        self.deps: dict[str, tuple[str, ...]] = {
            s: self.steps[s].resolved["deps"] for s in self.steps
        }
        self.stages: list[list[str]] = stages_of(self)
        self._register = register
        self._workflow: Workflow | None = None

    @property
    def workflow(self) -> Workflow:
        """The compiled workflow (one state per stage)."""
        if self._workflow is None:
            from fsmnb.signals.flow_compile import compile_flow

            self._workflow = compile_flow(self, register=self._register)
        return self._workflow

    def start(self, data: Mapping[str, Any] | None = None, /, **kwargs: Any) -> Run:
        """Start a run of the flow on the running loop (`Workflow.start`)."""
        return self.workflow.start(data, **kwargs)

    async def run(self, data: Mapping[str, Any] | None = None, /, **kwargs: Any) -> Result:
        """Run the flow to the end; `FlowError` when a required step stopped it."""
        return await self.workflow.run(data, **kwargs)

    def run_sync(self, data: Mapping[str, Any] | None = None, /, **kwargs: Any) -> Result:
        """Run the flow to the end from synchronous code (`Workflow.run_sync`)."""
        return self.workflow.run_sync(data, **kwargs)

    def to_dot(self) -> str:
        """The DAG in graphviz DOT: steps boxed by stage, dashed edges to async steps."""
        from fsmnb.signals.flow_check import flow_dot

        return flow_dot(self)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        text = repr(self)
        try:
            import graphviz

            svg = graphviz.Source(self.to_dot()).pipe(format="svg").decode()
        except Exception:  # no dot binary: the text form still reads well
            return {"text/plain": text}
        return {"text/plain": text, "image/svg+xml": svg}

    def __repr__(self) -> str:
        stages = " → ".join("{" + ", ".join(s) + "}" if len(s) > 1 else s[0] for s in self.stages)
        return f"<Flow {self.name}: {stages}>"


def resolve_step(step: FlowStep, problems: list[str]) -> None:
    """Resolve a step's action and compensation into `step.resolved` (problems appended)."""
    try:
        step.resolved["action"] = resolve_action(step.action)
    except DefinitionError as e:
        problems.append(f"step `{step.name}`: {e}")
        return
    undo = step.compensation
    if undo is not None:
        try:
            step.resolved["undo"] = resolve_action(undo)
        except DefinitionError as e:
            problems.append(f"step `{step.name}` compensation: {e}")
    elif step.resolved["action"].has_compensation:
        step.resolved["undo"] = step.resolved["action"]
