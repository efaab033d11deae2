"""The lease verbs of `SqliteStore` as SQL over the ``leases`` table (see `fsmnb.engine.leases`).

Each function runs inside a write transaction its caller opened (``BEGIN
IMMEDIATE``), so reading a lease row and changing it are one step for every
process sharing the file. Tokens only grow: releasing a lease keeps its row
(owner ``''``, expired) and its token.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from fsmnb.engine.leases import Lease, owner_is_dead

__all__ = ("acquire", "extend", "fence", "holder", "insert_new", "release", "renew", "renew_owner")


def holder(db: sqlite3.Connection, run_id: str) -> tuple[str, int, float] | None:
    """``(owner, token, expires)`` of the lease row of `run_id` (None: never leased)."""
    row = db.execute(
        "SELECT owner, token, expires FROM leases WHERE run_id = ?", (run_id,)
    ).fetchone()
    return None if row is None else (str(row[0]), int(row[1]), float(row[2]))


def acquire(
    db: sqlite3.Connection, run_id: str, owner: str, *, ttl: float, now: float
) -> Lease | tuple[str, float]:
    """Take the lease of `run_id` for `owner`: the new `Lease`, or ``(holder, expires)`` if held.

    It is free when there is no row, the row is released or expired, `owner`
    holds it already (the token is raised all the same: the older handle is
    fenced), or its holder is a process of this host that is gone.
    """
    row = holder(db, run_id)
    expires = now + ttl
    if row is None:
        db.execute("INSERT INTO leases VALUES (?, ?, 1, ?)", (run_id, owner, expires))
        return Lease(run_id, owner, 1, expires)
    current, token, until = row
    if current and current != owner and until > now and not owner_is_dead(current):
        return current, until
    db.execute(
        "UPDATE leases SET owner = ?, token = ?, expires = ? WHERE run_id = ?",
        (owner, token + 1, expires, run_id),
    )
    return Lease(run_id, owner, token + 1, expires)


def renew(db: sqlite3.Connection, lease: Lease, *, ttl: float, now: float) -> Lease | None:
    """Extend `lease` if its token is still the row's (None: it was taken over)."""
    expires = now + ttl
    changed = db.execute(
        "UPDATE leases SET expires = ? WHERE run_id = ? AND token = ?",
        (expires, lease.run_id, lease.token),
    ).rowcount
    return Lease(lease.run_id, lease.owner, lease.token, expires) if changed else None


def release(db: sqlite3.Connection, leases: Iterable[tuple[str, int]]) -> None:
    """Free the leases ``(run_id, token)`` still held with these tokens (the tokens stay)."""
    db.executemany(
        "UPDATE leases SET owner = '', expires = 0 WHERE run_id = ? AND token = ?", leases
    )


def renew_owner(db: sqlite3.Connection, owner: str, *, ttl: float, now: float) -> int:
    """Extend every lease of `owner` that has not expired; return how many."""
    return int(
        db.execute(
            "UPDATE leases SET expires = ? WHERE owner = ? AND expires > ?",
            (now + ttl, owner, now),
        ).rowcount
    )


def insert_new(
    db: sqlite3.Connection, run_ids: list[str], owner: str, *, expires: float
) -> dict[str, int]:
    """The leases of runs created in this commit: token 1, or one more than an old row's.

    Returns the token of each run whose row existed already (a run id reused after
    `delete`); the others have token 1.
    """
    inserted = db.executemany(
        "INSERT OR IGNORE INTO leases VALUES (?, ?, 1, ?)",
        [(run_id, owner, expires) for run_id in run_ids],
    ).rowcount
    if inserted == len(run_ids):
        return {}
    raised: dict[str, int] = {}
    for run_id in run_ids:
        row = holder(db, run_id)
        if row is not None and (row[0] != owner or row[1] != 1):
            raised[run_id] = row[1] + 1
            db.execute(
                "UPDATE leases SET owner = ?, token = ?, expires = ? WHERE run_id = ?",
                (owner, row[1] + 1, expires, run_id),
            )
    return raised


def extend(db: sqlite3.Connection, run_ids: list[str], *, expires: float) -> None:
    """Extend the leases of these runs (whose tokens a `fence` in this transaction checked)."""
    if run_ids:
        db.execute(
            "UPDATE leases SET expires = ? WHERE run_id IN (SELECT value FROM json_each(?))",
            (expires, json.dumps(run_ids)),
        )


def fence(db: sqlite3.Connection, tokens: dict[str, int]) -> dict[str, str]:
    """Check the leases of the runs in a commit; return the ones lost (run id: holder).

    One statement for the whole commit, reading only (the keeper and the commit's
    periodic `renew_owner` extend leases): every run's token is looked up by its
    primary key inside SQLite (``json_each`` over ``{run_id: token}``).
    """
    if not tokens:
        return {}
    rows = db.execute(
        "SELECT j.key, coalesce(l.owner, '') FROM json_each(?) AS j "
        "LEFT JOIN leases AS l ON l.run_id = j.key WHERE l.token IS NOT j.value",
        (json.dumps(tokens),),
    ).fetchall()
    return {str(run_id): str(owner) for run_id, owner in rows}
