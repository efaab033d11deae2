"""`SqliteStore`: durable journals in one SQLite file (WAL, batched commits).

Entries are encoded as they are journaled and buffered; a commit writes the
buffer in one transaction. Commits happen:

- before any effect that is not inline runs (so earlier results are safe when
  it starts: the exactly-once half of the guarantee),
- when a run finishes, when `flush()` is called (`Manager.send_many` calls it),
- when the buffer holds `batch_size` entries, and `flush_interval` seconds after
  the first buffered entry (on the running loop), and at interpreter exit.

With ``synchronous="NORMAL"`` (the default) a commit survives the process
being killed; ``synchronous="FULL"`` also survives a power cut, at the price of
an fsync per commit.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import sqlite3
import time
import weakref
from typing import TYPE_CHECKING, Any

from fsmnb.engine.durable import JournalWriter
from fsmnb.engine.journal_codec import decode_row
from fsmnb.engine.store_schema import migrate
from fsmnb.errors import FsmnbError

if TYPE_CHECKING:
    from collections import Counter

    from fsmnb.engine.handlers import Path
    from fsmnb.engine.journal import Entry
    from fsmnb.engine.run_api import RunAPI

__all__ = ("SqliteStore",)

_log = logging.getLogger("fsmnb")
_LIVE_STORES: weakref.WeakSet[SqliteStore] = weakref.WeakSet()

_INSERT_ENTRY = (
    "INSERT INTO entries (run_id, seq, kind, time, state, path, body) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_RUN = (
    "INSERT INTO runs (run_id, workflow, tenant, parent, state, status, steps, created, updated,"
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
    ) -> None:
        self.path = str(path)
        self.flush_interval = flush_interval
        self.batch_size = batch_size
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA busy_timeout = 10000")
        if self.path != ":memory:":
            db.execute("PRAGMA journal_mode = WAL")
        db.execute(f"PRAGMA synchronous = {synchronous.upper()}")
        migrate(db, path=self.path)
        self.db = db
        self._rows: list[tuple[Any, ...]] = []
        self._new: list[tuple[Any, ...]] = []
        self._new_ids: set[str] = set()
        self._ended: list[tuple[Any, ...]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._timer_loop: asyncio.AbstractEventLoop | None = None
        self.closed = False
        self.commits = 0
        _LIVE_STORES.add(self)

    # -- the Store protocol --------------------------------------------------------------------

    def attach(
        self, run: RunAPI, *, forked_from: str | None = None, fork_step: int | None = None
    ) -> JournalWriter:
        """Make `run` durable: journal it here from its first entry.

        Raises:
            FsmnbError: the store already has a run with this id.
        """
        if self.has(run.id):
            raise FsmnbError(
                f"The store `{self.path}` already has a run `{run.id}`. Resume it with "
                f"`fsmnb.resume({run.id!r}, store=...)`, or start the new run with another `run_id`."
            )
        now = time.time()
        self._new.append(
            (run.id, run.workflow.name, run.tenant, run.parent, run.state, "running", now, now,
             forked_from, fork_step)
        )  # fmt: skip
        self._new_ids.add(run.id)
        return JournalWriter(self, run)

    def reattach(
        self,
        run: RunAPI,
        *,
        seq: int,
        data: dict[str, Any],
        replay: dict[Path, Any],
        expect: Counter[tuple[Any, ...]],
    ) -> JournalWriter:
        """Continue journaling a run rebuilt from its journal (see `fsmnb.engine.resume`)."""
        return JournalWriter(self, run, seq=seq, data=data, replay=replay, expect=expect)

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
        """Delete these runs and their journals; return how many runs were deleted."""
        self.flush()
        params = [(r,) for r in run_ids]
        self.db.execute("BEGIN IMMEDIATE")
        self.db.executemany("DELETE FROM entries WHERE run_id = ?", params)
        deleted = self.db.executemany("DELETE FROM runs WHERE run_id = ?", params).rowcount
        self.db.execute("COMMIT")
        return int(deleted)

    # -- buffering and commits -----------------------------------------------------------------

    def buffer(self, writer: JournalWriter, row: tuple[Any, ...]) -> None:
        """Queue one encoded entry (called by the run's `JournalWriter`)."""
        rows = self._rows
        rows.append(row)
        if row[2] == "finished":
            run = writer.run
            self._ended.append((run.state, str(run.status), run.steps, row[3], run.id))
        if len(rows) >= self.batch_size:
            self.flush()
        elif self._timer is None:
            if len(rows) == 1 or not len(rows) & 255:  # without a loop, do not retry each time
                self._arm_timer()
        elif self._timer_loop is not None and self._timer_loop.is_closed():
            self._timer = None
            self._arm_timer()

    def commit_pending(self) -> None:
        """Commit at once if anything is buffered (called before an effect runs)."""
        if self._rows or self._new:
            self.flush()

    def flush(self) -> None:
        """Commit every buffered entry in one transaction."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not (self._rows or self._new) or self.closed:
            return
        rows, new, ended = self._rows, self._new, self._ended
        self._rows, self._new, self._ended = [], [], []
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            if new:
                db.executemany(_INSERT_RUN, new)
            db.executemany(_INSERT_ENTRY, rows)
            if ended:
                db.executemany(_UPDATE_RUN, ended)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        finally:
            self._new_ids.difference_update(r[0] for r in new)
        self.commits += 1

    def _arm_timer(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop: the batch size, explicit flushes and exit commit it
        self._timer_loop = loop
        self._timer = loop.call_later(self.flush_interval, self._timed_flush)

    def _timed_flush(self) -> None:
        self._timer = None
        try:
            self.flush()
        except Exception:
            _log.exception("fsmnb: committing journal entries to %s failed", self.path)

    def close(self) -> None:
        """Commit what is buffered and close the database."""
        if self.closed:
            return
        self.flush()
        self.closed = True
        self.db.close()

    def __repr__(self) -> str:
        return f"<SqliteStore {self.path!r}{' closed' if self.closed else ''}>"


@atexit.register
def _flush_all() -> None:
    for store in list(_LIVE_STORES):
        try:
            store.flush()
        except Exception:
            _log.exception("fsmnb: committing journal entries to %s at exit failed", store.path)
