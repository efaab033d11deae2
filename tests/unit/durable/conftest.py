"""Fixtures for the durable-run tests: a store per test, crash images, polling."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fsmnb.engine import SqliteStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    """A fresh SQLite store in the test's directory."""
    s = SqliteStore(tmp_path / "runs.db")
    yield s
    s.close()


def crash_image(store: SqliteStore, path: Path) -> SqliteStore:
    """What a crash would leave of `store` now: only committed rows, opened as a new store.

    Nothing is flushed first: buffered entries are lost, as they would be.
    """
    target = sqlite3.connect(path)
    store.db.backup(target)
    target.close()
    return SqliteStore(path)


async def until(condition: Callable[[], bool], *, turns: int = 2000) -> None:
    """Let the loop run until `condition()` holds (fails after `turns` loop turns)."""
    for _ in range(turns):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never became true")
