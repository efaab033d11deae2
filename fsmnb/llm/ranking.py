"""How a problem is scored against a workflow: one rule for the registry and the demo model.

A workflow has up to three fields: its **description** (name and description), its
**tags** (tags and domain) and its **examples** (problems it was used for). The problem
is compared with each (cosine similarity of embeddings; for an example field, the
closest example) and the score is the weighted mean over the fields the workflow has:

    score = Σ weight[field] · similarity[field] / Σ weight[field]

`WorkflowRegistry.find_similar` uses it with the registry's embedder; the ``demo`` model
uses it with the offline ``hash`` embedder (IDF over the listed workflows) when the
request does not carry the registry's similarities. A problem whose best score is under
the embedder's `create_new_threshold` fits no workflow: make a new one. The weights and
thresholds were tuned on the tuning half of ``bench/agents_bench.py`` only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = (
    "CREATE_NEW_THRESHOLDS",
    "FIELD_WEIGHTS",
    "Scored",
    "combine",
    "create_new_threshold",
    "field_texts",
    "rank_offline",
)

#: How much each field counts (renormalized over the fields a workflow has).
FIELD_WEIGHTS: dict[str, float] = {"description": 0.4, "tags": 0.2, "example": 0.4}

#: The best score under which no workflow fits, per embedder (by model-string prefix).
CREATE_NEW_THRESHOLDS: dict[str, float] = {"hash": 0.044, "local": 0.228}
_FALLBACK_THRESHOLD = 0.1


def create_new_threshold(embedder_name: str) -> float:
    """The calibrated create-new threshold for an embedder called `embedder_name`."""
    return CREATE_NEW_THRESHOLDS.get(embedder_name.partition(":")[0], _FALLBACK_THRESHOLD)


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


def combine(similarities: Sequence[tuple[str, str, float]]) -> Scored:
    """Combine ``(field, text, similarity)`` triples into a workflow's score (see the module doc)."""
    best: dict[str, tuple[float, str]] = {}
    for field, text, sim in similarities:
        if field not in best or sim > best[field][0]:
            best[field] = (sim, text)
    total = sum(FIELD_WEIGHTS[f] for f in best) or 1.0
    parts = tuple(
        (f, round(best[f][0], 4), round(FIELD_WEIGHTS[f] / total, 4))
        for f in FIELD_WEIGHTS
        if f in best
    )
    score = sum(FIELD_WEIGHTS[f] * best[f][0] for f in best) / total
    return Scored(round(score, 4), parts, best["example"][1] if "example" in best else None)


def rank_offline(problem: str, workflows: Sequence[Mapping[str, Any]]) -> list[tuple[str, float]]:
    """Workflows ``{"name", "description", "tags", "domain", "examples"}`` by score, best first.

    Uses the ``hash`` embedder weighted by IDF over these workflows' own texts, as the
    registry does with it.
    """
    from fsmnb.llm.embeddings import HashEmbedder

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
    embedder = HashEmbedder().with_idf([" ".join(t for _, t in f) for f in fields])
    query = embedder.vector(problem)
    ranked = []
    for w, texts in zip(workflows, fields, strict=True):
        sims = [(f, t, _dot(query, embedder.vector(t))) for f, t in texts]
        ranked.append((str(w.get("name")), combine(sims).score))
    return sorted(ranked, key=lambda r: (-r[1], r[0]))


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=False))
