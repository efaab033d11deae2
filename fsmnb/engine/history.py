"""Views derived from a journal: the history DataFrame and visit counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fsmnb.engine.handlers import format_path
from fsmnb.engine.journal import (
    STORED_KIND,
    EffectFailed,
    EffectFinished,
    EffectRetry,
    Entry,
    EventRejected,
    LogEntry,
    RunFinished,
    RunStarted,
    Transition,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ("COLUMNS", "history_frame", "visit_counts")

#: The `kind` column keeps the short names the stored journal uses (``started``, ``effect``,
#: ``retry``, ``finished``, …), which notebooks query (`history.query("kind == 'effect'")`).
_K = STORED_KIND

COLUMNS = ("step", "time", "kind", "state", "name", "target", "duration_ms", "detail")


def history_frame(journal: Sequence[Entry]) -> pd.DataFrame:
    """One row per transition, effect, retry, log line and end of a run.

    Columns: `step` (transitions so far), `time` (a pandas timestamp), `kind`,
    `state`, `name` (event or effect), `target` (for transitions),
    `duration_ms` (for effects), `detail` (result, error, payload or message).
    """
    import pandas as pd

    rows: list[tuple[Any, ...]] = []
    step = 0
    for e in journal:
        if isinstance(e, Transition):
            step += 1
            rows.append((step, e.time, _K[e.kind], e.source, e.event, e.target, None, e.payload))
        elif isinstance(e, EffectFinished | EffectFailed):
            detail = _detail(e.result) if isinstance(e, EffectFinished) else e.error
            name = f"{format_path(e.path)}:{e.label}"
            rows.append(
                (step, e.time, _K[e.kind], e.state, name, None, e.duration * 1000.0, detail)
            )
        elif isinstance(e, RunStarted):
            rows.append((step, e.time, _K[e.kind], e.state, e.workflow, None, None, e.data))
        elif isinstance(e, EffectRetry):
            rows.append(
                (step, e.time, _K[e.kind], e.state, format_path(e.path), None, None, e.error)
            )
        elif isinstance(e, EventRejected):
            rows.append((step, e.time, _K[e.kind], e.state, e.event, None, None, e.reason))
        elif isinstance(e, LogEntry):
            rows.append((step, e.time, _K[e.kind], e.state, e.level, None, None, e.message))
        elif isinstance(e, RunFinished):
            rows.append((step, e.time, _K[e.kind], e.state, e.status, None, None, e.error))
        else:
            rows.append((step, e.time, _K[e.kind], None, None, None, None, e._asdict()))
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["time"] = pd.to_datetime(frame["time"], unit="s", utc=True)
    return frame


def _detail(result: Any) -> Any:
    """What the `detail` column shows for a result: its `_history_detail_()` when its type has one."""
    hook = getattr(type(result), "_history_detail_", None)
    return hook(result) if hook is not None else result


def visit_counts(journal: Sequence[Entry]) -> dict[str, int]:
    """How many times each state was entered."""
    counts: dict[str, int] = {}
    for entry in journal:
        if isinstance(entry, Transition):
            counts[entry.target] = counts.get(entry.target, 0) + 1
        elif isinstance(entry, RunStarted):
            counts[entry.state] = counts.get(entry.state, 0) + 1
    return counts
