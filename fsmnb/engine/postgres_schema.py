"""The PostgreSQL schema of durable runs, and its migrations (the SQLite schema's twin).

The version lives in the one-row table ``fsmnb_schema``. `migrate` brings a
database up to `VERSION` one step at a time, in one transaction, under an
advisory lock (several processes may open a new database at once); a database
written by a newer fsmnb is refused.

Tables (column for column those of `fsmnb.engine.store_schema`, so the SQL of
`fsmnb.engine.analytics` reads both):

- ``entries`` — the journal, unique by ``(run_id, seq)``; ``body`` is the entry as JSON text;
- ``runs`` — one row per run: owner and summary;
- ``leases`` — ``(run_id, owner, token, expires)``: one driver per run, fencing tokens;
- ``inbox`` — events sent to durable runs by any process (`fsmnb.engine.inbox`), in ``id`` order.
"""

from __future__ import annotations

from typing import Any

from fsmnb.errors import StoreError

__all__ = ("MIGRATIONS", "VERSION", "migrate")

_LOCK = 0x46534D4E42  # pg_advisory_xact_lock key: "FSMNB"

_V1 = (
    """CREATE TABLE runs (
        run_id      TEXT PRIMARY KEY,
        workflow    TEXT NOT NULL,
        tenant      TEXT NOT NULL,
        parent      TEXT,
        state       TEXT,
        status      TEXT,
        steps       INTEGER NOT NULL DEFAULT 0,
        created     DOUBLE PRECISION NOT NULL,
        updated     DOUBLE PRECISION NOT NULL,
        forked_from TEXT,
        fork_step   INTEGER
    )""",
    """CREATE TABLE entries (
        id     BIGSERIAL PRIMARY KEY,
        run_id TEXT NOT NULL,
        seq    INTEGER NOT NULL,
        kind   TEXT NOT NULL,
        time   DOUBLE PRECISION NOT NULL,
        state  TEXT,
        path   TEXT,
        body   TEXT NOT NULL
    )""",
    "CREATE UNIQUE INDEX entries_by_run ON entries (run_id, seq)",
    "CREATE INDEX runs_by_workflow ON runs (workflow, updated)",
    "CREATE INDEX runs_by_tenant ON runs (tenant, status)",
    """CREATE TABLE leases (
        run_id  TEXT PRIMARY KEY,
        owner   TEXT NOT NULL,
        token   BIGINT NOT NULL,
        expires DOUBLE PRECISION NOT NULL
    )""",
    "CREATE INDEX leases_by_owner ON leases (owner)",
    """CREATE TABLE inbox (
        id      BIGSERIAL PRIMARY KEY,
        run_id  TEXT NOT NULL,
        event   TEXT NOT NULL,
        payload TEXT NOT NULL,
        sent    DOUBLE PRECISION NOT NULL
    )""",
    "CREATE INDEX inbox_by_run ON inbox (run_id, id)",
)

#: MIGRATIONS[i] brings a database from version i to version i + 1.
MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1,)
VERSION = len(MIGRATIONS)


def migrate(conn: Any, *, where: str) -> int:
    """Bring the database of `conn` (a psycopg connection) up to `VERSION`; return the old version.

    Raises:
        StoreError: the database was written by a newer fsmnb.
    """
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS fsmnb_schema (version INTEGER NOT NULL)")
        row = conn.execute("SELECT version FROM fsmnb_schema").fetchone()
        found = int(row[0]) if row else 0
        if found > VERSION:
            raise StoreError(
                f"The run store `{where}` has schema version {found}, newer than this fsmnb "
                f"understands ({VERSION}). Upgrade fsmnb to open it.",
                path=where,
            )
        for steps in MIGRATIONS[found:]:
            for sql in steps:
                conn.execute(sql)
        if row is None:
            conn.execute("INSERT INTO fsmnb_schema VALUES (%s)", (VERSION,))
        elif found != VERSION:
            conn.execute("UPDATE fsmnb_schema SET version = %s", (VERSION,))
    return found
