"""`SqliteStore`: durable journals in one SQLite file (WAL, batched commits, leases).

Entries are encoded as they are journaled and buffered; a commit writes the
buffer in one transaction (when, and how failures are retried without losing
an entry: `fsmnb.engine.batching`, `fsmnb.engine.commits`). Every commit also
checks the fencing token of each run it writes (`fsmnb.engine.leases`): at
most one process drives a run.

With ``synchronous="NORMAL"`` (the default) a commit survives the process
being killed; ``synchronous="FULL"`` also survives a power cut, at the price of
an fsync per commit.
"""

from __future__ import annotations

import atexit
import logging
import os
import sqlite3
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from fsmnb.engine import sqlite_leases
from fsmnb.engine.batching import Batch, Batcher
from fsmnb.engine.commits import CommitPolicy, retrying
from fsmnb.engine.durable import JournalWriter
from fsmnb.engine.journal_codec import decode_row
from fsmnb.engine.leases import (
    Lease,
    LeaseKeeper,
    LeasePolicy,
    lease_lost,
    process_owner,
    run_leased,
)
from fsmnb.engine.store_schema import migrate
from fsmnb.errors import FsmnbError, RunLeased, StoreError

if TYPE_CHECKING:
    from collections import Counter

    from fsmnb.engine.handlers import Path
    from fsmnb.engine.journal import Entry
    from fsmnb.engine.run_api import RunAPI

__all__ = ("SqliteStore",)

_log = logging.getLogger("fsmnb")
_LIVE_STORES: weakref.WeakSet[SqliteStore] = weakref.WeakSet()
_T = TypeVar("_T")

_INSERT_ENTRY = (
    "INSERT INTO entries (run_id, seq, kind, time, state, path, body) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_RUN = (
    "INSERT OR IGNORE INTO runs (run_id, workflow, tenant, parent, state, status, steps, created, updated,"
    " forked_from, fork_step) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)"
)
_UPDATE_RUN = "UPDATE runs SET state = ?, status = ?, steps = ?, updated = ? WHERE run_id = ?"
RUN_COLUMNS = (
    "run_id", "workflow", "tenant", "parent", "state", "status", "steps", "created", "updated",
    "forked_from", "fork_step",
)  # fmt: skip
# The summary of a run that has not ended is read from its journal (rows are updated only
# when a run ends, which keeps a transition down to one inserted row).
_SELECT_RUNS = """SELECT r.run_id, r.workflow, r.tenant, r.parent,
    CASE WHEN r.status = 'running' THEN (SELECT e.state FROM entries e WHERE e.run_id = r.run_id
        AND e.kind IN ('started', 'transition') ORDER BY e.seq DESC LIMIT 1) ELSE r.state END,
    r.status,
    CASE WHEN r.status = 'running' THEN (SELECT count(*) FROM entries e WHERE e.run_id = r.run_id
        AND e.kind = 'transition') ELSE r.steps END,
    r.created,
    CASE WHEN r.status = 'running' THEN (SELECT max(e.time) FROM entries e
        WHERE e.run_id = r.run_id) ELSE r.updated END,
    r.forked_from, r.fork_step
FROM runs r"""


