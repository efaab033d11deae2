"""Structured calls (seed 003): YAML request in, JSON reply out, validated, retried with feedback.

The loop is sans-I/O: `structured_flow` is a generator that yields the request
to send and receives the reply, so one implementation serves the async driver
(`structured`) and tests that feed it canned replies. A reply is parsed
tolerantly (`extract_json`), validated against a pydantic model (or any type
pydantic can validate, or a JSON-schema dict), and on failure the reply and
the error go back to the model as the next turn. Nothing a model sends can
raise anything but `StructuredOutputError`, which holds every attempt.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from fsmnb.errors import MissingExtraError, StructuredOutputError
from fsmnb.llm.parsing import ReplyParseError, extract_json
from fsmnb.llm.types import LLMReply, LLMRequest, Usage

if TYPE_CHECKING:
    from fsmnb.engine.context import Context
    from fsmnb.llm.provider import Provider

__all__ = (
    "Attempt",
    "StructuredResult",
    "json_schema_of",
    "structured",
    "structured_flow",
    "validate_reply",
)

T = TypeVar("T")
_NO_USAGE = Usage()

DEFAULT_SYSTEM = (
    "Respond with valid JSON only, no additional text. The JSON must match this schema: {schema}"
)
FEEDBACK = (
    "Your previous reply could not be used: {error}\n"
    "Reply again with only one JSON object that matches the response schema. No prose, no code fences."
)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try of a structured call: the raw reply and what was wrong with it (None: valid)."""

    number: int
    reply: str
    error: str | None
    usage: Usage = _NO_USAGE
    cost: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether this attempt's reply validated."""
        return self.error is None


@dataclass(frozen=True, slots=True)
class StructuredResult(Generic[T]):
    """A validated reply and the attempts it took.

    Attributes:
        value: the validated object (an instance of the schema).
        attempts: every attempt, the last one valid.
        model: the model string that answered.
    """

    value: T
    attempts: tuple[Attempt, ...]
    model: str = ""

    @property
    def usage(self) -> Usage:
        """Tokens over every attempt."""
        total = Usage()
        for a in self.attempts:
            total = total + a.usage
        return total

    @property
    def cost(self) -> float:
        """US dollars over every attempt."""
        return sum(a.cost for a in self.attempts)

    def __repr__(self) -> str:
        return (
            f"StructuredResult({self.value!r}, attempts={len(self.attempts)}, model={self.model!r}, "
            f"tokens={self.usage.input_tokens}→{self.usage.output_tokens}, cost=${self.cost:.6f})"
        )


def json_schema_of(schema: Any) -> dict[str, Any]:
    """The JSON schema of a pydantic model, another validatable type, or a JSON-schema dict."""
    if isinstance(schema, Mapping):
        return dict(schema)
    try:
        return dict(_cached_schema(schema))
    except TypeError:  # unhashable type expressions
        return _schema_now(schema)


def _schema_now(schema: Any) -> dict[str, Any]:
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        return schema.model_json_schema()
    return TypeAdapter(schema).json_schema()


_cached_schema = functools.lru_cache(maxsize=256)(_schema_now)


def schema_name_of(schema: Any) -> str:
    """A short name for the schema (the forced tool's name for Anthropic)."""
    if isinstance(schema, Mapping):
        return str(schema.get("title") or "reply").replace(" ", "_")[:64]
    return str(getattr(schema, "__name__", "reply"))[:64]


def _format_validation(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors()[:6]:
        where = ".".join(str(p) for p in err.get("loc", ())) or "(root)"
        given = json.dumps(err.get("input"), default=str)
        given = given if len(given) <= 80 else given[:77] + "..."
        lines.append(f"- `{where}`: {err.get('msg')} (got {given})")
    more = exc.error_count() - len(lines)
    if more > 0:
        lines.append(f"- and {more} more")
    return "the JSON does not match the schema:\n" + "\n".join(lines)


def validate_reply(reply: str, schema: Any) -> tuple[Any, str | None]:
    """``(value, None)`` when `reply` holds JSON valid against `schema`, else ``(None, error)``.

    Never raises for anything in `reply`.
    """
    try:
        data = extract_json(reply)
    except ReplyParseError as exc:
        return None, str(exc)
    try:
        if isinstance(schema, Mapping):
            return _validate_dict_schema(data, schema), None
        if isinstance(schema, type) and issubclass(schema, BaseModel):
            return schema.model_validate(data), None
        return TypeAdapter(schema).validate_python(data), None
    except ValidationError as exc:
        return None, _format_validation(exc)
    except (ValueError, TypeError, RecursionError) as exc:  # odd inputs inside validators
        return None, f"the JSON could not be validated: {type(exc).__name__}: {str(exc)[:200]}"


def _validate_dict_schema(data: Any, schema: Mapping[str, Any]) -> Any:
    try:
        import jsonschema  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        raise MissingExtraError(
            "Validating replies against a JSON-schema dict", "jsonschema", "jsonschema"
        ) from None
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path)
    )
    if errors:
        text = "\n".join(
            f"- `{'.'.join(map(str, e.path)) or '(root)'}`: {e.message[:160]}" for e in errors[:6]
        )
        raise ValueError(f"the JSON does not match the schema:\n{text}")
    return data


