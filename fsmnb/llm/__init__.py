"""The LLM layer: providers behind one protocol, structured calls, streaming, cost, cassettes.

    from fsmnb import llm

    reply = await llm.complete("What is 47 + 89?")                  # default model (demo offline)
    reply.usage, reply.cost                                           # an LLMReply is the text itself
    pick = await llm.structured("workflow_selection", {"problem": ..., "workflows": [...]})
    pick.value.selected_workflow, pick.attempts

Model strings: ``openai:<model>``, ``anthropic:<model>``, ``local:smollm2``,
``demo``, ``scripted[:<name>]``, ``replay:<cassette.jsonl>``; None means
`default_model()`. Importing this package registers the handlers of the
`call_llm`, `embed_text`, `vector_search` and `rag_pipeline` effects; it
imports no provider SDK (each adapter imports its own on first use).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fsmnb.engine.sync import run_sync
from fsmnb.errors import MissingExtraError, ProviderError, StructuredOutputError
from fsmnb.llm import handlers as _handlers  # registers the effect handlers
from fsmnb.llm.cache import ResponseCache, request_hash, response_cache
from fsmnb.llm.client import CallRecord, Settings, calls_of, complete, configure, cost_of, settings
from fsmnb.llm.embeddings import Embedder, HashEmbedder, get_embedder
from fsmnb.llm.index import Hit, MemoryIndex, VectorIndex, vector_index
from fsmnb.llm.pricing import PRICES, cost_for, set_price
from fsmnb.llm.provider import Provider, default_model, get_provider, register_provider
from fsmnb.llm.resilience import Policy
from fsmnb.llm.script import ScriptedProvider, scripted
from fsmnb.llm.structured_calls import Attempt, StructuredResult, structured, validate_reply
from fsmnb.llm.templates import load_templates, register_template, render, template_names
from fsmnb.llm.types import Completion, LLMReply, LLMRequest, ToolCall, Usage

del _handlers

__all__ = (
    "PRICES",
    "Attempt",
    "CallRecord",
    "Completion",
    "Embedder",
    "HashEmbedder",
    "Hit",
    "LLMReply",
    "LLMRequest",
    "MemoryIndex",
    "MissingExtraError",
    "Policy",
    "Provider",
    "ProviderError",
    "ResponseCache",
    "ScriptedProvider",
    "Settings",
    "StructuredOutputError",
    "StructuredResult",
    "ToolCall",
    "Usage",
    "VectorIndex",
    "calls_of",
    "complete",
    "complete_sync",
    "configure",
    "cost_for",
    "cost_of",
    "default_model",
    "get_embedder",
    "get_provider",
    "load_templates",
    "register_provider",
    "register_schema",
    "register_template",
    "render",
    "request_hash",
    "response_cache",
    "scripted",
    "set_price",
    "settings",
    "structured",
    "structured_sync",
    "template_names",
    "validate_reply",
    "vector_index",
)


def register_schema(model: Any, name: str | None = None) -> Any:
    """Make a pydantic model available to templates by `name` (default: its class name)."""
    from fsmnb.llm.schemas import register_schema as register

    return register(model, name)


def complete_sync(prompt: str = "", **kwargs: Any) -> LLMReply:
    """`complete` from synchronous code (a script, or a notebook cell without `await`)."""
    return run_sync(complete(prompt, **kwargs))


def structured_sync(
    schema: Any, data: Mapping[str, Any] | None = None, **kwargs: Any
) -> StructuredResult[Any]:
    """`structured` from synchronous code."""
    return run_sync(structured(schema, data, **kwargs))
