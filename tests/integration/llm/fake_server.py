"""A loopback HTTP/1.1 server that speaks the OpenAI and Anthropic wire formats.

The real SDK clients talk to it through `base_url`. A test scripts what it
answers, one `Reply` per request (JSON, SSE streams, error statuses with
headers, truncated or malformed bodies, slow replies); unscripted requests get
an echo of the last user message in the right format (streamed when asked).
Every request is recorded (`server.requests`) with its path, headers and JSON body.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass
class Reply:
    """What the server sends for one request."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    events: list[bytes] | None = None  # SSE frames, sent then the connection closes
    declared_length: int | None = None  # a Content-Length larger than the body: truncated
    delay: float = 0.0  # seconds before answering

    @classmethod
    def json(cls, data: Any, status: int = 200, **headers: str) -> Reply:
        return cls(
            status, json.dumps(data).encode(), {"content-type": "application/json", **headers}
        )

    @classmethod
    def error(cls, status: int, message: str = "error", **headers: str) -> Reply:
        body = {"error": {"message": message, "type": "server_error"}, "type": "error"}
        return cls.json(body, status, **{k.replace("_", "-"): v for k, v in headers.items()})

    @classmethod
    def raw(cls, text: str, status: int = 200, content_type: str = "application/json") -> Reply:
        return cls(status, text.encode(), {"content-type": content_type})

    @classmethod
    def truncated(cls, data: Any, keep: int = 20) -> Reply:
        full = json.dumps(data).encode()
        return cls(
            200, full[:keep], {"content-type": "application/json"}, declared_length=len(full)
        )

    @classmethod
    def sse(cls, frames: list[bytes]) -> Reply:
        return cls(200, b"", {"content-type": "text/event-stream"}, events=frames)


# -- OpenAI ---------------------------------------------------------------------------------------


def openai_completion(
    text: str | None = "",
    *,
    model: str = "gpt-test",
    tool_calls: list[dict[str, Any]] | None = None,
    usage: tuple[int, int] = (11, 7),
    finish: str = "stop",
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if tool_calls:
        message["tool_calls"] = [
            {
                "id": c["id"],
                "type": "function",
                "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])},
            }
            for c in tool_calls
        ]
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {
            "prompt_tokens": usage[0],
            "completion_tokens": usage[1],
            "total_tokens": sum(usage),
        },
    }


def _chunk(delta: dict[str, Any], model: str, finish: str | None = None) -> bytes:
    data = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(data)}\n\n".encode()


def openai_stream(
    pieces: list[str],
    *,
    model: str = "gpt-test",
    usage: tuple[int, int] = (11, 7),
    tool_calls: list[dict[str, Any]] | None = None,
    done: bool = True,
) -> list[bytes]:
    frames = [_chunk({"role": "assistant", "content": ""}, model)]
    frames += [_chunk({"content": p}, model) for p in pieces]
    for i, call in enumerate(tool_calls or ()):
        args = json.dumps(call["arguments"])
        frames.append(
            _chunk(
                {
                    "tool_calls": [
                        {
                            "index": i,
                            "id": call["id"],
                            "type": "function",
                            "function": {"name": call["name"], "arguments": ""},
                        }
                    ]
                },
                model,
            )
        )
        half = len(args) // 2
        for part in (args[:half], args[half:]):
            frames.append(
                _chunk({"tool_calls": [{"index": i, "function": {"arguments": part}}]}, model)
            )
    frames.append(_chunk({}, model, "tool_calls" if tool_calls else "stop"))
    usage_data = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [],
        "usage": {
            "prompt_tokens": usage[0],
            "completion_tokens": usage[1],
            "total_tokens": sum(usage),
        },
    }
    frames.append(f"data: {json.dumps(usage_data)}\n\n".encode())
    if done:
        frames.append(b"data: [DONE]\n\n")
    return frames


def openai_text(text: str, usage: tuple[int, int] = (11, 7)) -> Callable[[Recorded], Reply]:
    """A reply of `text`: streamed when the request asks for a stream, else JSON."""

    def reply(request: Recorded) -> Reply:
        if (request.body or {}).get("stream"):
            return Reply.sse(openai_stream([text], usage=usage))
        return Reply.json(openai_completion(text, usage=usage))

    return reply


# -- Anthropic ------------------------------------------------------------------------------------


def anthropic_message(
    text: str = "",
    *,
    model: str = "claude-test",
    tool: tuple[str, dict[str, Any]] | None = None,
    usage: tuple[int, int] = (13, 5),
) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    if tool is not None:
        content.append({"type": "tool_use", "id": "toolu_1", "name": tool[0], "input": tool[1]})
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": "tool_use" if tool else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": usage[0], "output_tokens": usage[1]},
    }


def _event(kind: str, data: dict[str, Any]) -> bytes:
    return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n".encode()


