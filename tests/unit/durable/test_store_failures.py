"""A store that never loses an entry: a locked file pauses runs; foreign or corrupt files are refused."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from fsmnb import Manager, Workflow
from fsmnb.effects import call
from fsmnb.engine import SqliteStore
from fsmnb.errors import FsmnbError, StoreError


def stepper(n: int = 3) -> Workflow:
    """`n` states, each running one journaled effect."""
    wf = Workflow("failing_store_steps", register=False)
    for i in range(n):

        def action(ctx: Any, i: int = i) -> Any:
            ctx.data["seen"].append((yield call(lambda: i)))
            return "next"

        action.__name__ = f"s{i}"
        wf.add_state(f"s{i}", action, on={"next": f"s{i + 1}" if i + 1 < n else "end"},
                     initial=i == 0)  # fmt: skip
    wf.final("end")
    return wf


@contextmanager
def write_lock(path: Path) -> Iterator[sqlite3.Connection]:
    """Another connection holding the write lock (longer than the store's busy timeout)."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield other
    finally:
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()


def seqs(path: Path, run_id: str) -> list[int]:
    db = sqlite3.connect(path)
    try:
        return [s for (s,) in db.execute("SELECT seq FROM entries WHERE run_id = ? ORDER BY seq",
                                         (run_id,))]  # fmt: skip
    finally:
        db.close()


async def test_a_locked_file_pauses_the_run_and_loses_no_entry(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    store = SqliteStore(path, busy_timeout=0.01, commit_deadline=30)
    wf = stepper()
    with write_lock(path):
        run = wf.start(store=store, run_id="r", seen=[])
        await asyncio.sleep(0.1)  # held far longer than the busy timeout
        assert not run.done and run.status == "running"  # paused, not failed
        assert store._batcher.committer.retries > 0
    result = await asyncio.wait_for(run.wait(), 10)
    assert result.status == "done" and result.data["seen"] == [0, 1, 2]
    store.flush()
    journal = store.load("r")
    assert seqs(path, "r") == list(range(len(journal)))  # no gap
    assert [e.kind for e in journal].count("effect_finished") == 3
    store.close()


async def test_after_the_deadline_the_run_fails_with_store_error_and_the_file_stays_well_formed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "runs.db"
    store = SqliteStore(path, busy_timeout=0.01, commit_deadline=0.2)
    wf = stepper()
    run = wf.start(store=store, run_id="r", seen=[])
    with write_lock(path), pytest.raises(StoreError, match=r"runs\.db") as caught:
        await asyncio.wait_for(run.wait(), 10)
    assert caught.value.path == str(path)
    assert "Resume them with `fsmnb.resume" in str(caught.value)
    found = seqs(path, "r")
    assert found == list(range(len(found)))  # a prefix: contiguous, as after a crash
    store.close()


def test_a_synchronous_flush_waits_for_the_lock_and_commits_everything(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    door = Workflow("failing_store_door", register=False)
    door.add_state("closed", on={"open": "opened"}, initial=True)
    door.add_state("opened", on={"close": "closed", "kick": "gone"})
    door.add_state("gone")
    door.final("gone")
    store = SqliteStore(path, busy_timeout=0.01, commit_deadline=30)
    manager = Manager([door], store=store)
    rid = manager.create(door, run_id="d")
    store.flush()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    manager.send(rid, "open")
    assert store.commit_pending() is False  # locked: the batch is kept
    other.execute("ROLLBACK")
    other.close()
    manager.send_many([(rid, "close")])  # commits the kept batch and the new entry
    assert seqs(path, "d") == [0, 1, 2]
    store.close()


def test_a_file_that_is_not_sqlite_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 200)
    with pytest.raises(StoreError, match=r"`.*notes\.db`.*not a SQLite database") as caught:
        SqliteStore(path)
    assert caught.value.path == str(path)


def test_a_corrupt_store_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    SqliteStore(path).close()
    data = bytearray(path.read_bytes())
    data[:16] = b"garbage garbage!"  # the header
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="restore the file from a backup"):
        SqliteStore(path)


def test_another_programs_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE users (name TEXT)")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="another program"):
        SqliteStore(path)
    db = sqlite3.connect(path)
    tables = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    db.close()
    assert tables == {"users"}


def test_store_error_is_an_fsmnb_error() -> None:
    assert issubclass(StoreError, FsmnbError)
