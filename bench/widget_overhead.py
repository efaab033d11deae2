"""How much a live RunView slows a fast run, measured inside a real Jupyter kernel.

    .venv/bin/python bench/widget_overhead.py [--steps 20000] [--repeat 5]

Starts a kernel (jupyter_client), defines workflows there, and times the same
run without a view and with a displayed `RunView` (comm messages really go out
on iopub and are counted here). Two workloads:

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
import time

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
    else:
        @wf.state(initial=True, on={"again": "step", "stop": "end"})
        def step(ctx):
            n = ctx.data["n"] = ctx.data["n"] + 1
            return "again" if n < ctx.data["limit"] else "stop"
    wf.final("end")
    return wf

flows = {k: make(k) for k in ("async", "sync")}

async def measure(kind, steps, mode):
    run = flows[kind].start(n=0, limit=steps)
    view = None
    if mode == "listener":
        run.subscribe(lambda event: None)
    elif mode == "view":
        view = RunView(run)
        display(view)
    t0 = time.perf_counter()
    await run
    elapsed = time.perf_counter() - t0
    if view is not None:
        await asyncio.sleep(0.1)  # let the last flush go out
        view.close()
    return {"kind": kind, "mode": mode, "seconds": elapsed, "steps": steps,
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
        print(
            f"{'workload':<8} {'none':>10} {'listener':>10} {'RunView':>10} "
            f"{'vs none':>8} {'vs listener':>11} {'messages':>9}"
        )
        modes = ("none", "listener", "view")
        for kind in ("async", "sync"):
            best = dict.fromkeys(modes, float("inf"))
            sent = 0
            for _ in range(args.repeat):
                for mode in modes:
                    before = kernel.comm_msgs
                    out = kernel.run(
                        f"print(json.dumps(await measure({kind!r}, {args.steps}, {mode!r})))"
                    )
                    (line,) = [x for x in "".join(out).splitlines() if x.startswith("{")]
                    best[mode] = min(best[mode], json.loads(line)["seconds"])
                    if mode == "view":
                        sent = kernel.comm_msgs - before
            per = {k: v / args.steps * 1e6 for k, v in best.items()}
            vs_none = (best["view"] / best["none"] - 1) * 100
            vs_listener = (best["view"] / best["listener"] - 1) * 100
            print(
                f"{kind:<8} {per['none']:>7.2f} µs {per['listener']:>7.2f} µs {per['view']:>7.2f} µs "
                f"{vs_none:>7.1f}% {vs_listener:>10.1f}% {sent:>9}"
            )
        time.sleep(0.1)
    finally:
        kernel.close()


if __name__ == "__main__":
    main()