class SqliteStore:
    """Keeps journals in a SQLite database; runs attached to it are durable.

    Args:
        path: the database file (created when missing), or ``":memory:"``.
        flush_interval: seconds after which buffered entries are committed.
        batch_size: buffered entries that trigger a commit at once.
        synchronous: SQLite's ``synchronous`` pragma (``NORMAL`` or ``FULL``).
        busy_timeout: seconds one commit attempt waits for another connection's
            write lock before it is retried (with backoff, the loop running meanwhile).
        commit_deadline: seconds a failing commit is retried before the runs that
            journaled into it fail with `StoreError`.
        lease_ttl: seconds a lease lasts unless renewed (renewed every third of it).
        owner: who this store drives runs for (default: this process, ``host:pid:random``).

    Raises:
        StoreError: the file is not a SQLite database, is another program's, or is
            from a newer fsmnb.

    Example:
        >>> store = SqliteStore("runs.db")             # doctest: +SKIP
        >>> run = wf.start(store=store, run_id="o-1")  # doctest: +SKIP
    """

    def __init__(
        self,
        path: str | os.PathLike[str] = ":memory:",
        *,
        flush_interval: float = 0.02,
        batch_size: int = 2000,
        synchronous: str = "NORMAL",
        busy_timeout: float = 0.2,
        commit_deadline: float = 60.0,
        lease_ttl: float = 30.0,
        owner: str | None = None,
    ) -> None:
        self.path = str(path)
        self.policy = CommitPolicy(deadline=commit_deadline)
        self.leases = LeasePolicy(ttl=lease_ttl)
        self.owner = owner or process_owner()
        self.db = self._open(synchronous, busy_timeout)
        self._batcher = Batcher(
            self._write,
            is_transient=_is_transient,
            give_up=self._gave_up,
            policy=self.policy,
            batch_size=batch_size,
            flush_interval=flush_interval,
        )
        self._keeper = LeaseKeeper(self._renew_once, self.leases)
        self._new_ids: set[str] = set()
        #: leases this store took or created and has not released: run id -> token
        self._held: dict[str, int] = {}
        self._renewed = time.time()
        self.closed = False
        _LIVE_STORES.add(self)

    def _open(self, synchronous: str, busy_timeout: float) -> sqlite3.Connection:
        db = None
        try:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA busy_timeout = 10000")  # opening: wait for a migrating neighbour
            if self.path != ":memory:":
                db.execute("PRAGMA journal_mode = WAL")
            db.execute(f"PRAGMA synchronous = {synchronous.upper()}")
            migrate(db, path=self.path)
            db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        except sqlite3.DatabaseError as error:
            if db is not None:
                db.close()
            raise StoreError(
                f"Cannot open the run store `{self.path}`: {error}. It is not a SQLite database "
                f"fsmnb can use (corrupt, truncated, or another kind of file). Give `store=` "
                f"another path, or restore the file from a backup.",
                path=self.path,
            ) from error
        except StoreError:
            if db is not None:
                db.close()
            raise
        return db

    @property
    def flush_interval(self) -> float:
        """Seconds after which buffered entries are committed."""
        return self._batcher.flush_interval

    @property
    def batch_size(self) -> int:
        """Buffered entries that trigger a commit at once."""
        return self._batcher.batch_size

    @property
    def commits(self) -> int:
        """How many batches this store has committed."""
        return self._batcher.commits

    # -- the Store protocol --------------------------------------------------------------------

    def attach(
        self, run: RunAPI, *, forked_from: str | None = None, fork_step: int | None = None
    ) -> JournalWriter:
        """Make `run` durable: journal it here from its first entry (its lease comes with it).

        Raises:
            FsmnbError: the store already has a run with this id.
        """
        if self.has(run.id):
            raise FsmnbError(
                f"The store `{self.path}` already has a run `{run.id}`. Resume it with "
                f"`fsmnb.resume({run.id!r}, store=...)`, or start the new run with another `run_id`."
            )
        now = time.time()
        self._batcher.batch.new.append(
            (run.id, run.workflow.name, run.tenant, run.parent, run.state, "running", now, now,
             forked_from, fork_step)
        )  # fmt: skip
        self._new_ids.add(run.id)
        # The lease row (token 1) is written with the run's first entries: nobody else can
        # hold a run that does not exist yet.
        writer = JournalWriter(self, run, lease=Lease(run.id, self.owner, 1, now + self.leases.ttl))
        self._held[run.id] = 1
        self._keeper.hold()
        return writer

    def reattach(
        self,
        run: RunAPI,
        *,
        seq: int,
        data: dict[str, Any],
        replay: dict[Path, Any],
        expect: Counter[tuple[Any, ...]],
        lease: Lease | None = None,
    ) -> JournalWriter:
        """Continue journaling a run rebuilt from its journal (see `fsmnb.engine.resume`).

        With `lease` (from `acquire_lease`, taken before the journal was loaded) the
        run is driven under it; without, the lease is taken at its first entry.
        """
        writer = JournalWriter(
            self, run, seq=seq, data=data, replay=replay, expect=expect, lease=lease
        )
        if lease is not None:
            self._held[run.id] = lease.token
            self._keeper.hold()
        return writer

    def load(self, run_id: str) -> list[Entry]:
        """The journal of `run_id`, decoded (empty when unknown)."""
        self.flush()
        rows = self.db.execute(
            "SELECT kind, time, body FROM entries WHERE run_id = ? ORDER BY seq", (run_id,)
        ).fetchall()
        return [decode_row(*row) for row in rows]

    def run_ids(self) -> list[str]:
        """Every run id the store knows, oldest first."""
        self.flush()
        return [r for (r,) in self.db.execute("SELECT run_id FROM runs ORDER BY created, run_id")]

    # -- leases (the verbs of `fsmnb.engine.leases`) ---------------------------------------------

    def acquire_lease(
        self, run_id: str, owner: str | None = None, *, ttl: float | None = None, wait: float = 0.0
    ) -> Lease:
        """Take the lease of `run_id` (for this store's owner by default).

        Raises:
            RunLeased: another live owner holds it and it did not end within `wait` seconds.
        """
        who = owner or self.owner
        span = self.leases.ttl if ttl is None else ttl
        deadline = time.monotonic() + wait
        while True:
            got = self._transaction(
                lambda: sqlite_leases.acquire(self.db, run_id, who, ttl=span, now=time.time())
            )
            if isinstance(got, Lease):
                if who == self.owner:
                    self._held[run_id] = got.token
                    self._keeper.hold()
                return got
            holder, expires = got
            left = deadline - time.monotonic()
            if left <= 0:
                raise run_leased(run_id, holder, expires, self.path)
            time.sleep(min(left, max(0.01, expires - time.time()), 0.25))

    def renew_lease(self, lease: Lease, *, ttl: float | None = None) -> Lease:
        """Extend `lease`.

        Raises:
            LeaseLost: another owner took the run after `lease` lapsed.
        """
        span = self.leases.ttl if ttl is None else ttl
        renewed = self._transaction(
            lambda: sqlite_leases.renew(self.db, lease, ttl=span, now=time.time())
        )
        if renewed is None:
            row = sqlite_leases.holder(self.db, lease.run_id)
            raise lease_lost(lease.run_id, row[0] if row else "", row[2] if row else 0.0, self.path)
        return renewed

    def release_lease(self, lease: Lease) -> None:
        """Give `lease` up (nothing happens when it was taken over already)."""
        self._held.pop(lease.run_id, None)
        self._transaction(lambda: sqlite_leases.release(self.db, [(lease.run_id, lease.token)]))

    def renew_owner(self, owner: str | None = None, *, ttl: float | None = None) -> int:
        """Extend every unexpired lease of `owner` (default: this store's); return how many."""
        span = self.leases.ttl if ttl is None else ttl
        who = owner or self.owner
        self._renewed = time.time()
        return self._transaction(
            lambda: sqlite_leases.renew_owner(self.db, who, ttl=span, now=time.time())
        )

    def _renew_once(self) -> int:
        """The keeper's heartbeat: one attempt (a locked file is retried at the next tick)."""
        now = time.time()
        self._renewed = now
        return self._transaction(
            lambda: sqlite_leases.renew_owner(self.db, self.owner, ttl=self.leases.ttl, now=now),
            retry=False,
        )

    def lease_of(self, run_id: str) -> tuple[str, int, float] | None:
        """``(owner, token, expires)`` of the lease row of `run_id` (owner ``''``: released)."""
        return sqlite_leases.holder(self.db, run_id)

    def ensure_lease(self, writer: JournalWriter) -> None:
        """Make sure `writer` still holds its run's lease for a while (before an effect runs).

        Raises:
            RunLeased: the run was never leased here and another process holds it.
            LeaseLost: it was taken over.
        """
        lease = writer.lease
        if lease is None:
            self._lease_for(writer)
            return
        if lease.fresh(self.leases.margin):
            return
        try:
            writer.lease = self.renew_lease(lease)
        except RunLeased as lost:
            writer.stop(lost)
            raise

    def _lease_for(self, writer: JournalWriter, seq: int | None = None) -> None:
        """Take the lease of a run restored without one, at its first entry (`seq`) or effect."""
        run_id = writer.run.id
        lease = self.acquire_lease(run_id)
        (last,) = self.db.execute(
            "SELECT max(seq) FROM entries WHERE run_id = ?", (run_id,)
        ).fetchone()
        if (last if last is not None else -1) + 1 != (writer.seq if seq is None else seq):
            self.release_lease(lease)
            error = RunLeased(
                f"Run `{run_id}` in `{self.path}` was driven by another process after this one "
                f"loaded it (its journal has grown). Load it again: `fsmnb.resume({run_id!r}, "
                f"store=...)` or a new `Manager(store=...)`.",
                run_id=run_id,
            )
            writer.stop(error)
            raise error
        writer.lease = lease

    # -- more than the protocol ----------------------------------------------------------------

    def has(self, run_id: str) -> bool:
        """Whether the store knows `run_id` (committed or buffered)."""
        if run_id in self._new_ids:
            return True
        found = self.db.execute("SELECT 1 FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return found is not None

    def info(self, run_id: str) -> dict[str, Any] | None:
        """The `runs` row of `run_id` as a dict (None when unknown)."""
        self.flush()
        row = self.db.execute(_SELECT_RUNS + " WHERE r.run_id = ?", (run_id,)).fetchone()
        return dict(zip(RUN_COLUMNS, row, strict=True)) if row else None

    def runs(
        self, *, tenant: str | None = None, workflow: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """Owner and summary of each run, optionally filtered (`RUN_COLUMNS` as a dict).

        `status` is ``running`` until a run ends (the store does not tell waiting
        runs apart: the workflow does), then ``done``, ``failed`` or ``cancelled``.
        """
        self.flush()
        where, params = [], []
        for column, value in (("tenant", tenant), ("workflow", workflow), ("status", status)):
            if value is not None:
                where.append(f"r.{column} = ?")
                params.append(value)
        sql = _SELECT_RUNS + (" WHERE " + " AND ".join(where) if where else "")
        rows = self.db.execute(sql + " ORDER BY r.created, r.run_id", params).fetchall()
        return [dict(zip(RUN_COLUMNS, row, strict=True)) for row in rows]

    def journals(self, run_ids: list[str] | None = None) -> dict[str, list[Entry]]:
        """Several journals in one query: every run's, or those of `run_ids`."""
        self.flush()
        rows = self.db.execute("SELECT run_id, kind, time, body FROM entries ORDER BY run_id, seq")
        wanted = None if run_ids is None else set(run_ids)
        out: dict[str, list[Entry]] = {}
        for run_id, kind, t, body in rows:
            if wanted is None or run_id in wanted:
                out.setdefault(run_id, []).append(decode_row(kind, t, body))
        return out

    def delete(self, run_ids: list[str]) -> int:
        """Delete these runs and their journals; return how many runs were deleted.

        Their lease rows stay (tokens only grow, even for a run id used again).
        """
        params = [(r,) for r in run_ids]
        self.flush()  # their buffered entries first, or they would outlive the delete

        def body() -> int:
            self.db.executemany("DELETE FROM entries WHERE run_id = ?", params)
            return int(self.db.executemany("DELETE FROM runs WHERE run_id = ?", params).rowcount)

        return self._transaction(body)

    # -- buffering and commits -----------------------------------------------------------------

    def buffer(self, writer: JournalWriter, row: tuple[Any, ...]) -> None:
        """Queue one encoded entry (called by the run's `JournalWriter`).

        Raises:
            RunLeased: the run was restored without a lease and another process holds it.
        """
        if writer.lease is None:
            self._lease_for(writer, row[1])
        batcher = self._batcher
        if row[2] == "finished":
            run = writer.run
            batcher.batch.ended.append((run.state, str(run.status), run.steps, row[3], run.id))
            batcher.add(writer, row)
            batcher.commit_soon()  # with every run ending in this turn of the loop
        else:
            batcher.add(writer, row)

    def commit_pending(self) -> bool:
        """Commit at once if anything is buffered; False while commits fail (retried meanwhile).

        Raises:
            StoreError: the store gave up on the batch (see `commit_deadline`).
        """
        return self._batcher.commit_pending()

    async def wait_committed(self) -> None:
        """Wait until the batch being retried is committed (what a paused run awaits).

        Raises:
            StoreError: the store gave up on the batch (see `commit_deadline`).
        """
        await self._batcher.wait_committed()

    def flush(self) -> None:
        """Commit every buffered entry in one transaction (blocking through failures).

        Raises:
            StoreError: the store gave up on the batch (see `commit_deadline`).
        """
        if not self.closed:
            self._batcher.flush()

    def _write(self, batch: Batch) -> None:
        """Write `batch` in one transaction, fenced by the lease token of each run in it."""
        db = self.db
        now = time.time()
        expires = now + self.leases.ttl
        new_ids = [r[0] for r in batch.new]
        writers = batch.writers
        db.execute("BEGIN IMMEDIATE")
        try:
            raised: dict[str, int] = {}
            taken: dict[str, str] = {}
            if new_ids:
                inserted = db.executemany(_INSERT_RUN, batch.new).rowcount
                if inserted < len(new_ids):
                    taken = _created_elsewhere(db, batch.new)
                mine = [r for r in new_ids if r not in taken] if taken else new_ids
                raised = sqlite_leases.insert_new(db, mine, self.owner, expires=expires)
            fresh = set(new_ids)
            tokens = {
                run_id: w.lease.token
                for run_id, w in writers.items()
                if run_id not in fresh and w.lease is not None
            }
            lost = sqlite_leases.fence(db, tokens)
            rows, ended = batch.rows, batch.ended
            if lost or taken:
                gone = lost.keys() | taken.keys()
                rows = [r for r in rows if r[0] not in gone]
                ended = [e for e in ended if e[4] not in gone]
            db.executemany(_INSERT_ENTRY, rows)
            if ended:
                db.executemany(_UPDATE_RUN, ended)
                ends = [(e[4], raised.get(e[4]) or writers[e[4]].token) for e in ended]
                sqlite_leases.release(db, ends)
            renewed = now - self._renewed > self.leases.renew_every
            if renewed:  # every lease this process holds, and those of this commit's runs
                sqlite_leases.renew_owner(db, self.owner, ttl=self.leases.ttl, now=now)
                sqlite_leases.extend(db, [r for r in tokens if r not in lost], expires=expires)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        self._new_ids.difference_update(new_ids)
        for run_id, token in raised.items():
            self._held[run_id] = token
        if renewed:
            self._renewed = now
        if renewed or raised:
            for writer in writers.values():  # what the store now holds for them
                run_id = writer.run.id
                if renewed or run_id in raised:
                    writer.renewed(expires, raised.get(run_id))
        for e in ended:
            self._held.pop(e[4], None)
        for run_id, holder in lost.items():
            self._held.pop(run_id, None)
            writers[run_id].stop(lease_lost(run_id, holder, 0.0, self.path))
        for run_id, workflow in taken.items():
            self._held.pop(run_id, None)
            writers[run_id].stop(
                FsmnbError(
                    f"Another process created a run `{run_id}` (workflow `{workflow}`) in "
                    f"`{self.path}` at the same time as this one; this one is not journaled. "
                    f"Resume that run with `fsmnb.resume({run_id!r}, store=...)`, or start "
                    f"this one with another `run_id`."
                )
            )

    def _transaction(self, body: Callable[[], _T], *, retry: bool = True) -> _T:
        """Run `body` in a write transaction, retried with backoff while the file is locked."""
        db = self.db

        def once() -> _T:
            db.execute("BEGIN IMMEDIATE")
            try:
                out = body()
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            return out

        try:
            try:
                return once()
            except sqlite3.OperationalError as error:
                if not retry or not _is_transient(error):
                    raise
            out: _T = retrying(self.policy, _is_transient)(once)
            return out
        except sqlite3.DatabaseError as error:
            raise self._gave_up(error) from error

    def _gave_up(self, error: BaseException) -> StoreError:
        if _is_transient(error):
            fix = (
                f"for {self.policy.deadline:g} s (another connection held the write lock: a "
                f"long transaction, a backup, a stuck process)"
            )
        else:
            fix = "(check the disk and the file: `PRAGMA integrity_check`)"
        return StoreError(
            f"Could not commit journal entries to `{self.path}` {fix}: {error}. The runs that "
            f"journaled them stop; the file keeps every entry committed before, well formed. "
            f"Resume them with `fsmnb.resume(run_id, store=...)` once the file is writable.",
            path=self.path,
        )

    def close(self) -> None:
        """Commit what is buffered, release this store's leases and close the database."""
        if self.closed:
            return
        self._keeper.stop()
        try:
            self.flush()
            if self._held:
                held = list(self._held.items())
                self._held.clear()
                self._transaction(lambda: sqlite_leases.release(self.db, held))
        finally:
            self._batcher.close()
            self.closed = True
            self.db.close()

    def __repr__(self) -> str:
        return f"<SqliteStore {self.path!r}{' closed' if self.closed else ''}>"


def _created_elsewhere(db: sqlite3.Connection, new: list[tuple[Any, ...]]) -> dict[str, str]:
    """Of the runs this commit creates, those another process created first (id: workflow)."""
    out = {}
    for row in new:
        found = db.execute(
            "SELECT workflow, tenant, created FROM runs WHERE run_id = ?", (row[0],)
        ).fetchone()
        if found is not None and tuple(found) != (row[1], row[2], row[6]):
            out[row[0]] = str(found[0])
    return out


def _is_transient(error: BaseException) -> bool:
    """Whether a SQLite failure may pass by waiting: the file is locked by another connection."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    text = str(error)
    return "locked" in text or "busy" in text


@atexit.register
def _flush_all() -> None:
    for store in list(_LIVE_STORES):
        try:
            store.close()
        except Exception:
            _log.exception("fsmnb: committing journal entries to %s at exit failed", store.path)
