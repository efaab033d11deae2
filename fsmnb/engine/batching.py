"""Batched commits for durable stores (any backend): what is buffered, and when it is committed.

Journal entries are encoded as they are journaled and buffered in a `Batch`;
a commit writes the whole batch in one transaction (`Batcher.write`, given by
the backend). Commits happen:

- before any effect that is not inline runs (`commit_pending`: earlier results
  are safe when it starts — the exactly-once half of the guarantee);
- when runs end, once per loop iteration for every run that ended in it
  (`commit_soon`: one transaction for many runs; it runs before the tasks
  awaiting those runs resume);
- when the batch holds `batch_size` entries, `flush_interval` seconds after
  the first buffered entry (on the running loop), at `flush()` (what
  `Manager.send_many` calls), and at interpreter exit.

A commit that fails is retried by the `Committer` (`fsmnb.engine.commits`): the
batch is kept, entries journaled meanwhile join it in order, and nothing is lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fsmnb.engine.commits import CommitPolicy, Committer
from fsmnb.errors import StoreError

if TYPE_CHECKING:
    from fsmnb.engine.durable import JournalWriter

__all__ = ("Batch", "Batcher")


class Batch:
    """What the next commit writes.

    Attributes:
        rows: encoded entries ``(run_id, seq, kind, time, state, path, body)`` in journal order.
        new: rows of the runs created since the last commit.
        ended: ``(state, status, steps, time, run_id)`` of the runs that ended.
        writers: the writer of every run with entries here (its lease token fences them).
    """

    __slots__ = ("ended", "new", "rows", "writers")

    def __init__(self) -> None:
        self.rows: list[tuple[Any, ...]] = []
        self.new: list[tuple[Any, ...]] = []
        self.ended: list[tuple[Any, ...]] = []
        self.writers: dict[str, JournalWriter] = {}

    def __bool__(self) -> bool:
        return bool(self.rows or self.new)

    def __len__(self) -> int:
        return len(self.rows)


class Batcher:
    """Buffers a store's entries and commits them in batches, never losing one.

    Args:
        write: writes a batch in one transaction (or raises, writing nothing).
        is_transient: whether a failure of `write` may pass by retrying.
        give_up: turns a failure the store cannot get past into the `StoreError` to raise.
        policy: how long and how often failed commits are retried.
        batch_size: buffered entries that trigger a commit at once.
        flush_interval: seconds after which buffered entries are committed.
    """

    def __init__(
        self,
        write: Callable[[Batch], None],
        *,
        is_transient: Callable[[BaseException], bool],
        give_up: Callable[[BaseException], StoreError],
        policy: CommitPolicy,
        batch_size: int,
        flush_interval: float,
    ) -> None:
        self.write = write
        self.batch = Batch()
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.commits = 0
        self.committer = Committer(
            self._attempt, is_transient=is_transient, give_up=self._give_up, policy=policy
        )
        self._store_give_up = give_up
        self._timer: asyncio.Handle | None = None
        self._timer_loop: asyncio.AbstractEventLoop | None = None
        self._soon = False

    # -- buffering -----------------------------------------------------------------------------

    def add(self, writer: JournalWriter, row: tuple[Any, ...]) -> None:
        """Buffer one encoded entry of `writer`'s run."""
        batch = self.batch
        rows = batch.rows
        rows.append(row)
        batch.writers[row[0]] = writer
        timer_loop = self._timer_loop
        if (
            self._timer is not None
            and len(rows) < self.batch_size
            and timer_loop is not None
            and not timer_loop.is_closed()
        ):
            return  # the hot path: a commit is already scheduled
        size = len(rows)
        if size >= self.batch_size and not self.committer.failing:
            self.commit_pending()
        elif self._timer is None:
            if size == 1 or not size & 255:  # without a loop, do not retry on every entry
                self._arm(self.flush_interval)
        elif self._timer_loop is not None and self._timer_loop.is_closed():
            self._timer = None
            self._arm(self.flush_interval)

    def commit_soon(self) -> None:
        """Commit at the next turn of the loop (many runs ending together share one commit)."""
        if self._soon and self._timer_loop is not None and not self._timer_loop.is_closed():
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.commit_pending()  # no loop: now
            return
        self._soon = True
        self._timer_loop = loop
        self._timer = loop.call_soon(self._timed)

    # -- committing ----------------------------------------------------------------------------

    def commit_pending(self) -> bool:
        """Commit now if anything is buffered; False when the commit failed for now (retrying).

        Raises:
            StoreError: the store gave up on the batch.
        """
        self._disarm()
        if not self.batch:
            return not self.committer.failing
        return self.committer.try_commit()

    def flush(self) -> None:
        """Commit every buffered entry, waiting (blocking) through failures up to the deadline.

        Raises:
            StoreError: the store gave up on the batch.
        """
        self._disarm()
        if self.batch or self.committer.failing:
            self.committer.commit_blocking()

    async def wait_committed(self) -> None:
        """Wait until what is buffered is committed (a run pauses here while commits fail).

        Raises:
            StoreError: the store gave up on the batch.
        """
        await self.committer.wait_committed()

    def close(self) -> None:
        """Stop the timers (what is buffered stays; flush it first)."""
        self._disarm()

    # -- internals -----------------------------------------------------------------------------

    def _attempt(self) -> None:
        batch = self.batch
        if not batch:
            return
        self.write(batch)
        # Only now is the batch done with: a failed write keeps every row of it.
        self.batch = Batch()
        self.commits += 1

    def _give_up(self, error: BaseException) -> StoreError:
        batch, self.batch = self.batch, Batch()
        store_error = self._store_give_up(error)
        for writer in batch.writers.values():
            writer.stop(store_error)
        return store_error

    def _arm(self, delay: float) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop: the batch size, explicit flushes and exit commit it
        self._timer_loop = loop
        self._timer = loop.call_later(delay, self._timed)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._soon = False

    def _timed(self) -> None:
        self._timer = None
        self._soon = False
        try:
            self.commit_pending()
        except StoreError as error:
            import logging

            logging.getLogger("fsmnb").error("%s", error)
