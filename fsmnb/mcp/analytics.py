"""Workflow analytics computed from runs' journals (or by the engine, when it offers them).

The figures come from the journals of the tenant's live runs. When the
manager keeps a durable store and `fsmnb.engine.analytics.get_workflow_analytics`
can scope its figures to one tenant (a `tenant` keyword; a tenant must never
see another's aggregates), its summary (durable history, LLM usage) is added.
"""

from __future__ import annotations

import inspect
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from fsmnb.engine.journal import (
    EffectFailed,
    EffectFinished,
    EventRejected,
    RunFinished,
    RunStarted,
    Transition,
)
from fsmnb.errors import FsmnbError
from fsmnb.mcp._json import jsonable
from fsmnb.mcp.models import Analytics

if TYPE_CHECKING:
    from fsmnb.engine.run import Run

__all__ = ("engine_analytics", "journal_analytics")


def engine_analytics(
    workflow: str, *, tenant: str, since: float | None, store: Any
) -> dict[str, Any] | None:
    """The engine's analytics of `workflow` for `tenant` from a durable `store`, if it has them."""
    if store is None or not hasattr(store, "db"):
        return None  # the engine reads durable (SQLite) stores only
    try:
        from fsmnb.engine.analytics import get_workflow_analytics
    except ImportError:
        return None
    if "tenant" not in inspect.signature(get_workflow_analytics).parameters:
        return None
    try:
        out = get_workflow_analytics(workflow, since=since, store=store, tenant=tenant)
    except (TypeError, ValueError, FsmnbError):
        return None
    if not isinstance(out, dict):
        return None
    summary: dict[str, Any] = jsonable(out)  # a dict is copied as a dict
    return summary


def journal_analytics(runs: Iterable[Run], workflow: str | None, since: float | None) -> Analytics:
    """Aggregate the journals of `runs` (those started at or after `since`)."""
    status: Counter[str] = Counter()
    visits: Counter[str] = Counter()
    in_state: defaultdict[str, list[float]] = defaultdict(list)
    effects: defaultdict[str, list[tuple[float, bool]]] = defaultdict(list)
    durations: list[float] = []
    transitions = rejected = count = 0
    now = time.time()
    for run in runs:
        journal = run.journal
        first = journal[0] if journal else None
        if not isinstance(first, RunStarted) or (since is not None and first.time < since):
            continue
        count += 1
        status[run.status] += 1
        state, entered = first.state, first.time
        visits[state] += 1
        for entry in journal[1:]:
            if isinstance(entry, Transition):
                transitions += 1
                in_state[state].append(entry.time - entered)
                state, entered = entry.target, entry.time
                visits[state] += 1
            elif isinstance(entry, EffectFinished | EffectFailed):
                ok = isinstance(entry, EffectFinished)
                effects[entry.label].append((entry.duration * 1e3, ok))
            elif isinstance(entry, EventRejected):
                rejected += 1
            elif isinstance(entry, RunFinished):
                in_state[state].append(entry.time - entered)
                durations.append(entry.time - first.time)
        if not run.done:
            in_state[state].append(now - entered)
    ended = status["done"] + status["failed"] + status["cancelled"]
    return Analytics(
        workflow=workflow,
        runs=count,
        by_status=dict(status),
        success_rate=round(status["done"] / ended, 4) if ended else None,
        mean_duration_seconds=_mean(durations),
        transitions=transitions,
        events_rejected=rejected,
        state_visits=dict(visits),
        mean_seconds_in_state={s: round(sum(v) / len(v), 6) for s, v in in_state.items()},
        effects={label: _effect_stats(v) for label, v in effects.items()},
        since=since,
        source="run journals",
    )


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 6) if values else None


def _effect_stats(records: list[tuple[float, bool]]) -> dict[str, float]:
    ms = [r[0] for r in records]
    return {
        "count": float(len(records)),
        "failures": float(sum(not ok for _, ok in records)),
        "mean_ms": round(sum(ms) / len(ms), 3),
        "max_ms": round(max(ms), 3),
    }
