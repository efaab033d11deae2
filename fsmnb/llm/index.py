"""Vector indexes: the `VectorIndex` protocol, an in-memory index, and indexes by name.

    docs = fsmnb.llm.vector_index("manuals")            # made on first use, hash embedder
    await docs.add(["Pump P-3 needs oil every 500 h", ...])
    hits = await docs.search("when to oil the pump", k=3)

The `vector_search` and `rag_pipeline` effects find an index by name (or take
the index object itself).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, Protocol, runtime_checkable

from fsmnb.llm.embeddings import Embedder, get_embedder

__all__ = ("Hit", "MemoryIndex", "VectorIndex", "index_names", "vector_index")


class Hit(NamedTuple):
    """One search result (a tuple, so it journals as JSON)."""

    id: str
    score: float
    text: str
    metadata: Mapping[str, Any]


@runtime_checkable
class VectorIndex(Protocol):
    """Stores texts with their vectors and finds the nearest ones to a query."""

    embedder: Embedder

    async def add(
        self,
        texts: Sequence[str],
        *,
        ids: Sequence[str] | None = None,
        metadata: Sequence[Mapping[str, Any]] | None = None,
    ) -> list[str]:
        """Embed and store `texts`; returns their ids."""
        ...

    async def search(
        self, query: str, *, k: int = 5, filters: Mapping[str, Any] | None = None
    ) -> list[Hit]:
        """The `k` stored texts nearest to `query` whose metadata matches `filters`."""
        ...


class MemoryIndex:
    """An exact (brute-force cosine) index in memory; fine up to ~100k short texts."""

    def __init__(self, embedder: Embedder | str | None = None, *, name: str = "") -> None:
        self.embedder = get_embedder(embedder)
        self.name = name
        self._ids: list[str] = []
        self._texts: list[str] = []
        self._vectors: list[list[float]] = []
        self._meta: list[Mapping[str, Any]] = []

    def __repr__(self) -> str:
        return f"<MemoryIndex {self.name or 'unnamed'} {len(self)} texts, {self.embedder.name}>"

    def __len__(self) -> int:
        return len(self._ids)

    def add_vectors(
        self,
        ids: Sequence[str],
        texts: Sequence[str],
        vectors: Sequence[Sequence[float]],
        metadata: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        """Store precomputed vectors (an existing id is replaced)."""
        metas = list(metadata) if metadata is not None else [{} for _ in ids]
        for i, text, vec, meta in zip(ids, texts, vectors, metas, strict=True):
            norm = math.sqrt(sum(x * x for x in vec)) or 1.0
            unit = [x / norm for x in vec]
            if i in self._ids:
                at = self._ids.index(i)
                self._texts[at], self._vectors[at], self._meta[at] = text, unit, dict(meta)
            else:
                self._ids.append(i)
                self._texts.append(text)
                self._vectors.append(unit)
                self._meta.append(dict(meta))

    async def add(
        self,
        texts: Sequence[str],
        *,
        ids: Sequence[str] | None = None,
        metadata: Sequence[Mapping[str, Any]] | None = None,
    ) -> list[str]:
        """Embed and store `texts`; ids default to ``doc-<n>``."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        new_ids = (
            list(ids)
            if ids is not None
            else [f"doc-{len(self._ids) + n}" for n in range(len(texts))]
        )
        self.add_vectors(new_ids, texts, await self.embedder.embed(texts), metadata)
        return new_ids

    async def search(
        self, query: str, *, k: int = 5, filters: Mapping[str, Any] | None = None
    ) -> list[Hit]:
        """The `k` nearest texts by cosine similarity (ties broken by insertion order)."""
        if not self._ids or k <= 0:
            return []
        (qvec,) = await self.embedder.embed([query])
        return self.search_vector(qvec, k=k, filters=filters)

    def search_vector(
        self, vector: Sequence[float], *, k: int = 5, filters: Mapping[str, Any] | None = None
    ) -> list[Hit]:
        """The `k` nearest texts to a query vector."""
        norm = math.sqrt(sum(x * x for x in vector)) or 1.0
        q = [x / norm for x in vector]
        scored = []
        for pos, vec in enumerate(self._vectors):
            meta = self._meta[pos]
            if filters and any(meta.get(key) != value for key, value in filters.items()):
                continue
            scored.append((sum(a * b for a, b in zip(q, vec, strict=False)), pos))
        scored.sort(key=lambda s: (-s[0], s[1]))
        return [
            Hit(self._ids[pos], round(score, 6), self._texts[pos], self._meta[pos])
            for score, pos in scored[:k]
        ]


_INDEXES: dict[str, VectorIndex] = {}


def vector_index(
    name: str = "default",
    *,
    embedder: Embedder | str | None = None,
    index: VectorIndex | None = None,
) -> VectorIndex:
    """The index called `name`: `index` if given (registering it), else made on first use."""
    if index is not None:
        _INDEXES[name] = index
        return index
    found = _INDEXES.get(name)
    if found is None:
        found = _INDEXES[name] = MemoryIndex(embedder, name=name)
    return found


def index_names() -> tuple[str, ...]:
    """The names of the indexes made or registered so far, sorted."""
    return tuple(sorted(_INDEXES))
