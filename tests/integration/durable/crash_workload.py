"""The crash harness's workload: a 10-state durable workflow whose effects touch an external ledger.

Run as a script it is the worker process the harness kills:

    python crash_workload.py RUNS_DB LEDGER_DB N CHAOS SEED [race]

It loads every run already in RUNS_DB (`Manager(store=...)`), recovers the
interrupted ones, creates the missing ones among ``run-000`` … ``run-{N-1}``,
and waits until all are done. With ``race``, several workers run at once on
the same files: each one keeps trying to start or resume every run that is
not done (`fsmnb.resume`), and the leases decide who drives which. With CHAOS > 0 it also kills itself (SIGKILL)
with that probability right after an external side effect (before its result
is journaled) and in the middle of a journal commit (after the rows are
written, before COMMIT).

The ledger database has two tables: ``ledger`` (one row per idempotency key:
what the outside world keeps) and ``executions`` (every execution of every
effect, with whether its result was already journaled when it ran: the one
thing that must never happen).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import sys
from typing import Any

import fsmnb
from fsmnb import Manager, Workflow
from fsmnb.effects import call, delay, parallel, retry
from fsmnb.engine import SqliteStore, current_effect_key
from fsmnb.errors import FsmnbError

STEPS = 10
wf = Workflow("crash_ledger", register=False)

_ctx: dict[str, Any] = {"chaos": 0.0}


def ledger_schema(path: str) -> sqlite3.Connection:
    """Open the ledger (creating its tables)."""
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute(
        "CREATE TABLE IF NOT EXISTS ledger (key TEXT PRIMARY KEY, run_id TEXT, step INTEGER)"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS executions (key TEXT, run_id TEXT, kind TEXT, pid INTEGER,"
        " journaled INTEGER)"
    )
    return db


def _note(kind: str) -> tuple[str, str]:
    """Record one execution of the running effect; return (key, run id)."""
    key = current_effect_key()
    assert key is not None, "effects of durable runs always have a key"
    run_id, _, path = key.partition(":")
    journaled = (
        _ctx["journal"]
        .execute(
            "SELECT count(*) FROM entries WHERE run_id = ? AND path = ? AND kind LIKE 'effect%'",
            (run_id, path),
        )
        .fetchone()[0]
    )
    _ctx["ledger"].execute(
        "INSERT INTO executions VALUES (?, ?, ?, ?, ?)", (key, run_id, kind, os.getpid(), journaled)
    )
    return key, run_id


def _maybe_die() -> None:
    if _ctx["chaos"] and random.random() < _ctx["chaos"]:
        os.kill(os.getpid(), signal.SIGKILL)


async def pay(step: int) -> dict[str, Any]:
    """The external side effect: one ledger row per idempotency key."""
    key, run_id = _note("pay")
    _ctx["ledger"].execute("INSERT OR IGNORE INTO ledger VALUES (?, ?, ?)", (key, run_id, step))
    _maybe_die()  # after the outside world changed, before the result is journaled
    await asyncio.sleep(random.uniform(0, 0.003))
    return {"step": step, "key": key}


def square(x: int) -> int:
    """A pure effect (journaled, never repeated once journaled)."""
    _note("square")
    return x * x


def flaky(step: int) -> int:
    """Fails on its first attempt, succeeds on the second (the failure is journaled too)."""
    key, _ = _note("flaky")
    if key.endswith("/1"):
        raise ConnectionError(f"flaky {step}")
    return step


def _make(i: int) -> Any:
    def action(ctx: Any) -> Any:
        receipt = yield call(pay, i)
        if i % 3 == 1:
            squares = yield parallel(call(square, i), call(square, i + 1))
            ctx.data["squares"] = ctx.data.get("squares", 0) + sum(squares)
        if i % 4 == 2:
            yield retry(call(flaky, i), attempts=3, base=0.0)
        if i == 5:
            yield delay(0.001)
        ctx.data["trail"].append(receipt["step"])  # a plain mutation, captured by the journal
        return "next"

    action.__name__ = f"s{i}"
    return action


for _i in range(STEPS):
    wf.add_state(f"s{_i}", _make(_i), on={"next": f"s{_i + 1}" if _i + 1 < STEPS else "done"},
                 initial=_i == 0)  # fmt: skip
wf.final("done")


def run_id(i: int) -> str:
    """The id of the i-th run."""
    return f"run-{i:03d}"


async def work(runs_db: str, ledger_db: str, n: int) -> None:
    """Recover or create `n` runs and wait for all of them."""
    store = SqliteStore(runs_db)
    if _ctx["chaos"]:
        store.db = _ChaoticConnection(store.db)  # type: ignore[assignment]
    _ctx["ledger"] = ledger_schema(ledger_db)
    _ctx["journal"] = sqlite3.connect(runs_db, isolation_level=None, timeout=30)
    manager = Manager([wf], store=store)
    manager.recover()
    known = {r["run_id"] for r in manager.list()}
    for i in range(n):
        if run_id(i) not in known:
            manager.create(wf, run_id=run_id(i), trail=[])
    for i in range(n):
        await manager.get(run_id(i)).wait()
    store.close()


async def race(runs_db: str, ledger_db: str, n: int) -> None:
    """Drive whatever runs are not done, next to other workers doing the same, until all are."""
    store = SqliteStore(runs_db, lease_ttl=2.0)
    if _ctx["chaos"]:
        store.db = _ChaoticConnection(store.db)  # type: ignore[assignment]
    _ctx["ledger"] = ledger_schema(ledger_db)
    _ctx["journal"] = sqlite3.connect(runs_db, isolation_level=None, timeout=30)
    driving: dict[str, Any] = {}
    ids = [run_id(i) for i in range(n)]
    random.shuffle(ids)  # racers start on different runs
    while True:
        status = {r["run_id"]: r["status"] for r in store.runs()}
        todo = [rid for rid in ids if status.get(rid) != "done"]
        if not todo:
            break
        for rid in todo:
            mine = driving.get(rid)
            if mine is not None and not mine.done:
                continue
            try:
                if rid in status:
                    driving[rid] = fsmnb.resume(rid, store=store, workflow=wf)
                else:
                    driving[rid] = wf.start(store=store, run_id=rid, trail=[])
            except FsmnbError:  # RunLeased: another worker drives it; or created meanwhile
                driving.pop(rid, None)
        await asyncio.sleep(0.02)
    for run in driving.values():  # every run is done in the store: nothing of ours is left
        if not run.done:
            run.cancel("done elsewhere")
    store.close()


class _ChaoticConnection:
    """A connection that may die between writing a commit's rows and COMMIT."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def execute(self, sql: str, *args: Any) -> Any:
        if sql == "COMMIT":
            _maybe_die()
        return self._db.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


if __name__ == "__main__":
    runs, ledger, count, chaos, seed = sys.argv[1:6]
    random.seed(int(seed))
    _ctx["chaos"] = float(chaos)
    main = race if sys.argv[6:] == ["race"] else work
    asyncio.run(main(runs, ledger, int(count)))
