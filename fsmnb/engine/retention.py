"""Retention: delete or compact the journals of runs that ended long ago.

`prune(store, older_than=...)` looks only at runs that ended (done, failed or
cancelled) before the cut-off; runs still going are never touched.

- ``mode="delete"`` removes the runs and their journals.
- ``mode="compact"`` keeps what a run's state and data at every step need
  (``started``, ``forked``, transitions with their data diffs, ``finished``) and
  drops the rest (effect results, failures, retries, logs): `run.at(step)` and
  the analytics of runs and states still work, effect details are gone.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING, Any

from fsmnb.engine.durable import resolve_store

if TYPE_CHECKING:
    from fsmnb.engine.store import Store

__all__ = ("prune",)

_KEPT = ("started", "forked", "transition", "finished")


def prune(
    store: Store | str | None = None,
    *,
    older_than: float | dt.timedelta,
    mode: str = "delete",
    workflow: str | None = None,
    vacuum: bool = False,
) -> dict[str, int]:
    """Delete or compact runs that ended more than `older_than` ago (seconds or a timedelta).

    Returns ``{"runs": …, "entries": …}``: how many runs were affected and how many
    journal entries were removed. `vacuum` also gives the freed pages back to the disk.

    Raises:
        ValueError: `mode` is neither ``delete`` nor ``compact``.
    """
    if mode not in ("delete", "compact"):
        raise ValueError(f"`mode` is `delete` or `compact`, not `{mode}`.")
    found: Any = resolve_store(store)
    if found is None or not hasattr(found, "db"):
        raise TypeError("`prune` works on a durable store (a `SqliteStore` or a path).")
    found.flush()
    seconds = older_than.total_seconds() if isinstance(older_than, dt.timedelta) else older_than
    sql = "SELECT run_id FROM runs WHERE status != 'running' AND updated < ?"
    params: list[Any] = [time.time() - seconds]
    if workflow is not None:
        sql += " AND workflow = ?"
        params.append(workflow)
    db = found.db
    ids = [(r,) for (r,) in db.execute(sql, params)]
    if not ids:
        return {"runs": 0, "entries": 0}
    marks = ", ".join("?" * len(_KEPT))
    db.execute("BEGIN IMMEDIATE")
    try:
        if mode == "delete":
            removed = db.executemany("DELETE FROM entries WHERE run_id = ?", ids).rowcount
            db.executemany("DELETE FROM runs WHERE run_id = ?", ids)
        else:
            removed = db.executemany(
                f"DELETE FROM entries WHERE run_id = ? AND kind NOT IN ({marks})",
                [(r, *_KEPT) for (r,) in ids],
            ).rowcount
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    if vacuum:
        db.execute("VACUUM")
    return {"runs": len(ids), "entries": int(removed)}
