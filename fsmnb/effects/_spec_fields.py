"""How each effect field appears in the JSON form; shared by the encoder and the pydantic models.

Most fields are plain JSON values whose type follows the dataclass annotation.
The others have a *role*: a child effect, a registered callable, the name of a
workflow or agent, a JSON schema, or exception names from `EXCEPTIONS`.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import typing
from collections.abc import Iterable
from types import MappingProxyType
from typing import Any

from fsmnb import errors
from fsmnb.effects import ai, combinators, leaves
from fsmnb.effects.base import Effect

__all__ = (
    "EFFECT_TYPES",
    "EXCEPTIONS",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_STRING",
    "MISSING",
    "FieldSpec",
    "Path",
    "Role",
    "field_specs",
    "json_default",
    "render_path",
)

MAX_DEPTH = 32
"""Effects nested deeper than this (and JSON values nested deeper within one field) are refused."""
MAX_NODES = 10_000
"""A tree with more effects than this is refused."""
MAX_STRING = 100_000
"""A string longer than this many bytes (UTF-8) is refused."""

MISSING: Any = dataclasses.MISSING

Path = tuple[str | int, ...]

EFFECT_TYPES: dict[str, type[Effect]] = {
    cls.kind: cls
    for cls in (
        leaves.Call,
        leaves.CallApi,
        leaves.Delay,
        leaves.Log,
        leaves.PutData,
        leaves.GetData,
        leaves.MergeData,
        leaves.UpdateData,
        leaves.Emit,
        leaves.InvokeFsm,
        leaves.SpawnFsm,
        leaves.SendEvent,
        ai.CallLLM,
        ai.EmbedText,
        ai.VectorSearch,
        ai.InvokeAgent,
        ai.CoordinateAgents,
        ai.RagPipeline,
        combinators.Sequence,
        combinators.Parallel,
        combinators.Race,
        combinators.Retry,
        combinators.Timeout,
        combinators.WithCompensation,
        combinators.CircuitBreaker,
        combinators.Saga,
        combinators.Batch,
        combinators.Cache,
        combinators.RateLimit,
    )
}
"""Every effect class that has a JSON form, by `kind`."""

EXCEPTIONS: dict[str, type[BaseException]] = {
    cls.__name__: cls
    for cls in (
        Exception,
        ArithmeticError,
        AttributeError,
        BrokenPipeError,
        ConnectionAbortedError,
        ConnectionError,
        ConnectionRefusedError,
        ConnectionResetError,
        IndexError,
        KeyError,
        LookupError,
        OSError,
        RuntimeError,
        TimeoutError,
        TypeError,
        ValueError,
        ZeroDivisionError,
        errors.FsmnbError,
        errors.RunError,
        errors.EffectError,
        errors.CircuitOpenError,
        errors.ProviderError,
        errors.StructuredOutputError,
        errors.InputError,
    )
}
"""The exception classes `retry.retry_on` may name in JSON; nothing is ever imported by name."""


class Role(enum.Enum):
    """What a field holds, as far as the JSON form is concerned."""

    VALUE = "a JSON value typed by the dataclass annotation"
    EFFECT = "one child effect"
    EFFECTS = "a list of child effects"
    STEPS = "a list of saga steps"
    CALLABLE = "the name of a registered callable"
    NAME = "the name of a workflow, agent or index"
    NAMES = "a list of names"
    SCHEMA = "a JSON schema object, or null"
    EXCEPTIONS = "a list of exception names from `EXCEPTIONS`"


_ROLES: dict[tuple[str, str], Role] = {
    ("call", "fn"): Role.CALLABLE,
    ("update_data", "fn"): Role.CALLABLE,
    ("invoke_fsm", "workflow"): Role.NAME,
    ("spawn_fsm", "workflow"): Role.NAME,
    ("invoke_agent", "agent"): Role.NAME,
    ("coordinate_agents", "agents"): Role.NAMES,
    ("vector_search", "index"): Role.NAME,
    ("rag_pipeline", "index"): Role.NAME,
    ("call_llm", "schema"): Role.SCHEMA,
    ("retry", "retry_on"): Role.EXCEPTIONS,
    ("saga", "steps"): Role.STEPS,
}


@dataclasses.dataclass(frozen=True, slots=True)
class FieldSpec:
    """One dataclass field of an effect and how it is written in JSON.

    Attributes:
        name: the field name, also its JSON key.
        role: what the field holds.
        hint: the resolved dataclass annotation (used for `Role.VALUE`).
        default: the dataclass default (a factory's result), or `MISSING` when required.
        description: its line from the class docstring's ``Args:`` section, if any.
    """

    name: str
    role: Role
    hint: Any
    default: Any
    description: str | None


_SPECS: dict[type[Effect], tuple[FieldSpec, ...]] = {}


def field_specs(cls: type[Effect]) -> tuple[FieldSpec, ...]:
    """The JSON-relevant description of every field of the effect class `cls`."""
    found = _SPECS.get(cls)
    if found is None:
        found = _SPECS[cls] = _field_specs(cls)
    return found


def _field_specs(cls: type[Effect]) -> tuple[FieldSpec, ...]:
    hints = typing.get_type_hints(cls)
    docs = _arg_docs(cls.__doc__ or "")
    out = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        role = _ROLES.get((cls.kind, f.name))
        if role is None:
            if hint is Effect:
                role = Role.EFFECT
            elif hint == tuple[Effect, ...]:
                role = Role.EFFECTS
            else:
                role = Role.VALUE
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = MISSING
        out.append(FieldSpec(f.name, role, hint, default, docs.get(f.name)))
    return tuple(out)


def json_default(value: Any) -> Any:
    """The JSON form of a dataclass default (`()` → `[]`, a read-only mapping → `{}`)."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, MappingProxyType):
        return dict(value)
    return value


def render_path(path: Iterable[str | int]) -> str:
    """Render ``("effects", 1, "attempts")`` as ``effects[1].attempts`` (the root is ``$``)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}" if out else part
        else:
            out += '["' + part.replace("\\", "\\\\").replace('"', '\\"') + '"]'
    return out or "$"


def _arg_docs(doc: str) -> dict[str, str]:
    """Map each name in a Google-style ``Args:`` section to its description."""
    found: dict[str, str] = {}
    names: list[str] = []
    in_args = False
    for line in inspect.cleandoc(doc).splitlines():
        indent = len(line) - len(line.lstrip())
        text = line.strip()
        if text == "Args:":
            in_args = True
        elif not text or indent == 0:
            in_args = False  # a blank line or the next section ends the list
        elif in_args and indent == 4 and ":" in text:  # "name: text" or "a, b: text"
            head, _, desc = text.partition(":")
            names = [n.strip() for n in head.split(",")]
            found.update(dict.fromkeys(names, desc.strip()))
        elif in_args and names:  # a continuation line
            found.update({n: f"{found[n]} {text}" for n in names})
    return found