def anthropic_stream(
    pieces: list[str],
    *,
    model: str = "claude-test",
    tool: tuple[str, str] | None = None,
    usage: tuple[int, int] = (13, 5),
) -> list[bytes]:
    start = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": usage[0], "output_tokens": 1},
    }
    frames = [_event("message_start", {"message": start})]
    if tool is None:
        frames.append(
            _event(
                "content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}
            )
        )
        frames += [
            _event("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": p}})
            for p in pieces
        ]
    else:
        name, raw_json = tool
        frames.append(
            _event(
                "content_block_start",
                {
                    "index": 0,
                    "content_block": {
                        "type": "tool_use",
                        "id": "toolu_1",
                        "name": name,
                        "input": {},
                    },
                },
            )
        )
        half = len(raw_json) // 2
        for part in (raw_json[:half], raw_json[half:]):
            frames.append(
                _event(
                    "content_block_delta",
                    {"index": 0, "delta": {"type": "input_json_delta", "partial_json": part}},
                )
            )
    frames.append(_event("content_block_stop", {"index": 0}))
    frames.append(
        _event(
            "message_delta",
            {
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": usage[1]},
            },
        )
    )
    frames.append(_event("message_stop", {}))
    return frames


def anthropic_text(text: str, usage: tuple[int, int] = (13, 5)) -> Callable[[Recorded], Reply]:
    """A reply of `text`: streamed when the request asks for a stream, else JSON."""

    def reply(request: Recorded) -> Reply:
        if (request.body or {}).get("stream"):
            return Reply.sse(anthropic_stream([text], usage=usage))
        return Reply.json(anthropic_message(text, usage=usage))

    return reply


# -- the server -----------------------------------------------------------------------------------


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class FakeLLMServer:
    """Serve scripted replies on 127.0.0.1 (an ephemeral port) from the test's own event loop."""

    def __init__(self) -> None:
        self.script: list[Reply | Callable[[Recorded], Reply]] = []
        self.requests: list[Recorded] = []
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def openai_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def anthropic_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def then(self, *replies: Reply | Callable[[Recorded], Reply]) -> FakeLLMServer:
        self.script.extend(replies)
        return self

    async def start(self) -> FakeLLMServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()  # the connection's task sees EOF and ends (cancelling it would log)
            await asyncio.gather(*self._tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            while True:
                request = await self._read(reader)
                if request is None:
                    break
                self.requests.append(request)
                reply = self.script.pop(0) if self.script else self._default(request)
                if callable(reply):
                    reply = reply(request)
                if not await self._write(writer, reply):
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._tasks.discard(task)
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _read(self, reader: asyncio.StreamReader) -> Recorded | None:
        line = await reader.readline()
        if not line:
            return None
        method, path, _ = line.decode().split(" ", 2)
        headers: dict[str, str] = {}
        while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = header.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        raw = await reader.readexactly(int(headers.get("content-length", "0")))
        body = json.loads(raw) if raw else None
        return Recorded(method, path, headers, body)

    async def _write(self, writer: asyncio.StreamWriter, reply: Reply) -> bool:
        if reply.delay:
            await asyncio.sleep(reply.delay)
        head = [f"HTTP/1.1 {reply.status} {REASONS.get(reply.status, 'Status')}"]
        head += [f"{k}: {v}" for k, v in reply.headers.items()]
        if reply.events is not None:
            head.append("connection: close")
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
            for frame in reply.events:
                writer.write(frame)
                await writer.drain()
            return False
        length = reply.declared_length if reply.declared_length is not None else len(reply.body)
        head.append(f"content-length: {length}")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + reply.body)
        await writer.drain()
        return reply.declared_length is None  # a truncated body ends the connection

    def _default(self, request: Recorded) -> Reply:
        body = request.body or {}
        messages = body.get("messages") or [{}]
        prompt = str(messages[-1].get("content", ""))
        text = f"echo: {prompt}"
        if request.path.endswith("/chat/completions"):
            if body.get("stream"):
                return Reply.sse(
                    openai_stream([text[:6], text[6:]], model=body.get("model", "gpt-test"))
                )
            return Reply.json(openai_completion(text, model=body.get("model", "gpt-test")))
        if request.path.endswith("/messages"):
            if body.get("stream"):
                return Reply.sse(
                    anthropic_stream([text[:6], text[6:]], model=body.get("model", "claude-test"))
                )
            return Reply.json(anthropic_message(text, model=body.get("model", "claude-test")))
        if request.path.endswith("/embeddings"):
            inputs = body.get("input") or []
            data = [
                {"object": "embedding", "index": i, "embedding": [float(len(t)), 1.0, 0.0]}
                for i, t in enumerate(inputs)
            ]
            return Reply.json(
                {
                    "object": "list",
                    "data": data,
                    "model": body.get("model"),
                    "usage": {"prompt_tokens": 1, "total_tokens": 1},
                }
            )
        return Reply.error(404, f"no route {request.path}")
