"""The SQLite schema of durable runs, and its migrations.

The schema version lives in SQLite's own ``PRAGMA user_version``. `migrate`
brings any older database up to `VERSION`, one step at a time, inside one
transaction; a database written by a newer fsmnb is refused rather than guessed at.

Tables:

- ``entries`` — the journal, the single source of truth: one row per journal
  entry, in commit order, unique by ``(run_id, seq)``; ``body`` is the entry's fields as JSON
  (see `fsmnb.engine.journal_codec`); ``state`` and ``path`` are copies kept for queries.
- ``runs`` — one row per run: who owns it and a summary (state, status, steps)
  refreshed at each commit. Everything in it but the owner can be rebuilt from ``entries``.
- ``leases`` — one row per run being driven: the process that drives it (``owner``), until
  when (``expires``), and the fencing ``token`` (raised at every acquisition; a commit of the
  run's entries checks it in the same transaction). See `fsmnb.engine.leases`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from fsmnb.errors import StoreError

__all__ = ("MIGRATIONS", "VERSION", "migrate")


def _v1(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE runs (
            run_id   TEXT PRIMARY KEY,
            workflow TEXT NOT NULL,
            tenant   TEXT NOT NULL,
            parent   TEXT,
            state    TEXT,
            status   TEXT,
            steps    INTEGER NOT NULL DEFAULT 0,
            created  REAL NOT NULL,
            updated  REAL NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE entries (
            id     INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL,
            seq    INTEGER NOT NULL,
            kind   TEXT NOT NULL,
            time   REAL NOT NULL,
            state  TEXT,
            path   TEXT,
            body   TEXT NOT NULL
        )"""
    )
    # Rows are appended in commit order (cheap); the journal of one run is read by this index.
    db.execute("CREATE UNIQUE INDEX entries_by_run ON entries (run_id, seq)")


def _v2(db: sqlite3.Connection) -> None:
    # Forks record where they come from; analytics filter by workflow and age.
    db.execute("ALTER TABLE runs ADD COLUMN forked_from TEXT")
    db.execute("ALTER TABLE runs ADD COLUMN fork_step INTEGER")
    db.execute("CREATE INDEX runs_by_workflow ON runs (workflow, updated)")
    db.execute("CREATE INDEX runs_by_tenant ON runs (tenant, status)")


def _v3(db: sqlite3.Connection) -> None:
    # One driver per run: leases with fencing tokens (renewed by owner, hence the index).
    db.execute(
        """CREATE TABLE leases (
            run_id  TEXT PRIMARY KEY,
            owner   TEXT NOT NULL,
            token   INTEGER NOT NULL,
            expires REAL NOT NULL
        )"""
    )
    db.execute("CREATE INDEX leases_by_owner ON leases (owner)")


#: MIGRATIONS[i] brings a database from version i to version i + 1.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_v1, _v2, _v3)
VERSION = len(MIGRATIONS)


def migrate(db: sqlite3.Connection, *, path: str = "") -> int:
    """Bring `db` up to `VERSION`; return the version it had before.

    Raises:
        StoreError: the database was written by a newer fsmnb (its version is higher), or
            it is another program's SQLite database (it has tables and no fsmnb version).
    """
    (found,) = db.execute("PRAGMA user_version").fetchone()
    if found == 0 and db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
        raise StoreError(
            f"The file `{path}` is a SQLite database of another program (it has tables but no "
            f"fsmnb schema version), not an fsmnb run store. Give `store=` a new file or an "
            f"existing fsmnb store.",
            path=path,
        )
    if found > VERSION:
        raise StoreError(
            f"The run store `{path}` has schema version {found}, newer than this fsmnb "
            f"understands ({VERSION}). Upgrade fsmnb to open it.",
            path=path,
        )
    if found == VERSION:
        return int(found)
    db.execute("BEGIN IMMEDIATE")
    try:
        (found,) = db.execute("PRAGMA user_version").fetchone()  # another process may have won
        for step in MIGRATIONS[found:]:
            step(db)
        db.execute(f"PRAGMA user_version = {VERSION}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return int(found)
