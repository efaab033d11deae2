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


def test_hybrid_score_is_the_convex_mix_of_the_lexical_and_dense_scores() -> None:
    from fsmnb.llm.ranking import HYBRID_FIELD_WEIGHTS, combine_hybrid

    sims = [
        ("description", "check pumps", 0.5, 0.2),
        ("tags", "maintenance", 0.0, 0.6),
        ("example", "the pump hums", 0.1, 0.9),
        ("example", "pump check", 0.4, 0.1),
    ]
    for lam in (0.0, 0.3, 0.6, 1.0):
        got = combine_hybrid(sims, lam)
        (kind_l, w_l, lexical), (kind_d, w_d, dense) = got.mix
        assert (kind_l, kind_d) == ("lexical", "dense") and w_l + w_d == pytest.approx(1.0)
        assert got.score == pytest.approx(w_l * lexical + w_d * dense, abs=1e-3)
        assert got.score == pytest.approx(sum(s * w for _, s, w in got.parts), abs=1e-3)
    pure_lexical = combine([(f, t, lx) for f, t, lx, _ in sims], HYBRID_FIELD_WEIGHTS)
    pure_dense = combine([(f, t, dn) for f, t, _, dn in sims], HYBRID_FIELD_WEIGHTS)
    assert combine_hybrid(sims, 1.0).score == pure_lexical.score
    assert combine_hybrid(sims, 0.0).score == pure_dense.score
    # the closest example is chosen by the mixed similarity
    assert combine_hybrid(sims, 1.0).example == "pump check"
    assert combine_hybrid(sims, 0.0).example == "the pump hums"


def test_hybrid_thresholds_are_calibrated_per_embedder_else_interpolated() -> None:
    from fsmnb.llm.ranking import (
        CREATE_NEW_THRESHOLDS,
        HYBRID_LEXICAL_WEIGHT,
        HYBRID_THRESHOLDS,
        create_new_threshold,
    )

    assert create_new_threshold("local:all-minilm-l6-v2") == CREATE_NEW_THRESHOLDS["local"]
    assert (
        create_new_threshold("local:all-minilm-l6-v2", HYBRID_LEXICAL_WEIGHT)
        == HYBRID_THRESHOLDS["local"]
    )
    assert create_new_threshold("fake:concepts", 0.5) == pytest.approx(
        0.5 * CREATE_NEW_THRESHOLDS["hash"] + 0.5 * 0.1
    )