def structured_flow(
    request: LLMRequest, schema: Any, max_attempts: int
) -> Generator[LLMRequest, str, StructuredResult[Any]]:
    """Yield each request to send, receive its reply; return the result or raise.

    Raises:
        StructuredOutputError: no reply validated in `max_attempts` attempts.
    """
    attempts: list[Attempt] = []
    for number in range(1, max(1, max_attempts) + 1):
        reply = yield request
        value, error = validate_reply(reply, schema)
        attempts.append(
            Attempt(
                number,
                str(reply),
                error,
                getattr(reply, "usage", Usage()),
                getattr(reply, "cost", 0.0),
            )
        )
        if error is None:
            return StructuredResult(value, tuple(attempts), getattr(reply, "model", ""))
        request = request.with_messages(
            (
                *request.messages,
                {"role": "assistant", "content": str(reply)[:4000]},
                {"role": "user", "content": FEEDBACK.format(error=error)},
            )
        )
    name = schema_name_of(schema)
    raise StructuredOutputError(
        f"No valid `{name}` reply after {len(attempts)} attempts; the last one failed with: "
        f"{attempts[-1].error}. See `.attempts` for every reply. Raise `max_attempts`, "
        f"simplify the schema, or use a stronger model.",
        attempts=attempts,
    )


async def structured(
    schema: Any,
    data: Mapping[str, Any] | None = None,
    *,
    prompt: str | None = None,
    model: str | Provider | None = None,
    system: str | None = None,
    max_attempts: int | None = None,
    native: bool = True,
    ctx: Context | None = None,
    stream: bool | None = None,
    cache: bool | None = None,
    **options: Any,
) -> StructuredResult[Any]:
    """Ask for a reply that validates against a schema, retrying with the error fed back.

    Args:
        schema: a template name (``"workflow_selection"``: its YAML request is
            rendered with `data` and its schema used), a pydantic model, any type
            pydantic validates, or a JSON-schema dict.
        data: the template's values (with a template name).
        prompt: the request text (with a schema); defaults to `data` as YAML.
        model: a model string or provider; None for the default model.
        system: the system prompt (a template brings its own).
        max_attempts: attempts in all; None follows `settings.max_attempts`.
        native: use the provider's native structured output when it has one.
        ctx: the run context, for telemetry and cost accounting.
        stream, cache: as in `complete`.
        **options: passed to the provider.

    Raises:
        StructuredOutputError: no valid reply within `max_attempts`.
        ProviderError: the provider itself failed (after its retries).
    """
    import yaml

    from fsmnb.llm.client import build_request, send, settings
    from fsmnb.llm.provider import resolve

    if isinstance(schema, str):
        from fsmnb.llm.templates import render

        rendered = render(schema, dict(data or {}))
        schema, text, system = rendered.schema, rendered.yaml, system or rendered.system
    else:
        text = prompt if prompt is not None else yaml.safe_dump(dict(data or {}), sort_keys=False)
        system = system or DEFAULT_SYSTEM.format(schema=json.dumps(json_schema_of(schema)))
    full, provider = resolve(model)
    request = build_request(
        full,
        text,
        system=system,
        options=options,
        schema=json_schema_of(schema) if native and provider.supports_native_schema else None,
        schema_name=schema_name_of(schema),
    )
    flow = structured_flow(request, schema, max_attempts or settings.max_attempts)
    outgoing = next(flow)
    while True:
        reply: LLMReply = await send(full, provider, outgoing, stream=stream, cache=cache, ctx=ctx)
        try:
            outgoing = flow.send(reply)
        except StopIteration as done:
            result: StructuredResult[Any] = done.value
            return result
