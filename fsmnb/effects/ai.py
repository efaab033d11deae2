"""AI leaves: model calls, embeddings, retrieval and agents.

Their handlers live in `fsmnb.llm` and `fsmnb.agents`, which register them when
imported; without those layers the interpreter fails at once with a
`MissingHandlerError` that names the module providing the handler.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

from fsmnb.effects.base import Effect

__all__ = (
    "CallLLM",
    "CoordinateAgents",
    "EmbedText",
    "InvokeAgent",
    "RagPipeline",
    "VectorSearch",
    "call_llm",
    "coordinate_agents",
    "embed_text",
    "invoke_agent",
    "rag_pipeline",
    "vector_search",
)

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _empty() -> Mapping[str, Any]:
    return _EMPTY


@dataclass(frozen=True, slots=True, kw_only=True)
class CallLLM(Effect):
    """Ask a model; the result is the reply text, or a validated object when `schema` is set.

    Args:
        prompt: the user message (or `messages` for a whole conversation).
        model: a model string such as ``openai:gpt-4o-mini``, ``anthropic:claude-…``,
            ``local:smollm2``, ``demo``; None means the configured default.
        system: the system prompt.
        messages: a full conversation, as ``{"role", "content"}`` mappings.
        schema: a pydantic model (or JSON schema) the reply must validate against.
        max_tokens, temperature: sampling options.
        tools: tool specs the model may call.
        options: anything else the provider understands.
    """

    kind: ClassVar[str] = "call_llm"
    prompt: str = ""
    model: str | None = None
    system: str | None = None
    messages: tuple[Mapping[str, Any], ...] = ()
    schema: Any = None
    max_tokens: int | None = None
    temperature: float | None = None
    tools: tuple[Mapping[str, Any], ...] = ()
    options: Mapping[str, Any] = field(default_factory=_empty)

    def label(self) -> str:
        return f"call_llm({self.model or 'default'})"


@dataclass(frozen=True, slots=True, kw_only=True)
class EmbedText(Effect):
    """Embed text; the result is a list of floats (or a list of vectors for many texts)."""

    kind: ClassVar[str] = "embed_text"
    text: str | tuple[str, ...]
    model: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class VectorSearch(Effect):
    """Search a vector index; the result is a list of hits (id, score, text, metadata)."""

    kind: ClassVar[str] = "vector_search"
    query: str
    index: Any = "default"
    k: int = 5
    filters: Mapping[str, Any] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True, kw_only=True)
class InvokeAgent(Effect):
    """Ask an agent to solve a task; the result is the agent's answer."""

    kind: ClassVar[str] = "invoke_agent"
    agent: Any
    task: str
    context: Mapping[str, Any] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True, kw_only=True)
class CoordinateAgents(Effect):
    """Run several agents on one task with a strategy; the result holds every round."""

    kind: ClassVar[str] = "coordinate_agents"
    agents: tuple[Any, ...]
    task: str
    strategy: str = "parallel"
    threshold: float = 0.8
    max_rounds: int = 3
    timeout: float | None = None
    options: Mapping[str, Any] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True, kw_only=True)
class RagPipeline(Effect):
    """Embed the query, search, optionally rerank, compress, then ask the model with the context."""

    kind: ClassVar[str] = "rag_pipeline"
    query: str
    index: Any = "default"
    k: int = 5
    model: str | None = None
    rerank: bool = False
    max_context_chars: int = 4000
    options: Mapping[str, Any] = field(default_factory=_empty)


def call_llm(
    prompt: str = "",
    *,
    model: str | None = None,
    system: str | None = None,
    messages: Sequence[Mapping[str, Any]] = (),
    schema: Any = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
    tools: Sequence[Mapping[str, Any]] = (),
    **options: Any,
) -> CallLLM:
    """Ask a model (see `CallLLM`); needs `fsmnb.llm`, imported by `import fsmnb`."""
    return CallLLM(
        prompt=prompt,
        model=model,
        system=system,
        messages=tuple(messages),
        schema=schema,
        max_tokens=max_tokens,
        temperature=temperature,
        tools=tuple(tools),
        options=options or _EMPTY,
    )


def embed_text(text: str | Sequence[str], *, model: str | None = None) -> EmbedText:
    """Embed one text or many."""
    return EmbedText(text=text if isinstance(text, str) else tuple(text), model=model)


def vector_search(
    query: str, *, index: Any = "default", k: int = 5, filters: Mapping[str, Any] | None = None
) -> VectorSearch:
    """Find the `k` nearest documents to `query` in `index`."""
    return VectorSearch(
        query=query,
        index=index,
        k=k,
        filters=MappingProxyType(dict(filters)) if filters else _EMPTY,
    )


def invoke_agent(agent: Any, task: str, **context: Any) -> InvokeAgent:
    """Ask `agent` (an `Agent` or a registered name) to solve `task`."""
    return InvokeAgent(agent=agent, task=task, context=context or _EMPTY)


def coordinate_agents(
    agents: Sequence[Any],
    task: str,
    *,
    strategy: str = "parallel",
    threshold: float = 0.8,
    max_rounds: int = 3,
    timeout: float | None = None,
    **options: Any,
) -> CoordinateAgents:
    """Coordinate `agents` on `task` (sequential, parallel, consensus, debate, hierarchical, vote)."""
    return CoordinateAgents(
        agents=tuple(agents),
        task=task,
        strategy=strategy,
        threshold=threshold,
        max_rounds=max_rounds,
        timeout=timeout,
        options=options or _EMPTY,
    )


def rag_pipeline(
    query: str,
    *,
    index: Any = "default",
    k: int = 5,
    model: str | None = None,
    rerank: bool = False,
    max_context_chars: int = 4000,
    **options: Any,
) -> RagPipeline:
    """Retrieval-augmented generation: embed → search → (rerank) → compress → `call_llm`."""
    return RagPipeline(
        query=query,
        index=index,
        k=k,
        model=model,
        rerank=rerank,
        max_context_chars=max_context_chars,
        options=options or _EMPTY,
    )
