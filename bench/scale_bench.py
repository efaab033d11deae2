"""Scale-out: runs on Dask next to a bare `client.map`, PostgreSQL next to SQLite, NOTIFY latency.

    .venv/bin/python bench/scale_bench.py [--runs 1000] [--pg-runs 2000] [--events 200]
    .venv/bin/python bench/scale_bench.py --only dask|postgres|notify

Everything runs on this machine, loopback only, in one invocation (peers in the same run):

- **dask**: `--runs` runs of a one-step workflow whose action burns ~20 ms of CPU
  (`time.process_time`), inline (`wf.map`, one process) and on a `LocalCluster` of
  1 and 2 single-threaded worker processes (`wf.map(executor=client)`), each
  cluster also timing a bare ``client.map`` of the same 20 ms function. Reported:
  wall time, speed-up over inline, and fsmnb's time over the bare map (target ≤ 1.5×).
- **postgres**: journaled transitions per second, the 10-state sync-action workflow
  of ``bench/durable_bench.py`` started `--pg-runs` times with ``wf.start(store=...)``
  on a `PostgresStore` (a server of our own, initdb'd in a temp dir, fsync on,
  ``synchronous_commit`` on) and on a `SqliteStore` (WAL, ``synchronous=NORMAL``),
  interleaved, median of `--rounds`.
- **notify**: a run held by another process (a child Python process with its own
  `PostgresStore`) receives `--events` events sent with `fsmnb.send` from this
  one, 5 ms apart; latency = the child's clock when the action sees the event
  minus the time stamped into the payload at `send` (same host clock).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.durable_bench import STATES, _load, chain
from fsmnb import Workflow
from fsmnb.engine import SqliteStore

BURN = 0.02


def burn(x: int) -> int:
    """Spend ~20 ms of CPU."""
    start = time.process_time()
    while time.process_time() - start < BURN:
        pass
    return x


def cpu_workflow() -> Workflow:
    wf = Workflow("bench_cpu", register=False)

    @wf.state(initial=True, on={"done": "end"})
    def work(ctx: Any) -> str:
        ctx.data["out"] = burn(ctx.data["input"])
        return "done"

    wf.final("end")
    return wf


def bench_dask(runs: int) -> dict[str, float]:
    from distributed import Client, LocalCluster

    wf = cpu_workflow()
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    frame = wf.map(range(runs), progress=False)
    out["inline"] = time.perf_counter() - t0
    assert (frame["status"] == "done").all()
    for workers in (1, 2):
        with (
            LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            ) as cluster,
            Client(cluster) as client,
        ):
            wf.map(range(2 * workers), executor=client, progress=False)  # warm: imports, caches
            client.gather(client.map(burn, range(2 * workers), pure=False))
            t0 = time.perf_counter()
            frame = wf.map(range(runs), executor=client, progress=False)
            out[f"fsmnb_{workers}"] = time.perf_counter() - t0
            assert (frame["status"] == "done").all(), frame["error"].dropna().head()
            t0 = time.perf_counter()
            client.gather(client.map(burn, range(runs), pure=False))
            out[f"bare_{workers}"] = time.perf_counter() - t0
    return out


async def _round(wf: Workflow, runs: int, store: Any) -> float:
    t0 = time.perf_counter()
    started = [wf.start(store=store, n=0) for _ in range(runs)]
    for run in started:
        await run
    store.flush()
    return time.perf_counter() - t0


def bench_postgres(url: str, runs: int, rounds: int, tmp: str) -> dict[str, float]:
    from fsmnb.engine.postgres_store import PostgresStore

    wf = chain()

    async def main() -> dict[str, list[float]]:
        stores = {"postgres": PostgresStore(url), "sqlite": SqliteStore(os.path.join(tmp, "s.db"))}
        times: dict[str, list[float]] = {name: [] for name in stores}
        for store in stores.values():
            await _round(wf, runs, store)  # warm-up
        for _ in range(rounds):
            for name, store in stores.items():
                times[name].append(await _round(wf, runs, store))
        want = (rounds + 1) * runs * (STATES + 2)
        got = stores["postgres"].db.execute("SELECT count(*) FROM entries").fetchone()[0]
        assert got == want, f"{got} PostgreSQL journal rows, want {want}"
        for store in stores.values():
            store.close()
        return times

    times = asyncio.run(main())
    return {name: runs * STATES / statistics.median(t) for name, t in times.items()}


def listener_workflow() -> Workflow:
    wf = Workflow("bench_listener", register=False)

    @wf.state(initial=True, on={"ping": "listen", "close": "end"})
    def listen(ctx: Any) -> None:
        if "t" in ctx.payload:
            ctx.data.setdefault("lat", []).append(time.time() - ctx.payload["t"])

    wf.final("end")
    return wf


def child_listener(url: str) -> None:
    """The other process: hold run `lat` until `close`, print the latencies as JSON."""
    from fsmnb.engine.postgres_store import PostgresStore

    async def main() -> None:
        store = PostgresStore(url)
        run = listener_workflow().start(store=store, run_id="lat")
        await run.wait(until_idle=True)
        store.flush()
        print("ready", flush=True)
        result = await run
        print(json.dumps(result.data["lat"]), flush=True)
        store.close()

    asyncio.run(main())


def bench_notify(url: str, events: int) -> list[float]:
    import fsmnb

    child = subprocess.Popen(
        [sys.executable, __file__, "--child", url], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    for _ in range(events):
        fsmnb.send("lat", "ping", store=url, t=time.time())
        time.sleep(0.005)
    fsmnb.send("lat", "close", store=url)
    latencies: list[float] = json.loads(child.stdout.readline())
    child.wait(timeout=60)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--pg-runs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--only", choices=("dask", "postgres", "notify"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_listener(args.child)
        return
    print(f"scale_bench: {os.cpu_count()} cores, load {_load()}, Python {sys.version.split()[0]}")
    if args.only in (None, "dask"):
        d = bench_dask(args.runs)
        print(f"\n{args.runs} runs of one ~{BURN * 1000:.0f} ms CPU step (wall seconds):")
        print(f"  inline (wf.map, one process)   {d['inline']:7.2f} s")
        for w in (1, 2):
            fs, bare = d[f"fsmnb_{w}"], d[f"bare_{w}"]
            print(
                f"  LocalCluster {w} worker{'s' if w > 1 else ' '}  fsmnb {fs:7.2f} s "
                f"(speed-up {d['inline'] / fs:4.2f}x)   bare client.map {bare:7.2f} s   "
                f"fsmnb/bare {fs / bare:4.2f}x   overhead {(fs - bare) / args.runs * 1000:+.2f} ms/run"
            )
    if args.only in (None, "postgres", "notify"):
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from tests.integration.scale.pg_server import PgServer

        server = PgServer(fsync=True)
        try:
            if args.only in (None, "postgres"):
                url = server.create_database("bench")
                with tempfile.TemporaryDirectory() as tmp:
                    p = bench_postgres(url, args.pg_runs, args.rounds, tmp)
                print(
                    f"\njournaled transitions/s, sync actions, {args.pg_runs} runs x {STATES} "
                    f"transitions via wf.start(store=...), median of {args.rounds}:\n"
                    f"  PostgreSQL {p['postgres']:>10,.0f}/s  (target >= 5,000)\n"
                    f"  SQLite     {p['sqlite']:>10,.0f}/s"
                )
            if args.only in (None, "notify"):
                url = server.create_database("notify")
                lat = sorted(bench_notify(url, args.events))
                ms = [x * 1000 for x in lat]
                print(
                    f"\nevent delivery to a run held by another process (PostgreSQL NOTIFY), "
                    f"{len(ms)} events:\n  median {statistics.median(ms):.2f} ms   "
                    f"p90 {ms[int(len(ms) * 0.9)]:.2f} ms   max {ms[-1]:.2f} ms  (target median < 20 ms)"
                )
        finally:
            server.close()
    print(f"\nload after: {_load()}")


if __name__ == "__main__":
    main()
