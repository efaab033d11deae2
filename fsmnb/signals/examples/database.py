"""Seed 004's DatabaseSensor, against SQLite: query timings, slow and failed queries, size.

Every `interval` s it runs the configured probe queries against the database
the operator named (read-only: opened with ``mode=ro``), times them, and emits
``database.metrics``: connection time, average and slowest query time (ms),
slow and failed query counts, page count and table count. A database that
cannot be opened is reported by the sensor's error handling (``sensor.error``).
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from fsmnb.signals.sensors import Sensor
from fsmnb.signals.signal import Signal

__all__ = ("DatabaseSensor",)


class DatabaseConfig(BaseModel):
    """DatabaseSensor's configuration."""

    model_config = ConfigDict(extra="forbid")
    database: str = Field(min_length=1)
    probes: list[str] = Field(default_factory=lambda: ["select count(*) from sqlite_master"])
    slow_query_ms: float = Field(default=100.0, gt=0)
    interval: float = Field(default=30.0, gt=0)


class DatabaseSensor(Sensor):
    """``database.metrics`` from timed probe queries on a SQLite database (read-only)."""

    name = "database_sensor"
    Config = DatabaseConfig

    async def read(self) -> Signal:
        started = time.perf_counter()
        db = sqlite3.connect(f"file:{self.config.database}?mode=ro", uri=True, timeout=1.0)
        connect_ms = (time.perf_counter() - started) * 1e3
        timings: list[float] = []
        failed = 0
        try:
            for query in self.config.probes:
                t = time.perf_counter()
                try:
                    db.execute(query).fetchall()
                except sqlite3.Error:
                    failed += 1
                    continue
                timings.append((time.perf_counter() - t) * 1e3)
            pages = db.execute("pragma page_count").fetchone()[0]
            tables = db.execute(
                "select count(*) from sqlite_master where type = 'table'"
            ).fetchone()[0]
        finally:
            db.close()
        data: dict[str, Any] = {
            "connect_ms": round(connect_ms, 3),
            "avg_query_ms": round(sum(timings) / len(timings), 3) if timings else None,
            "max_query_ms": round(max(timings), 3) if timings else None,
            "slow_queries": sum(1 for ms in timings if ms >= self.config.slow_query_ms),
            "failed_queries": failed,
            "page_count": pages,
            "table_count": tables,
        }
        return self.signal("database.metrics", data, subject=self.config.database)
