"""How much a live RunView slows a fast run, measured inside a real Jupyter kernel.

    .venv/bin/python bench/widget_overhead.py [--steps 20000] [--repeat 5]

Starts a kernel (jupyter_client), defines workflows there, and times the same
run without a view and with a displayed `RunView` (comm messages really go out
on iopub and are counted here). Three workloads:

- ``work``: each step awaits `asyncio.sleep(0)` and does ~100 µs of real work
  (thousands of transitions per second: the case the ≤ 10% target is about);
- ``async``: each step awaits `asyncio.sleep(0)`, so the loop turns and the
  view's flush timer fires while the run goes on (the realistic case);
- ``sync``: each step is a plain function, so the run never yields and the
  widget pays only its per-event bookkeeping (the worst case per step).

Three modes, interleaved: ``none`` (nobody listens: the engine builds no
telemetry at all), ``listener`` (a no-op `run.subscribe` listener: what the
engine's telemetry itself costs), ``view`` (a displayed RunView). Reports the
best-of-N wall time per step, the view's slowdown against both, and the comm
messages sent; the target is ≤ 10% for a run doing thousands of transitions
per second.
"""

from __future__ import annotations

import argparse
import json
import queue
import textwrap

from jupyter_client.manager import start_new_kernel

SETUP = """
import asyncio, time, json
from fsmnb import Workflow
from fsmnb.widgets import RunView

def make(kind):
    wf = Workflow(f"bench_{kind}", register=False)
    if kind == "async":
        @wf.state(initial=True, on={"again": "step", "stop": "end"})
        async def step(ctx):
            await asyncio.sleep(0)
            n = ctx.data["n"] = ctx.data["n"] + 1
            return "again" if n < ctx.data["limit"] else "stop"
    elif kind == "work":
        @wf.state(initial=True, on={"again": "step", "stop": "end"})
        async def step(ctx):
            await asyncio.sleep(0)
            ctx.data["acc"] = sum(range(6000))  # ~100 µs of real work per step
            n = ctx.data["n"] = ctx.data["n"] + 1
            return "again" if n < ctx.data["limit"] else "stop"
    else:
        @wf.state(initial=True, on={"again": "step", "stop": "end"})
        def step(ctx):
            n = ctx.data["n"] = ctx.data["n"] + 1
            return "again" if n < ctx.data["limit"] else "stop"
    wf.final("end")
    return wf

flows = {k: make(k) for k in ("work", "async", "sync")}

async def measure(kind, steps, mode):
    run = flows[kind].start(n=0, limit=steps)
    view = None
    if mode == "listener":
        run.subscribe(lambda event: None)
    elif mode == "view":
        view = RunView(run)
        display(view)
    t0, c0 = time.perf_counter(), time.thread_time()
    await run
    elapsed, cpu = time.perf_counter() - t0, time.thread_time() - c0
    if view is not None:
        await asyncio.sleep(0.1)  # let the last flush go out
        view.close()
    return {"kind": kind, "mode": mode, "seconds": elapsed, "cpu": cpu, "steps": steps,
            "flushes": view.flushes if view else 0}
"""


class Kernel:
    def __init__(self) -> None:
        self.manager, self.client = start_new_kernel(kernel_name="python3")
        self.comm_msgs = 0

    def run(self, code: str) -> list[str]:
        msg_id = self.client.execute(textwrap.dedent(code))
        out: list[str] = []
        while True:
            try:
                msg = self.client.get_iopub_msg(timeout=300)
            except queue.Empty:
                raise RuntimeError("kernel timed out") from None
            kind = msg["msg_type"]
            if kind == "comm_msg":
                self.comm_msgs += 1
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if kind == "stream":
                out.append(msg["content"]["text"])
            elif kind == "error":
                raise RuntimeError("\n".join(msg["content"]["traceback"]))
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                return out

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    kernel = Kernel()
    try:
        kernel.run(SETUP)
        kernel.run("await measure('async', 1000, 'view'); await measure('sync', 1000, 'view')")
        print(f"{args.steps} transitions per run, best of {args.repeat}, in a live kernel\n")
        print(f"{'workload':<9}{'clock':<6}{'none':>10} {'listener':>10} {'RunView':>10} "
              f"{'vs none':>8} {'vs listener':>11} {'messages':>9}")  # fmt: skip
        modes = ("none", "listener", "view")
        for kind in ("work", "async", "sync"):
            best = {(m, c): float("inf") for m in modes for c in ("seconds", "cpu")}
            sent = 0
            for _ in range(args.repeat):
                for mode in modes:
                    before = kernel.comm_msgs
                    out = kernel.run(
                        f"print(json.dumps(await measure({kind!r}, {args.steps}, {mode!r})))"
                    )
                    (line,) = [x for x in "".join(out).splitlines() if x.startswith("{")]
                    result = json.loads(line)
                    for clock in ("seconds", "cpu"):
                        best[mode, clock] = min(best[mode, clock], result[clock])
                    if mode == "view":
                        sent = kernel.comm_msgs - before
            for clock, label in (("seconds", "wall"), ("cpu", "cpu")):
                per = {m: best[m, clock] / args.steps * 1e6 for m in modes}
                vs_none = (per["view"] / per["none"] - 1) * 100
                vs_listener = (per["view"] / per["listener"] - 1) * 100
                print(
                    f"{kind:<9}{label:<6}{per['none']:>7.2f} µs {per['listener']:>7.2f} µs "
                    f"{per['view']:>7.2f} µs {vs_none:>7.1f}% {vs_listener:>10.1f}% "
                    f"{sent if clock == 'cpu' else '':>9}"
                )
        print(
            "\nwall: best elapsed time; cpu: best CPU time of the kernel's main thread (steadier on a"
            "\nbusy machine). messages: comm updates the last displayed view sent."
        )
    finally:
        kernel.close()


if __name__ == "__main__":
    main()
