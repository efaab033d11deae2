"""Journaled transitions per second: `Manager.send_many` on a durable SQLite store.

    .venv/bin/python bench/durable_bench.py [--instances 10000] [--rounds 5]

Every event is a transition journaled to SQLite (WAL, synchronous=NORMAL) and
committed before `send_many` returns; the figure includes encoding, the data
diff of each transition and the commits. Creation (one `started` entry per
instance) is timed separately.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from fsmnb import Manager, Workflow
from fsmnb.engine import SqliteStore


def door() -> Workflow:
    """Two passive states and a final one: every event is one transition."""
    wf = Workflow("bench_door", register=False)
    wf.add_state("closed", on={"open": "opened"}, initial=True)
    wf.add_state("opened", on={"close": "closed", "kick": "broken"})
    wf.add_state("broken")
    wf.final("broken")
    return wf


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    wf = door()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "runs.db")
        store = SqliteStore(path)
        manager = Manager([wf], store=store)
        t0 = time.perf_counter()
        ids = [manager.create(wf, tag="bench") for _ in range(args.instances)]
        store.flush()
        created = time.perf_counter() - t0
        events = [(i, "open") for i in ids] + [(i, "close") for i in ids]
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(args.rounds):
            out = manager.send_many(events)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        assert all(isinstance(s, str) for s in out)
        count = args.rounds * len(events)
        rows = store.db.execute("SELECT count(*) FROM entries").fetchone()[0]
        print(f"instances created (journaled): {args.instances / created:,.0f} /s")
        print(f"journaled transitions: {count / elapsed:,.0f} /s ({count:,} in {elapsed:.2f} s)")
        print(f"  per CPU second of this process: {count / cpu:,.0f} /s (load average {_load()})")
        print(f"journal rows: {rows:,}; commits: {store.commits}")
        restart = time.perf_counter()
        again = Manager([wf], store=SqliteStore(path))
        loaded = time.perf_counter() - restart
        print(f"restart: {len(again):,} instances loaded in {loaded:.2f} s")


if __name__ == "__main__":
    main()
