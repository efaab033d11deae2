"""What an MCP client may ask the server's model layer for: allowed models and safe options.

A model string can name host resources (``replay:<file>`` reads and, when
recording, appends to any file; ``local:<path>`` loads a file; a provider
option such as ``base_url`` or ``record_model`` names a URL or another
model), so a client may only use the model strings the operator allowed
(`fsmnb mcp --models`, default: the server's default model alone) and the
options in `OPTIONS`, with values of the listed JSON types. Everything is
checked on the request itself, before anything runs or touches the disk, so
no answer depends on whether a file exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fsmnb.effects import (
    CallLLM,
    CoordinateAgents,
    EmbedText,
    InvokeAgent,
    RagPipeline,
    VectorSearch,
)
from fsmnb.effects.base import Effect
from fsmnb.errors import DefinitionError

__all__ = ("DEFAULT", "OPTIONS", "ModelPolicy")

#: Stands for "the model the server uses when none is given" in an allow-list.
DEFAULT = "default"

#: Options a client may pass to a model call, with the JSON types each value may have.
OPTIONS: dict[str, tuple[type, ...]] = {
    "cache": (bool,),
    "stream": (bool,),
    "native": (bool,),
    "max_attempts": (int,),
    "template": (str,),
    "data": (dict,),
    "top_p": (int, float),
    "seed": (int,),
    "stop": (str, list),
    "presence_penalty": (int, float),
    "frequency_penalty": (int, float),
}
MAX_ATTEMPTS = 5

#: Keys of an agent's free-form context/options that would name a host resource.
RESOURCE_KEYS = frozenset(
    {
        "record",
        "record_model",
        "cassette",
        "path",
        "file",
        "cache_path",
        "cache_dir",
        "store",
        "base_url",
        "url",
        "api_base",
        "api_key",
        "host",
        "endpoint",
        "command",
        "model_path",
        "filename",
    }
)


@dataclass(frozen=True)
class ModelPolicy:
    """The model strings a client may name (besides leaving the model out).

    Args:
        models: the allowed model strings; ``"default"`` (or an empty list) stands
            for the server's default model, which leaving `model` out always uses.

    Example:
        >>> ModelPolicy(["demo"]).problems_of_model("replay:/etc/passwd", "`model`")
        ['`model`: the model `replay:/etc/passwd` is not allowed here; allowed: `demo` (or leave it out)']
    """

    models: Sequence[str] = ()
    allowed: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "allowed", frozenset(m for m in self.models if m != DEFAULT))

    def problems_of_model(self, model: Any, where: str) -> list[str]:
        """Why `model` (a client's value at `where`) is refused; empty when allowed."""
        if model is None or (isinstance(model, str) and model in self.allowed):
            return []
        listed = ", ".join(f"`{m}`" for m in sorted(self.allowed))
        allowed = f"{listed} (or leave it out)" if listed else "leave it out (the server's default)"
        shown = model[:80] if isinstance(model, str) else type(model).__name__
        return [f"{where}: the model `{shown}` is not allowed here; allowed: {allowed}"]

    def problems_of_options(self, options: Mapping[str, Any], where: str) -> list[str]:
        """Why the options of a model call are refused: unknown keys, wrong types, limits."""
        found = []
        for key, value in options.items():
            types = OPTIONS.get(key)
            if types is None:
                why = (
                    "names a file, a URL or a process on the server"
                    if key in RESOURCE_KEYS
                    else "is not an option a client may set"
                )
                listed = ", ".join(f"`{k}`" for k in OPTIONS)
                found.append(f"{where}.`{key}`: {why}; allowed options: {listed}")
            elif (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
                names = " or ".join(t.__name__ for t in types)
                found.append(f"{where}.`{key}`: expected {names}, got {type(value).__name__}")
            elif (
                key == "max_attempts" and isinstance(value, int) and not 1 <= value <= MAX_ATTEMPTS
            ):
                found.append(f"{where}.`max_attempts`: must be 1 to {MAX_ATTEMPTS}, got {value}")
        return found

    def problems_of_context(self, context: Mapping[str, Any], where: str) -> list[str]:
        """Why an agent's free-form context or options are refused (a model, resource keys)."""
        found = self.problems_of_model(context.get("model"), f"{where}.`model`")
        for key in sorted(set(context) & RESOURCE_KEYS):
            found.append(
                f"{where}.`{key}`: names a file, a URL or a process on the server; remove it"
            )
        return found

    def problems_of_effects(self, effects: Iterable[Effect]) -> list[str]:
        """Why the model calls among `effects` are refused, each named by its effect."""
        found: list[str] = []
        for e in effects:
            where = f"`{e.kind}`"
            if isinstance(e, VectorSearch | RagPipeline):
                found += _problems_of_index(e.index, f"{where}.`index`")
            if isinstance(e, CallLLM | RagPipeline):
                found += self.problems_of_model(e.model, f"{where}.`model`")
                found += self.problems_of_options(e.options, f"{where}.`options`")
            elif isinstance(e, EmbedText):
                found += self.problems_of_model(e.model, f"{where}.`model`")
            elif isinstance(e, InvokeAgent):
                found += self.problems_of_context(e.context, f"{where}.`context`")
            elif isinstance(e, CoordinateAgents):
                found += self.problems_of_context(e.options, f"{where}.`options`")
        return found

    def check(self, problems: list[str], subject: str) -> None:
        """Raise one `DefinitionError` listing `problems` (nothing when there are none)."""
        if problems:
            raise DefinitionError.collect(subject, problems)


def _problems_of_index(index: Any, where: str) -> list[str]:
    """An index must exist already: naming a new one would make (and keep) an empty index."""
    from fsmnb.llm.index import index_names

    known = index_names()
    if not isinstance(index, str) or index in known:
        return []
    listed = ", ".join(f"`{n}`" for n in known[:20]) or "none"
    return [f"{where}: no index `{index[:80]}` is served; indexes: {listed}"]
