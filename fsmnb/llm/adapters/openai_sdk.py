"""``openai:<model>``: chat completions and embeddings through the official `openai` SDK.

Any OpenAI-compatible server (Ollama, vLLM, llama.cpp's server) works through
``OPENAI_BASE_URL`` or `OpenAIProvider(base_url=...)` registered under a prefix
of your own::

    fsmnb.llm.register_provider("ollama", lambda m: OpenAIProvider(m, base_url="http://localhost:11434/v1", api_key="ollama"))

Structured calls ask for the strongest JSON mode the server accepts
(`fsmnb.llm.capabilities`): ``json_schema``, else ``json_object`` with the
schema alongside, else the prompt alone; a server refusing a mode is asked
again at once one rung down, and the refusal is remembered per base URL.
Declare what a server accepts with ``capabilities=Capabilities(...)`` to skip
the learning. The SDK's own retries are off: `fsmnb.llm.resilience` retries
transient failures instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from fsmnb.errors import MissingExtraError, ProviderError
from fsmnb.llm.adapters import SDKProvider, provider_error
from fsmnb.llm.capabilities import Capabilities, capabilities_for, is_unsupported, learn
from fsmnb.llm.grammar_schema import simplify_for_grammar
from fsmnb.llm.provider import DeltaSink
from fsmnb.llm.types import Completion, LLMRequest, ToolCall, Usage

__all__ = ("OpenAIProvider",)


class OpenAIProvider(SDKProvider):
    """The OpenAI chat-completions API (or a compatible server, under a prefix of your own)."""

    name = "openai"
    key_variable = "OPENAI_API_KEY"
    base_url_variable = "OPENAI_BASE_URL"

    def __init__(
        self, rest: str = "", *, capabilities: Capabilities | None = None, **settings: Any
    ) -> None:
        super().__init__(rest, **settings)
        self._declared = capabilities

    @property
    def capabilities(self) -> Capabilities:
        """What the endpoint accepts: declared, else learned from earlier refusals, else all."""
        return capabilities_for(self.base_url, self._declared)

    def _make_client(self) -> Any:
        try:
            import openai
        except ImportError:
            raise MissingExtraError("The `openai:` provider", "openai", "openai") from None
        key = self._key()
        if not key and self.base_url is None:
            raise ProviderError(
                "No OpenAI API key: set OPENAI_API_KEY, or give a `base_url` for a local "
                "OpenAI-compatible server.",
                provider=self.name,
            )
        return openai.AsyncOpenAI(**self._client_options(key or "not-needed"))

    def _params(self, request: LLMRequest, caps: Capabilities) -> dict[str, Any]:
        messages: list[dict[str, Any]] = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        messages.extend(dict(m) for m in request.messages)
        params: dict[str, Any] = {"model": request.model, "messages": messages}
        if request.max_tokens is not None:
            params["max_tokens" if self.base_url else "max_completion_tokens"] = request.max_tokens
        if request.temperature is not None:
            params["temperature"] = request.temperature
        if request.tools:
            params["tools"] = [_tool(t) for t in request.tools]
        mode = caps.structured_mode()
        if request.schema is not None and mode == "json_schema":
            params["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": request.schema_name,
                    "schema": dict(request.schema),
                    "strict": bool(request.options.get("strict", False)),
                },
            }
        elif request.schema is not None and mode == "json_object":
            # llama.cpp's and llama-cpp-python's servers constrain to `schema` here;
            # the others ignore it (the schema is in the prompt as well).
            # ... and compile it to a grammar: cut it to what that compiler takes.
            schema = simplify_for_grammar(request.schema)
            params["response_format"] = {"type": "json_object", "schema": schema}
        passthrough = {k: v for k, v in request.options.items() if k in _PASSTHROUGH}
        params.update(passthrough)
        return params

    async def complete(self, request: LLMRequest, on_delta: DeltaSink | None = None) -> Completion:
        """Send `request`; stream when `on_delta` is given."""
        client = self._clients.get()
        caps = self.capabilities
        while True:
            params = self._params(request, caps)
            try:
                if on_delta is None:
                    response = await client.chat.completions.create(**params)
                    return _from_response(response, request.model)
                if caps.stream_usage:
                    params["stream_options"] = {"include_usage": True}
                stream = await client.chat.completions.create(**params, stream=True)
                return await _from_stream(stream, request.model, on_delta)
            except ProviderError:
                raise
            except Exception as exc:
                error = provider_error(
                    exc, provider=self.name, model=request.model, secret=self._key()
                )
                weaker = _weaker(caps, params, error)
                if weaker is None:
                    raise error from exc
                caps = weaker
                if self._declared is None:
                    learn(self.base_url, caps)

    async def embed(self, texts: Sequence[str], model: str) -> list[list[float]]:
        """Embedding vectors for `texts` with embedding model `model`."""
        client = self._clients.get()
        try:
            response = await client.embeddings.create(model=model, input=list(texts))
        except Exception as exc:
            raise provider_error(exc, provider=self.name, model=model, secret=self._key()) from exc
        return [list(item.embedding) for item in sorted(response.data, key=lambda d: d.index)]


def _weaker(
    caps: Capabilities, params: Mapping[str, Any], error: ProviderError
) -> Capabilities | None:
    """The capabilities to try next after `error`, or None when nothing weaker would help."""
    if not is_unsupported(error):
        return None
    text = str(error).lower()
    if "stream_options" in params and ("stream_options" in text or "include_usage" in text):
        return Capabilities(caps.json_schema, caps.json_object, caps.tools, stream_usage=False)
    response_format = params.get("response_format")
    if isinstance(response_format, Mapping):
        return caps.without(response_format["type"])
    return None


_PASSTHROUGH = frozenset(
    {"top_p", "stop", "seed", "tool_choice", "presence_penalty", "frequency_penalty", "user"}
)


def _tool(spec: Mapping[str, Any]) -> dict[str, Any]:
    if spec.get("type") == "function":
        return dict(spec)
    return {
        "type": "function",
        "function": {
            "name": spec["name"],
            "description": spec.get("description", ""),
            "parameters": spec.get("parameters")
            or spec.get("input_schema")
            or {"type": "object", "properties": {}},
        },
    }


def _arguments(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {"_raw": text or ""}
    return value if isinstance(value, dict) else {"_value": value}


def _from_response(response: Any, model: str) -> Completion:
    if not getattr(response, "choices", None):
        raise ProviderError(
            f"`openai:{model}` answered without choices.",
            provider="openai",
            model=model,
            is_retryable=True,
        )
    choice = response.choices[0]
    message = choice.message
    calls = tuple(
        ToolCall(c.id, c.function.name, _arguments(c.function.arguments))
        for c in (message.tool_calls or ())
    )
    usage = response.usage
    return Completion(
        text=message.content or "",
        model=response.model or model,
        usage=Usage(usage.prompt_tokens, usage.completion_tokens) if usage else Usage(),
        tool_calls=calls,
        finish_reason=choice.finish_reason,
    )


async def _from_stream(stream: Any, model: str, on_delta: DeltaSink) -> Completion:
    parts: list[str] = []
    tools: dict[int, list[str]] = {}
    usage, finish, answered = Usage(), None, model
    async for chunk in stream:
        answered = chunk.model or answered
        if chunk.usage is not None:
            usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
        for choice in chunk.choices or ():
            delta = choice.delta
            if delta is not None and delta.content:
                parts.append(delta.content)
                on_delta(delta.content)
            for call in (delta.tool_calls if delta is not None else None) or ():
                slot = tools.setdefault(call.index, ["", "", ""])
                slot[0] = call.id or slot[0]
                if call.function is not None:
                    slot[1] = call.function.name or slot[1]
                    slot[2] += call.function.arguments or ""
            finish = choice.finish_reason or finish
    calls = tuple(ToolCall(i, n, _arguments(a)) for _, (i, n, a) in sorted(tools.items()))
    return Completion(
        text="".join(parts), model=answered, usage=usage, tool_calls=calls, finish_reason=finish
    )
