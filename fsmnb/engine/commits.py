"""Commits that never lose a batch: retry with backoff until a deadline (any durable backend).

A durable store buffers encoded journal entries and commits them in one
transaction (`SqliteStore`; a PostgreSQL store the same way). A commit can fail
for a while — another connection holds the write lock longer than the busy
timeout, a server restarts — and must not lose what it was writing: the
`Committer` keeps the batch (the backend's `attempt` writes all of it or
nothing) and tries again with exponential backoff and jitter (tenacity's
`wait_random_exponential`) until `CommitPolicy.deadline` seconds after the
first failure.

Meanwhile runs that must wait for a commit (an effect runs only once what was
journaled before it is committed) pause: `wait_committed()` resolves when a
retry succeeds. After the deadline the backend's `give_up` discards the batch,
the runs that journaled into it stop, and every waiter gets a `StoreError`
naming the file. What is on disk is then a prefix of each run, as after a
crash: contiguous, well formed, resumable.

A failure that retrying cannot fix (a corrupt file, a full disk) gives up at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fsmnb.errors import StoreError

if TYPE_CHECKING:
    from tenacity import Retrying

__all__ = ("CommitPolicy", "Committer", "retrying")


@dataclass(frozen=True, slots=True)
class CommitPolicy:
    """How long and how often a failing commit is retried.

    Attributes:
        deadline: seconds after the first failure of a batch before the store gives
            up on it (runs waiting for it then fail with `StoreError`).
        first_wait: the first backoff (seconds); later ones grow exponentially, with jitter.
        max_wait: the longest single backoff (seconds).
    """

    deadline: float = 60.0
    first_wait: float = 0.01
    max_wait: float = 1.0


def retrying(
    policy: CommitPolicy,
    is_transient: Callable[[BaseException], bool],
    *,
    remaining: float | None = None,
    asynchronous: bool = False,
) -> Any:
    """A tenacity retrier for `policy`: transient failures only, exponential backoff with jitter.

    tenacity is imported here, on the first failure, not when fsmnb is imported.
    """
    import tenacity

    cls = tenacity.AsyncRetrying if asynchronous else tenacity.Retrying
    return cls(
        stop=tenacity.stop_after_delay(policy.deadline if remaining is None else remaining),
        wait=tenacity.wait_random_exponential(multiplier=policy.first_wait, max=policy.max_wait),
        retry=tenacity.retry_if_exception(is_transient),
        reraise=True,
    )


class Committer:
    """Commits a store's batch, keeping it and retrying with backoff while commits fail.

    Args:
        attempt: writes the whole batch in one transaction, or raises and leaves it intact.
        is_transient: whether a failure may pass by retrying (a lock held, a busy server).
        give_up: called once the batch cannot be committed: discards it, stops the runs
            that journaled into it, and returns the `StoreError` to raise.
        policy: the deadline and backoff.
    """

    def __init__(
        self,
        attempt: Callable[[], None],
        *,
        is_transient: Callable[[BaseException], bool],
        give_up: Callable[[BaseException], StoreError],
        policy: CommitPolicy,
    ) -> None:
        self.attempt = attempt
        self.is_transient = is_transient
        self.give_up = give_up
        self.policy = policy
        #: when the batch being retried first failed (None: the last commit succeeded)
        self.failing_since: float | None = None
        self.retries = 0
        self._task: asyncio.Task[None] | None = None
        self._done: asyncio.Future[None] | None = None

    @property
    def failing(self) -> bool:
        """Whether a batch is being retried."""
        return self.failing_since is not None

    def try_commit(self) -> bool:
        """Commit now; False when it failed for now (the batch is kept and retried on the loop).

        Raises:
            StoreError: the failure cannot pass, or the deadline has passed.
        """
        if self.failing_since is not None and self._task is not None and not self._task.done():
            return False  # the retry loop owns the batch; waiters wait for it
        try:
            self.attempt()
        except Exception as error:
            self._failed(error)
            self._start_retrying()
            return False
        self._succeeded()
        return True

    def commit_blocking(self) -> None:
        """Commit now, retrying (the thread sleeps) until the deadline; for synchronous callers.

        Raises:
            StoreError: the failure cannot pass, or the deadline passed.
        """
        retrier: Retrying = retrying(self.policy, self.is_transient, remaining=self._remaining())
        try:
            for attempt in retrier:
                with attempt:
                    self._attempt_counted()
        except StoreError:
            raise  # `_failed` gave up already
        except Exception as error:
            raise self._gave_up(error) from error
        self._succeeded()

    async def wait_committed(self) -> None:
        """Wait until the batch being retried is committed (at once when none is).

        Raises:
            StoreError: the store gave up on the batch.
        """
        if self.failing_since is None:
            return
        self._start_retrying()
        done = self._done
        if done is not None:
            await asyncio.shield(done)

    # -- internals -----------------------------------------------------------------------------

    def _remaining(self) -> float:
        since = self.failing_since if self.failing_since is not None else time.monotonic()
        return max(0.0, self.policy.deadline - (time.monotonic() - since))

    def _attempt_counted(self) -> None:
        try:
            self.attempt()
        except Exception as error:
            self._failed(error)
            raise

    def _failed(self, error: BaseException) -> None:
        if not self.is_transient(error):
            raise self._gave_up(error) from error
        self.retries += 1
        if self.failing_since is None:
            self.failing_since = time.monotonic()
        elif self._remaining() <= 0:
            raise self._gave_up(error) from error

    def _succeeded(self) -> None:
        self.failing_since = None
        done, self._done = self._done, None
        if done is not None and not done.done():
            done.set_result(None)

    def _gave_up(self, error: BaseException) -> StoreError:
        self.failing_since = None
        store_error = self.give_up(error)
        store_error.__cause__ = error
        done, self._done = self._done, None
        if done is not None and not done.done():
            done.set_exception(store_error)
            done.exception()  # retrieved: a pause nobody awaited is not an unhandled error
        return store_error

    def _start_retrying(self) -> None:
        if self._task is not None and not self._task.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop: the next flush (blocking) or the exit commit retries
        if self._done is None or self._done.done():
            self._done = loop.create_future()
        self._task = loop.create_task(self._retry(), name="fsmnb: commit retry")

    async def _retry(self) -> None:
        retrier = retrying(
            self.policy, self.is_transient, remaining=self._remaining(), asynchronous=True
        )
        try:
            async for attempt in retrier:
                with attempt:
                    self._attempt_counted()
        except StoreError:
            return  # `_gave_up` already told the waiters
        except Exception as error:
            if self.failing_since is not None:
                self._gave_up(error)
            return
        self._succeeded()
