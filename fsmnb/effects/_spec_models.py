"""Pydantic models of the JSON form, generated from the effect dataclasses, and the decoder.

One model per effect class (named like it, ``extra="forbid"``, a `kind`
literal), all joined in the discriminated union `Effect`. Field types follow
the dataclass annotations (scalars strict, tuples as lists, mappings as
objects) except where `field_specs` gives a field a role. Validated models are
turned into effects by calling the combinators' lower-case constructors, so
JSON and Python refuse the same things.
"""

from __future__ import annotations

import copy
import functools
import inspect
import operator
import types
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    create_model,
)
from pydantic_core import PydanticCustomError

from fsmnb.effects import combinators
from fsmnb.effects._spec_errors import problems_of
from fsmnb.effects._spec_fields import (
    EFFECT_TYPES,
    EXCEPTIONS,
    MISSING,
    FieldSpec,
    Path,
    Role,
    field_specs,
    json_default,
    render_path,
)
from fsmnb.effects.base import Effect
from fsmnb.effects.registry import resolve_callable
from fsmnb.errors import DefinitionError

__all__ = ("decode", "schema")

# Dynamic type construction: typed `Any` so that mypy reads these as values, not annotations.
_ANNOTATED: Any = Annotated
_DICT: Any = dict
_LIST: Any = list
_LITERAL: Any = Literal
_ROOT: Any = RootModel
_SCALARS: dict[Any, Any] = {
    str: StrictStr,
    int: StrictInt,
    float: StrictFloat,
    bool: StrictBool,
    type(None): None,
}
_CONFIG = ConfigDict(extra="forbid")
_FAILED: Any = object()  # a subtree that could not be built; its problems are already recorded


def _resolve(name: str) -> Callable[..., Any]:
    try:
        return resolve_callable(name)
    except DefinitionError as e:
        message = str(e)
        message = message[:1].lower() + message[1:]
        raise PydanticCustomError("unknown_callable", "{message}", {"message": message}) from None


_EFFECT: Any = "EffectRoot"  # a forward reference to the root model, resolved by `model_rebuild`
_OPTIONAL_EFFECT: Any = "EffectRoot | None"
_ROLE_TYPES: dict[Role, Any] = {
    Role.EFFECT: _EFFECT,
    Role.EFFECTS: _LIST[_EFFECT],
    Role.CALLABLE: _ANNOTATED[StrictStr, AfterValidator(_resolve)],
    Role.NAME: StrictStr,
    Role.NAMES: _LIST[StrictStr],
    Role.SCHEMA: _DICT[StrictStr, Any] | None,
    Role.EXCEPTIONS: _LIST[_LITERAL[tuple(EXCEPTIONS)]],
}
_ROLE_DOCS: dict[Role, str] = {  # the JSON meaning; the dataclass docs describe Python values
    Role.CALLABLE: "The name of a function registered with `fsmnb.register_callable`.",
    Role.NAME: "A registered name (of a workflow, an agent or an index), resolved when it runs.",
    Role.NAMES: "Registered agent names, resolved when it runs.",
    Role.SCHEMA: "A JSON schema the reply must validate against.",
    Role.EXCEPTIONS: "Names of the exceptions to retry; empty means every `Exception`.",
}


def _json_type(hint: Any) -> Any:
    """The pydantic type that accepts the JSON form of a value annotated `hint`."""
    if hint is Any:
        return Any
    if hint in _SCALARS:
        return _SCALARS[hint]
    origin, args = get_origin(hint), get_args(hint)
    if origin is Literal:
        return hint
    if origin in (Union, types.UnionType):
        return functools.reduce(operator.or_, [_json_type(a) for a in args])
    if origin in (Mapping, dict):
        return _DICT[_json_type(args[0]), _json_type(args[1])]
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _LIST[_json_type(args[0])]
    raise TypeError(
        f"The annotation `{hint!r}` has no JSON form. "
        f"Give the field a role in `fsmnb/effects/_spec_fields.py`."
    )


def _field(spec: FieldSpec, step: Any) -> tuple[Any, Any]:
    """The model field for `spec`: its type, default, description, and alias if renamed."""
    if spec.role is Role.STEPS:
        kind = _LIST[step]
    else:
        kind = _ROLE_TYPES[spec.role] if spec.role in _ROLE_TYPES else _json_type(spec.hint)
    description = _ROLE_DOCS.get(spec.role, (spec.description or "").replace("``", "`"))
    default = ... if spec.default is MISSING else json_default(spec.default)
    alias = spec.name if _attribute(spec.name) != spec.name else None
    return kind, Field(default, alias=alias, description=description or None)


def _attribute(name: str) -> str:
    """The model attribute for the JSON key `name` (`json` and `schema` would shadow BaseModel's)."""
    return f"{name}_" if hasattr(BaseModel, name) else name


