"""What a provider (or an OpenAI-compatible server) can do, declared or learned on first use.

OpenAI-compatible servers accept different subsets of the chat-completions API:
llama.cpp's server (before late 2024) and llama-cpp-python's accept
``response_format: {"type": "json_object", "schema": ...}`` but answer HTTP 500
"response_format type must be one of "text" or "json_object"" to ``json_schema``;
LM Studio accepts only ``json_schema``; Ollama and vLLM accept both. So a
structured call walks down a ladder — ``json_schema`` → ``json_object`` (the
schema rides along and is in the prompt anyway) → ``prompt`` (no
``response_format``) — and a server's refusal of one rung, recognised by
`is_unsupported`, is remembered per base URL so it is paid once per process.
Such a refusal is permanent: retrying it would fail the same way.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace
from typing import Literal

from fsmnb.errors import ProviderError

__all__ = (
    "Capabilities",
    "StructuredMode",
    "capabilities_for",
    "forget_capabilities",
    "is_unsupported",
    "learn",
)

#: How a structured reply is asked for, strongest first.
StructuredMode = Literal["json_schema", "json_object", "prompt"]
LADDER: tuple[StructuredMode, ...] = ("json_schema", "json_object", "prompt")


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a chat endpoint accepts.

    Attributes:
        json_schema: ``response_format={"type": "json_schema", ...}`` (schema-constrained output).
        json_object: ``response_format={"type": "json_object"}`` (JSON mode).
        tools: tool (function) calls.
        stream_usage: ``stream_options={"include_usage": true}`` on streamed calls.
    """

    json_schema: bool = True
    json_object: bool = True
    tools: bool = True
    stream_usage: bool = True

    def structured_mode(self) -> StructuredMode:
        """The strongest way of asking for JSON this endpoint accepts."""
        if self.json_schema:
            return "json_schema"
        return "json_object" if self.json_object else "prompt"

    def without(self, mode: StructuredMode) -> Capabilities:
        """These capabilities with `mode` (and nothing weaker than it) marked unsupported."""
        if mode == "json_schema":
            return replace(self, json_schema=False)
        if mode == "json_object":
            return replace(self, json_schema=False, json_object=False)
        return self


#: OpenAI's own API: everything.
OPENAI = Capabilities()

_LEARNED: dict[str, Capabilities] = {}
_LOCK = threading.Lock()


def capabilities_for(base_url: str | None, declared: Capabilities | None = None) -> Capabilities:
    """The capabilities of the endpoint at `base_url` (None: OpenAI's own API).

    `declared` (a provider's ``capabilities=``) wins; otherwise what earlier calls
    learned about this base URL; otherwise everything is assumed until refused.
    """
    if declared is not None:
        return declared
    if base_url is None:
        return OPENAI
    with _LOCK:
        return _LEARNED.get(base_url.rstrip("/"), OPENAI)


def learn(base_url: str | None, capabilities: Capabilities) -> None:
    """Remember what the endpoint at `base_url` turned out to accept (for this process)."""
    if base_url is not None:
        with _LOCK:
            _LEARNED[base_url.rstrip("/")] = capabilities


def forget_capabilities(base_url: str | None = None) -> None:
    """Forget what was learned about `base_url` (None: about every endpoint)."""
    with _LOCK:
        if base_url is None:
            _LEARNED.clear()
        else:
            _LEARNED.pop(base_url.rstrip("/"), None)


# What servers say when they refuse a feature (not when they are merely overloaded):
# llama.cpp "response_format type must be one of ...", vLLM/Ollama "... not supported",
# LM Studio "'response_format.type' must be 'json_schema'", "unknown field `stream_options`".
_UNSUPPORTED = re.compile(
    r"not (?:be )?supported|unsupported|not implemented|must be one of|must be '|"
    r"invalid response.?format|unknown (?:field|parameter|variant)|unrecognized|"
    r"extra (?:inputs|fields) are not permitted|only json_object|does not support",
    re.IGNORECASE,
)
_FEATURE = re.compile(
    r"response.?format|json.?schema|json.?object|stream.?options|include.?usage|tool|function",
    re.IGNORECASE,
)


def is_unsupported(error: BaseException) -> bool:
    """Whether `error` is an endpoint refusing a feature (permanent), not a passing failure.

    A 501, or a 4xx/5xx (other than 408/429/503) whose message both names a request
    feature (``response_format``, ``json_schema``, ``stream_options``, tools) and says
    it is not accepted.
    """
    if not isinstance(error, ProviderError) or error.status is None:
        return False
    if error.status == 501:
        return True
    if error.status < 400 or error.status in (408, 429, 503):
        return False
    text = str(error)
    return bool(_UNSUPPORTED.search(text) and _FEATURE.search(text))
