"""The `Provider` protocol and the routing of model strings to providers.

A model string is ``<prefix>:<name>`` (``openai:gpt-4o-mini``,
``anthropic:claude-3-5-haiku-latest``, ``local:smollm2``, ``replay:calls.jsonl``,
``scripted:quiz``) or a bare provider name (``demo``, ``scripted``). Without a
model, `default_model()` decides: ``FSMNB_MODEL``, else the provider whose key
is set (``OPENAI_API_KEY``, ``ANTHROPIC_API_KEY``), else ``demo``.

Provider instances are made on first use and kept (one client per provider
and settings), so connections are reused.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, runtime_checkable

from fsmnb.errors import DefinitionError
from fsmnb.llm.types import Completion, LLMRequest

__all__ = (
    "DeltaSink",
    "Provider",
    "default_model",
    "forget_provider",
    "get_provider",
    "model_name",
    "register_provider",
    "resolve",
    "split_model",
)

#: Receives each streamed text fragment as it arrives.
DeltaSink = Callable[[str], None]


@runtime_checkable
class Provider(Protocol):
    """Something that answers `LLMRequest`s.

    Attributes:
        name: the routing prefix (``openai``), used for breakers, rate limits and prices.
        supports_native_schema: whether it enforces `LLMRequest.schema` itself.
        is_remote: whether it goes over the network (retries, breaker and rate limit apply).
    """

    name: str
    supports_native_schema: bool
    is_remote: bool

    def complete(
        self, request: LLMRequest, on_delta: DeltaSink | None = None
    ) -> Awaitable[Completion]:
        """Answer `request`; stream text fragments to `on_delta` when it is given."""
        ...


Factory = Callable[[str], Provider]

_FACTORIES: dict[str, Factory] = {}
_INSTANCES: dict[str, Provider] = {}


def register_provider(prefix: str, factory: Factory | Provider, *, replace: bool = True) -> None:
    """Route model strings ``<prefix>:<name>`` (and a bare ``<prefix>``) to a provider.

    Args:
        prefix: the routing prefix, e.g. ``ollama``.
        factory: a `Provider` instance, or ``fn(rest_of_model_string) -> Provider``
            (called once per distinct model string; the instance is kept).
        replace: allow replacing an existing route.
    """
    if not replace and prefix in _FACTORIES:
        raise DefinitionError(f"A provider for prefix `{prefix}` is already registered.")
    if isinstance(factory, Provider):
        instance = factory
        _FACTORIES[prefix] = lambda _rest: instance
    else:
        _FACTORIES[prefix] = factory
    for key in [k for k in _INSTANCES if k == prefix or k.startswith(prefix + ":")]:
        del _INSTANCES[key]


def forget_provider(model: str) -> None:
    """Drop the cached instance for `model` so the next use makes a new one."""
    _INSTANCES.pop(model, None)


def split_model(model: str) -> tuple[str, str]:
    """``"openai:gpt-4o"`` → ``("openai", "gpt-4o")``; ``"demo"`` → ``("demo", "")``."""
    prefix, _, rest = model.partition(":")
    return prefix.strip(), rest.strip()


def default_model() -> str:
    """The model used when none is given: ``FSMNB_MODEL``, else a keyed provider, else ``demo``."""
    configured = os.environ.get("FSMNB_MODEL", "").strip()
    if configured:
        return configured
    if os.environ.get("OPENAI_API_KEY"):
        return "openai:" + os.environ.get("FSMNB_OPENAI_MODEL", "gpt-4o-mini")
    if os.environ.get("ANTHROPIC_API_KEY"):
        return "anthropic:" + os.environ.get("FSMNB_ANTHROPIC_MODEL", "claude-3-5-haiku-latest")
    return "demo"


def resolve(model: str | Provider | None) -> tuple[str, Provider]:
    """The full model string and the provider that serves it.

    Raises:
        DefinitionError: no provider is registered for the model's prefix
            (the message lists the known prefixes).
    """
    if model is not None and not isinstance(model, str):
        return getattr(model, "model", model.name), model
    full = model or default_model()
    return full, get_provider(full)


def get_provider(model: str) -> Provider:
    """The (cached) provider instance for a model string."""
    found = _INSTANCES.get(model)
    if found is not None:
        return found
    _ensure_builtins()
    prefix, rest = split_model(model)
    factory = _FACTORIES.get(prefix)
    if factory is None:
        known = ", ".join(f"`{p}`" for p in sorted(_FACTORIES))
        raise DefinitionError(
            f"No LLM provider for model `{model}`: unknown prefix `{prefix}`. Known prefixes: "
            f"{known}. Use e.g. `openai:gpt-4o-mini` or register one with "
            f"`fsmnb.llm.register_provider`."
        )
    instance = _INSTANCES[model] = factory(rest)
    return instance


def model_name(model: str) -> str:
    """The provider's own name for a model string (``openai:gpt-4o`` → ``gpt-4o``)."""
    prefix, rest = split_model(model)
    return rest or prefix


_BUILTINS_READY = False


def _ensure_builtins() -> None:
    global _BUILTINS_READY
    if _BUILTINS_READY:
        return
    _BUILTINS_READY = True
    builtins: dict[str, Factory] = {
        "openai": _lazy("fsmnb.llm.adapters.openai_sdk", "OpenAIProvider"),
        "anthropic": _lazy("fsmnb.llm.adapters.anthropic_sdk", "AnthropicProvider"),
        "local": _lazy("fsmnb.llm.adapters.llama_cpp", "LocalProvider"),
        "demo": _lazy("fsmnb.llm.demo", "DemoProvider"),
        "scripted": _lazy("fsmnb.llm.script", "named_script"),
        "replay": _lazy("fsmnb.llm.replay", "ReplayProvider"),
    }
    for prefix, factory in builtins.items():
        _FACTORIES.setdefault(prefix, factory)


def _lazy(module: str, attr: str) -> Factory:
    def make(rest: str) -> Provider:
        import importlib

        made: Any = getattr(importlib.import_module(module), attr)(rest)
        return made  # type: ignore[no-any-return]

    return make
