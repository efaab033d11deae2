"""How a problem is scored against a workflow: one rule for the registry and the demo model.

A workflow has up to three fields: its **description** (name and description), its
**tags** (tags and domain) and its **examples** (problems it was used for). The problem
is compared with each (cosine similarity of embeddings; for an example field, the
closest example) and the score is the weighted mean over the fields the workflow has:

    score = Σ weight[field] · similarity[field] / Σ weight[field]

`WorkflowRegistry.find_similar` uses it with the registry's embedder: with the default
``hash`` embedder the similarities are exact lexical ones (`fsmnb.llm.lexical.LexicalScorer`:
sparse TF-IDF cosine, IDF over the registry's workflows, see `lexical_scorer`) combined with
`LEXICAL_FIELD_WEIGHTS`; with any other embedder, the cosine of its embeddings combined with
`FIELD_WEIGHTS`. With a dense embedder the registry ranks by a **hybrid** of both (see
`combine_hybrid`): per field text, ``λ · lexical + (1 − λ) · dense`` with
λ = `HYBRID_LEXICAL_WEIGHT` (the exact lexical similarity, IDF over the registry, and the
cosine of the embeddings), fields weighted by `HYBRID_FIELD_WEIGHTS`; the score splits
exactly into ``λ · lexical score + (1 − λ) · dense score`` (`Scored.mix`). The ``demo`` model uses the exact lexical scores (IDF over the listed
workflows) when the request does not carry the registry's similarities. A problem whose best
score is under the embedder's `create_new_threshold` fits no workflow: make a new one. The
weights and thresholds were tuned on the tuning half of ``bench/agents_bench.py`` only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fsmnb.llm.lexical import LexicalScorer

__all__ = (
    "CREATE_NEW_THRESHOLDS",
    "FIELD_WEIGHTS",
    "HYBRID_FIELD_WEIGHTS",
    "HYBRID_LEXICAL_WEIGHT",
    "HYBRID_THRESHOLDS",
    "LEXICAL_FIELD_WEIGHTS",
    "Scored",
    "combine",
    "combine_hybrid",
    "create_new_threshold",
    "field_texts",
    "lexical_scorer",
    "rank_offline",
)

#: How much each field counts with a dense embedder (renormalized over the fields a workflow has).
FIELD_WEIGHTS: dict[str, float] = {"description": 0.4, "tags": 0.2, "example": 0.4}

#: How much each field counts with the exact lexical scorer (the default ``hash`` embedder):
#: equal; the tags, keyword lists, say more per word than they do to a dense embedder.
LEXICAL_FIELD_WEIGHTS: dict[str, float] = {"description": 1 / 3, "tags": 1 / 3, "example": 1 / 3}

#: The best score under which no workflow fits, per embedder (by model-string prefix);
#: ``hash`` is the exact lexical scorer's.
CREATE_NEW_THRESHOLDS: dict[str, float] = {"hash": 0.023, "local": 0.22}
_FALLBACK_THRESHOLD = 0.1

#: The lexical part's weight λ in the hybrid similarity of a field text (the dense part
#: weighs 1 − λ), and the field weights of the hybrid score. Chosen on tuning halves with
#: ``local`` (MiniLM): on the seed set λ 0.5–0.7 fitted best; on issue 12's harder set
#: (paraphrases, indirect descriptions; ``bench/agents_bench.py --set issue12``) λ 0.35–0.5
#: fitted best (plan 90 % vs 86 % at 0.6) with the task-fit checks; 0.4 serves both.
HYBRID_LEXICAL_WEIGHT: float = 0.4
HYBRID_FIELD_WEIGHTS: dict[str, float] = {"description": 1 / 3, "tags": 1 / 3, "example": 1 / 3}

#: The hybrid score's create-new threshold per dense embedder (by model-string prefix), for
#: `HYBRID_LEXICAL_WEIGHT`, calibrated on issue 12's tuning half (0.12–0.141 fitted best: plan
#: 90–91 %; 0.13 is the middle); another embedder or λ gets
#: ``λ · lexical threshold + (1 − λ) · dense threshold`` (uncalibrated).
HYBRID_THRESHOLDS: dict[str, float] = {"local": 0.13}


def create_new_threshold(embedder_name: str, lexical_weight: float = 0.0) -> float:
    """The calibrated create-new threshold for an embedder called `embedder_name`; with a
    `lexical_weight` λ > 0, for the hybrid score (`combine_hybrid`) with that embedder."""
    prefix = embedder_name.partition(":")[0]
    dense = CREATE_NEW_THRESHOLDS.get(prefix, _FALLBACK_THRESHOLD)
    if lexical_weight <= 0.0:
        return dense
    if lexical_weight == HYBRID_LEXICAL_WEIGHT and prefix in HYBRID_THRESHOLDS:
        return HYBRID_THRESHOLDS[prefix]
    lexical = CREATE_NEW_THRESHOLDS["hash"]
    return round(lexical_weight * lexical + (1.0 - lexical_weight) * dense, 4)


def field_texts(
    name: str,
    description: str = "",
    tags: Iterable[str] = (),
    domain: str = "",
    examples: Iterable[str] = (),
) -> list[tuple[str, str]]:
    """The ``(field, text)`` pairs a workflow is compared on (one per example)."""
    words = name.replace("_", " ")
    texts = [("description", f"{words}. {description}".strip())]
    tagged = " ".join([*(str(t).replace("_", " ") for t in tags), domain.replace("_", " ")])
    if tagged.strip():
        texts.append(("tags", tagged.strip()))
    texts += [("example", str(e)) for e in examples if str(e).strip()]
    return texts


@dataclass(frozen=True, slots=True)
class Scored:
    """A workflow's score and its parts: ``(field, similarity, weight)``, and the closest example."""

    score: float
    parts: tuple[tuple[str, float, float], ...]
    example: str | None
    #: a hybrid score's split, ``(("lexical", λ, lexical score), ("dense", 1 − λ, dense
    #: score))``: ``score = Σ weight · part``; empty for a single scorer.
    mix: tuple[tuple[str, float, float], ...] = ()


