"""The crash harness: kill durable workers at random points, resume, and check the outcome.

    python tests/integration/durable/harness.py --runs 100 --kills 12 --seed 1
    python tests/integration/durable/harness.py --runs 100 --racers 4 --kills 30 --seed 1

prints the figures (kills, cycles, executions, re-executions of in-flight
effects, violations). `check` is what the test asserts. With ``--racers K``,
K workers run at once on the same store, each trying to drive every run that
is not done (the leases decide who drives which); one of them is killed at
random moments and started again, `kills` times, then all finish.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from fsmnb.engine.journal import EffectFailed, EffectFinished, RunFinished, Transition

HERE = Path(__file__).parent
WORKER = HERE / "crash_workload.py"


@dataclass
class Figures:
    """What one harness run did and found."""

    runs: int
    kills: int = 0
    self_kills: int = 0
    cycles: int = 0
    seconds: float = 0.0
    executions: int = 0
    repeated_in_flight: int = 0
    journaled_then_executed: int = 0
    ledger_rows: int = 0
    problems: list[str] = field(default_factory=list)


def run_harness(
    workdir: Path, *, runs: int, kills: int, seed: int, chaos: float = 0.02, max_cycles: int = 200
) -> Figures:
    """Start workers, SIGKILL `kills` of them at random moments, then let one finish; check."""
    rng = random.Random(seed)
    runs_db, ledger_db = str(workdir / "runs.db"), str(workdir / "ledger.db")
    figures = Figures(runs=runs)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), *sys.path])}
    started = time.perf_counter()
    while figures.cycles < max_cycles:
        figures.cycles += 1
        killing = figures.kills < kills
        args = [
            runs_db,
            ledger_db,
            str(runs),
            str(chaos if killing else 0),
            str(rng.randrange(1 << 30)),
        ]
        worker = subprocess.Popen([sys.executable, str(WORKER), *args], env=env)
        if killing and _wait_for_progress(worker, ledger_db, rng.randint(1, 4 * runs), rng):
            worker.kill()
            worker.wait()
            figures.kills += 1
            continue
        worker.wait(timeout=300)
        if worker.returncode == 0:
            break
        if worker.returncode == -9:
            figures.self_kills += 1
            figures.kills += 1
            continue
        raise AssertionError(f"worker failed with exit code {worker.returncode}")
    figures.seconds = time.perf_counter() - started
    check(figures, runs_db, ledger_db)
    return figures


def run_race(
    workdir: Path,
    *,
    runs: int,
    racers: int,
    kills: int,
    seed: int,
    chaos: float = 0.01,
    timeout: float = 600.0,
) -> Figures:
    """`racers` concurrent workers on one store; SIGKILL one at random `kills` times; check."""
    rng = random.Random(seed)
    runs_db, ledger_db = str(workdir / "runs.db"), str(workdir / "ledger.db")
    figures = Figures(runs=runs)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), *sys.path])}
    started = time.perf_counter()

    def spawn(killing: bool) -> subprocess.Popen[bytes]:
        figures.cycles += 1
        args = [runs_db, ledger_db, str(runs), str(chaos if killing else 0),
                str(rng.randrange(1 << 30)), "race"]  # fmt: skip
        return subprocess.Popen([sys.executable, str(WORKER), *args], env=env)

    workers = [spawn(kills > 0) for _ in range(racers)]
    try:
        while True:
            if time.perf_counter() - started > timeout:
                raise AssertionError(
                    f"the race did not end within {timeout:.0f} s (a hang): {_stuck(runs_db)}"
                )
            for i, worker in enumerate(workers):
                code = worker.poll()
                if code is None or code == 0:
                    continue  # a worker ends (0) only once every run is done in the store
                if code != -9:
                    raise AssertionError(f"worker failed with exit code {code}")
                figures.self_kills += 1
                figures.kills += 1
                workers[i] = spawn(figures.kills < kills)
            codes = [w.poll() for w in workers]
            if all(c == 0 for c in codes):
                break
            if 0 in codes or figures.kills >= kills:
                time.sleep(0.05)  # all done, or no more kills: let the others finish
                continue
            if _wait_for_progress(workers[0], ledger_db, rng.randint(1, 2 * runs), rng):
                victim = rng.randrange(racers)
                if workers[victim].poll() is None:
                    workers[victim].kill()
                    workers[victim].wait()
                    figures.kills += 1
                    workers[victim] = spawn(figures.kills < kills)
            else:
                time.sleep(0.05)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    figures.seconds = time.perf_counter() - started
    check(figures, runs_db, ledger_db)
    return figures


def _stuck(runs_db: str) -> list[tuple[Any, ...]]:
    """The runs not done, with their status and lease (what a hang report needs)."""
    with sqlite3.connect(runs_db, timeout=30) as db:
        return db.execute(
            "SELECT r.run_id, r.status, l.owner, l.token, l.expires - strftime('%s', 'now') "
            "FROM runs r LEFT JOIN leases l USING (run_id) WHERE r.status != 'done'"
        ).fetchall()


def _executions(ledger_db: str) -> int:
    try:
        with sqlite3.connect(ledger_db, timeout=30) as db:
            return int(db.execute("SELECT count(*) FROM executions").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def _wait_for_progress(
    worker: subprocess.Popen[bytes], ledger_db: str, more: int, rng: random.Random
) -> bool:
    """Wait until the worker executed `more` effects (then a few ms); False if it ended first."""
    target = _executions(ledger_db) + more
    while worker.poll() is None:
        if _executions(ledger_db) >= target:
            time.sleep(rng.uniform(0, 0.005))
            return worker.poll() is None
        time.sleep(0.002)
    return False


def check(figures: Figures, runs_db: str, ledger_db: str) -> None:
    """Fill `figures.problems` with every broken promise (empty: all good)."""
    sys.path.insert(0, str(HERE))
    from crash_workload import STEPS, run_id, wf

    from fsmnb.engine import SqliteStore

    problems = figures.problems
    db = sqlite3.connect(runs_db)
    if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
        problems.append("runs.db fails SQLite's integrity check")
    store = SqliteStore(runs_db)
    infos = {r["run_id"]: r for r in store.runs()}
    for i in range(figures.runs):
        rid = run_id(i)
        if rid not in infos:
            problems.append(f"{rid} is missing")
            continue
        problems.extend(_check_journal(rid, store, db, wf, STEPS))
    ledger = sqlite3.connect(ledger_db)
    figures.ledger_rows = ledger.execute("SELECT count(*) FROM ledger").fetchone()[0]
    per_step = ledger.execute(
        "SELECT count(*), count(DISTINCT run_id || '/' || step) FROM ledger"
    ).fetchone()
    if per_step != (figures.runs * STEPS,) * 2:
        problems.append(f"ledger has {per_step} rows/distinct steps, want {figures.runs * STEPS}")
    figures.executions = ledger.execute("SELECT count(*) FROM executions").fetchone()[0]
    figures.journaled_then_executed = ledger.execute(
        "SELECT count(*) FROM executions WHERE journaled > 0"
    ).fetchone()[0]
    if figures.journaled_then_executed:
        problems.append(f"{figures.journaled_then_executed} journaled effects executed again")
    figures.repeated_in_flight = ledger.execute(
        "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM executions GROUP BY key)"
    ).fetchone()[0]
    store.close()


def _check_journal(rid: str, store: Any, db: sqlite3.Connection, wf: Any, steps: int) -> list[str]:
    out = []
    seqs = [
        s for (s,) in db.execute("SELECT seq FROM entries WHERE run_id = ? ORDER BY seq", (rid,))
    ]
    if seqs != list(range(len(seqs))):
        out.append(f"{rid}: entry numbers are not 0..n-1")
    journal = store.load(rid)
    kinds = [e.kind for e in journal]
    ends = kinds.count("run_finished")
    if kinds[:1] != ["run_started"] or kinds[-1:] != ["run_finished"] or ends != 1:
        out.append(f"{rid}: journal does not run from `run_started` to one `run_finished`: {kinds}")
    state = journal[0].state
    paths = []
    for e in journal:
        if isinstance(e, Transition):
            if e.source != state or wf.machine.candidates(state, e.event)[0].target != e.target:
                out.append(
                    f"{rid}: transition {e.source, e.event, e.target} does not follow {state}"
                )
            state = e.target
        elif isinstance(e, EffectFinished | EffectFailed):
            paths.append(e.path)
    if len(paths) != len(set(paths)):
        out.append(f"{rid}: an effect result is journaled twice")
    last = journal[-1]
    if not isinstance(last, RunFinished) or (last.status, last.state) != ("done", "done"):
        out.append(f"{rid}: ended {last}, want done in `done`")
    from fsmnb.engine.resume import rebuild

    data = rebuild(journal).data
    if data.get("trail") != list(range(steps)):
        out.append(f"{rid}: trail {data.get('trail')}")
    return out


def main() -> None:
    """Run the harness from the command line and print its figures as JSON."""
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--kills", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chaos", type=float, default=0.02)
    parser.add_argument("--racers", type=int, default=0, help="concurrent workers (0: one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.racers:
            figures = run_race(
                Path(tmp), runs=args.runs, racers=args.racers, kills=args.kills,
                seed=args.seed, chaos=args.chaos / 2,
            )  # fmt: skip
        else:
            figures = run_harness(
                Path(tmp), runs=args.runs, kills=args.kills, seed=args.seed, chaos=args.chaos
            )
    print(json.dumps(asdict(figures), indent=2))
    sys.exit(1 if figures.problems else 0)


if __name__ == "__main__":
    main()
