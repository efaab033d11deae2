"""A stand-in for llama.cpp in the child process: answers, streams, raises, hangs or crashes."""

from __future__ import annotations

import ctypes
import json
import os
import time
from collections.abc import Callable, Mapping
from typing import Any


def worker(greeting: str) -> Callable[[Mapping[str, Any], Callable[[str], None]], dict[str, Any]]:
    def answer(request: Mapping[str, Any], emit: Callable[[str], None]) -> dict[str, Any]:
        prompt = str(request["messages"][-1]["content"])
        if prompt == "segfault":
            ctypes.string_at(0)  # a real SIGSEGV in native code, like llama.cpp's
        if prompt == "abort":
            os.abort()
        if prompt == "raise":
            raise ValueError("the grammar is too large")
        if prompt == "hang":
            time.sleep(30)
        if prompt == "schema":
            text = json.dumps(request.get("response_format"))
        else:
            text = f"{greeting} from {os.getpid()}"
        if request.get("stream"):
            for piece in text.split(" "):
                emit(piece + " ")
        return {"text": text, "input_tokens": 3, "output_tokens": 4, "finish_reason": "stop"}

    return answer
