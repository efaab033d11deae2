"""Seed 004's DataPipelineFlow: extract from three sources side by side, merge, clean, enrich ‖
validate, load to the warehouse ‖ the cache, then a (non-critical) report.

The sources are small and local: a SQLite table made on the fly, a list that
stands in for an API (failing `api_failures` times first, to show the step's
retry), and JSON-lines text that stands in for files.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from typing import Any

from pydantic import BaseModel, Field

from fsmnb.signals.actions import Action, ActionContext
from fsmnb.signals.flows import Flow

__all__ = ("WAREHOUSE", "data_pipeline_flow")

#: Where LoadToWarehouse and LoadToCache put the rows.
WAREHOUSE: dict[str, list[dict[str, Any]]] = {"warehouse": [], "cache": []}
_API_CALLS: dict[str, int] = {}

Rows = list[dict[str, Any]]


class ExtractFromDatabase(Action):
    """Read the `sales` rows from a SQLite database."""

    class Params(BaseModel):
        database: str = ":memory:"

    def run(self, params: Any, ctx: ActionContext) -> dict[str, Any]:
        with sqlite3.connect(params.database) as db:
            db.execute("create table if not exists sales (id integer, amount real, region text)")
            if not db.execute("select count(*) from sales").fetchone()[0]:
                db.executemany(
                    "insert into sales values (?, ?, ?)",
                    [(1, 120.0, "north"), (2, -5.0, "south"), (3, 80.5, "north")],
                )
            rows = db.execute("select id, amount, region from sales order by id").fetchall()
        return {"database_rows": [{"id": i, "amount": a, "region": r} for i, a, r in rows]}


class ExtractFromAPI(Action):
    """Fetch rows from the partner API (a stand-in that fails `api_failures` times first)."""

    class Params(BaseModel):
        run_key: str = "default"
        api_failures: int = Field(default=0, ge=0)

    async def run(self, params: Any, ctx: ActionContext) -> dict[str, Any]:
        await asyncio.sleep(0.001)
        calls = _API_CALLS[params.run_key] = _API_CALLS.get(params.run_key, 0) + 1
        if calls <= params.api_failures:
            raise ConnectionError(f"partner API unavailable (call {calls})")
        return {"api_rows": [{"id": 10, "amount": 42.0, "region": "east"}]}


class ExtractFromFiles(Action):
    """Parse JSON-lines text (a stand-in for the day's files)."""

    class Params(BaseModel):
        files_text: str = '{"id": 20, "amount": 7.5, "region": "west"}\n'

    def run(self, params: Any, ctx: ActionContext) -> dict[str, Any]:
        rows = [json.loads(line) for line in params.files_text.splitlines() if line.strip()]
        return {"file_rows": rows}


class MergeDataSources(Action):
    """Concatenate the three sources."""

    class Params(BaseModel):
        database_rows: Rows
        api_rows: Rows
        file_rows: Rows

    def run(self, params: Any, ctx: ActionContext) -> dict[str, Any]:
        return {"rows": [*params.database_rows, *params.api_rows, *params.file_rows]}


class CleanData(Action):
    """Drop rows with a negative amount."""

    class Params(BaseModel):
        rows: Rows

    def run(self, params: Any, ctx: ActionContext) -> dict[str, Any]:
        return {"rows": [r for r in params.rows if r["amount"] >= 0]}


class EnrichData(Action):
    """Add each row's amount band."""

    class Params(BaseModel):
        rows: Rows

    def run(self, params: Any, ctx: ActionContext) -> dict[str, Any]:
        return {
            "enriched": [
                {**r, "band": "high" if r["amount"] >= 100 else "low"} for r in params.rows
            ]
        }


class ValidateData(Action):
    """Count the rows that have every field."""

    class Params(BaseModel):
        rows: Rows

    def run(self, params: Any, ctx: ActionContext) -> dict[str, Any]:
        ok = [r for r in params.rows if {"id", "amount", "region"} <= set(r)]
        return {"valid": len(ok), "invalid": len(params.rows) - len(ok)}


class LoadToWarehouse(Action):
    """Append the enriched rows to the warehouse."""

    class Params(BaseModel):
        enriched: Rows

    def run(self, params: Any, ctx: ActionContext) -> dict[str, Any]:
        WAREHOUSE["warehouse"].extend(params.enriched)
        return {"loaded": len(params.enriched)}


class LoadToCache(Action):
    """Replace the cache with the enriched rows."""

    class Params(BaseModel):
        enriched: Rows

    def run(self, params: Any, ctx: ActionContext) -> dict[str, Any]:
        WAREHOUSE["cache"] = list(params.enriched)
        return {"cached": len(params.enriched)}


class GenerateReport(Action):
    """Summarise the load (non-critical)."""

    class Params(BaseModel):
        loaded: int

    def run(self, params: Any, ctx: ActionContext) -> dict[str, Any]:
        return {"report": f"{params.loaded} rows loaded"}


def data_pipeline_flow(*, register: bool = True) -> Flow:
    """The seed's DataPipelineFlow."""
    return Flow(
        "data_pipeline_flow",
        [
            {
                "name": "extract_database",
                "action": ExtractFromDatabase,
                "parallel_group": "extract",
                "timeout": 30,
            },
            {
                "name": "extract_api",
                "action": ExtractFromAPI,
                "parallel_group": "extract",
                "timeout": 60,
                "retry": {"max_attempts": 3, "backoff": "exponential", "base": 0.001},
            },
            {
                "name": "extract_files",
                "action": ExtractFromFiles,
                "parallel_group": "extract",
                "timeout": 120,
            },
            {
                "name": "merge_sources",
                "action": MergeDataSources,
                "depends_on": ["extract_database", "extract_api", "extract_files"],
                "timeout": 60,
            },
            {
                "name": "clean_data",
                "action": CleanData,
                "depends_on": ["merge_sources"],
                "timeout": 30,
            },
            {
                "name": "enrich_data",
                "action": EnrichData,
                "depends_on": ["clean_data"],
                "timeout": 45,
                "parallel_group": "transform",
            },
            {
                "name": "validate_data",
                "action": ValidateData,
                "depends_on": ["clean_data"],
                "timeout": 15,
                "parallel_group": "transform",
            },
            {
                "name": "load_warehouse",
                "action": LoadToWarehouse,
                "depends_on": ["enrich_data", "validate_data"],
                "timeout": 90,
                "parallel_group": "load",
            },
            {
                "name": "load_cache",
                "action": LoadToCache,
                "depends_on": ["enrich_data", "validate_data"],
                "timeout": 30,
                "parallel_group": "load",
            },
            {
                "name": "generate_report",
                "action": GenerateReport,
                "depends_on": ["load_warehouse"],
                "timeout": 60,
                "on_error": "continue",
            },
        ],
        description="ETL pipeline with real-time monitoring.",
        register=register,
    )
