"""`WorkflowRegistry`: workflows with seed 003's metadata, in SQLite (a file) or in memory.

    registry = WorkflowRegistry("workflows.db")          # or WorkflowRegistry() in memory
    registry.register(daily_equipment_check, domain="equipment_maintenance", tags=["sensors"])
    for m in await registry.find_similar("Check equipment health for Line 3", k=3):
        print(m.explain())                                # name, score, best text, shared words

Python-defined workflows register by reference: the row keeps their metadata
and name, and the object is found again in this process (or, in a new
process, in the workflow catalog once the module defining it is imported).
Spec-defined workflows (`fsmnb.agents.spec.WorkflowSpec`) persist whole and
load in a new process. `find_similar` compares the problem with each workflow's
description, tags and examples and combines the similarities by
`fsmnb.llm.ranking` (the rule the offline demo model uses too); with the default ``hash``
embedder the similarities are exact lexical ones (`fsmnb.llm.lexical.LexicalScorer`: sparse
TF-IDF cosine, IDF over the registry's own texts, no hashing); with any other (dense)
embedder a hybrid of that exact lexical similarity and the cosine of its embeddings
(`fsmnb.llm.ranking.combine_hybrid`; ``lexical_weight=0`` for the cosine alone). Each
`Match` keeps the score's parts (per field, and lexical / dense) for `Match.explain`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from fsmnb.agents.actions import Action
from fsmnb.agents.metadata import Match, WorkflowMetadata, complexity_of, now
from fsmnb.agents.spec import WorkflowSpec, parse_spec, spec_machine
from fsmnb.errors import DefinitionError
from fsmnb.llm.embeddings import Embedder, HashEmbedder, get_embedder
from fsmnb.llm.lexical import LexicalScorer
from fsmnb.llm.overlap import words
from fsmnb.llm.ranking import (
    FIELD_WEIGHTS,
    HYBRID_LEXICAL_WEIGHT,
    LEXICAL_FIELD_WEIGHTS,
    combine,
    combine_hybrid,
    create_new_threshold,
    field_texts,
    lexical_scorer,
)
from fsmnb.workflow.workflow import Workflow

__all__ = ("WorkflowRegistry",)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS workflows (
    name TEXT PRIMARY KEY,
    domain TEXT NOT NULL,
    kind TEXT NOT NULL,
    spec TEXT,
    metadata TEXT NOT NULL
)
"""


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=False))  # vectors are L2-normalized


