"""Actions: named units of work with a parameter schema, a result schema and declared policies.

    class ValidateOrder(Action):
        '''Check that an order has items and a positive total.'''

        class Params(BaseModel):
            order_id: str
            total: float = Field(gt=0)

        timeout = 5.0
        retry = RetryPolicy(attempts=3)

        def run(self, params: Params, ctx: ActionContext) -> dict[str, Any]:
            return {"order_id": params.order_id, "valid": True}

A subclass registers itself under `name` (default: its class name in
snake_case) when it is defined. `run` and `compensate` may be sync or async.
Parameters are validated before anything runs (`ParamsError` names each
field and the fix); a declared `Result` model validates what `run` returns.
`execute_action` applies the policies: the breaker first, then up to
`retry.attempts` attempts, each bounded by `timeout` (an async `run` only: a
sync one cannot be interrupted, so keep sync actions short).

The same action runs as an effect (`act(ValidateOrder, order_id=...)`, see
`fsmnb.signals.act`), from a flow step, from a signal route, and by name from
an MCP client's `execute_effect_pipeline` (``{"kind": "call", "fn":
"validate_order", "kwargs": {...}}``).
"""

from __future__ import annotations

import asyncio
import inspect
import re
import time
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from fsmnb.engine.resources import resources
from fsmnb.errors import CircuitOpenError, DefinitionError, ParamsError
from fsmnb.signals.policies import BreakerPolicy, RetryPolicy

__all__ = (
    "Action",
    "ActionContext",
    "NoParams",
    "action_names",
    "compensate_action",
    "execute_action",
    "execute_action_now",
    "get_action",
    "is_sync",
    "resolve_action",
)


class NoParams(BaseModel):
    """The parameters of an action that takes none (extra keys are refused)."""

    model_config = ConfigDict(extra="forbid")


class ActionContext:
    """What an action's `run` and `compensate` receive as `ctx`.

    Attributes:
        data: the run's data when the action runs as an effect, else a fresh dict.
        run: the `Run` it works for, or None (a signal route outside any run).
        signal: the signal that caused it, or None.
        agent: the supervised agent it works for, or None.
        attempt: 1 for the first attempt, 2 for the first retry, ….
    """

    __slots__ = ("agent", "attempt", "data", "run", "signal")

    def __init__(
        self,
        data: dict[str, Any] | None = None,
        *,
        run: Any = None,
        signal: Any = None,
        agent: Any = None,
    ) -> None:
        self.data: dict[str, Any] = {} if data is None else data
        self.run = run
        self.signal = signal
        self.agent = agent
        self.attempt = 1

    @property
    def run_id(self) -> str | None:
        """The id of the run it works for, if any."""
        return getattr(self.run, "id", None)

    def __repr__(self) -> str:
        return f"<ActionContext run={self.run_id!r} attempt={self.attempt}>"


_ACTIONS: dict[str, Action] = {}


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


