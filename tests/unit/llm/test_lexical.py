"""The exact lexical scorer: sparse TF-IDF cosine over stems, bigrams and character n-grams."""

from __future__ import annotations

import math

import pytest

from fsmnb.llm.lexical import LexicalScorer, dot
from fsmnb.llm.ranking import (
    LEXICAL_FIELD_WEIGHTS,
    combine,
    field_texts,
    lexical_scorer,
    rank_offline,
)

DOCS = ["check the pump", "check the valve", "check the motor", "refund a damaged order"]


def test_vectors_are_exact_sparse_and_unit() -> None:
    scorer = LexicalScorer(DOCS)
    vec = scorer.vector("Checking the pumps")
    assert {"w:check", "w:pump", "b:check pump"} <= set(vec)  # features by name, no hashing
    assert math.isclose(sum(v * v for v in vec.values()), 1.0)
    assert scorer.vector("the of and") == {}  # only stop words: no direction
    assert scorer.vector("pump check") == LexicalScorer(DOCS).vector("pump check")  # deterministic


def test_similarity_is_exact_zero_for_texts_sharing_nothing() -> None:
    scorer = LexicalScorer(DOCS)
    assert scorer.similarity("pump", "refund an order") == 0.0  # no collision noise
    assert scorer.similarity("check the pump", "Check the PUMP!") == pytest.approx(1.0)
    assert scorer.similarity("check the pump", "the pump, check") < 1.0  # word order: bigrams
    a, b = "calibrate the pressure sensors", "calibration of a pressure sensor"
    assert scorer.similarity(a, b) == pytest.approx(scorer.similarity(b, a))
    assert 0.3 < scorer.similarity(a, b) < 1.0  # inflections meet through stems and n-grams
    assert dot(scorer.vector(a), scorer.vector(b)) == scorer.similarity(a, b)


def test_idf_from_the_corpus_weighs_common_features_down() -> None:
    scorer = LexicalScorer(DOCS)
    assert scorer.idf["w:check"] < scorer.idf["w:pump"] < scorer.default_idf
    # "check" is in most documents: the query leans towards "pump"
    assert scorer.similarity("check pump", "pump") > scorer.similarity("check pump", "check")
    flat = LexicalScorer()  # no corpus: every feature weighs the same
    assert flat.similarity("check pump", "pump") == pytest.approx(
        flat.similarity("check pump", "check"), rel=0.2
    )
    assert "4 documents" in repr(scorer)


def test_feature_weights_change_what_counts() -> None:
    words_only = LexicalScorer(DOCS, weights=(1.0, 0.0, 0.0))
    assert words_only.similarity("pumps", "pumping") == pytest.approx(1.0)  # same stem
    assert words_only.similarity("pump", "pumpkin") == 0.0
    assert LexicalScorer(DOCS).similarity("pump", "pumpkin") > 0.0  # shared character n-grams


def test_rank_offline_is_the_registry_rule_over_the_listed_workflows() -> None:
    workflows = [
        {"name": "pump_service", "description": "Service the pumps", "tags": ["pump"],
         "domain": "maintenance", "examples": ["The pump leaks"]},
        {"name": "refunds", "description": "Refund a customer", "tags": ["refund"],
         "domain": "service", "examples": [{"problem": "Refund order 12"}]},
    ]  # fmt: skip
    ranked = rank_offline("the pumps are leaking", workflows)
    assert ranked[0][0] == "pump_service" and ranked[1] == ("refunds", 0.0)
    pumps = field_texts("pump_service", "Service the pumps", ["pump"], "maintenance",
                        ["The pump leaks"])  # fmt: skip
    refunds = field_texts(
        "refunds", "Refund a customer", ["refund"], "service", ["Refund order 12"]
    )
    scorer = lexical_scorer([pumps, refunds])
    sims = [(f, t, scorer.similarity("the pumps are leaking", t)) for f, t in pumps]
    assert ranked[0][1] == combine(sims, LEXICAL_FIELD_WEIGHTS).score
