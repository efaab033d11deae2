"""Views derived from a journal: the history DataFrame and visit counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fsmnb.engine.handlers import format_path

if TYPE_CHECKING:
    import pandas as pd

__all__ = ("COLUMNS", "history_frame", "visit_counts")

COLUMNS = ("step", "time", "kind", "state", "name", "target", "duration_ms", "detail")


def history_frame(journal: Sequence[tuple[Any, ...]]) -> pd.DataFrame:
    """One row per transition, effect, retry, log line and end of a run.

    Columns: `step` (transitions so far), `time` (a pandas timestamp), `kind`,
    `state`, `name` (event or effect), `target` (for transitions),
    `duration_ms` (for effects), `detail` (result, error, payload or message).
    """
    import pandas as pd

    rows: list[tuple[Any, ...]] = []
    step = 0
    for entry in journal:
        kind, t = entry[0], entry[1]
        if kind == "started":
            rows.append((step, t, "started", entry[4], entry[2], None, None, entry[3]))
        elif kind == "transition":
            step += 1
            rows.append((step, t, kind, entry[2], entry[3], entry[4], None, entry[5]))
        elif kind in ("effect", "effect_failed"):
            rows.append(
                (
                    step,
                    t,
                    kind,
                    entry[2],
                    f"{format_path(entry[3])}:{entry[4]}",
                    None,
                    entry[5] * 1000.0,
                    _detail(entry[6]),
                )
            )
        elif kind == "retry":
            rows.append((step, t, kind, entry[2], format_path(entry[3]), None, None, entry[5]))
        elif kind == "event_rejected" or kind == "log":
            rows.append((step, t, kind, entry[2], entry[3], None, None, entry[4]))
        elif kind == "finished":
            rows.append((step, t, kind, entry[3], entry[2], None, None, entry[4]))
        else:
            rows.append((step, t, kind, None, None, None, None, entry[2:]))
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["time"] = pd.to_datetime(frame["time"], unit="s", utc=True)
    return frame


def _detail(result: Any) -> Any:
    """What the `detail` column shows for a result: its `_history_detail_()` when its type has one."""
    hook = getattr(type(result), "_history_detail_", None)
    return hook(result) if hook is not None else result


def visit_counts(journal: Sequence[tuple[Any, ...]]) -> dict[str, int]:
    """How many times each state was entered."""
    counts: dict[str, int] = {}
    for entry in journal:
        if entry[0] == "started" or entry[0] == "transition":
            counts[entry[4]] = counts.get(entry[4], 0) + 1
    return counts