@functools.cache
def _root() -> Any:
    """The `Effect` root model: a discriminated union on `kind` of one model per effect class."""
    step = create_model(
        "SagaStep",
        __config__=_CONFIG,
        __doc__="One saga step: an action, and the effect that undoes it if a later step fails.",
        action=(_EFFECT, Field(..., description="What the step does.")),
        compensation=(_OPTIONAL_EFFECT, Field(None, description="What undoes it, if anything.")),
        name=(StrictStr, Field("", description="Defaults to the action's label.")),
    )
    models = []
    for kind, cls in EFFECT_TYPES.items():
        fields: dict[str, Any] = {"kind": (_LITERAL[kind], ...)}
        for spec in field_specs(cls):
            fields[_attribute(spec.name)] = _field(spec, step)
        doc = inspect.cleandoc(cls.__doc__ or "").split("\n\n")[0]
        models.append(create_model(cls.__name__, __config__=_CONFIG, __doc__=doc, **fields))
    union = _ANNOTATED[functools.reduce(operator.or_, models), Field(discriminator="kind")]
    root = create_model("Effect", __base__=_ROOT[union], __doc__="An fsmnb effect.")
    for model in (step, *models):
        model.model_rebuild(_types_namespace={"EffectRoot": root})
    root.model_rebuild()
    return root


@functools.cache
def _cached_schema() -> dict[str, Any]:
    generated: dict[str, Any] = _root().model_json_schema()
    defs = generated["$defs"]
    for definition in defs.values():  # property titles only repeat the names: drop them
        for prop in definition.get("properties", {}).values():
            prop.pop("title", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **defs["Effect"],
        "title": "fsmnb effect",
        "description": "An effect tree; functions are referenced by their registered names.",
        "$defs": defs,
    }


def schema(callable_names: tuple[str, ...]) -> dict[str, Any]:
    """The JSON schema of one effect, listing `callable_names` as the allowed callables."""
    out = copy.deepcopy(_cached_schema())
    if callable_names:
        for cls in EFFECT_TYPES.values():
            for spec in field_specs(cls):
                if spec.role is Role.CALLABLE:
                    out["$defs"][cls.__name__]["properties"][spec.name]["enum"] = list(
                        callable_names
                    )
    return out


# -- decoding ----------------------------------------------------------------------------------


def decode(data: dict[str, Any]) -> tuple[Effect | None, list[str]]:
    """Validate `data` and build its effect; on failure, the problems, each naming its path."""
    try:
        root = _root().model_validate(data)
    except ValidationError as e:
        return None, problems_of(e.errors(include_url=False), data)
    problems: list[str] = []
    effect = _build(root, (), problems)
    return (None if problems else effect), problems


def _build(model: Any, path: Path, problems: list[str]) -> Any:
    node = model.root
    cls = EFFECT_TYPES[node.kind]
    values = {
        s.name: _value(s, getattr(node, _attribute(s.name)), (*path, s.name), problems)
        for s in field_specs(cls)
    }
    if any(v is _FAILED for v in values.values()):
        return _FAILED
    try:
        return _construct(cls, values)
    except DefinitionError as e:
        problems.append(f"`{render_path(path)}`: {e}")
        return _FAILED


def _construct(cls: type[Effect], values: dict[str, Any]) -> Effect:
    if cls.is_leaf:
        return cls(**values)
    if cls.kind in ("sequence", "parallel", "race"):
        return getattr(combinators, cls.kind)(*values["effects"])  # type: ignore[no-any-return]
    if cls.kind == "saga":
        return combinators.saga(*values["steps"])
    return getattr(combinators, cls.kind)(**values)  # type: ignore[no-any-return]


def _value(spec: FieldSpec, value: Any, path: Path, problems: list[str]) -> Any:
    role = spec.role
    if role is Role.EFFECT:
        return _build(value, path, problems)
    if role is Role.EFFECTS:
        built = tuple(_build(c, (*path, i), problems) for i, c in enumerate(value))
        return _FAILED if _FAILED in built else built
    if role is Role.STEPS:
        steps = tuple(_step(s, (*path, i), problems) for i, s in enumerate(value))
        return _FAILED if _FAILED in steps else steps
    if role is Role.EXCEPTIONS:
        return tuple(EXCEPTIONS[name] for name in value)
    if role is Role.NAMES:
        return tuple(value)
    if role is Role.VALUE and isinstance(value, dict) and get_origin(spec.hint) is Mapping:
        return MappingProxyType(value)
    if role is Role.VALUE and isinstance(value, list) and _allows_tuple(spec.hint):
        return tuple(value)
    return value


def _allows_tuple(hint: Any) -> bool:
    if get_origin(hint) in (Union, types.UnionType):
        return any(_allows_tuple(a) for a in get_args(hint))
    return get_origin(hint) is tuple


def _step(model: Any, path: Path, problems: list[str]) -> Any:
    action = _build(model.action, (*path, "action"), problems)
    undo = None
    if model.compensation is not None:
        undo = _build(model.compensation, (*path, "compensation"), problems)
    if _FAILED in (action, undo):
        return _FAILED
    name = model.name if "name" in model.model_fields_set else action.label()
    return combinators.SagaStep(action=action, compensation=undo, name=name)
