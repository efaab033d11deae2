"""What makes a run durable: its journal writer, its replay table, and the default store.

A durable store attaches a `JournalWriter` to each run as the run's sink (every
journal entry passes through it) and a `Replay` table as the run's replay dict
(the interpreter consults it for every leaf effect). Together they keep the
promise written in ``docs/durability.md``:

- before a leaf effect that is not inline runs, every entry journaled so far
  is committed (`Replay.before_effect`), so a crash can only lose the effects
  that were in flight, never an earlier result: at-least-once for in-flight
  effects, exactly-once for journaled ones;
- while a resumed run replays its current state, journaled results are returned
  without running the effect, and entries that the replayed code journals a
  second time (logs, retries) are dropped;
- each transition and the end of the run journal the data keys that changed.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Awaitable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from fsmnb.engine.handlers import Path, format_path
from fsmnb.engine.journal import EffectFinished, Entry
from fsmnb.engine.journal_codec import (
    diff_json,
    encode_data,
    encode_entry,
    encode_transition,
    encode_value,
)
from fsmnb.engine.leases import Lease
from fsmnb.errors import SerializationError

if TYPE_CHECKING:
    from fsmnb.engine.run_api import RunAPI
    from fsmnb.engine.sqlite_store import SqliteStore
    from fsmnb.engine.store import Store

__all__ = (
    "JournalWriter",
    "Replay",
    "current_effect_key",
    "get_default_store",
    "open_store",
    "open_stores",
    "resolve_store",
    "set_default_store",
    "writer_of",
)

_log = logging.getLogger("fsmnb")
_EFFECT_KEY: ContextVar[str | None] = ContextVar("fsmnb_effect_key", default=None)


def current_effect_key() -> str | None:
    """The idempotency key of the effect running now, in a durable run (None otherwise).

    It is ``"<run id>:<effect path>"`` (e.g. ``"order-1:charge#2/1/3"``): the same
    when a resumed run executes the effect again, different for every other
    effect, attempt of a `retry` and child of a `parallel`. A function called by
    `call(...)` passes it to the outside world so that a repeat is recognised.
    """
    return _EFFECT_KEY.get()


class Replay(dict[Path, Any]):
    """Journaled results of the current state, by effect path; the run's ``replay``."""

    __slots__ = ("writer",)

    def __init__(self, writer: JournalWriter, results: dict[Path, Any] | None = None) -> None:
        super().__init__(results or {})
        self.writer = writer

    def before_effect(self, path: Path) -> Awaitable[None] | None:
        """Commit what is journaled and expose the key: the effect at `path` is about to run.

        Returns None when the effect may run now, or an awaitable to await first
        (the commit is being retried: the run pauses until it succeeds).

        Raises:
            LeaseLost: another process took the run over; this one must stop.
            StoreError: the store gave up on a commit of this run's entries.
        """
        writer = self.writer
        if writer.stopped is not None:
            raise writer.stopped
        store = writer.store
        if not store.commit_pending():
            return self._paused(path)
        if writer.stopped is not None:  # the commit fenced it off
            raise writer.stopped
        store.ensure_lease(writer)
        _EFFECT_KEY.set(f"{writer.run.id}:{format_path(path)}")
        return None

    async def _paused(self, path: Path) -> None:
        writer = self.writer
        await writer.store.wait_committed()
        if writer.stopped is not None:
            raise writer.stopped
        writer.store.ensure_lease(writer)
        _EFFECT_KEY.set(f"{writer.run.id}:{format_path(path)}")


