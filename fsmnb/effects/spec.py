"""The JSON form of effects, so that an MCP client or a model can send a pipeline as data.

An effect is an object with a `kind` and the fields of its dataclass::

    {"kind": "sequence", "effects": [
        {"kind": "retry", "effect": {"kind": "call", "fn": "charge", "args": [42]},
         "attempts": 3, "backoff": "exponential", "retry_on": ["TimeoutError"]},
        {"kind": "emit", "event": "paid"}]}

Fields left out take their defaults. Some fields are names rather than objects:

- `call.fn` and `update_data.fn` name a function registered with
  `fsmnb.register_callable`; nothing else can ever be called.
- `retry.retry_on` lists exception names from a fixed whitelist
  (`TimeoutError`, `ConnectionError`, `ProviderError`, …); nothing is imported.
- `invoke_fsm.workflow`, `spawn_fsm.workflow`, `invoke_agent.agent`,
  `coordinate_agents.agents` and the `index` of `vector_search` and
  `rag_pipeline` are registered names, resolved when the effect runs.
- `call_llm.schema` is a JSON schema object.
- `saga.steps` is a list of ``{"action", "compensation", "name"}`` objects.

`effect_from_json` validates with pydantic at the edge and refuses unknown
kinds, unknown callables, wrong types, missing and extra fields, the same
invariants the Python constructors check (``attempts`` ≥ 1, …) and oversized
trees (effects nested more than 32 deep, more than 10,000 effects, strings over
100 kB). Every offender is named by its JSON path in one `SpecError`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from fsmnb.effects._spec_fields import (
    EFFECT_TYPES,
    EXCEPTIONS,
    MAX_DEPTH,
    MISSING,
    FieldSpec,
    Path,
    Role,
    field_specs,
    render_path,
)
from fsmnb.effects._spec_limits import check_limits
from fsmnb.effects.base import Effect
from fsmnb.effects.combinators import SagaStep
from fsmnb.effects.registry import callable_names, resolve_callable
from fsmnb.errors import DefinitionError, SpecError

__all__ = ("effect_from_json", "effect_schema", "effect_to_json")

_SHOWN = 50  # problems listed in one error message


def effect_to_json(effect: Effect, *, include_defaults: bool = False) -> dict[str, Any]:
    """Write `effect` as JSON-ready data (dicts, lists, strings, numbers, booleans, None).

    Functions appear as the names they are registered under (found by identity, or
    equality for bound methods);
    workflows and agents as their names; a pydantic `schema` as its JSON schema.

    Args:
        effect: the effect tree to write.
        include_defaults: also write fields whose value is the default.

    Returns:
        A dict that `effect_from_json` turns back into an equal effect, provided
        every value inside it is plain JSON (a tuple inside `args` comes back as a
        list). What JSON holds by name comes back as that name: a workflow or an
        agent object as its `name`, a pydantic `schema` as its JSON schema, and a
        function given by name (``call("charge")``) as the function registered so.

    Raises:
        SpecError: a part has no JSON form (an unregistered function, a `retry_on`
            predicate, a value that is not JSON, …); every offender is named by its path.

    Example:
        >>> effect_to_json(retry(delay(1), attempts=5))
        {'kind': 'retry', 'effect': {'kind': 'delay', 'seconds': 1}, 'attempts': 5}
    """
    registered = [(resolve_callable(name), name) for name in callable_names()]
    encoder = _Encoder(registered, include_defaults)
    out = encoder.effect(effect, (), 1)
    problems = encoder.problems or check_limits(out)
    if problems:
        raise _error(f"Effect `{getattr(effect, 'kind', effect)!s:.60}` has no JSON form", problems)
    return out  # type: ignore[no-any-return]


def effect_from_json(data: dict[str, Any] | str | bytes) -> Effect:
    """Build an effect from its JSON form: a parsed object or JSON text.

    Args:
        data: an object such as ``{"kind": "delay", "seconds": 1}``, or its JSON text.

    Returns:
        The effect. `call.fn` and `update_data.fn` hold the registered functions
        (resolved now, so a spec can never name anything else); workflows, agents
        and indexes stay names; top-level mappings are read-only `MappingProxyType`.
        Leaves are built as given (`call_api` keeps the method's case); combinators
        go through their constructors (`retry`, `saga`, …).

    Raises:
        SpecError: the spec is malformed; its message names every offender by its
            JSON path (``effects[1].attempts``) and `problems` lists them.
    """
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except RecursionError:
            raise SpecError("Effect spec: the JSON text is nested too deeply.") from None
        except ValueError as e:  # JSONDecodeError, or an integer with too many digits
            raise SpecError(f"Effect spec: the text is not valid JSON: {e}.") from None
    if not isinstance(data, dict):
        raise SpecError(
            f"Effect spec: `$`: an effect is a JSON object with a `kind`, "
            f"got {type(data).__name__}."
        )
    problems = check_limits(data)
    if problems:
        raise _error("Effect spec", problems)
    from fsmnb.effects._spec_models import decode  # pydantic is imported on first use only

    effect, problems = decode(data)
    if effect is None:
        raise _error("Effect spec", problems)
    return effect


def effect_schema() -> dict[str, Any]:
    """The JSON schema (draft 2020-12) of one effect, for MCP tool inputs and model prompts.

    Each kind is a `$defs` entry with its fields, defaults and descriptions;
    `call.fn` and `update_data.fn` list the callables registered right now.
    """
    from fsmnb.effects._spec_models import schema

    return schema(callable_names())


def _error(subject: str, problems: list[str]) -> SpecError:
    shown = problems[:_SHOWN]
    if len(problems) > _SHOWN:
        shown.append(f"… and {len(problems) - _SHOWN} more.")
    error = SpecError.collect(subject, shown)
    assert isinstance(error, SpecError)
    return error


class _Encoder:
    """Write effects as JSON data, collecting every problem instead of stopping at the first."""

    def __init__(
        self, registered: list[tuple[Callable[..., Any], str]], include_defaults: bool
    ) -> None:
        # By identity; the first name in sorted order wins when a function has several.
        self.names = {id(fn): name for fn, name in reversed(registered)}
        self.registered = registered
        self.include_defaults = include_defaults
        self.problems: list[str] = []

    def fail(self, path: Path, message: str) -> None:
        self.problems.append(f"`{render_path(path)}`: {message}")

    def effect(self, effect: Any, path: Path, depth: int) -> Any:
        if not isinstance(effect, Effect):
            return self.fail(path, f"expected an effect, got {type(effect).__name__}.")
        if EFFECT_TYPES.get(effect.kind) is not type(effect):
            return self.fail(path, f"`{type(effect).__name__}` is not a built-in effect kind.")
        if depth > MAX_DEPTH:
            return self.fail(path, f"effects are nested more than {MAX_DEPTH} deep.")
        out: dict[str, Any] = {"kind": effect.kind}
        for spec in field_specs(type(effect)):
            value = getattr(effect, spec.name)
            if self.include_defaults or not _is_default(value, spec.default):
                out[spec.name] = self.field(spec, value, (*path, spec.name), depth)
        return out

    def field(self, spec: FieldSpec, value: Any, path: Path, depth: int) -> Any:
        role = spec.role
        if role is Role.EFFECT:
            return self.effect(value, path, depth + 1)
        if role is Role.EFFECTS:
            return [self.effect(e, (*path, i), depth + 1) for i, e in enumerate(value)]
        if role is Role.STEPS:
            return [self.step(s, (*path, i), depth) for i, s in enumerate(value)]
        if role is Role.CALLABLE:
            return self.callable(value, path)
        if role is Role.NAME:
            return self.name(value, path)
        if role is Role.NAMES:
            return [self.name(v, (*path, i)) for i, v in enumerate(value)]
        if role is Role.EXCEPTIONS:
            return self.exceptions(value, path)
        if role is Role.SCHEMA and hasattr(value, "model_json_schema"):
            return value.model_json_schema()
        return self.value(value, path, 0)

    def step(self, step: Any, path: Path, depth: int) -> Any:
        if not isinstance(step, SagaStep):
            return self.fail(path, f"expected a `SagaStep`, got {type(step).__name__}.")
        out = {"action": self.effect(step.action, (*path, "action"), depth + 1)}
        if step.compensation is not None:
            undo = self.effect(step.compensation, (*path, "compensation"), depth + 1)
            out["compensation"] = undo
        if self.include_defaults or step.name != step.action.label():
            out["name"] = step.name
        return out

    def callable(self, fn: Callable[..., Any] | str, path: Path) -> str | None:
        if isinstance(fn, str):
            try:
                resolve_callable(fn)
            except DefinitionError as e:
                self.fail(path, str(e)[:1].lower() + str(e)[1:])
            return fn
        name = self.names.get(id(fn))
        if name is None:  # a bound method is a new object at each access, equal to the last
            name = next((n for f, n in self.registered if f == fn), None)
        if name is None:
            label = getattr(fn, "__name__", type(fn).__name__)
            self.fail(
                path,
                f"function `{label}` is not registered, so JSON cannot name it. "
                f"Register it with `fsmnb.register_callable({label!r}, {label})`.",
            )
        return name

    def name(self, value: Any, path: Path) -> str | None:
        name = value if isinstance(value, str) else getattr(value, "name", None)
        if not isinstance(name, str):
            self.fail(path, f"{type(value).__name__} has no `name`; JSON refers to it by name.")
            return None
        return name

    def exceptions(self, value: Any, path: Path) -> list[str] | None:
        if not isinstance(value, tuple):
            self.fail(path, "a predicate has no JSON form; retry on exception classes instead.")
            return None
        out = []
        for i, cls in enumerate(value):
            name = getattr(cls, "__name__", "")
            if EXCEPTIONS.get(name) is not cls:
                known = ", ".join(f"`{n}`" for n in EXCEPTIONS)
                self.fail((*path, i), f"`{name or repr(cls)}` is not one of {known}.")
            out.append(name)
        return out

    def value(self, value: Any, path: Path, depth: int) -> Any:
        if depth > MAX_DEPTH:
            return self.fail(path, f"the value is nested more than {MAX_DEPTH} deep.")
        if value is None or isinstance(value, str | bool | int | float):
            return value
        if isinstance(value, Mapping):
            out = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    self.fail(path, f"object keys must be strings, got `{key!r:.40}`.")
                out[str(key)] = self.value(item, (*path, str(key)), depth + 1)
            return out
        if isinstance(value, list | tuple):
            return [self.value(item, (*path, i), depth + 1) for i, item in enumerate(value)]
        return self.fail(path, f"{type(value).__name__} `{value!r:.40}` is not a JSON value.")


def _is_default(value: Any, default: Any) -> bool:
    if default is MISSING:
        return False
    if isinstance(default, Mapping):
        return isinstance(value, Mapping) and value == default
    return type(value) is type(default) and bool(value == default)
