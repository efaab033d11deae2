"""Loopback personalities of OpenAI-compatible servers: what each accepts and how each refuses.

Each is a `FakeLLMServer` reply function that answers chat completions the way
the named server's OpenAI endpoint does (per its documentation and issue tracker):

- llama.cpp's ``llama-server`` before the json_schema support (and ik_llama.cpp,
  llama-cpp-python's server): ``json_object`` with an optional ``schema``;
  ``json_schema`` → HTTP 500 ``{"error": {"code": 500, "message": "response_format
  type must be one of \"text\" or \"json_object\", but got: json_schema", "type":
  "server_error"}}``.
- Ollama (≥ 0.5): ``json_object`` and ``json_schema``; any other type → HTTP 400
  ``{"error": {"message": "invalid response format type", "type": "invalid_request_error"}}``.
- vLLM: both; a bad request → HTTP 400 ``{"object": "error", "message": ..., "type":
  "BadRequestError", "code": 400}``.
- LM Studio: ``json_schema`` only; ``json_object`` → HTTP 400
  ``{"error": "'response_format.type' must be 'json_schema'"}``.
- A bare server that refuses ``response_format`` altogether (400, "not supported").

A personality answers `reply_text` (a function of the request) when it accepts the request.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.integration.llm.fake_server import (
    Recorded,
    Reply,
    openai_completion,
    openai_stream,
)

Personality = Callable[[Recorded], Reply]
ReplyText = Callable[[Recorded], str]


def _answer(request: Recorded, text: str) -> Reply:
    if (request.body or {}).get("stream"):
        return Reply.sse(openai_stream([text]))
    return Reply.json(openai_completion(text))


def _kind(request: Recorded) -> str | None:
    fmt = (request.body or {}).get("response_format")
    return fmt.get("type") if isinstance(fmt, dict) else None


def llama_cpp(reply_text: ReplyText) -> Personality:
    def serve(request: Recorded) -> Reply:
        kind = _kind(request)
        if kind not in (None, "text", "json_object"):
            message = (
                f'response_format type must be one of "text" or "json_object", but got: {kind}'
            )
            return Reply.json(
                {"error": {"code": 500, "message": message, "type": "server_error"}}, 500
            )
        return _answer(request, reply_text(request))

    return serve


def ollama(reply_text: ReplyText) -> Personality:
    def serve(request: Recorded) -> Reply:
        if _kind(request) not in (None, "text", "json_object", "json_schema"):
            body = {
                "error": {
                    "message": "invalid response format type",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": None,
                }
            }
            return Reply.json(body, 400)
        return _answer(request, reply_text(request))

    return serve


def vllm(reply_text: ReplyText) -> Personality:
    def serve(request: Recorded) -> Reply:
        if _kind(request) not in (None, "text", "json_object", "json_schema", "structural_tag"):
            body = {
                "object": "error",
                "message": "Unknown response_format type",
                "type": "BadRequestError",
                "param": None,
                "code": 400,
            }
            return Reply.json(body, 400)
        return _answer(request, reply_text(request))

    return serve


def lm_studio(reply_text: ReplyText) -> Personality:
    def serve(request: Recorded) -> Reply:
        if _kind(request) not in (None, "text", "json_schema"):
            return Reply.json({"error": "'response_format.type' must be 'json_schema'"}, 400)
        return _answer(request, reply_text(request))

    return serve


def bare(reply_text: ReplyText) -> Personality:
    def serve(request: Recorded) -> Reply:
        if _kind(request) is not None:
            body = {
                "error": {
                    "message": "response_format is not supported by this server",
                    "type": "invalid_request_error",
                }
            }
            return Reply.json(body, 400)
        if "stream_options" in (request.body or {}):
            body = {
                "error": {
                    "message": "unknown field `stream_options`",
                    "type": "invalid_request_error",
                }
            }
            return Reply.json(body, 400)
        return _answer(request, reply_text(request))

    return serve


def json_reply(value: Any) -> ReplyText:
    """Always answer `value` as JSON text."""
    text = json.dumps(value)
    return lambda _request: text


PERSONALITIES: dict[str, Callable[[ReplyText], Personality]] = {
    "llama.cpp": llama_cpp,
    "ollama": ollama,
    "vllm": vllm,
    "lm_studio": lm_studio,
    "bare": bare,
}

#: The `response_format` type each personality ends up accepting for a structured call.
SETTLES_ON: dict[str, str | None] = {
    "llama.cpp": "json_object",
    "ollama": "json_schema",
    "vllm": "json_schema",
    "lm_studio": "json_schema",
    "bare": None,
}
