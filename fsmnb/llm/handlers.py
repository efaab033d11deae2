"""Handlers of the AI effects `call_llm`, `embed_text`, `vector_search` and `rag_pipeline`.

Importing this module registers them with the engine (`import fsmnb` does).
Options a `call_llm` effect understands besides the provider's own:
``cache`` (bool), ``stream`` (bool), ``max_attempts`` (structured calls),
``template`` + ``data`` (render a YAML request template instead of `prompt`),
``record`` / ``record_model`` (cassettes), ``native`` (provider-native
structured output, default True).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fsmnb.effects.ai import CallLLM, EmbedText, RagPipeline, VectorSearch
from fsmnb.engine.handlers import Path, register_handler

if TYPE_CHECKING:
    from fsmnb.engine.context import Context

__all__ = ()


def _register_codecs() -> None:
    """Teach the durable journal `LLMReply` (when the engine has codecs)."""
    try:
        from fsmnb.engine.codecs import register_codec
    except ImportError:  # an engine without durable journals
        return
    from fsmnb.llm.types import LLMReply

    register_codec(LLMReply, tag="llm_reply", encode=LLMReply.to_json, decode=LLMReply.from_json)


_register_codecs()


@register_handler(CallLLM)
async def _call_llm(effect: CallLLM, ctx: Context, path: Path) -> Any:
    from fsmnb.llm.client import complete
    from fsmnb.llm.structured_calls import structured

    options = dict(effect.options)
    cache = options.pop("cache", None)
    stream = options.pop("stream", None)
    template = options.pop("template", None)
    data = options.pop("data", None)
    if effect.schema is not None or template is not None:
        result = await structured(
            template or effect.schema,
            data,
            prompt=effect.prompt or None,
            model=effect.model,
            system=effect.system,
            max_attempts=options.pop("max_attempts", None),
            native=options.pop("native", True),
            ctx=ctx,
            stream=stream,
            cache=cache,
            **options,
        )
        return result.value
    return await complete(
        effect.prompt,
        model=effect.model,
        system=effect.system,
        messages=effect.messages,
        max_tokens=effect.max_tokens,
        temperature=effect.temperature,
        tools=effect.tools,
        stream=stream,
        cache=cache,
        ctx=ctx,
        **options,
    )


@register_handler(EmbedText)
async def _embed_text(effect: EmbedText, ctx: Context, path: Path) -> Any:
    from fsmnb.llm.embeddings import get_embedder

    embedder = get_embedder(effect.model)
    if isinstance(effect.text, str):
        return (await embedder.embed([effect.text]))[0]
    return await embedder.embed(list(effect.text))


@register_handler(VectorSearch)
async def _vector_search(effect: VectorSearch, ctx: Context, path: Path) -> Any:
    from fsmnb.llm.index import vector_index

    index = vector_index(effect.index) if isinstance(effect.index, str) else effect.index
    return await index.search(effect.query, k=effect.k, filters=dict(effect.filters) or None)


@register_handler(RagPipeline)
async def _rag_pipeline(effect: RagPipeline, ctx: Context, path: Path) -> Any:
    from fsmnb.llm.rag import answer_with_context

    return await answer_with_context(
        effect.query,
        index=effect.index,
        k=effect.k,
        model=effect.model,
        rerank_hits=effect.rerank,
        max_context_chars=effect.max_context_chars,
        ctx=ctx,
        **dict(effect.options),
    )
