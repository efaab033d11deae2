"""`PostgresStore`: durable journals in PostgreSQL, shared by every process that reaches it.

``store="postgresql://user:pw@host/db"`` selects it (`fsmnb.engine.durable.resolve_store`).
It keeps the journal exactly as `SqliteStore` does (same rows, same codec, same
buffering and commit points, inherited from it) with PostgreSQL underneath:

- connections come from a `psycopg_pool.ConnectionPool` (checked on checkout);
- a commit is one transaction: new runs and their leases, the fencing check of
  every run in the batch (`fsmnb.engine.leases`: a run whose token changed gets
  none of its entries written, and its driver gets `LeaseLost`), the entries by
  ``COPY``, the summaries of runs that ended (their leases released), and the
  inbox rows their events consumed (`fsmnb.engine.inbox`);
- a commit that fails because the server went away (restart, failover, network)
  keeps its batch and is retried with backoff until `commit_deadline`: runs
  pause, the pool reconnects, and they go on with nothing lost or repeated. A
  commit whose COMMIT was lost in flight is recognised on retry (its first row
  is there) rather than written twice;
- a URL with a wrong password, user, host or database fails at once with a
  `StoreError` whose message never contains the password.

Needs ``pip install 'fsmnb[postgres]'`` (psycopg 3 and psycopg_pool).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from fsmnb.engine.batching import Batch, Batcher
from fsmnb.engine.commits import CommitPolicy
from fsmnb.engine.durable import JournalWriter
from fsmnb.engine.inbox import CHANNEL, InboxListener, schedule
from fsmnb.engine.leases import (
    Lease,
    LeaseKeeper,
    LeasePolicy,
    lease_lost,
    owner_is_dead,
    process_owner,
    run_leased,
)
from fsmnb.engine.live import _ID_PREFIX
from fsmnb.engine.postgres_schema import migrate
from fsmnb.engine.sqlite_store import _LIVE_STORES, _SELECT_RUNS, RUN_COLUMNS, SqliteStore
from fsmnb.errors import FsmnbError, MissingExtraError, RunNotFound, StoreError

if TYPE_CHECKING:
    from collections import Counter

    from fsmnb.engine.handlers import Path
    from fsmnb.engine.journal import Entry
    from fsmnb.engine.run_api import RunAPI

__all__ = ("PostgresStore", "is_postgres_url", "safe_url")

_log = logging.getLogger("fsmnb")
_T = TypeVar("_T")
#: ids with this process's prefix that stores of this process created, by database URL
_MINE: dict[str, set[str]] = {}

_INSERT_RUN = (
    "INSERT INTO runs (run_id, workflow, tenant, parent, state, status, steps, created, updated,"
    " forked_from, fork_step) VALUES (%s, %s, %s, %s, %s, %s, 0, %s, %s, %s, %s)"
)
_UPDATE_RUN = "UPDATE runs SET state = %s, status = %s, steps = %s, updated = %s WHERE run_id = %s"
_COPY_ENTRIES = "COPY entries (run_id, seq, kind, time, state, path, body) FROM STDIN"
_FENCE = """UPDATE leases l SET expires = %s
    FROM unnest(%s::text[], %s::bigint[]) AS t(run_id, token)
    WHERE l.run_id = t.run_id AND l.token = t.token RETURNING l.run_id"""
_NEW_LEASES = """INSERT INTO leases (run_id, owner, token, expires)
    SELECT run_id, %s, 1, %s FROM unnest(%s::text[]) AS t(run_id)
    ON CONFLICT (run_id) DO UPDATE SET owner = EXCLUDED.owner, token = leases.token + 1,
        expires = EXCLUDED.expires
    RETURNING run_id, token"""
_RELEASE = "UPDATE leases SET owner = '', expires = 0 WHERE run_id = %s AND token = %s"


def is_postgres_url(text: str) -> bool:
    """Whether `text` names a PostgreSQL database (``postgresql://`` or ``postgres://``)."""
    return text.startswith(("postgresql://", "postgres://"))


def safe_url(url: str) -> str:
    """`url` without its password (for messages, logs and ``store.path``)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _is_transient(error: BaseException) -> bool:
    """Whether a failure may pass by waiting: the server or the connection went away."""
    try:
        import psycopg
    except ImportError:
        return False
    return isinstance(error, psycopg.OperationalError)


def _psycopg() -> Any:
    try:
        import psycopg
        import psycopg_pool  # noqa: F401
    except ImportError:
        raise MissingExtraError("The PostgreSQL store", "postgres", "psycopg") from None
    return psycopg


class PostgresStore(SqliteStore):
    """Keeps journals in a PostgreSQL database; runs attached to it are durable and leased.

    Args:
        url: ``postgresql://user:password@host:port/dbname`` (any libpq URL).
        flush_interval: seconds after which buffered entries are committed.
        batch_size: buffered entries that trigger a commit at once.
        commit_deadline: seconds a commit is retried while the server is away
            before the runs that journaled into it fail with `StoreError`.
        lease_ttl: seconds a lease lasts unless renewed (renewed every third of it).
        owner: who this store drives runs for (default: this process).
        pool_size: the most connections the pool opens.
        connect_timeout: seconds to wait for the server when opening.

    Raises:
        StoreError: the server cannot be reached or refuses the credentials
            (the message names the URL without its password), or the database
            is from a newer fsmnb.
    """

    def __init__(
        self,
        url: str,
        *,
        flush_interval: float = 0.02,
        batch_size: int = 2000,
        commit_deadline: float = 60.0,
        lease_ttl: float = 30.0,
        owner: str | None = None,
        pool_size: int = 4,
        connect_timeout: float = 5.0,
    ) -> None:
        psycopg = _psycopg()
        from psycopg_pool import ConnectionPool

        self.url = url
        self.path = safe_url(url)
        self.policy = CommitPolicy(deadline=commit_deadline)
        self.leases = LeasePolicy(ttl=lease_ttl)
        self.owner = owner or process_owner()
        try:
            with psycopg.connect(url, connect_timeout=max(1, int(connect_timeout))) as conn:
                migrate(conn, where=self.path)
        except psycopg.Error as error:
            raise StoreError(
                f"Cannot open the run store `{self.path}`: {self._scrub(error)}. Check the "
                f"host, port, user, password and database name in the URL, and that the "
                f"server accepts connections from this machine.",
                path=self.path,
            ) from None
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True},
            timeout=commit_deadline,  # a checkout waits for a reconnection as long as a commit
            open=True,
            name="fsmnb",
        )
        # SqliteStore's queries (summaries, journals, the analytics SQL) run through this.
        self.db = _QmarkConnection(self)  # type: ignore[assignment]
        self._batcher = Batcher(
            self._write,
            is_transient=_is_transient,
            give_up=self._gave_up,
            policy=self.policy,
            batch_size=batch_size,
            flush_interval=flush_interval,
        )
        self._keeper = LeaseKeeper(self.renew_owner, self.leases)
        self._new_ids: set[str] = set()
        #: leases this store took or created and has not released: run id -> token
        self._held: dict[str, int] = {}
        self._renewed = time.time()
        self._mine = _MINE.setdefault(url, set())
        self._in_doubt = False  # the last commit failed: it may have reached the server
        self._consumed: list[int] = []  # inbox rows the next commit deletes
        # runs held here with the loop they run on, for inbox deliveries (a `Run`: the inbox
        # sends it events, which `RunAPI` leaves to the run's owner)
        self._runs: dict[str, tuple[Any, asyncio.AbstractEventLoop]] = {}
        self._delivered: set[int] = set()
        self._pumps: dict[str, bool] = {}  # run id -> whether news came while its pump ran
        self._listener: InboxListener | None = None
        self.closed = False
        self.retries = 0
        _LIVE_STORES.add(self)

    def _scrub(self, error: BaseException) -> str:
        text = str(error).strip().replace("\n", " ")
        from urllib.parse import urlsplit

        secret = urlsplit(self.url).password
        return text.replace(secret, "***") if secret else text

    # -- the Store protocol --------------------------------------------------------------------

    def attach(
        self, run: RunAPI, *, forked_from: str | None = None, fork_step: int | None = None
    ) -> JournalWriter:
        """Make `run` durable: journal it here from its first entry (its lease comes with it)."""
        writer = super().attach(run, forked_from=forked_from, fork_step=fork_step)
        if run.id.startswith(_ID_PREFIX):
            self._mine.add(run.id)
        self._listen_for(run)
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
        """Continue journaling a restored run; events that waited in its inbox are delivered."""
        writer = super().reattach(
            run, seq=seq, data=data, replay=replay, expect=expect, lease=lease
        )
        loop = self._listen_for(run)
        if loop is not None:  # events sent while nobody held the run
            loop.call_soon(self.deliver, run.id)
        return writer

    def load(self, run_id: str) -> list[Entry]:
        """The journal of `run_id`, decoded (empty when unknown)."""
        from fsmnb.engine.journal_codec import decode_row

        self.flush()
        rows = self._all(
            "SELECT kind, time, body FROM entries WHERE run_id = %s ORDER BY seq", (run_id,)
        )
        return [decode_row(*row) for row in rows]

    def run_ids(self) -> list[str]:
        """Every run id the store knows, oldest first."""
        self.flush()
        return [r for (r,) in self._all("SELECT run_id FROM runs ORDER BY created, run_id")]

    def has(self, run_id: str) -> bool:
        """Whether the store knows `run_id` (committed or buffered).

        An id this process generated (`new_run_id`: its random prefix, a counter)
        can only be in the database if a store of this process put it there, so
        it is answered from memory: no round trip per new run.
        """
        if run_id in self._new_ids:
            return True
        mine = self._mine
        if run_id.startswith(_ID_PREFIX):
            return run_id in mine
        return self._one("SELECT 1 FROM runs WHERE run_id = %s", (run_id,)) is not None

    def info(self, run_id: str) -> dict[str, Any] | None:
        """The `runs` row of `run_id` as a dict (None when unknown)."""
        self.flush()
        rows = self._all(_SELECT_RUNS + " WHERE r.run_id = %s", (run_id,))
        return dict(zip(RUN_COLUMNS, rows[0], strict=True)) if rows else None

    def runs(
        self, *, tenant: str | None = None, workflow: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """Owner and summary of each run, optionally filtered (as `SqliteStore.runs`)."""
        self.flush()
        where, params = [], []
        for column, value in (("tenant", tenant), ("workflow", workflow), ("status", status)):
            if value is not None:
                where.append(f"r.{column} = %s")
                params.append(value)
        sql = _SELECT_RUNS + (" WHERE " + " AND ".join(where) if where else "")
        rows = self._all(sql + " ORDER BY r.created, r.run_id", params)
        return [dict(zip(RUN_COLUMNS, row, strict=True)) for row in rows]

    def journals(self, run_ids: list[str] | None = None) -> dict[str, list[Entry]]:
        """Several journals in one query: every run's, or those of `run_ids`."""
        from fsmnb.engine.journal_codec import decode_row

        self.flush()
        sql = "SELECT run_id, kind, time, body FROM entries"
        params: tuple[Any, ...] = ()
        if run_ids is not None:
            sql, params = sql + " WHERE run_id = ANY(%s)", (list(run_ids),)
        out: dict[str, list[Entry]] = {}
        for run_id, kind, t, body in self._all(sql + " ORDER BY run_id, seq", params):
            out.setdefault(run_id, []).append(decode_row(kind, t, body))
        return out

    def delete(self, run_ids: list[str]) -> int:
        """Delete these runs, their journals and inboxes; return how many runs.

        Their lease rows stay (tokens only grow, even for a run id used again).
        """
        self.flush()
        self._mine.difference_update(run_ids)

        def delete() -> int:
            with self.pool.connection() as conn, conn.transaction():
                for table in ("entries", "inbox"):
                    conn.execute(f"DELETE FROM {table} WHERE run_id = ANY(%s)", (list(run_ids),))
                deleted = conn.execute("DELETE FROM runs WHERE run_id = ANY(%s)", (list(run_ids),))
                return int(deleted.rowcount)

        return self._retrying(delete, "delete runs from")

    # -- leases (the verbs of `fsmnb.engine.leases`) ---------------------------------------------

    def acquire_lease(
        self, run_id: str, owner: str | None = None, *, ttl: float | None = None, wait: float = 0.0
    ) -> Lease:
        """Take the lease of `run_id` (see `fsmnb.engine.leases`).

        Raises:
            RunLeased: another live owner holds it and it did not end within `wait` seconds.
        """
        who = owner or self.owner
        span = self.leases.ttl if ttl is None else ttl
        deadline = time.monotonic() + wait
        holder, until = "", 0.0

        def take() -> Lease | None:
            nonlocal holder, until
            now = time.time()
            with self.pool.connection() as conn, conn.transaction():
                row = conn.execute(
                    "SELECT owner, token, expires FROM leases WHERE run_id = %s FOR UPDATE",
                    (run_id,),
                ).fetchone()
                if row is None:
                    conn.execute(
                        "INSERT INTO leases VALUES (%s, %s, 1, %s)", (run_id, who, now + span)
                    )
                    return Lease(run_id, who, 1, now + span)
                holder, token, until = str(row[0]), int(row[1]), float(row[2])
                if holder and holder != who and until > now and not owner_is_dead(holder):
                    return None
                conn.execute(
                    "UPDATE leases SET owner = %s, token = %s, expires = %s WHERE run_id = %s",
                    (who, token + 1, now + span, run_id),
                )
                return Lease(run_id, who, token + 1, now + span)

        while True:
            got = self._retrying(take, "take a lease in")
            if got is not None:
                if who == self.owner:
                    self._held[run_id] = got.token
                    self._keeper.hold()
                return got
            left = deadline - time.monotonic()
            if left <= 0:
                raise run_leased(run_id, holder, until, self.path)
            time.sleep(min(left, max(0.01, until - time.time()), 0.25))

    def renew_lease(self, lease: Lease, *, ttl: float | None = None) -> Lease:
        """Extend `lease`.

        Raises:
            LeaseLost: another owner took the run after `lease` lapsed.
        """
        expires = time.time() + (self.leases.ttl if ttl is None else ttl)
        changed = self._count(
            "UPDATE leases SET expires = %s WHERE run_id = %s AND token = %s",
            (expires, lease.run_id, lease.token),
        )
        if not changed:
            row = self.lease_of(lease.run_id)
            raise lease_lost(lease.run_id, row[0] if row else "", row[2] if row else 0.0, self.path)
        return Lease(lease.run_id, lease.owner, lease.token, expires)

    def release_lease(self, lease: Lease) -> None:
        """Give `lease` up (nothing happens when it was taken over already)."""
        self._held.pop(lease.run_id, None)
        self._count(_RELEASE, (lease.run_id, lease.token))

    def renew_owner(self, owner: str | None = None, *, ttl: float | None = None) -> int:
        """Extend every unexpired lease of `owner` (default: this store's); return how many."""
        now = time.time()
        span = self.leases.ttl if ttl is None else ttl
        return self._count(
            "UPDATE leases SET expires = %s WHERE owner = %s AND expires > %s",
            (now + span, owner or self.owner, now),
        )

    def lease_of(self, run_id: str) -> tuple[str, int, float] | None:
        """``(owner, token, expires)`` of the lease row of `run_id` (owner ``''``: released)."""
        rows = self._all("SELECT owner, token, expires FROM leases WHERE run_id = %s", (run_id,))
        return (str(rows[0][0]), int(rows[0][1]), float(rows[0][2])) if rows else None

    # -- the inbox (`fsmnb.engine.inbox`) ---------------------------------------------------------

    def post(self, run_id: str, event: str, payload: str) -> int:
        """Put `event` in the inbox of `run_id` and notify its holder; return the row id.

        Raises:
            RunNotFound: the store has no run `run_id`.
        """
        if not self.has(run_id):
            raise RunNotFound(f"The store `{self.path}` has no run `{run_id}`.")

        def insert() -> int:
            with self.pool.connection() as conn, conn.transaction():
                row = conn.execute(
                    "INSERT INTO inbox (run_id, event, payload, sent) VALUES (%s, %s, %s, %s) "
                    "RETURNING id",
                    (run_id, event, payload, time.time()),
                ).fetchone()
                conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, run_id))
                assert row is not None
                return int(row[0])

        return self._retrying(insert, "send an event through")

    def _listen_for(self, run: RunAPI) -> asyncio.AbstractEventLoop | None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None  # no loop to deliver on: events wait until the run is resumed on one
        self._runs[run.id] = (run, loop)
        if self._listener is None:
            self._listener = InboxListener(self)
        return loop

    def wake(self, run_id: str) -> None:
        """The inbox of `run_id` has news (called from the listener's thread)."""
        held = self._runs.get(run_id)
        if held is not None:
            schedule(held[1], self.deliver, run_id)

    def wake_all(self) -> None:
        """Check the inbox of every run held here (after the listener (re)connects)."""
        for run_id in list(self._runs):
            self.wake(run_id)

    def deliver(self, run_id: str) -> None:
        """Start sending the run the events waiting in its inbox (on its loop; one pump per run)."""
        held = self._runs.get(run_id)
        if held is None or self.closed or run_id not in self._runs:
            return
        if run_id in self._pumps:
            self._pumps[run_id] = True  # the running pump reads the inbox once more
            return
        self._pumps[run_id] = False
        task = held[1].create_task(self._pump(run_id, held[0]))
        task.add_done_callback(lambda _: self._pumps.pop(run_id, None))

    async def _pump(self, run_id: str, run: Any) -> None:
        """Deliver inbox rows in id order, each once the run is idle (an event never preempts
        the action the previous one started)."""
        while not self.closed and run_id in self._runs:
            self._pumps[run_id] = False
            try:
                rows = await asyncio.to_thread(
                    self._all,
                    "SELECT id, event, payload FROM inbox WHERE run_id = %s ORDER BY id",
                    (run_id,),
                )
            except StoreError:
                return  # closed, or the server stayed away: the rows wait for the next holder
            fresh = [r for r in rows if r[0] not in self._delivered]
            if not fresh:
                if self._pumps.get(run_id):
                    continue  # news came while reading: read again
                return
            for row_id, event, payload in fresh:
                with contextlib.suppress(FsmnbError):  # its failure is the run's own business
                    await run.wait(until_idle=True)
                if self.closed or run_id not in self._runs:
                    return
                self._delivered.add(row_id)
                self.consume(row_id)  # deleted by the commit that journals what the event does
                if run.done:
                    _log.warning("fsmnb: run %s has ended; event %r dropped", run_id, event)
                    continue
                try:
                    run.send(event, **json.loads(payload))
                except FsmnbError as error:  # refused: logged, and the row is consumed
                    _log.warning("fsmnb: event %r to run %s refused: %s", event, run_id, error)
            self.flush()
            # and read again: a row committed while these were delivered may have no wake-up left

    # -- buffering and commits -----------------------------------------------------------------

    def consume(self, inbox_id: int) -> None:
        """Delete inbox row `inbox_id` in the commit that journals what its event did."""
        self._consumed.append(inbox_id)

    def _write(self, batch: Batch) -> None:
        """Write `batch` in one transaction, fenced by the lease token of each run in it.

        A retry after a failure that may have reached the server (the connection
        dropped during COMMIT) first checks whether the batch's first row is
        there: then the batch was committed and is not written twice.
        """
        now = time.time()
        expires = now + self.leases.ttl
        new_ids = [r[0] for r in batch.new]
        writers = batch.writers
        fresh = set(new_ids)
        tokens = {
            run_id: w.lease.token
            for run_id, w in writers.items()
            if run_id not in fresh and w.lease is not None
        }
        consumed = list(self._consumed)
        raised: dict[str, int] = {}
        lost: dict[str, str] = {}
        rows, ended = batch.rows, batch.ended
        with self.pool.connection() as conn:
            in_doubt, self._in_doubt = self._in_doubt, True
            if in_doubt and rows and self._committed_already(conn, rows[0]):
                self._in_doubt = False
                self._committed(batch, consumed, raised, lost, expires)
                return
            with conn.transaction(), conn.cursor() as cur:
                if new_ids:
                    cur.executemany(_INSERT_RUN, batch.new)
                    cur.execute(_NEW_LEASES, (self.owner, expires, new_ids))
                    raised = {r: int(t) for r, t in cur.fetchall() if int(t) != 1}
                if tokens:
                    lost = self._fence(cur, tokens, expires)
                if lost:
                    rows = [r for r in rows if r[0] not in lost]
                    ended = [e for e in ended if e[4] not in lost]
                if rows:
                    with cur.copy(_COPY_ENTRIES) as copy:
                        for row in rows:
                            copy.write_row(row)
                if ended:
                    cur.executemany(_UPDATE_RUN, ended)
                    ends = [(e[4], raised.get(e[4]) or writers[e[4]].token) for e in ended]
                    cur.executemany(_RELEASE, ends)
                if consumed:
                    cur.execute("DELETE FROM inbox WHERE id = ANY(%s)", (consumed,))
                if now - self._renewed > self.leases.renew_every:
                    cur.execute(
                        "UPDATE leases SET expires = %s WHERE owner = %s AND expires > %s",
                        (expires, self.owner, now),
                    )
                    self._renewed = now
            self._in_doubt = False
        self._committed(batch, consumed, raised, lost, expires)

    def _committed(
        self,
        batch: Batch,
        consumed: list[int],
        raised: dict[str, int],
        lost: dict[str, str],
        expires: float,
    ) -> None:
        """Bring the store's bookkeeping up to a batch that is now in the database."""
        del self._consumed[: len(consumed)]
        self._delivered.difference_update(consumed)
        self._new_ids.difference_update(r[0] for r in batch.new)
        for run_id, token in raised.items():
            self._held[run_id] = token
        for writer in batch.writers.values():
            writer.renewed(expires, raised.get(writer.run.id))
        for e in batch.ended:
            self._held.pop(e[4], None)
            self._runs.pop(e[4], None)
        for run_id, holder in lost.items():
            self._held.pop(run_id, None)
            self._runs.pop(run_id, None)
            batch.writers[run_id].stop(lease_lost(run_id, holder, 0.0, self.path))

    def _fence(self, cur: Any, tokens: dict[str, int], expires: float) -> dict[str, str]:
        """Extend the leases of these runs if their tokens still hold; return the others' holders."""
        ids = sorted(tokens)
        cur.execute(_FENCE, (expires, ids, [tokens[r] for r in ids]))
        kept = {r for (r,) in cur.fetchall()}
        lost: dict[str, str] = {}
        for run_id in set(ids) - kept:
            cur.execute("SELECT owner FROM leases WHERE run_id = %s", (run_id,))
            found = cur.fetchone()
            lost[run_id] = str(found[0]) if found else ""
            _log.warning("fsmnb: run %s was taken over by %s", run_id, lost[run_id])
        return lost

    @staticmethod
    def _committed_already(conn: Any, first: tuple[Any, ...]) -> bool:
        found = conn.execute(
            "SELECT 1 FROM entries WHERE run_id = %s AND seq = %s", (first[0], first[1])
        ).fetchone()
        return found is not None

    def _gave_up(self, error: BaseException) -> StoreError:
        return StoreError(
            f"Could not commit journal entries to `{self.path}` for {self.policy.deadline:g} s: "
            f"{self._scrub(error)}. The runs that journaled them stop; the database keeps every "
            f"entry committed before. Resume them with `fsmnb.resume(run_id, store=...)` once "
            f"the server is back.",
            path=self.path,
        )

    def _retrying(self, body: Callable[[], _T], doing: str) -> _T:
        """Run `body`, again with backoff while the server is away, until `commit_deadline`.

        Raises:
            StoreError: the store is closed, or the server stayed away too long.
        """
        psycopg = _psycopg()
        deadline = time.monotonic() + self.policy.deadline
        wait = 0.02
        while True:
            try:
                return body()
            except psycopg.OperationalError as error:
                if self.closed:
                    raise StoreError(
                        f"The run store `{self.path}` is closed.", path=self.path
                    ) from None
                self.retries += 1
                if time.monotonic() + wait > deadline:
                    raise StoreError(
                        f"Could not {doing} `{self.path}` for {self.policy.deadline:g} s: "
                        f"{self._scrub(error)}. Check that the server is up and reachable.",
                        path=self.path,
                    ) from None
                _log.warning("fsmnb: %s %s failed (%s); retrying", doing, self.path, error)
                time.sleep(wait)
                wait = min(wait * 2, 1.0)

    # -- reading -------------------------------------------------------------------------------

    def fetch(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        """The rows of one query (``%s`` marks), retried while the server is away."""
        return self._all(sql, params)

    def _all(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        def query() -> list[tuple[Any, ...]]:
            with self.pool.connection() as conn:
                cursor = conn.execute(sql, params)
                rows: list[tuple[Any, ...]] = cursor.fetchall() if cursor.description else []
                return rows

        return self._retrying(query, "read from")

    def _count(self, sql: str, params: Any = ()) -> int:
        """Run one write statement (retried while the server is away); return its row count."""

        def write() -> int:
            with self.pool.connection() as conn:
                return int(conn.execute(sql, params).rowcount)

        return self._retrying(write, "write to")

    def _one(self, sql: str, params: Any = ()) -> Any:
        rows = self._all(sql, params)
        return rows[0][0] if rows else None

    def close(self) -> None:
        """Commit what is buffered, release this store's leases and close the pool."""
        if self.closed:
            return
        self._keeper.stop()
        if self._listener is not None:
            self._listener.stop()
        try:
            self.flush()
            if self._held:
                held = list(self._held.items())
                self._held.clear()

                def release() -> None:
                    with self.pool.connection() as conn, conn.cursor() as cur:
                        cur.executemany(_RELEASE, held)

                self._retrying(release, "release leases in")
        finally:
            self._batcher.close()
            self.closed = True
            self.pool.close()

    def __repr__(self) -> str:
        return f"<PostgresStore {self.path!r}{' closed' if self.closed else ''}>"


class _QmarkConnection:
    """``store.db.execute(sql, params)`` with SQLite's ``?`` marks, for the analytics queries."""

    def __init__(self, store: PostgresStore) -> None:
        self.store = store

    def execute(self, sql: str, params: Any = ()) -> _Rows:
        return _Rows(self.store.fetch(sql.replace("?", "%s"), tuple(params)))


class _Rows(list[tuple[Any, ...]]):
    def fetchall(self) -> list[tuple[Any, ...]]:
        return list(self)

    def fetchone(self) -> tuple[Any, ...] | None:
        return self[0] if self else None
