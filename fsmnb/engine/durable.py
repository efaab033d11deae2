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
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from fsmnb.engine.handlers import Path, format_path
from fsmnb.engine.journal import EffectFinished, Entry
from fsmnb.engine.journal_codec import diff_json, encode_data, encode_entry
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

    def before_effect(self, path: Path) -> None:
        """Commit what is journaled and expose the key: the effect at `path` is about to run."""
        writer = self.writer
        writer.store.commit_pending()
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
    """

    __slots__ = ("encoded", "expect", "replay", "run", "seq", "store")

    def __init__(
        self,
        store: SqliteStore,
        run: RunAPI,
        *,
        seq: int = 0,
        data: dict[str, Any] | None = None,
        replay: dict[Path, Any] | None = None,
        expect: Counter[tuple[Any, ...]] | None = None,
    ) -> None:
        self.store = store
        self.run = run
        self.seq = seq
        self.encoded: dict[str, str] = encode_data(data) if data else {}
        self.expect = expect or None
        self.replay = Replay(self, replay)

    def __call__(self, run_id: str, entry: Entry) -> bool | None:
        kind = entry.kind
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
        elif kind == "run_finished":
            self.store.commit_pending()
        return None

    def _row(self, kind: str, entry: Entry) -> Any:
        if kind == "run_started":
            self.encoded = encode_data(entry.data or {})  # type: ignore[union-attr]
            return encode_entry(entry, data=self.encoded)
        if kind == "transition" or kind == "run_finished":
            return encode_entry(entry, diff=self._diff())
        return encode_entry(entry)

    def _diff(self) -> str | None:
        data = self.run.data
        cache = self.encoded
        changed: list[tuple[str, str]] = []
        for key, text in encode_data(data).items() if data else ():
            if cache.get(key) != text:
                cache[key] = text
                changed.append((key, text))
        removed = [k for k in cache if k not in data] if len(cache) > len(data) else []
        for key in removed:
            del cache[key]
        if not changed and not removed:
            return None
        return diff_json(changed, removed)

    def _seen(self, entry: Entry) -> bool:
        assert self.expect is not None
        key = replay_key(entry)
        count = self.expect.get(key, 0)
        if count <= 0:
            return False
        self.expect[key] = count - 1
        return True


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
    """The `SqliteStore` of the file at `path` (one per file and process, opened on first use)."""
    from fsmnb.engine.sqlite_store import SqliteStore

    key = str(path) if str(path) == ":memory:" else os.path.abspath(path)
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