class JournalWriter:
    """The sink of a durable run: encodes each entry (plus data diffs) into its store's buffer.

    Args:
        store: the store that buffers and commits rows.
        run: the run it writes for.
        seq: the sequence number of the next entry.
        data: the data as last journaled (for diffs), when resuming.
        expect: entries a resumed run will journal again while it replays its
            current state (dropped when they come).
        lease: the run's lease (None: taken at the first entry; see `fsmnb.engine.leases`).

    Attributes:
        stopped: why the run may no longer journal (`LeaseLost`, `StoreError`), or None.
    """

    __slots__ = (
        "encoded",
        "expect",
        "lease",
        "replay",
        "run",
        "scalars",
        "seq",
        "stopped",
        "store",
        "types",
    )

    def __init__(
        self,
        store: SqliteStore,
        run: RunAPI,
        *,
        seq: int = 0,
        data: dict[str, Any] | None = None,
        replay: dict[Path, Any] | None = None,
        expect: Counter[tuple[Any, ...]] | None = None,
        lease: Lease | None = None,
    ) -> None:
        self.store = store
        self.run = run
        self.seq = seq
        self.encoded: dict[str, str] = encode_data(data) if data else {}
        #: the scalar values as last journaled: unchanged ones are not encoded again
        self.scalars: dict[str, Any] = _scalars(data) if data else {}
        #: their types, when they are the whole data (see `_diff`)
        self.types: tuple[type, ...] | None = _types(data or {}, self.scalars)
        self.expect = expect or None
        self.lease = lease
        self.replay = Replay(self, replay)
        self.stopped: BaseException | None = None

    @property
    def token(self) -> int:
        """The fencing token of the run's lease (0: none yet)."""
        return self.lease.token if self.lease is not None else 0

    def renewed(self, expires: float, token: int | None = None) -> None:
        """A commit of this run's entries extended its lease to `expires` (with a new `token`)."""
        lease = self.lease
        if lease is not None:
            self.lease = Lease(lease.run_id, lease.owner, token or lease.token, expires)

    def stop(self, reason: BaseException) -> None:
        """Journal nothing more for this run: its lease was lost, or its store gave up."""
        if self.stopped is None:
            self.stopped = reason

    def __call__(self, run_id: str, entry: Entry) -> bool | None:
        kind = entry.kind
        if self.stopped is not None:
            # Fenced off or given up: nothing more is journaled (a gap would follow; the store
            # keeps a prefix), and the run fails with the reason unless it is ending anyway.
            if kind == "run_finished":
                return None
            raise self.stopped
        if kind == "transition" and self.expect is None and self.lease is not None:
            # The hot path: one row, written as `encode_entry` writes it, straight to the batch.
            seq = self.seq
            self.seq = seq + 1
            try:
                row = encode_transition(entry, self._diff())  # type: ignore[arg-type]
            except SerializationError as error:
                raise _located(error, kind, entry, self.run) from None
            self.store.buffer(self, (run_id, seq, *row))
            replay = self.replay
            if replay:
                replay.clear()  # results of the state just left are never looked up again
            return None
        if self.expect is not None:
            if kind == "transition" or kind == "run_finished":
                self.expect = None
            elif self._seen(entry):
                return False  # journaled before the crash: keep one copy
        try:
            row = self._row(kind, entry)
        except SerializationError as error:
            if kind == "run_finished":  # the end of a run is always journaled
                _log.error("run %s: data not journaled at its end: %s", run_id, error)
                row = encode_entry(entry)
            else:
                raise _located(error, kind, entry, self.run) from None
        seq = self.seq
        self.seq = seq + 1
        self.store.buffer(self, (run_id, seq, *row))
        if kind == "transition":
            replay = self.replay
            if replay:
                replay.clear()  # results of the state just left are never looked up again
        return None

    def _row(self, kind: str, entry: Entry) -> Any:
        if kind == "run_started":
            data = entry.data or {}  # type: ignore[union-attr]
            self.encoded = encode_data(data)
            self.scalars = _scalars(data)
            self.types = _types(data, self.scalars)
            return encode_entry(entry, data=self.encoded)
        if kind == "transition" or kind == "run_finished":
            return encode_entry(entry, diff=self._diff())
        return encode_entry(entry)

    def _diff(self) -> str | None:
        """The JSON of the data keys changed since the last diff (None: nothing changed).

        Values are compared by their JSON text (so changes in place are seen); an
        immutable scalar equal to the one last journaled, of the same type, is not
        encoded at all — a transition that changes nothing costs no JSON.
        """
        data = self.run.data
        scalars = self.scalars
        if data == scalars and tuple(map(type, data.values())) == self.types:
            return None  # only scalars, each equal to the last journaled, of the same type
        cache = self.encoded
        changed: list[tuple[str, str]] | None = None
        for key, value in data.items():
            cls = value.__class__
            if cls in _SCALAR_TYPES:
                old = scalars.get(key, _NOTHING)
                if old.__class__ is cls and (old is value or old == value):
                    continue
                scalars[key] = value
            elif key in scalars:
                del scalars[key]
            text = encode_value(key, value)
            if cache.get(key) != text:
                cache[key] = text
                if changed is None:
                    changed = []
                changed.append((key, text))
        removed = [k for k in cache if k not in data] if len(cache) > len(data) else None
        if removed:
            for key in removed:
                del cache[key]
                scalars.pop(key, None)
        self.types = _types(data, scalars)
        if not changed and not removed:
            return None
        return diff_json(changed or (), removed or ())

    def _seen(self, entry: Entry) -> bool:
        assert self.expect is not None
        key = replay_key(entry)
        count = self.expect.get(key, 0)
        if count <= 0:
            return False
        self.expect[key] = count - 1
        return True


