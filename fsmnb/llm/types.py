"""The values that travel between the LLM layer and its providers.

`LLMRequest` is what a provider is asked; `Completion` is what it answers;
`LLMReply` is what a caller gets back: the reply text itself (a `str`) that
also knows its model, usage, cost and tool calls, so that `run.history` shows
the tokens and the cost of each `call_llm` effect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

__all__ = ("Completion", "LLMReply", "LLMRequest", "ToolCall", "Usage")

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _empty() -> Mapping[str, Any]:
    return _EMPTY


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens a call consumed."""

    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens, self.output_tokens + other.output_tokens
        )


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool the model asked to call, with its JSON arguments."""

    id: str
    name: str
    arguments: Mapping[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class LLMRequest:
    """One request to a model, independent of any provider's wire format.

    Attributes:
        model: the provider's own model name (``gpt-4o-mini``), without the routing prefix.
        messages: the conversation, ``{"role": "user"|"assistant", "content": str}``.
        system: the system prompt.
        max_tokens: a cap on the reply.
        temperature: sampling temperature.
        tools: tool specs, ``{"name", "description", "parameters"}`` (JSON schema).
        schema: a JSON schema the reply must follow (used for native structured output).
        schema_name: the schema's name (the forced tool's name for Anthropic).
        options: anything else the provider understands (passed through).
    """

    model: str
    messages: tuple[Mapping[str, Any], ...]
    system: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    tools: tuple[Mapping[str, Any], ...] = ()
    schema: Mapping[str, Any] | None = None
    schema_name: str = "reply"
    options: Mapping[str, Any] = field(default_factory=_empty)

    def with_messages(self, messages: tuple[Mapping[str, Any], ...]) -> LLMRequest:
        """The same request with another conversation (used by structured retries)."""
        return replace(self, messages=messages)

    @property
    def prompt(self) -> str:
        """The last user message's text (what `scripted` rules match against)."""
        for message in reversed(self.messages):
            if message.get("role") == "user":
                return str(message.get("content", ""))
        return ""

    def to_json(self) -> dict[str, Any]:
        """A plain-JSON form (for hashing and cassettes); never holds credentials."""
        return {
            "model": self.model,
            "system": self.system,
            "messages": [dict(m) for m in self.messages],
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "tools": [dict(t) for t in self.tools],
            "schema": dict(self.schema) if self.schema is not None else None,
            "schema_name": self.schema_name,
            "options": {
                k: v for k, v in self.options.items() if k not in CONTROL_OPTIONS and _is_plain(v)
            },
        }


#: Options that steer fsmnb itself; they are not part of a request's identity (its hash).
CONTROL_OPTIONS = frozenset({"record", "record_model", "timeout"})


def _is_plain(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | list | dict | tuple)


@dataclass(frozen=True, slots=True, kw_only=True)
class Completion:
    """What a provider answered.

    Attributes:
        text: the reply text (for forced-tool structured output: the tool input as JSON).
        model: the model that answered, as the provider names it.
        usage: tokens in and out.
        tool_calls: tools the model asked to call.
        finish_reason: why the model stopped (``stop``, ``length``, ``tool_calls``, …).
    """

    text: str
    model: str
    usage: Usage = Usage()
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A plain-JSON form (for cassettes and the on-disk cache)."""
        return {
            "text": self.text,
            "model": self.model,
            "usage": [self.usage.input_tokens, self.usage.output_tokens],
            "tool_calls": [[c.id, c.name, dict(c.arguments)] for c in self.tool_calls],
            "finish_reason": self.finish_reason,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Completion:
        """Rebuild a completion from `to_json`'s form."""
        tin, tout = data.get("usage") or (0, 0)
        return cls(
            text=str(data.get("text", "")),
            model=str(data.get("model", "")),
            usage=Usage(int(tin), int(tout)),
            tool_calls=tuple(ToolCall(i, n, a) for i, n, a in data.get("tool_calls") or ()),
            finish_reason=data.get("finish_reason"),
        )


class LLMReply(str):
    """The reply text, which also knows who answered and what it cost.

    It *is* the text (``reply == "136"``, ``reply.upper()``, JSON-serializable as a
    string); the extra attributes are for accounting. Its `repr` shows model,
    tokens and cost, which is what `run.history` prints in the `detail` column.

    Attributes:
        model: the routed model string (``openai:gpt-4o-mini``).
        usage: tokens in and out.
        cost: US dollars, from the price table (0.0 when the model has no price).
        tool_calls: tools the model asked to call.
        cached: whether the reply came from the response cache.
        message_id: the id its streamed `llm_token` events carry.
    """

    __slots__ = ("cached", "cost", "finish_reason", "message_id", "model", "tool_calls", "usage")

    model: str
    usage: Usage
    cost: float
    tool_calls: tuple[ToolCall, ...]
    cached: bool
    message_id: str
    finish_reason: str | None

    def __new__(
        cls,
        text: str,
        *,
        model: str = "",
        usage: Usage = Usage(),
        cost: float = 0.0,
        tool_calls: tuple[ToolCall, ...] = (),
        cached: bool = False,
        message_id: str = "",
        finish_reason: str | None = None,
    ) -> LLMReply:
        self = super().__new__(cls, text)
        self.model, self.usage, self.cost = model, usage, cost
        self.tool_calls, self.cached, self.message_id = tool_calls, cached, message_id
        self.finish_reason = finish_reason
        return self

    @property
    def text(self) -> str:
        """The reply as a plain `str`."""
        return str.__str__(self)

    def __repr__(self) -> str:
        text = str.__repr__(self.text)
        if len(text) > 60:
            text = text[:57] + "...'"
        tools = f" tools={[c.name for c in self.tool_calls]}" if self.tool_calls else ""
        cached = " cached" if self.cached else ""
        return (
            f"{text} [{self.model} {self.usage.input_tokens}→{self.usage.output_tokens} tok "
            f"${self.cost:.6f}{cached}{tools}]"
        )

    def _history_detail_(self) -> str:
        """What `run.history` shows for this reply: text, model, tokens and cost."""
        return repr(self)

    def to_json(self) -> dict[str, Any]:
        """A plain-JSON form (the journal codec stores this)."""
        return {
            "text": self.text,
            "model": self.model,
            "cost": self.cost,
            "usage": [self.usage.input_tokens, self.usage.output_tokens],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LLMReply:
        """Rebuild a reply from `to_json`'s form."""
        tin, tout = data.get("usage") or (0, 0)
        return cls(
            str(data.get("text", "")),
            model=str(data.get("model", "")),
            usage=Usage(int(tin), int(tout)),
            cost=float(data.get("cost", 0.0)),
        )

    def __reduce__(self) -> Any:
        return (_rebuild, (self.text, self.model, self.usage, self.cost, self.tool_calls))


def _rebuild(
    text: str, model: str, usage: Usage, cost: float, tool_calls: tuple[ToolCall, ...]
) -> LLMReply:
    return LLMReply(text, model=model, usage=usage, cost=cost, tool_calls=tool_calls)
