"""Events to a durable run from any process: `fsmnb.send(run_id, event, store=...)`.

The event goes into the run's inbox in the store (one row, ordered by id) and
the process holding the run's lease picks it up:

- on PostgreSQL the sender's transaction also does ``NOTIFY fsmnb_inbox, '<run id>'``;
  each store that holds leases keeps one listening connection on a thread
  (`InboxListener`) and hands the run id to the run's loop at once;
- a run whose holder is gone waits in the store; the next process that takes
  its lease (`fsmnb.resume`, `Manager.recover`) delivers its inbox first.

Exactly once: the holder sends the event to the run and marks the row consumed
in the same batch as the entries the event journals (the transition); the
commit deletes the row with them. A crash before that commit loses both, so the
next holder delivers the event again — to a journal that has not seen it. Rows
are delivered in id order, one run at a time, so each sender's order is kept.

A run that is live in the calling process, on that store, gets the event
directly (`run.send`), as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from typing import TYPE_CHECKING, Any

from fsmnb.errors import FsmnbError, SerializationError

if TYPE_CHECKING:
    from fsmnb.engine.postgres_store import PostgresStore
    from fsmnb.engine.store import Store

__all__ = ("CHANNEL", "InboxListener", "send")

CHANNEL = "fsmnb_inbox"
_log = logging.getLogger("fsmnb")


def send(run_id: str, event: str, /, *, store: Store | str | None = None, **payload: Any) -> int:
    """Deliver `event` (with `payload`) to the durable run `run_id`, whichever process holds it.

    Args:
        run_id: the run.
        event: the event name.
        store: the run's store (a URL, a path or a store; default: the engine-wide one).
        **payload: the event's payload (JSON values).

    Returns:
        The id of the inbox row (0 when the run was live here and took the event at once).

    Raises:
        FsmnbError: the store keeps no inbox (not PostgreSQL), or has no run `run_id`.
        SerializationError: the payload is not JSON.
    """
    from fsmnb.engine.durable import resolve_store, writer_of
    from fsmnb.engine.live import live_run

    found = resolve_store(store)
    live = live_run(run_id)
    writer = writer_of(live) if live is not None else None
    if live is not None and writer is not None and writer.store is found:
        live.send(event, **payload)
        return 0
    post = getattr(found, "post", None)
    if post is None:
        raise FsmnbError(
            f"The store `{getattr(found, 'path', found)}` keeps no inbox: events reach run "
            f"`{run_id}` from another process only through a PostgreSQL store "
            f'(`store="postgresql://..."`). In the process that drives it, use `run.send(...)`.'
        )
    try:
        body = json.dumps(payload)
    except (TypeError, ValueError) as error:
        raise SerializationError(
            f"The payload of event `{event}` for run `{run_id}` is not JSON: {error}. Send "
            f"strings, numbers, booleans, lists and dicts."
        ) from None
    row_id: int = post(run_id, event, body)
    return row_id


class InboxListener:
    """One ``LISTEN fsmnb_inbox`` connection on a daemon thread, for one `PostgresStore`.

    Each notification names a run; when the store holds that run, its delivery
    is scheduled on the run's loop (`PostgresStore.deliver`). The connection is
    reopened when the server goes away, and every held run is checked after a
    reconnection (notifications sent meanwhile are lost by PostgreSQL).
    """

    def __init__(self, store: PostgresStore) -> None:
        self.store = store
        self.stopping = threading.Event()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._listen, name="fsmnb-inbox", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Stop listening (the thread ends within a second)."""
        self.stopping.set()

    def _listen(self) -> None:
        import psycopg

        while not self.stopping.is_set():
            try:
                with psycopg.connect(self.store.url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.ready.set()
                    self.store.wake_all()  # whatever was sent while nobody listened
                    while not self.stopping.is_set():
                        for note in conn.notifies(timeout=0.5):
                            self.store.wake(note.payload)
            except psycopg.OperationalError:
                if not self.stopping.wait(0.2):
                    _log.info("fsmnb: inbox listener of %s reconnecting", self.store.path)
            except Exception:
                _log.exception("fsmnb: inbox listener of %s failed", self.store.path)
                self.stopping.wait(1.0)


def schedule(loop: asyncio.AbstractEventLoop, callback: Any, *args: Any) -> None:
    """Call `callback(*args)` on `loop` from any thread (nothing if the loop has closed)."""
    if not loop.is_closed():
        with contextlib.suppress(RuntimeError):  # closed between the check and the call
            loop.call_soon_threadsafe(callback, *args)