class WorkflowRegistry:
    """Register, find, update and remove workflows; metadata kept up to date after each run.

    Args:
        path: an SQLite file (created if missing); None keeps everything in memory.
        embedder: for `find_similar`: an `Embedder` or a model string (default: ``hash``).
        create_new_below: the best score under which no workflow fits the problem (default:
            the calibrated threshold of the embedder, `fsmnb.llm.ranking.create_new_threshold`).
        lexical_weight: with a dense embedder, the weight λ of the exact lexical similarity in
            the hybrid ``λ · lexical + (1 − λ) · dense`` (default
            `fsmnb.llm.ranking.HYBRID_LEXICAL_WEIGHT`; 0: the embedder's cosine alone). The
            default ``hash`` embedder is scored lexically only.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        embedder: Embedder | str | None = None,
        create_new_below: float | None = None,
        lexical_weight: float | None = None,
    ):
        self.path = str(path) if path is not None else ":memory:"
        self.embedder = get_embedder(embedder)
        self.lexical_weight = (
            0.0 if self.exact else HYBRID_LEXICAL_WEIGHT if lexical_weight is None
            else min(1.0, max(0.0, float(lexical_weight)))
        )  # fmt: skip
        self.create_new_below = (
            create_new_threshold(self.embedder.name, self.lexical_weight)
            if create_new_below is None else create_new_below
        )  # fmt: skip
        self._scorer: tuple[str, LexicalScorer | None] = ("", None)
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.execute(_SCHEMA)
        self._lock = threading.Lock()
        self._live: dict[str, Workflow] = {}
        self._vectors: dict[str, tuple[str, list[tuple[str, str, list[float]]]]] = {}

    def __repr__(self) -> str:
        return f"<WorkflowRegistry {self.path} {len(self)} workflows>"

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM workflows").fetchone()[0])

    def __contains__(self, name: object) -> bool:
        return self._row(str(name)) is not None

    # -- writing -------------------------------------------------------------------------------

    def register(
        self,
        workflow: Workflow | WorkflowSpec | Mapping[str, Any],
        *,
        domain: str | None = None,
        description: str | None = None,
        tags: Iterable[str] | None = None,
        version: str = "1.0",
        author: str = "",
        dependencies: Iterable[str] = (),
        examples: Iterable[str | Mapping[str, Any]] = (),
        replace: bool = False,
    ) -> WorkflowMetadata:
        """Add a workflow (a Python `Workflow` by reference, or a spec persisted whole).

        Raises:
            DefinitionError: the name is taken (pass `replace=True` or use `update`),
                or a spec is invalid.
        """
        spec = None if isinstance(workflow, Workflow) else parse_spec(workflow)
        name = workflow.name if isinstance(workflow, Workflow) else spec.name  # type: ignore[union-attr]
        if not replace and name in self:
            raise DefinitionError(
                f"A workflow named `{name}` is already registered. Use `registry.update(...)` "
                f"or `register(..., replace=True)`."
            )
        meta = WorkflowMetadata(
            name=name,
            domain=domain or (spec.domain if spec else "general"),
            description=description if description is not None else _describe(workflow, spec),
            tags=list(tags if tags is not None else _tags(workflow)),
            version=version,
            author=author,
            dependencies=list(dependencies) or _dependencies(workflow),
            examples=[dict(e) if isinstance(e, Mapping) else {"problem": e} for e in examples],
            complexity_score=_complexity(workflow),
            kind="python" if spec is None else "spec",
        )
        if isinstance(workflow, Workflow):
            self._live[name] = workflow
        self._write(meta, spec)
        return meta

    def update(self, name: str, **changes: Any) -> WorkflowMetadata:
        """Change metadata fields, or the workflow itself (``workflow=`` a Workflow or spec).

        Raises:
            LookupError: no workflow is registered as `name`.
        """
        meta, spec = self._load(name)
        replacement = changes.pop("workflow", None)
        if replacement is not None:
            if isinstance(replacement, Workflow):
                self._live[name], spec, meta.kind = replacement, None, "python"
            else:
                spec, meta.kind = parse_spec(replacement), "spec"
            meta.complexity_score = _complexity(replacement)
        for key, value in changes.items():
            if key not in WorkflowMetadata.__dataclass_fields__ or key in ("name", "kind"):
                raise DefinitionError(f"`{key}` is not a metadata field that can be updated.")
            setattr(meta, key, list(value) if key in ("tags", "dependencies") else value)
        meta.last_updated = now()
        self._write(meta, spec)
        return meta

    def record_run(self, name: str, ok: bool, seconds: float, problem: str | None = None) -> None:
        """Count one run of `name` (usage, success rate, average time, example)."""
        if name not in self:
            return
        meta, spec = self._load(name)
        meta.record(ok, seconds, problem)
        self._write(meta, spec, keep_vectors=problem is None)

    def remove(self, name: str) -> bool:
        """Forget `name`; False when it was not registered."""
        with self._lock:
            cur = self._db.execute("DELETE FROM workflows WHERE name = ?", (name,))
            self._db.commit()
        self._live.pop(name, None)
        self._vectors.pop(name, None)
        return cur.rowcount > 0

    # -- reading -------------------------------------------------------------------------------

    def metadata(self, name: str) -> WorkflowMetadata | None:
        """The metadata of `name`, or None."""
        row = self._row(name)
        return WorkflowMetadata.from_json(json.loads(row[3])) if row else None

    def spec(self, name: str) -> WorkflowSpec | None:
        """The spec of a spec-defined workflow, or None."""
        row = self._row(name)
        return parse_spec(row[2]) if row and row[2] else None

    def find_by_name(self, name: str) -> WorkflowMetadata | None:
        """The metadata of the workflow called `name` (its runnable form: `workflow(name)`)."""
        return self.metadata(name)

    def find_by_domain(self, domain: str) -> list[WorkflowMetadata]:
        """Every workflow of `domain`, by name."""
        rows = self._db.execute(
            "SELECT metadata FROM workflows WHERE domain = ? ORDER BY name", (domain,)
        ).fetchall()
        return [WorkflowMetadata.from_json(json.loads(r[0])) for r in rows]

    def list_all(self) -> list[WorkflowMetadata]:
        """Every workflow, by name."""
        rows = self._db.execute("SELECT metadata FROM workflows ORDER BY name").fetchall()
        return [WorkflowMetadata.from_json(json.loads(r[0])) for r in rows]

    def table(self) -> Any:
        """The metadata as a pandas DataFrame (one row per workflow)."""
        import pandas as pd

        columns = ["name", "domain", "author", "version", "usage_count", "success_rate"]
        rows = [{k: m.to_json()[k] for k in columns} for m in self.list_all()]
        return pd.DataFrame(rows, columns=columns)

    def workflow(self, name: str, actions: Mapping[str, Action] | None = None) -> Workflow:
        """The runnable workflow `name`: the registered object, or one built from its spec.

        Raises:
            LookupError: not registered, or a Python workflow not defined in this process.
        """
        if name in self._live:
            return self._live[name]
        _, spec = self._load(name)
        if spec is not None:
            from fsmnb.agents.actions import action_table
            from fsmnb.agents.build import build_workflow

            return build_workflow(spec, actions if actions is not None else action_table(None))
        from fsmnb.workflow.catalog import get_workflow

        try:
            return get_workflow(name)
        except Exception:
            raise LookupError(
                f"Workflow `{name}` was registered by reference from Python and is not defined "
                f"in this process. Import the module that defines it, then retry."
            ) from None

    async def find_similar(self, problem: str, k: int = 5) -> list[Match]:
        """The `k` workflows most similar to `problem`, best first, each with its score explained."""
        metas = self.list_all()
        if not metas:
            return []
        fields = [_fields(m) for m in metas]
        if self.exact:
            lexical = self._lexical(problem, fields)
            scores = [combine(sims, LEXICAL_FIELD_WEIGHTS) for sims in lexical]
        else:
            dense = await self._dense(problem, metas, fields)
            if self.hybrid:
                lexical = self._lexical(problem, fields)
                scores = [
                    combine_hybrid(
                        [(f, t, lx, dn) for (f, t, lx), (_, _, dn) in zip(ls, ds, strict=True)],
                        self.lexical_weight,
                    )
                    for ls, ds in zip(lexical, dense, strict=True)
                ]
            else:
                scores = [combine(sims, FIELD_WEIGHTS) for sims in dense]
        mine = words(problem)
        matches = []
        for meta, texts, scored in zip(metas, fields, scores, strict=True):
            example = f" + example: {scored.example[:60]}" if scored.example else ""
            theirs = words(" ".join(t for _, t in texts))
            matches.append(Match(
                meta.name, scored.score, f"description{example}", tuple(sorted(mine & theirs)),
                meta, scored.parts, scored.mix,
            ))  # fmt: skip
        matches.sort(key=lambda m: (-m.score, m.name))
        return matches[:k]

    # -- internals -----------------------------------------------------------------------------

    @property
    def exact(self) -> bool:
        """Whether `find_similar` compares lexical features exactly (`LexicalScorer`): with the
        default ``hash`` embedder (one without IDF weights of its own)."""
        return isinstance(self.embedder, HashEmbedder) and not self.embedder.idf

    @property
    def hybrid(self) -> bool:
        """Whether `find_similar` mixes the exact lexical similarity with the dense embedder's
        cosine (`fsmnb.llm.ranking.combine_hybrid`): a dense embedder and ``lexical_weight > 0``."""
        return not self.exact and self.lexical_weight > 0.0

    def _lexical(
        self, problem: str, fields: list[list[tuple[str, str]]]
    ) -> list[list[tuple[str, str, float]]]:
        """Per workflow, ``(field, text, exact lexical similarity)`` for each field text
        (`LexicalScorer`, IDF over the registry's workflows)."""
        corpus = json.dumps(fields)
        scorer = self._scorer[1]
        if scorer is None or self._scorer[0] != corpus:
            scorer = lexical_scorer(fields)
            self._scorer = (corpus, scorer)
        query = scorer.vector(problem)
        return [[(f, t, scorer.similarity(query, t)) for f, t in texts] for texts in fields]

    async def _dense(
        self, problem: str, metas: list[WorkflowMetadata], fields: list[list[tuple[str, str]]]
    ) -> list[list[tuple[str, str, float]]]:
        """Per workflow, ``(field, text, cosine of the embeddings)`` for each field text."""
        vector = (await self.embedder.embed([problem]))[0]
        return [
            [(f, t, _cosine(vector, v)) for f, t, v in await self._texts(meta, texts)]
            for meta, texts in zip(metas, fields, strict=True)
        ]

    async def _texts(
        self, meta: WorkflowMetadata, fields: list[tuple[str, str]]
    ) -> list[tuple[str, str, list[float]]]:
        key = json.dumps(fields)
        cached = self._vectors.get(meta.name)
        if cached is None or cached[0] != key:
            vectors = await self.embedder.embed([t for _, t in fields])
            triples = [(f, t, v) for (f, t), v in zip(fields, vectors, strict=True)]
            cached = self._vectors[meta.name] = (key, triples)
        return cached[1]

    def _row(self, name: str) -> tuple[Any, ...] | None:
        return self._db.execute(  # type: ignore[no-any-return]
            "SELECT name, kind, spec, metadata FROM workflows WHERE name = ?", (name,)
        ).fetchone()

    def _load(self, name: str) -> tuple[WorkflowMetadata, WorkflowSpec | None]:
        row = self._row(name)
        if row is None:
            known = ", ".join(f"`{m.name}`" for m in self.list_all()) or "none"
            raise LookupError(f"No workflow `{name}` in the registry (registered: {known}).")
        meta = WorkflowMetadata.from_json(json.loads(row[3]))
        return meta, parse_spec(row[2]) if row[2] else None

    def _write(
        self, meta: WorkflowMetadata, spec: WorkflowSpec | None, keep_vectors: bool = False
    ) -> None:
        spec_text = json.dumps(spec.to_json()) if spec is not None else None
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO workflows (name, domain, kind, spec, metadata) "
                "VALUES (?, ?, ?, ?, ?)",
                (meta.name, meta.domain, meta.kind, spec_text, json.dumps(meta.to_json())),
            )
            self._db.commit()
        if not keep_vectors:
            self._vectors.pop(meta.name, None)

    def close(self) -> None:
        """Close the database."""
        self._db.close()


def _example_texts(meta: WorkflowMetadata) -> list[str]:
    return [str(e.get("problem", "")) for e in meta.examples if e.get("problem")]


def _fields(meta: WorkflowMetadata) -> list[tuple[str, str]]:
    return field_texts(meta.name, meta.description, meta.tags, meta.domain, _example_texts(meta))


def _describe(workflow: Any, spec: WorkflowSpec | None = None) -> str:
    if spec is not None:  # a spec given as a mapping keeps its description too
        return spec.description
    return str(getattr(workflow, "description", "") or "")


def _tags(workflow: Any) -> list[str]:
    return list(getattr(workflow, "tags", ()) or ())


def _dependencies(workflow: Any) -> list[str]:
    if isinstance(workflow, Workflow):
        return []
    spec = parse_spec(workflow)
    return sorted({s.action for s in spec.states})


def _complexity(workflow: Any) -> float:
    machine = (
        workflow.machine if isinstance(workflow, Workflow) else spec_machine(parse_spec(workflow))
    )
    return complexity_of(len(machine.states), len(machine.transitions), len(machine.finals))
