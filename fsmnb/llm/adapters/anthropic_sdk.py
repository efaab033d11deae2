"""``anthropic:<model>``: the Messages API through the official `anthropic` SDK.

Structured output is forced tool use: the schema becomes the only tool, the
model must call it, and the tool's input is the reply (as JSON text).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fsmnb.errors import MissingExtraError, ProviderError
from fsmnb.llm.adapters import SDKProvider, provider_error
from fsmnb.llm.provider import DeltaSink
from fsmnb.llm.types import Completion, LLMRequest, ToolCall, Usage

__all__ = ("AnthropicProvider",)

DEFAULT_MAX_TOKENS = 1024


class AnthropicProvider(SDKProvider):
    """Anthropic's Messages API."""

    name = "anthropic"
    key_variable = "ANTHROPIC_API_KEY"
    base_url_variable = "ANTHROPIC_BASE_URL"

    def _make_client(self) -> Any:
        try:
            import anthropic
        except ImportError:
            raise MissingExtraError("The `anthropic:` provider", "anthropic", "anthropic") from None
        key = self._key()
        if not key:
            raise ProviderError("No Anthropic API key: set ANTHROPIC_API_KEY.", provider=self.name)
        return anthropic.AsyncAnthropic(**self._client_options(key))

    def _params(self, request: LLMRequest) -> tuple[dict[str, Any], str | None]:
        system = [request.system] if request.system else []
        messages = []
        for m in request.messages:
            if m.get("role") == "system":
                system.append(str(m.get("content", "")))
            else:
                messages.append({"role": m.get("role", "user"), "content": m.get("content", "")})
        params: dict[str, Any] = {
            "model": request.model,
            "messages": messages,
            "max_tokens": request.max_tokens or DEFAULT_MAX_TOKENS,
        }
        if system:
            params["system"] = "\n\n".join(system)
        if request.temperature is not None:
            params["temperature"] = request.temperature
        tools = [_tool(t) for t in request.tools]
        forced = None
        schema = request.schema
        if schema is not None and schema.get("type", "object") == "object":
            forced = request.schema_name
            tools.append(
                {
                    "name": forced,
                    "description": "Give your reply by calling this tool; its input is the reply.",
                    "input_schema": dict(schema),
                }
            )
            params["tool_choice"] = {"type": "tool", "name": forced}
        if tools:
            params["tools"] = tools
        for key in ("top_p", "top_k", "stop_sequences", "metadata"):
            if key in request.options:
                params[key] = request.options[key]
        return params, forced

    async def complete(self, request: LLMRequest, on_delta: DeltaSink | None = None) -> Completion:
        """Send `request`; stream when `on_delta` is given."""
        client = self._clients.get()
        params, forced = self._params(request)
        try:
            if on_delta is None:
                message = await client.messages.create(**params)
                return _from_message(message, request.model, forced)
            stream = await client.messages.create(**params, stream=True)
            return await _from_stream(stream, request.model, forced, on_delta)
        except ProviderError:
            raise
        except Exception as exc:
            raise provider_error(
                exc, provider=self.name, model=request.model, secret=self._key()
            ) from exc


def _tool(spec: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": spec["name"],
        "description": spec.get("description", ""),
        "input_schema": spec.get("input_schema")
        or spec.get("parameters")
        or {"type": "object", "properties": {}},
    }


def _finish(
    text: str, calls: list[ToolCall], forced: str | None
) -> tuple[str, tuple[ToolCall, ...]]:
    if forced is not None:
        for call in calls:
            if call.name == forced:
                return json.dumps(dict(call.arguments), ensure_ascii=False), tuple(
                    c for c in calls if c is not call
                )
    return text, tuple(calls)


def _from_message(message: Any, model: str, forced: str | None) -> Completion:
    texts, calls = [], []
    for block in message.content or ():
        if block.type == "text":
            texts.append(block.text)
        elif block.type == "tool_use":
            calls.append(ToolCall(block.id, block.name, dict(block.input or {})))
    text, tool_calls = _finish("".join(texts), calls, forced)
    usage = message.usage
    return Completion(
        text=text,
        model=message.model or model,
        tool_calls=tool_calls,
        finish_reason=message.stop_reason,
        usage=Usage(usage.input_tokens or 0, usage.output_tokens or 0) if usage else Usage(),
    )


async def _from_stream(
    stream: Any, model: str, forced: str | None, on_delta: DeltaSink
) -> Completion:
    texts: list[str] = []
    blocks: dict[int, list[Any]] = {}  # index -> [id, name, json parts]
    tokens_in = tokens_out = 0
    finish, answered = None, model
    async for event in stream:
        kind = event.type
        if kind == "message_start":
            answered = event.message.model or answered
            tokens_in = event.message.usage.input_tokens or 0
            tokens_out = event.message.usage.output_tokens or 0
        elif kind == "content_block_start" and event.content_block.type == "tool_use":
            blocks[event.index] = [event.content_block.id, event.content_block.name, []]
        elif kind == "content_block_delta":
            delta = event.delta
            if delta.type == "text_delta":
                texts.append(delta.text)
                on_delta(delta.text)
            elif delta.type == "input_json_delta" and event.index in blocks:
                blocks[event.index][2].append(delta.partial_json)
                if blocks[event.index][1] == forced:
                    on_delta(delta.partial_json)
        elif kind == "message_delta":
            finish = event.delta.stop_reason or finish
            if event.usage is not None:
                tokens_out = event.usage.output_tokens or tokens_out
    calls = []
    for _, (call_id, name, parts) in sorted(blocks.items()):
        raw = "".join(parts)
        try:
            arguments = json.loads(raw) if raw else {}
        except ValueError:
            arguments = {"_raw": raw}
        calls.append(
            ToolCall(
                call_id, name, arguments if isinstance(arguments, dict) else {"_value": arguments}
            )
        )
    text, tool_calls = _finish("".join(texts), calls, forced)
    for call_id, name, parts in blocks.values():
        if (
            name == forced
        ):  # the forced tool's input exactly as streamed: validation sees the raw JSON
            text = "".join(parts)
            tool_calls = tuple(c for c in tool_calls if c.id != call_id)
    return Completion(
        text=text,
        model=answered,
        usage=Usage(tokens_in, tokens_out),
        tool_calls=tool_calls,
        finish_reason=finish,
    )
