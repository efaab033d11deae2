"""What the registry knows about a workflow (seed 003's metadata) and how a search ranked it."""

from __future__ import annotations

import datetime as _dt
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ("Match", "WorkflowMetadata", "complexity_of", "now")

MAX_EXAMPLES = 10


def now() -> str:
    """The current UTC time as ISO 8601 (seconds)."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


@dataclass(slots=True)
class WorkflowMetadata:
    """A registered workflow's description and its track record, updated after each run.

    Attributes:
        name: the workflow's name (its id in the registry).
        domain: its problem domain, e.g. ``equipment_maintenance``.
        description: what it does, for people and for similarity search.
        tags: searchable keywords.
        version: a version string.
        author: who made it (``synthesized`` for workflows an agent created).
        created_at, last_updated: ISO 8601 timestamps.
        usage_count: runs so far; successes: runs that reached a final state.
        avg_execution_time: mean seconds per run.
        complexity_score: states plus branching transitions.
        dependencies: the actions (and sub-workflows) it uses.
        examples: problems it was used for, ``{"problem", "ok"}``, newest last.
        kind: ``python`` (registered by reference) or ``spec`` (persisted whole).
    """

    name: str
    domain: str = "general"
    description: str = ""
    tags: list[str] = field(default_factory=list)
    version: str = "1.0"
    author: str = ""
    created_at: str = field(default_factory=now)
    last_updated: str = field(default_factory=now)
    usage_count: int = 0
    successes: int = 0
    avg_execution_time: float = 0.0
    complexity_score: float = 0.0
    dependencies: list[str] = field(default_factory=list)
    examples: list[dict[str, Any]] = field(default_factory=list)
    kind: str = "python"

    @property
    def success_rate(self) -> float:
        """Share of runs that succeeded (0.0 before the first run)."""
        return self.successes / self.usage_count if self.usage_count else 0.0

    def record(self, ok: bool, seconds: float, problem: str | None = None) -> None:
        """Count one run: usage, success, the running mean of its time, and the example."""
        self.usage_count += 1
        self.successes += int(ok)
        self.avg_execution_time += (seconds - self.avg_execution_time) / self.usage_count
        if problem:
            self.examples = [*self.examples, {"problem": problem, "ok": ok}][-MAX_EXAMPLES:]
        self.last_updated = now()

    def search_text(self) -> str:
        """The text similarity search embeds for this workflow."""
        words = self.name.replace("_", " ")
        return f"{words}. {self.description} Tags: {', '.join(self.tags)}. Domain: {self.domain}."

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (``success_rate`` included for readers)."""
        data = asdict(self)
        data["success_rate"] = round(self.success_rate, 4)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WorkflowMetadata:
        """Rebuild metadata from `to_json`'s form (unknown keys ignored)."""
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in known})


def complexity_of(states: int, transitions: int, finals: int) -> float:
    """States plus the transitions beyond one per non-final state (the branching)."""
    return float(states + max(0, transitions - (states - finals)))


@dataclass(frozen=True, slots=True)
class Match:
    """One candidate of `find_similar`, with why it ranked where it did.

    Attributes:
        name: the workflow's name.
        score: the weighted mean of the problem's similarity to the workflow's description,
            tags and closest example (`fsmnb.llm.ranking`).
        matched: what was compared (``description`` and the closest ``example: ...``).
        shared: content words the problem and the workflow's texts share.
        metadata: the workflow's metadata.
        parts: the score's parts, ``(field, similarity, weight)``; the score is
            ``Σ similarity · weight``.
        mix: for a hybrid score (a dense embedder), its ``(kind, weight, score)`` split into
            ``lexical`` and ``dense`` parts: the score is ``Σ weight · score`` too.
    """

    name: str
    score: float
    matched: str
    shared: tuple[str, ...]
    metadata: WorkflowMetadata
    parts: tuple[tuple[str, float, float], ...] = ()
    mix: tuple[tuple[str, float, float], ...] = ()

    def explain(self) -> str:
        """One line: name, score and its parts (lexical and dense ones for a hybrid score),
        the best-matching text and the shared words."""
        words = ", ".join(self.shared) or "none"
        parts = " + ".join(f"{w:.2f}×{f} {s:.3f}" for f, s, w in self.parts)
        mix = " + ".join(f"{w:.2f}×{kind} {s:.3f}" for kind, w, s in self.mix)
        breakdown = "".join(f" = {p}" for p in (mix, parts) if p)
        return (
            f"{self.name}: {self.score:.3f}{breakdown} "
            f"(best: {self.matched}; shared words: {words})"
        )

    def __repr__(self) -> str:
        return f"Match({self.explain()})"
