"""Find the JSON in a model's reply, tolerantly.

Models wrap JSON in code fences, put prose before or after it, or answer
with several objects. `extract_json` tries, in order: the whole reply; each
fenced block (```json … ``` or ``` … ```); then each ``{`` or ``[`` from the
left, decoding one value with `json.JSONDecoder.raw_decode` and ignoring what
follows (a start inside a value that failed to decode is skipped, so a
truncated object never yields a fragment of itself). It never repairs JSON (no guessing at a missing brace): a reply that
holds no complete JSON value raises `ReplyParseError`, whose message is fed
back to the model on the next attempt.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ("MAX_REPLY_CHARS", "ReplyParseError", "extract_json")

#: Replies longer than this are refused without parsing (a runaway generation).
MAX_REPLY_CHARS = 200_000
_MAX_STARTS = 64
_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_-]*)[ \t]*\r?\n?(.*?)```", re.DOTALL)
_DECODER = json.JSONDecoder()


class ReplyParseError(ValueError):
    """The reply holds no complete JSON value; the message says what was wrong."""


def _decode_whole(text: str) -> Any:
    return json.loads(text)


def extract_json(reply: str) -> Any:
    """The first complete JSON value in `reply` (an object or array is preferred).

    Raises:
        ReplyParseError: empty, too long, or no complete JSON value found.
    """
    if not isinstance(reply, str):
        raise ReplyParseError(f"the reply is {type(reply).__name__}, not text")
    text = reply.strip()
    if not text:
        raise ReplyParseError("the reply is empty; answer with a JSON object")
    if len(text) > MAX_REPLY_CHARS:
        raise ReplyParseError(
            f"the reply is {len(text)} characters long (limit {MAX_REPLY_CHARS}); answer with "
            f"the JSON object only"
        )
    first_error = ""
    try:
        return _decode_whole(text)
    except RecursionError:
        raise ReplyParseError(
            "the reply's JSON is nested too deeply; answer with a flat JSON object"
        ) from None
    except ValueError as exc:
        first_error = _describe(exc)
    for match in _FENCE.finditer(text):
        body = match.group(2).strip()
        if body:
            try:
                return _decode_whole(body)
            except (ValueError, RecursionError) as exc:
                first_error = _describe(exc)
    starts = 0
    index = _next_start(text, 0)
    while index != -1 and starts < _MAX_STARTS:
        starts += 1
        try:
            value, _end = _DECODER.raw_decode(text, index)
            return value
        except RecursionError as exc:
            first_error = _describe(exc)
            break  # deeper starts nest just as deeply
        except ValueError as exc:
            if starts == 1:
                first_error = _describe(exc)
            # Starts inside the failed value would only yield a fragment of it: skip past.
            index = max(index, getattr(exc, "pos", index))
        index = _next_start(text, index + 1)
    if starts == 0:
        raise ReplyParseError(
            "the reply holds no JSON object (no `{` found); answer with JSON only"
        )
    raise ReplyParseError(f"the reply holds no complete JSON value: {first_error}")


def _next_start(text: str, start: int) -> int:
    brace, bracket = text.find("{", start), text.find("[", start)
    candidates = [i for i in (brace, bracket) if i != -1]
    return min(candidates) if candidates else -1


def _describe(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "the JSON is nested too deeply"
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return str(exc)
