"""Analytics over a durable store, as pandas DataFrames (and one JSON-able summary).

Every figure is derived from the journal: runs and their outcome, time spent
in each state, effects with their durations, failures and retries, and the
tokens and cost of LLM calls (results that the LLM layer journals as
``llm_reply``). Filters: `workflow`, `tenant`, and `since` (runs created since
an epoch time, a `datetime`, or a `timedelta` ago).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import TYPE_CHECKING, Any

from fsmnb.engine.durable import resolve_store

if TYPE_CHECKING:
    import pandas as pd

    from fsmnb.engine.store import Store

__all__ = (
    "effect_stats",
    "failures_by_type",
    "get_workflow_analytics",
    "llm_usage",
    "runs_frame",
    "state_stats",
    "workflow_stats",
)

Since = float | dt.datetime | dt.timedelta | None


def _since(since: Since) -> float | None:
    if since is None or isinstance(since, int | float):
        return since
    if isinstance(since, dt.timedelta):
        return time.time() - since.total_seconds()
    return since.timestamp()


def _store(store: Store | str | None) -> Any:
    found: Any = resolve_store(store)
    if found is None or not hasattr(found, "db"):
        raise TypeError(
            'Analytics read a durable store: pass `store="runs.db"` (or a `SqliteStore`), or set '
            "one with `fsmnb.engine.set_default_store(...)`."
        )
    found.flush()
    return found


def _where(workflow: str | None, tenant: str | None, since: Since) -> tuple[str, list[Any]]:
    clauses: list[str] = ["1 = 1"]
    params: list[Any] = []
    for column, value in (("workflow", workflow), ("tenant", tenant)):
        if value is not None:
            clauses.append(f"r.{column} = ?")
            params.append(value)
    start = _since(since)
    if start is not None:
        clauses.append("r.created >= ?")
        params.append(start)
    return " AND ".join(clauses), params


def runs_frame(
    store: Store | str | None = None, *, workflow: str | None = None,
    tenant: str | None = None, since: Since = None,
) -> pd.DataFrame:  # fmt: skip
    """One row per run: owner, status, state, steps, start, end and duration (s)."""
    import pandas as pd

    from fsmnb.engine.sqlite_store import _SELECT_RUNS, RUN_COLUMNS

    db = _store(store)
    where, params = _where(workflow, tenant, since)
    rows = db.db.execute(f"{_SELECT_RUNS} WHERE {where} ORDER BY r.created", params).fetchall()
    frame = pd.DataFrame(rows, columns=list(RUN_COLUMNS))
    ended = frame["status"] != "running"
    frame["duration"] = (frame["updated"] - frame["created"]).where(ended)
    return frame


def _entries(db: Any, kinds: tuple[str, ...], where: str, params: list[Any]) -> list[Any]:
    marks = ", ".join("?" * len(kinds))
    sql = (
        "SELECT r.workflow, e.run_id, e.seq, e.kind, e.time, e.state, e.body FROM entries e "
        f"JOIN runs r ON r.run_id = e.run_id WHERE e.kind IN ({marks}) AND {where} "
        "ORDER BY e.run_id, e.seq"
    )
    return list(db.db.execute(sql, [*kinds, *params]))


def _pcts(frame: pd.DataFrame, keys: list[str], column: str) -> pd.DataFrame:
    grouped = frame.groupby(keys)[column]
    return grouped.agg(
        count="count",
        p50=lambda s: s.quantile(0.5),
        p95=lambda s: s.quantile(0.95),
    ).reset_index()


def workflow_stats(
    store: Store | str | None = None, *, workflow: str | None = None,
    tenant: str | None = None, since: Since = None,
) -> pd.DataFrame:  # fmt: skip
    """Per workflow: runs by status, success and failure rates, duration p50/p95 (s)."""
    import pandas as pd

    runs = runs_frame(store, workflow=workflow, tenant=tenant, since=since)
    if runs.empty:
        return pd.DataFrame(columns=["workflow", "runs", "done", "failed", "cancelled", "running",
                                     "success_rate", "failure_rate", "p50_s", "p95_s"])  # fmt: skip
    counts = pd.crosstab(runs["workflow"], runs["status"])
    for status in ("done", "failed", "cancelled", "running"):
        if status not in counts:
            counts[status] = 0
    out = counts[["done", "failed", "cancelled", "running"]].copy()
    out.insert(0, "runs", out.sum(axis=1))
    ended = (out["done"] + out["failed"] + out["cancelled"]).replace(0, float("nan"))
    out["success_rate"] = out["done"] / ended
    out["failure_rate"] = out["failed"] / ended
    durations = runs.groupby("workflow")["duration"]
    out["p50_s"] = durations.quantile(0.5)
    out["p95_s"] = durations.quantile(0.95)
    return out.reset_index().rename_axis(columns=None)


def state_stats(
    store: Store | str | None = None, *, workflow: str | None = None,
    tenant: str | None = None, since: Since = None,
) -> pd.DataFrame:  # fmt: skip
    """Per workflow and state: visits and time spent in the state (p50/p95, s)."""
    import pandas as pd

    db = _store(store)
    where, params = _where(workflow, tenant, since)
    rows = _entries(db, ("started", "transition", "finished"), where, params)
    stays, last = [], None
    for wf, run_id, _, kind, t, state, _ in rows:
        if last is not None and last[1] == run_id and last[3] != "finished":
            stays.append((wf, last[2], t - last[0]))
        last = (t, run_id, state, kind)
    frame = pd.DataFrame(stays, columns=["workflow", "state", "seconds"])
    visits = pd.DataFrame(
        [(r[0], r[5]) for r in rows if r[3] != "finished"], columns=["workflow", "state"]
    )
    counted = visits.value_counts().rename("visits").reset_index()
    timed = _pcts(frame, ["workflow", "state"], "seconds").drop(columns="count")
    return counted.merge(timed, on=["workflow", "state"], how="left").rename(
        columns={"p50": "p50_s", "p95": "p95_s"}
    )


def _effect_rows(store: Store | str | None, workflow: str | None, tenant: str | None,
                 since: Since) -> list[tuple[Any, ...]]:  # fmt: skip
    db = _store(store)
    where, params = _where(workflow, tenant, since)
    out = []
    for wf, run_id, _, kind, _, state, body in _entries(
        db, ("effect", "effect_failed", "retry"), where, params
    ):
        fields = json.loads(body)
        out.append((wf, run_id, kind, state, fields))
    return out


def effect_stats(
    store: Store | str | None = None, *, workflow: str | None = None,
    tenant: str | None = None, since: Since = None,
) -> pd.DataFrame:  # fmt: skip
    """Per workflow and effect: calls, failures, retries, failure rate, duration p50/p95 (ms)."""
    import pandas as pd

    rows = _effect_rows(store, workflow, tenant, since)
    calls = [(wf, f[2], kind == "effect_failed", f[3] * 1000.0)
             for wf, _, kind, _, f in rows if kind != "retry"]  # fmt: skip
    frame = pd.DataFrame(calls, columns=["workflow", "effect", "failed", "ms"])
    out = _pcts(frame, ["workflow", "effect"], "ms").rename(
        columns={"count": "calls", "p50": "p50_ms", "p95": "p95_ms"}
    )
    failures = frame.groupby(["workflow", "effect"])["failed"].sum().rename("failures")
    out = out.merge(failures.reset_index(), on=["workflow", "effect"], how="left")
    out["failure_rate"] = out["failures"] / out["calls"]
    labels = {(wf, tuple(f[1])): f[2] for wf, _, kind, _, f in rows if kind != "retry"}
    retried = [(wf, labels.get((wf, tuple(f[1])), "?")) for wf, _, k, _, f in rows if k == "retry"]
    retries = pd.DataFrame(retried, columns=["workflow", "effect"]).value_counts()
    out = out.merge(retries.rename("retries").reset_index(), on=["workflow", "effect"], how="left")
    out["retries"] = out["retries"].fillna(0).astype(int)
    return out


def failures_by_type(
    store: Store | str | None = None, *, workflow: str | None = None,
    tenant: str | None = None, since: Since = None,
) -> pd.DataFrame:  # fmt: skip
    """Per workflow and exception type: how many effect failures (``module:Class``)."""
    import pandas as pd

    rows = _effect_rows(store, workflow, tenant, since)
    failed = [(wf, f[5] if len(f) > 5 else "unknown") for wf, _, kind, _, f in rows
              if kind == "effect_failed"]  # fmt: skip
    frame = pd.DataFrame(failed, columns=["workflow", "error_type"])
    return frame.value_counts().rename("failures").reset_index()


def _usage(result: Any) -> tuple[str, int, int, float] | None:
    if not isinstance(result, dict) or result.get("__t") != "llm_reply":
        return None
    v = result.get("v") or {}
    tin, tout = v.get("usage") or (v.get("input_tokens", 0), v.get("output_tokens", 0))
    return str(v.get("model", "")), int(tin), int(tout), float(v.get("cost") or 0.0)


def llm_usage(
    store: Store | str | None = None, *, workflow: str | None = None,
    tenant: str | None = None, since: Since = None,
) -> pd.DataFrame:  # fmt: skip
    """Per workflow and model: LLM calls, input and output tokens, cost (USD)."""
    import pandas as pd

    rows = []
    for wf, _, kind, _, f in _effect_rows(store, workflow, tenant, since):
        found = _usage(f[4]) if kind == "effect" and len(f) > 4 else None
        if found is not None:
            rows.append((wf, *found))
    frame = pd.DataFrame(
        rows, columns=["workflow", "model", "input_tokens", "output_tokens", "cost"]
    )
    grouped = frame.groupby(["workflow", "model"])
    out = grouped.sum().reset_index()
    out.insert(2, "calls", grouped.size().to_numpy() if len(frame) else [])
    return out


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records"))  # type: ignore[no-any-return]


def get_workflow_analytics(
    name: str, *, since: Since = None, store: Store | str | None = None,
    tenant: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Everything above for one workflow, as a JSON-able dict (what the MCP tool returns)."""
    options: dict[str, Any] = {"workflow": name, "tenant": tenant, "since": since}
    runs = workflow_stats(store, **options)
    usage = llm_usage(store, **options)
    return {
        "workflow": name,
        "since": _since(since),
        "runs": (_records(runs) or [{"workflow": name, "runs": 0}])[0],
        "states": _records(state_stats(store, **options)),
        "effects": _records(effect_stats(store, **options)),
        "failures": _records(failures_by_type(store, **options)),
        "llm": {
            "by_model": _records(usage),
            "input_tokens": int(usage["input_tokens"].sum()),
            "output_tokens": int(usage["output_tokens"].sum()),
            "cost": float(usage["cost"].sum()),
        },
    }
