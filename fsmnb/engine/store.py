"""Where journals live: the `Store` protocols, `Lease`, and `MemoryStore`.

A run journals each entry to the *sink* its store gave it when the run was
attached. Everything `fsmnb.resume`, `Manager(store=...)` and `run.fork`
need from a store is in these protocols:

- `Store`: attach a new run, load a journal, list run ids, describe a run;
- `DurableStore`: also continue journaling a restored run (`reattach`),
  summaries and several journals at once, commits, and leases — at most one
  process drives a durable run; a driver holds a `Lease` and every commit of
  its entries is fenced by the lease's token, so a driver that lost its lease
  can never write.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from fsmnb.engine.leases import Lease  # one definition, with the lease verbs it serves

if TYPE_CHECKING:
    from fsmnb.engine.journal import Entry
    from fsmnb.engine.run_api import RunAPI

__all__ = (
    "DurableStore",
    "JournalSink",
    "Lease",
    "LeasingStore",
    "MemoryStore",
    "ReplayTable",
    "Store",
)

#: Journaled results of the current state by effect path (see `fsmnb.engine.durable.Replay`).
ReplayTable = dict[tuple[Any, ...], Any]


class JournalSink(Protocol):
    """Receives every entry of one run, in order, as it is journaled."""

    @property
    def replay(self) -> ReplayTable | None:
        """Results journaled in the run's current state, by effect path, that the
        interpreter returns instead of running an effect again (None: nothing is
        replayed, e.g. a store kept in memory)."""
        ...

    def __call__(self, run_id: str, entry: Entry) -> bool | None:
        """Journal `entry`; return False when it was journaled already (the run drops it)."""
        ...


@runtime_checkable
class Store(Protocol):
    """Where runs' journals live. `attach` is called once per run, before its first entry."""

    def attach(
        self, run: RunAPI, *, forked_from: str | None = None, fork_step: int | None = None
    ) -> JournalSink:
        """Start keeping `run`'s journal; return the sink the run journals to.

        Raises:
            FsmnbError: the store already has a run with this id.
        """
        ...

    def load(self, run_id: str) -> list[Entry]:
        """The journal of `run_id` (empty when unknown)."""
        ...

    def run_ids(self) -> list[str]:
        """Every run id the store knows."""
        ...


@runtime_checkable
class DurableStore(Store, Protocol):
    """A store that keeps journals across processes: what resume and fork need."""

    path: str

    def reattach(
        self,
        run: RunAPI,
        *,
        seq: int,
        data: dict[str, Any],
        replay: ReplayTable,
        expect: Counter[tuple[Any, ...]],
    ) -> JournalSink:
        """Continue journaling a run rebuilt from its journal (see `fsmnb.engine.resume`).

        Args:
            run: the restored run.
            seq: the sequence number of its next entry.
            data: its data as last journaled (diffs are taken from it).
            replay: results journaled in its current state.
            expect: entries its replayed code will journal again (dropped).
        """
        ...

    def has(self, run_id: str) -> bool:
        """Whether the store knows `run_id` (committed or buffered)."""
        ...

    def info(self, run_id: str) -> dict[str, Any] | None:
        """The summary of `run_id`: ``run_id, workflow, tenant, parent, state, status, steps,
        created, updated, forked_from, fork_step`` (None when unknown)."""
        ...

    def runs(
        self, *, tenant: str | None = None, workflow: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """Summaries (as `info`) of every run, optionally filtered."""
        ...

    def journals(self, run_ids: list[str] | None = None) -> dict[str, list[Entry]]:
        """Several journals at once: every run's, or those of `run_ids`."""
        ...

    def flush(self) -> None:
        """Commit everything journaled so far."""
        ...

    def commit_pending(self) -> bool:
        """Commit now if anything is buffered (called before an effect runs).

        Returns False when the commit failed for now and is being retried: the
        caller waits for `wait_committed` (a leasing store's runs pause there).
        """
        ...


@runtime_checkable
class LeasingStore(DurableStore, Protocol):
    """A durable store that refuses a second driver (implemented by `SqliteStore`).

    The verbs, their semantics and why they are safe are in `fsmnb.engine.leases`
    (a PostgreSQL store implements the same). `acquire_lease` raises `RunLeased`
    (naming the owner and the expiry) when another live owner holds a lease
    that has not expired, or waits up to `wait` seconds for it. The store renews
    its leases while its runs live and releases a run's lease when it ends;
    each commit checks the token of every run it writes in the same transaction.
    """

    owner: str

    def acquire_lease(
        self, run_id: str, owner: str | None = None, *, ttl: float | None = None, wait: float = 0.0
    ) -> Lease:
        """Take the lease of `run_id` for `owner` (default: the store's) for `ttl` seconds."""
        ...

    def renew_lease(self, lease: Lease, *, ttl: float | None = None) -> Lease:
        """Extend `lease`; raises `LeaseLost` when another owner took it after it lapsed."""
        ...

    def release_lease(self, lease: Lease) -> None:
        """Give `lease` up (a no-op when it was lost already)."""
        ...

    def renew_owner(self, owner: str | None = None, *, ttl: float | None = None) -> int:
        """Extend every unexpired lease of `owner` (default: the store's); return how many."""
        ...

    async def wait_committed(self) -> None:
        """Wait until the batch being retried is committed (raises `StoreError` past its deadline)."""
        ...


class _MemorySink:
    """Appends a run's entries to a list the `MemoryStore` keeps."""

    __slots__ = ("append", "replay")

    def __init__(self, journal: list[Entry]) -> None:
        self.append: Callable[[Entry], None] = journal.append
        self.replay: ReplayTable | None = None

    def __call__(self, run_id: str, entry: Entry) -> None:
        self.append(entry)


class MemoryStore:
    """Keeps whole journals in memory (a run itself keeps only its recent entries)."""

    def __init__(self) -> None:
        self._journals: dict[str, list[Entry]] = {}

    def attach(
        self, run: RunAPI, *, forked_from: str | None = None, fork_step: int | None = None
    ) -> JournalSink:
        """Keep `run`'s journal here from its first entry."""
        from fsmnb.errors import FsmnbError

        if run.id in self._journals:
            raise FsmnbError(
                f"This MemoryStore already has a run `{run.id}`; start the new run with another "
                f"`run_id`."
            )
        journal: list[Entry] = []
        self._journals[run.id] = journal
        return _MemorySink(journal)

    def load(self, run_id: str) -> list[Entry]:
        """A copy of the journal of `run_id`."""
        return list(self._journals.get(run_id, ()))

    def run_ids(self) -> list[str]:
        """Every run attached to this store."""
        return list(self._journals)
