"""The offline hash embedder and the in-memory index."""

from __future__ import annotations

import math

import pytest

from fsmnb import llm
from fsmnb.errors import DefinitionError, MissingExtraError
from fsmnb.llm.embeddings import HashEmbedder, SentenceTransformerEmbedder


def _cos(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


async def test_hash_vectors_are_unit_deterministic_and_word_sensitive() -> None:
    embed = HashEmbedder(256)
    a, b, c, d = await embed.embed(
        ["pump pressure", "the pressure of the pump", "blue sky at noon", "car"]
    )
    assert len(a) == 256 and math.isclose(sum(x * x for x in a), 1.0)
    assert a == (await HashEmbedder(256).embed(["pump pressure"]))[0]
    assert _cos(a, b) > 0.4 > _cos(a, c)
    (auto,) = await embed.embed(["automobile"])
    assert abs(_cos(d, auto)) < 0.3  # documented weakness: synonyms without shared pieces


def test_embedder_resolution() -> None:
    assert llm.get_embedder().name == "hash:1024"
    assert llm.get_embedder("hash:64").name == "hash:64"
    assert llm.get_embedder("openai:text-embedding-3-small").name == "openai:text-embedding-3-small"
    with pytest.raises(DefinitionError, match="No embedder for `nope`"):
        llm.get_embedder("nope")
    with pytest.raises(DefinitionError):
        HashEmbedder(4)


async def test_local_embedder_without_the_extra_names_it() -> None:
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        with pytest.raises(MissingExtraError, match=r"fsmnb\[local\]"):
            await SentenceTransformerEmbedder().embed(["x"])


async def test_index_replaces_ids_filters_and_orders_ties() -> None:
    index = llm.MemoryIndex("hash:64", name="t")
    await index.add(["alpha", "beta"], ids=["a", "b"], metadata=[{"k": 1}, {"k": 2}])
    await index.add(["alpha again"], ids=["a"])
    assert len(index) == 2 and "2 texts" in repr(index)
    assert next(h.id for h in await index.search("alpha", k=5)) == "a"
    assert [h.id for h in await index.search("alpha", filters={"k": 2})] == ["b"]
    assert await llm.MemoryIndex().search("x") == []
    assert isinstance(index, llm.VectorIndex)


def test_stemming_meets_inflections() -> None:
    from fsmnb.llm.lexical import stem, tokens

    assert stem("supplies") == stem("supply") == "supply"
    assert stem("calibration") == stem("calibrated") == stem("calibrate")
    assert stem("running") == stem("runs") == "run"
    assert stem("status") == "status" and stem("analysis") == "analysis"
    assert tokens("The pumps of the line") == ["pump", "line"]  # stop words dropped


async def test_hash_is_deterministic_normalized_and_ranks_related_texts_first() -> None:
    embed = HashEmbedder()
    texts = ["calibrate the pressure sensors", "calibration of a pressure sensor",
             "refund for a damaged order"]  # fmt: skip
    a, b, c = await embed.embed(texts)
    assert a == HashEmbedder().vector(texts[0])
    assert all(math.isclose(sum(x * x for x in v), 1.0) for v in (a, b, c))
    assert _cos(a, b) > 0.5 > 0.1 > _cos(a, c)
    assert HashEmbedder().vector("the of and") == [0.0] * 1024  # only stop words: no direction


async def test_idf_weighs_rare_features_up() -> None:
    docs = ["check the pump", "check the valve", "check the motor"]
    plain, weighted = HashEmbedder(), HashEmbedder().with_idf(docs)
    query = "check pump"
    # "check" is in every document: with IDF the query leans towards "pump"
    assert _cos(weighted.vector(query), weighted.vector("pump")) > _cos(
        plain.vector(query), plain.vector("pump")
    )
    assert "idf over" in repr(weighted)