_SCALAR_TYPES = frozenset((str, int, float, bool, type(None)))
_NOTHING = object()


def _scalars(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v.__class__ in _SCALAR_TYPES}


def _types(data: dict[str, Any], scalars: dict[str, Any]) -> tuple[type, ...] | None:
    """The types of the data's values when all are scalars (the fast check of `_diff`)."""
    return tuple(map(type, scalars.values())) if len(scalars) == len(data) else None


def replay_key(entry: Entry) -> tuple[Any, ...]:
    """What identifies an entry that replayed code journals again (logs, retries)."""
    return (entry.kind, *entry[1:4])


def _located(error: SerializationError, kind: str, entry: Entry, run: RunAPI) -> Exception:
    trail = "".join(f"[{k!r}]" for k in getattr(error, "trail", ()))
    if isinstance(entry, EffectFinished):
        where = (
            f"The result{trail} of effect `{entry.label}` at `{format_path(entry.path)}` "
            f"(state `{entry.state}` of run `{run.id}`)"
        )
    elif kind in ("run_started", "transition"):
        where = f"Run data `{trail or '?'}` of run `{run.id}` (workflow `{run.workflow.name}`)"
    else:
        where = f"A `{kind}` entry{trail} of run `{run.id}`"
    located = SerializationError(f"{where} cannot be journaled. {error}")
    located.trail = list(getattr(error, "trail", ()))  # type: ignore[attr-defined]
    return located


# -- which store a run uses ----------------------------------------------------------------------

_DEFAULT: list[Store | None] = [None]
_OPEN: dict[str, SqliteStore] = {}


def open_store(path: str | os.PathLike[str]) -> SqliteStore:
    """The store at `path`, one per process, opened on first use.

    A ``postgresql://`` URL opens a `PostgresStore` (``pip install 'fsmnb[postgres]'``);
    anything else is the path of a SQLite file (`SqliteStore`).
    """
    from fsmnb.engine.sqlite_store import SqliteStore

    text = str(path)
    if text.startswith(("postgresql://", "postgres://")):
        from fsmnb.engine.postgres_store import PostgresStore

        key = text
        store = _OPEN.get(key)
        if store is None or store.closed:
            store = _OPEN[key] = PostgresStore(text)
        return store
    key = text if text == ":memory:" else os.path.abspath(path)
    store = _OPEN.get(key)
    if store is None or store.closed:
        store = _OPEN[key] = SqliteStore(path)
    return store


def resolve_store(store: Store | str | os.PathLike[str] | None) -> Store | None:
    """`store` as a `Store`: a path opens a `SqliteStore`; None means the engine-wide default."""
    if store is None:
        return _DEFAULT[0]
    if isinstance(store, str | os.PathLike):
        opened: Store = open_store(store)
        return opened
    return store


def set_default_store(store: Store | str | os.PathLike[str] | None) -> Store | None:
    """Make every run started without a `store=` durable in `store` (None: back to memory).

    Returns the store now in effect (a path is opened as a `SqliteStore`).
    """
    _DEFAULT[0] = None if store is None else resolve_store(store)
    return _DEFAULT[0]


def open_stores() -> list[Store]:
    """The stores this process has opened by path and not closed."""
    return [s for s in _OPEN.values() if not s.closed]


def get_default_store() -> Store | None:
    """The engine-wide default store (None: runs are kept in memory only)."""
    return _DEFAULT[0]


def writer_of(run: RunAPI) -> JournalWriter | None:
    """The journal writer of a durable run (None for a run kept in memory)."""
    sink = run.sink
    return sink if isinstance(sink, JournalWriter) else None
