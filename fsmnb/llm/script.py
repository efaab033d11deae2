"""The ``scripted`` model: replies written by the test or notebook author.

    fsmnb.llm.scripted(["not json", '{"answer": "42"}'])           # in order
    fsmnb.llm.scripted({"weather": "sunny", "*": "no idea"})        # by prompt substring
    fsmnb.llm.scripted(lambda request: request.prompt.upper())     # computed

Each call registers the script under ``scripted:<name>`` (``name="default"`` is
also plain ``scripted``). A reply may be a string, or a dict/list which is sent
as its JSON text, or an `Exception` instance, which is raised (to script
provider failures).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fsmnb.errors import DefinitionError, ProviderError
from fsmnb.llm.provider import DeltaSink, forget_provider
from fsmnb.llm.types import Completion, LLMRequest, Usage

__all__ = ("ScriptedProvider", "named_script", "scripted")

Script = Iterable[Any] | Mapping[str, Any] | Callable[[LLMRequest], Any]

_SCRIPTS: dict[str, ScriptedProvider] = {}


class ScriptedProvider:
    """Answers from a script; `requests` keeps every request it was sent (for assertions)."""

    is_remote = False

    def __init__(
        self, script: Script, *, name: str = "default", native_schema: bool = False
    ) -> None:
        self.name = "scripted"
        self.script_name = name
        self.model = "scripted" if name == "default" else f"scripted:{name}"
        self.supports_native_schema = native_schema
        self.requests: list[LLMRequest] = []
        self._fn: Callable[[LLMRequest], Any] | None = None
        self._rules: Mapping[str, Any] | None = None
        self._queue: list[Any] | None = None
        if callable(script):
            self._fn = script
        elif isinstance(script, Mapping):
            self._rules = dict(script)
        elif isinstance(script, str | bytes):
            self._queue = [script]
        else:
            self._queue = list(script)
        self._next = 0

    def __repr__(self) -> str:
        kind = "function" if self._fn else "rules" if self._rules is not None else "list"
        return f"<ScriptedProvider {self.model} {kind} calls={len(self.requests)}>"

    @property
    def remaining(self) -> int:
        """Replies left in a list script (0 for rules and functions)."""
        return len(self._queue) - self._next if self._queue is not None else 0

    def _reply_for(self, request: LLMRequest) -> Any:
        if self._fn is not None:
            return self._fn(request)
        if self._rules is not None:
            prompt = request.prompt
            for key, value in self._rules.items():
                if key != "*" and (key in prompt or _matches(key, prompt)):
                    return value
            if "*" in self._rules:
                return self._rules["*"]
            raise ProviderError(
                f"Script `{self.model}` has no rule matching the prompt `{prompt[:120]}`; its keys are "
                f"{', '.join(f'`{k}`' for k in self._rules)}. Add a matching key or a `*` fallback.",
                provider="scripted",
                model=self.model,
            )
        assert self._queue is not None
        if self._next >= len(self._queue):
            raise ProviderError(
                f"Script `{self.model}` ran out of replies after {len(self._queue)} calls; the next "
                f"prompt was `{request.prompt[:120]}`. Give it more replies.",
                provider="scripted",
                model=self.model,
            )
        value = self._queue[self._next]
        self._next += 1
        return value

    async def complete(self, request: LLMRequest, on_delta: DeltaSink | None = None) -> Completion:
        """Answer `request` with the script's next reply."""
        self.requests.append(request)
        value = self._reply_for(request)
        if isinstance(value, BaseException):
            raise value
        if isinstance(value, Completion):
            text = value.text
        elif isinstance(value, str):
            text = value
        else:
            text = json.dumps(value, ensure_ascii=False)
        if on_delta is not None and text:
            for piece in re.findall(r"\S+\s*|\s+", text):
                on_delta(piece)
        tokens_in = sum(len(str(m.get("content", "")).split()) for m in request.messages)
        return Completion(
            text=text,
            model=self.model,
            usage=Usage(tokens_in, len(text.split())),
            finish_reason="stop",
        )


def _matches(key: str, prompt: str) -> bool:
    if not (key.startswith("re:")):
        return False
    return re.search(key[3:], prompt) is not None


def scripted(
    script: Script, *, name: str = "default", native_schema: bool = False
) -> ScriptedProvider:
    """Make a scripted model and route ``scripted:<name>`` (and ``scripted`` for default) to it.

    Args:
        script: a list of replies (used in order), a dict from prompt substring (or
            ``re:<regex>``, or ``*`` for anything) to reply, or ``fn(request) -> reply``.
        name: the model string's suffix.
        native_schema: behave like a provider with native structured output
            (receives `request.schema`).
    """
    provider = ScriptedProvider(script, name=name, native_schema=native_schema)
    _SCRIPTS[name] = provider
    forget_provider(provider.model)
    forget_provider(f"scripted:{name}")
    return provider


def named_script(rest: str) -> ScriptedProvider:
    """The script registered as `rest` (routing factory for ``scripted:<name>``)."""
    name = rest or "default"
    found = _SCRIPTS.get(name)
    if found is None:
        raise DefinitionError(
            f"No script called `{name}` for model `scripted:{name}`. Create it first with "
            f"`fsmnb.llm.scripted([...], name={name!r})`."
        )
    return found