class Action:
    """A named unit of work; subclass it and define `run` (and optionally `compensate`).

    Class attributes:
        name: what routes, flows and MCP clients call it by (default: snake_case class name).
        description: one line (default: the docstring's first line).
        Params: a pydantic model of the parameters (default: none).
        Result: a pydantic model of the result, or None to return `run`'s value as is.
        timeout: seconds an async attempt may take, or None.
        retry: a `RetryPolicy`, or None for one attempt.
        breaker: a `BreakerPolicy`, or None.
        expose: also register it as a callable, so an MCP client's effect pipeline can
            name it (``{"kind": "call", "fn": name, "kwargs": {...}}``).
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    Params: ClassVar[type[BaseModel]] = NoParams
    Result: ClassVar[type[BaseModel] | None] = None
    timeout: ClassVar[float | None] = None
    retry: ClassVar[RetryPolicy | None] = None
    breaker: ClassVar[BreakerPolicy | None] = None
    expose: ClassVar[bool] = True

    def __init_subclass__(cls, *, register: bool = True, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = _snake(cls.__name__)
        if not cls.name.isidentifier():
            raise DefinitionError(
                f"Action name `{cls.name}` of `{cls.__qualname__}` is not an identifier; "
                "set `name = 'snake_case_name'` on the class."
            )
        if "description" not in cls.__dict__:
            doc = (cls.__doc__ or "").strip().splitlines()
            cls.description = doc[0] if doc else ""
        if not (isinstance(cls.Params, type) and issubclass(cls.Params, BaseModel)):
            raise DefinitionError(
                f"`{cls.__qualname__}.Params` must be a pydantic model class, got "
                f"`{cls.Params!r:.60}`; subclass `pydantic.BaseModel`."
            )
        if cls.timeout is not None and cls.timeout <= 0:
            raise DefinitionError(f"`{cls.__qualname__}.timeout` must be > 0, got {cls.timeout}.")
        if register:
            instance = cls()
            _ACTIONS[cls.name] = instance
            if cls.expose:
                from fsmnb.signals.act import expose_action

                expose_action(instance)

    # -- what a subclass defines ---------------------------------------------------------------

    def run(self, params: Any, ctx: ActionContext) -> Any:
        """Do the work with validated `params`; return the result (sync or async)."""
        raise NotImplementedError(f"Action `{self.name}` does not define `run(params, ctx)`.")

    def compensate(self, params: Any, result: Any, ctx: ActionContext) -> Any:
        """Undo what `run` did, given its result (sync or async); the default does nothing."""
        return None

    # -- derived -------------------------------------------------------------------------------

    @property
    def has_compensation(self) -> bool:
        """Whether the subclass defines `compensate`."""
        return type(self).compensate is not Action.compensate

    def validate(self, params: Mapping[str, Any] | BaseModel) -> BaseModel:
        """Validate `params` against `Params`.

        Raises:
            ParamsError: naming every offending field and how to fix it; nothing ran.
        """
        if isinstance(params, self.Params):
            return params
        raw = params.model_dump() if isinstance(params, BaseModel) else params
        problems: list[str] = []
        if isinstance(raw, Mapping):
            accepted = _accepted_keys(self.Params)
            if accepted is not None:
                # Unknown keys are a typo or a hostile caller: refuse them rather than drop them.
                problems = [
                    f"`{k}` is not a parameter (remove it)" for k in raw if k not in accepted
                ]
        try:
            valid: BaseModel | None = self.Params.model_validate(raw)
        except ValidationError as e:
            problems += [_problem(err) for err in e.errors()]
            valid = None
        problems = list(dict.fromkeys(problems))  # an extra key may be reported twice
        if problems or valid is None:
            known = ", ".join(sorted(self.Params.model_fields)) or "none"
            raise ParamsError(
                f"Action `{self.name}` was called with bad parameters: "
                + "; ".join(problems)
                + f". Its parameters are: {known}. Fix the call before it runs.",
                action=self.name,
                problems=problems,
            ) from None
        return valid

    def schema(self) -> dict[str, Any]:
        """The name, description and JSON schemas of the parameters and result."""
        out: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "params": self.Params.model_json_schema(),
        }
        if self.Result is not None:
            out["result"] = self.Result.model_json_schema()
        return out

    def __repr__(self) -> str:
        return f"<Action {self.name}>"


_ACCEPTED: dict[type[BaseModel], frozenset[str] | None] = {}


def _accepted_keys(model: type[BaseModel]) -> frozenset[str] | None:
    """The keys `model` takes (names and aliases), or None when it allows extra keys."""
    if model not in _ACCEPTED:
        if model.model_config.get("extra") == "allow":
            _ACCEPTED[model] = None
        else:
            fields = model.model_fields
            names = set(fields) | {f.alias for f in fields.values() if f.alias}
            _ACCEPTED[model] = frozenset(names)
    return _ACCEPTED[model]


def _problem(err: Any) -> str:
    where = ".".join(str(p) for p in err.get("loc", ())) or "$"
    if err.get("type") == "missing":
        return f"`{where}` is required"
    if err.get("type") == "extra_forbidden":
        return f"`{where}` is not a parameter (remove it)"
    return f"`{where}`: {err.get('msg', 'invalid')} (got `{err.get('input')!r:.40}`)"


def get_action(name: str) -> Action:
    """The action registered as `name`.

    Raises:
        DefinitionError: listing the registered names.
    """
    try:
        return _ACTIONS[name]
    except KeyError:
        known = ", ".join(f"`{n}`" for n in sorted(_ACTIONS)) or "none"
        raise DefinitionError(
            f"No action is registered as `{name}`. Registered: {known}. "
            "Define it as `class MyAction(fsmnb.signals.Action)`."
        ) from None


def action_names() -> tuple[str, ...]:
    """Every registered action name, sorted."""
    return tuple(sorted(_ACTIONS))


def resolve_action(action: Action | type[Action] | str) -> Action:
    """An action instance from an instance, a subclass, or a registered name."""
    if isinstance(action, Action):
        return action
    if isinstance(action, str):
        return get_action(action)
    if isinstance(action, type) and issubclass(action, Action):
        return _ACTIONS.get(action.name) or action()
    raise DefinitionError(
        f"Expected an action (a subclass of `Action`, an instance or a registered name), "
        f"got {type(action).__name__} `{action!r:.60}`."
    )


async def execute_action(
    action: Action | type[Action] | str,
    params: Mapping[str, Any] | BaseModel | None = None,
    ctx: ActionContext | None = None,
) -> Any:
    """Validate `params`, then run `action` under its breaker, retry and timeout policies.

    Returns:
        `run`'s value, validated into `Result` when the action declares one.

    Raises:
        ParamsError: the parameters fail the schema (before anything runs).
        CircuitOpenError: the action's breaker is open.
        Exception: the last attempt's error when every attempt failed.
    """
    act = resolve_action(action)
    valid = act.validate(params if params is not None else {})
    ctx = ctx if ctx is not None else ActionContext()
    breaker = None
    if act.breaker is not None:
        key = act.breaker.key_for(act.name, valid)
        breaker = resources.breaker(key, act.breaker.failures, act.breaker.reset)
        now = time.monotonic()
        if not breaker.admit(now):
            raise CircuitOpenError(
                f"circuit `{key}` of action `{act.name}` is open after {breaker.failures} "
                f"failures; it lets a trial call through in {breaker.retry_in(now):.1f} s",
                path=act.name,
            )
    policy = act.retry
    attempts = policy.attempts if policy is not None else 1
    attempt = 1
    while True:
        ctx.attempt = attempt
        try:
            result = act.run(valid, ctx)
            if inspect.isawaitable(result):
                if act.timeout is not None:
                    async with asyncio.timeout(act.timeout):
                        result = await result
                else:
                    result = await result
            if act.Result is not None and not isinstance(result, act.Result):
                result = act.Result.model_validate(result)
        except Exception as exc:
            if (
                policy is not None
                and attempt < attempts
                and isinstance(exc, policy.retry_on)
                and not isinstance(exc, ParamsError)
            ):
                attempt += 1
                await asyncio.sleep(policy.wait_before(attempt))
                continue
            if breaker is not None:
                breaker.failed(time.monotonic())
            raise
        if breaker is not None:
            breaker.succeeded()
        return result


async def compensate_action(
    action: Action | type[Action] | str,
    params: Mapping[str, Any] | BaseModel | None,
    result: Any,
    ctx: ActionContext | None = None,
) -> Any:
    """Run `action.compensate(params, result, ctx)` (awaited when async)."""
    act = resolve_action(action)
    valid = act.validate(params if params is not None else {})
    out = act.compensate(valid, result, ctx if ctx is not None else ActionContext())
    if inspect.isawaitable(out):
        out = await out
    return out


def is_sync(action: Action) -> bool:
    """Whether `action` runs to the end without awaiting (sync `run`, no retry waits)."""
    return action.retry is None and not inspect.iscoroutinefunction(type(action).run)


def execute_action_now(
    action: Action, params: Mapping[str, Any] | BaseModel | None, ctx: ActionContext | None = None
) -> Any:
    """`execute_action` for a sync action (see `is_sync`), without a coroutine or a task.

    Raises:
        ParamsError, CircuitOpenError, or what `run` raised.
    """
    valid = action.validate(params if params is not None else {})
    breaker = None
    if action.breaker is not None:
        key = action.breaker.key_for(action.name, valid)
        breaker = resources.breaker(key, action.breaker.failures, action.breaker.reset)
        now = time.monotonic()
        if not breaker.admit(now):
            raise CircuitOpenError(
                f"circuit `{key}` of action `{action.name}` is open after {breaker.failures} "
                f"failures; it lets a trial call through in {breaker.retry_in(now):.1f} s",
                path=action.name,
            )
    try:
        result = action.run(valid, ctx if ctx is not None else ActionContext())
        if action.Result is not None and not isinstance(result, action.Result):
            result = action.Result.model_validate(result)
    except Exception:
        if breaker is not None:
            breaker.failed(time.monotonic())
        raise
    if breaker is not None:
        breaker.succeeded()
    return result
