"""Retrieval-augmented generation: embed → search → (rerank) → compress → ask the model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fsmnb.llm.index import Hit, VectorIndex, vector_index
from fsmnb.llm.overlap import overlap, words

if TYPE_CHECKING:
    from fsmnb.engine.context import Context
    from fsmnb.llm.provider import Provider

__all__ = ("answer_with_context", "build_prompt", "compress", "rerank")

SYSTEM = "Answer the question from the context only. If the context does not say, say so."


def rerank(query: str, hits: list[Hit]) -> list[Hit]:
    """Reorder hits by vector score plus word overlap with the query (a cheap cross-check)."""
    q = words(query)
    return sorted(hits, key=lambda h: -(h.score + 0.5 * overlap(q, h.text)))


def compress(hits: list[Hit], max_chars: int) -> list[str]:
    """The hits' texts, best first, cut to fit `max_chars` in all (the last one trimmed)."""
    kept, used = [], 0
    for hit in hits:
        room = max_chars - used
        if room <= 20:
            break
        text = hit.text if len(hit.text) <= room else hit.text[: room - 1] + "…"
        kept.append(text)
        used += len(text) + 3
    return kept


def build_prompt(query: str, passages: list[str]) -> str:
    """The user message: the context passages, then the question."""
    context = "\n".join(f"- {p}" for p in passages) or "- (nothing found)"
    return f"Context:\n{context}\n\nQuestion: {query}"


async def answer_with_context(
    query: str,
    *,
    index: str | VectorIndex = "default",
    k: int = 5,
    model: str | Provider | None = None,
    rerank_hits: bool = False,
    max_context_chars: int = 4000,
    ctx: Context | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Answer `query` from the `k` nearest passages of `index`.

    Returns:
        ``{"answer": LLMReply, "hits": [Hit, ...]}`` — the hits that were given as context.
    """
    from fsmnb.llm.client import complete

    found = index if not isinstance(index, str) else vector_index(index)
    hits = await found.search(query, k=k)
    if rerank_hits:
        hits = rerank(query, hits)
    passages = compress(hits, max_context_chars)
    reply = await complete(
        build_prompt(query, passages), model=model, system=SYSTEM, ctx=ctx, **options
    )
    return {"answer": reply, "hits": hits[: len(passages)]}