def combine(
    similarities: Sequence[tuple[str, str, float]], weights: Mapping[str, float] | None = None
) -> Scored:
    """Combine ``(field, text, similarity)`` triples into a workflow's score (see the module doc),
    with `weights` per field (default `FIELD_WEIGHTS`)."""
    weights = FIELD_WEIGHTS if weights is None else weights
    best: dict[str, tuple[float, str]] = {}
    for field, text, sim in similarities:
        if field not in best or sim > best[field][0]:
            best[field] = (sim, text)
    total = sum(weights[f] for f in best) or 1.0
    parts = tuple(
        (f, round(best[f][0], 4), round(weights[f] / total, 4)) for f in weights if f in best
    )
    score = sum(weights[f] * best[f][0] for f in best) / total
    return Scored(round(score, 4), parts, best["example"][1] if "example" in best else None)


def combine_hybrid(
    similarities: Sequence[tuple[str, str, float, float]],
    lexical_weight: float = HYBRID_LEXICAL_WEIGHT,
    weights: Mapping[str, float] | None = None,
) -> Scored:
    """Combine ``(field, text, lexical, dense)`` similarities into a workflow's hybrid score.

    Each text's similarity is ``λ · lexical + (1 − λ) · dense`` (λ = `lexical_weight`); the
    fields (the closest example by that similarity) combine as in `combine`, with `weights`
    (default `HYBRID_FIELD_WEIGHTS`). `Scored.mix` holds the lexical and dense scores of the
    same texts with the same weights, so ``score = λ · lexical + (1 − λ) · dense``.
    """
    weights = HYBRID_FIELD_WEIGHTS if weights is None else weights
    lam = min(1.0, max(0.0, float(lexical_weight)))
    scored = combine(
        [(f, t, lam * lx + (1.0 - lam) * dn) for f, t, lx, dn in similarities], weights
    )
    best: dict[str, tuple[float, str, float, float]] = {}
    for field, text, lx, dn in similarities:
        sim = lam * lx + (1.0 - lam) * dn
        if field not in best or sim > best[field][0]:
            best[field] = (sim, text, lx, dn)
    total = sum(weights[f] for f in best) or 1.0
    lexical = sum(weights[f] * best[f][2] for f in best) / total
    dense = sum(weights[f] * best[f][3] for f in best) / total
    mix = (
        ("lexical", round(lam, 4), round(lexical, 4)),
        ("dense", round(1.0 - lam, 4), round(dense, 4)),
    )
    return Scored(scored.score, scored.parts, scored.example, mix)


def lexical_scorer(workflows: Iterable[Sequence[tuple[str, str]]]) -> LexicalScorer:
    """The exact lexical scorer for workflows given by their `field_texts`: IDF over them,
    one document per workflow (all its fields)."""
    return LexicalScorer(" ".join(t for _, t in fields) for fields in workflows)


def rank_offline(problem: str, workflows: Sequence[Mapping[str, Any]]) -> list[tuple[str, float]]:
    """Workflows ``{"name", "description", "tags", "domain", "examples"}`` by score, best first.

    Exact lexical similarities weighted by IDF over these workflows' own texts
    (`lexical_scorer`), as the registry scores with its default ``hash`` embedder.
    """
    fields = [
        field_texts(
            str(w.get("name", "")),
            str(w.get("description") or ""),
            w.get("tags") or (),
            str(w.get("domain") or ""),
            [
                e.get("problem", "") if isinstance(e, Mapping) else e
                for e in w.get("examples") or ()
            ],
        )
        for w in workflows
    ]
    scorer = lexical_scorer(fields)
    query = scorer.vector(problem)
    ranked = []
    for w, texts in zip(workflows, fields, strict=True):
        sims = [(f, t, scorer.similarity(query, t)) for f, t in texts]
        ranked.append((str(w.get("name")), combine(sims, LEXICAL_FIELD_WEIGHTS).score))
    return sorted(ranked, key=lambda r: (-r[1], r[0]))
