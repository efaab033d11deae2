"""MCP round trips: our `send_event` against a trivial tool on a bare `MCPServer`, same run.

    .venv/bin/python bench/mcp_bench.py [--calls 1000] [--warmup 100]

For stdio and for streamable HTTP, each server runs in its own process and the
SDK's own client (`mcp.Client`) drives it from this one:

- `send_event` round trips (a door toggled open/closed) after a warm-up,
  median and p95, next to the floor: a trivial `echo` tool on a bare
  `MCPServer` (also with a structured result), the two calls alternated so
  that load from other processes hits both alike;
- event -> notification: from sending `send_event` to the client receiving
  `notifications/resources/updated` for the run (a `subscriptions/listen` stream);
- first call vs tenth: a fresh server process, the client connected and
  tools listed (as every MCP host does on connect), then ten `send_event` calls;
  next to it, the client's compile of the tool's output schema, timed alone.

This file is also the module the benchmarked `fsmnb mcp` serves (its `door`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fsmnb import Workflow

door = Workflow("door", description="Toggled by the benchmark.")
door.add_state("closed", None, initial=True, on={"open": "opened"})
door.add_state("opened", None, on={"close": "closed", "lock": "locked"})
door.final("locked")

HERE = Path(__file__).resolve()
PY = sys.executable
TOKEN = "bench-token-" + "x" * 24
FRESH = 9  # fresh server processes for first vs tenth


# -- the floor: a bare MCPServer ---------------------------------------------------------------


def bare_server() -> Any:
    from mcp.server.mcpserver import MCPServer

    server = MCPServer("bare")

    @server.tool()
    async def echo(text: str) -> str:
        """Return `text`."""
        return text

    return server


def serve_bare(http_port: int | None) -> None:
    server = bare_server()
    if http_port is None:
        asyncio.run(server.run_stdio_async())
        return
    import uvicorn

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as fsmnb's server does
    sock.bind(("127.0.0.1", http_port))
    sock.listen(1024)
    print(f"at http://127.0.0.1:{sock.getsockname()[1]}/mcp", file=sys.stderr, flush=True)
    app = server.streamable_http_app(host="127.0.0.1")
    asyncio.run(uvicorn.Server(uvicorn.Config(app, log_level="warning")).serve(sockets=[sock]))


# -- clients -------------------------------------------------------------------------------


def stdio_params(bare: bool) -> Any:
    from mcp import StdioServerParameters

    args = [str(HERE), "--serve-bare"] if bare else ["-m", "fsmnb.cli", "mcp", str(HERE)]
    return StdioServerParameters(command=PY, args=args)


class HttpProcess:
    """A server process on a free port; `.url` once it listens."""

    def __init__(self, bare: bool) -> None:
        cmd = (
            [PY, str(HERE), "--serve-bare", "--http"]
            if bare
            else [
                PY,
                "-m",
                "fsmnb.cli",
                "mcp",
                str(HERE),
                "--http",
                "--port",
                "0",
                "--token",
                TOKEN,
                "--rate",
                "1e9",
                "--burst",
                "1000000000",
            ]
        )
        self.proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
        assert self.proc.stderr is not None
        for _ in range(10):
            found = re.search(r"at (http://\S+/mcp)", self.proc.stderr.readline())
            if found:
                self.url = found.group(1)
                return
        raise RuntimeError("the server did not start")

    def client(self, **options: Any) -> Any:
        from fsmnb.mcp.http import connect

        return connect(self.url, TOKEN, **options)

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def stats(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1e3 for s in samples)
    return {"median": statistics.median(ms), "p95": ms[int(0.95 * (len(ms) - 1))], "n": len(ms)}


async def caller(client: Any, bare: bool) -> Callable[[], Awaitable[Any]]:
    """A zero-argument coroutine function doing one round trip on `client`."""
    await client.list_tools()
    if bare:
        return lambda: client.call_tool("echo", {"text": "open"})
    rid = (await client.call_tool("create_fsm", {"workflow": "door"})).structured_content["run_id"]
    events = itertools.cycle(["open", "close"])

    async def send() -> None:
        result = await client.call_tool("send_event", {"run_id": rid, "event": next(events)})
        assert not result.is_error, result.content

    return send


async def interleaved(bare: Any, ours: Any, n: int, warmup: int) -> tuple[list[float], ...]:
    """Alternate the two round trips, so load from other processes hits both alike."""
    calls = (await caller(bare, True), await caller(ours, False))
    samples: tuple[list[float], list[float]] = ([], [])
    for i in range(warmup + n):
        for call, out in zip(calls, samples, strict=True):
            t0 = time.perf_counter()
            await call()
            if i >= warmup:
                out.append(time.perf_counter() - t0)
    return samples


async def notification_latency(client: Any, n: int) -> list[float]:
    rid = (await client.call_tool("create_fsm", {"workflow": "door"})).structured_content["run_id"]
    out = []
    async with client.listen(resource_subscriptions=[f"fsm://runs/{rid}"]) as updates:
        for i in range(n):
            t0 = time.perf_counter()
            await client.call_tool(
                "send_event", {"run_id": rid, "event": "open" if i % 2 == 0 else "close"}
            )
            await updates.__anext__()
            out.append(time.perf_counter() - t0)
    return out


async def first_vs_tenth(client: Any, bare: bool) -> tuple[float, float, float]:
    """First and tenth call times, and what compiling the tool's output schema costs the client."""
    listed = {t.name: t for t in (await client.list_tools()).tools}
    if bare:

        def args(i: int) -> tuple[str, dict[str, Any]]:
            return "echo", {"text": str(i)}
    else:
        rid = (await client.call_tool("create_fsm", {"workflow": "door"})).structured_content[
            "run_id"
        ]

        def args(i: int) -> tuple[str, dict[str, Any]]:
            return "send_event", {"run_id": rid, "event": "open" if i % 2 == 0 else "close"}

    times = []
    for i in range(10):
        t0 = time.perf_counter()
        await client.call_tool(*args(i))
        times.append(time.perf_counter() - t0)
    return times[0], times[9], schema_compile(listed[args(0)[0]].output_schema)


def schema_compile(schema: dict[str, Any] | None) -> float:
    """Median time of the steps the SDK client takes on a tool's first call to validate its
    structured result (`ClientSession._output_schema_validator`), timed here, not in the client."""
    if schema is None:
        return 0.0
    from jsonschema.validators import validator_for  # type: ignore[import-untyped]
    from referencing import Registry

    samples = []
    for _ in range(21):
        t0 = time.perf_counter()
        cls = validator_for(schema)
        cls.check_schema(schema)
        cls(schema, registry=Registry())
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


async def main(n: int, warmup: int) -> None:
    from jsonschema import Draft202012Validator
    from mcp import Client

    # The SDK client validates structured results with jsonschema; its first schema check
    # in a process loads the metaschema (~15 ms). Do that once here, as a long-lived host has.
    Draft202012Validator.check_schema({"type": "object"})

    print(
        f"# MCP round trips, {n} calls after {warmup} warm-up, python {sys.version.split()[0]}"
        f", {os.cpu_count()} cpus\n"
    )
    print(f"{'transport':10} {'tool':28} {'median ms':>10} {'p95 ms':>8}")
    results: dict[tuple[str, str], dict[str, float]] = {}
    for transport in ("stdio", "http"):
        async with contextlib.AsyncExitStack() as stack:
            if transport == "stdio":
                bare = await stack.enter_async_context(Client(stdio_params(True)))
                ours = await stack.enter_async_context(Client(stdio_params(False)))
            else:
                procs = [HttpProcess(True), HttpProcess(False)]
                for proc in procs:
                    stack.callback(proc.close)
                bare = await stack.enter_async_context(procs[0].client())
                ours = await stack.enter_async_context(procs[1].client())
            measured = await interleaved(bare, ours, n, warmup)
        for name, samples in zip(
            ("bare MCPServer echo", "fsmnb send_event"), measured, strict=True
        ):
            results[transport, name] = s = stats(samples)
            print(f"{transport:10} {name:28} {s['median']:10.3f} {s['p95']:8.3f}")
    for transport in ("stdio", "http"):
        ours = results[transport, "fsmnb send_event"]["median"]
        floor = results[transport, "bare MCPServer echo"]["median"]
        print(f"{transport}: send_event / floor = {ours / floor:.2f}x ({(ours / floor - 1):+.0%})")

    print("\nevent -> notification (send_event call + resources/updated received)")
    for transport in ("stdio", "http"):
        if transport == "stdio":
            async with Client(stdio_params(False)) as client:
                s = stats(await notification_latency(client, min(n, 300)))
        else:
            proc = HttpProcess(False)
            try:
                async with proc.client() as client:
                    s = stats(await notification_latency(client, min(n, 300)))
            finally:
                proc.close()
        print(f"{transport:10} median {s['median']:.3f} ms, p95 {s['p95']:.3f} ms (n={s['n']:.0f})")

    print(
        f"\nfirst call vs tenth, median of {FRESH} fresh server processes (connected, tools"
        "\nlisted). A client-observed first call includes the SDK client compiling the tool's"
        "\noutput schema (checking it against the 2020-12 metaschema, per subschema); 'schema'"
        "\nis that compile timed alone in this process, '-schema' the first call without it."
        "\n'server side' times the tool call inside a fresh server process, no client."
    )
    for transport in ("stdio", "http"):
        for bare in (True, False):
            name = "bare MCPServer echo" if bare else "fsmnb send_event"
            runs = []
            for _ in range(FRESH):
                if transport == "stdio":
                    async with Client(stdio_params(bare)) as client:
                        runs.append(await first_vs_tenth(client, bare))
                else:
                    proc = HttpProcess(bare)
                    try:
                        async with proc.client() as client:
                            runs.append(await first_vs_tenth(client, bare))
                    finally:
                        proc.close()
            first, tenth, schema = (statistics.median(r[i] for r in runs) for i in range(3))
            print(
                f"{transport:10} {name:28} first {first * 1e3:6.2f} ms, tenth "
                f"{tenth * 1e3:5.2f} ms, ratio {first / tenth:.2f} | schema {schema * 1e3:4.2f}"
                f" ms, -schema ratio {(first - schema) / tenth:.2f}"
            )
    out = subprocess.run([PY, str(HERE), "--server-side"], capture_output=True, text=True)
    print(out.stdout.strip())


async def server_side() -> None:
    """In a fresh process: the server's own time for its first and tenth `send_event`."""
    from fsmnb import Manager
    from fsmnb.mcp import create_server

    app = create_server(Manager([door]))
    async with app.mcp._lowlevel_server.lifespan(app.mcp._lowlevel_server):  # as at start
        pass
    rid = (await app.mcp.call_tool("create_fsm", {"workflow": "door"})).structured_content["run_id"]
    times = []
    for i in range(10):
        t0 = time.perf_counter()
        await app.mcp.call_tool(
            "send_event", {"run_id": rid, "event": "open" if i % 2 == 0 else "close"}
        )
        times.append(time.perf_counter() - t0)
    print(
        f"{'server side':10} {'fsmnb send_event':28} first {times[0] * 1e3:7.3f} ms, tenth "
        f"{times[9] * 1e3:7.3f} ms, ratio {times[0] / times[9]:.2f}"
    )


# -- cold start --------------------------------------------------------------------------------

BARE_COLD = """
import asyncio
from mcp.server.mcpserver import MCPServer
server = MCPServer("bare")
@server.tool()
async def echo(text: str) -> str:
    return text
asyncio.run(server.run_stdio_async())
"""
COLD_MESSAGES = [
    {
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "cold", "version": "1"},
        },
    },
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
]


def cold_start(cmd: list[str]) -> tuple[float, float]:
    """Seconds from spawning `cmd` to its `initialize` answer, and to its `tools/list` answer."""
    import json

    began = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("".join(json.dumps(m) + "\n" for m in COLD_MESSAGES))
    proc.stdin.flush()
    answered: dict[int, float] = {}
    while len(answered) < 2:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{cmd} exited before answering")
        message = json.loads(line)
        if message.get("id") in (0, 1):
            answered[message["id"]] = time.perf_counter() - began
    proc.stdin.close()
    proc.terminate()
    proc.wait(10)
    return answered[0], answered[1]


def cold(rounds: int) -> None:
    """Cold start over stdio, side by side (alternated): a bare MCPServer and `fsmnb mcp`."""
    sides = {
        "bare MCPServer (1 tool)": [PY, "-c", BARE_COLD],
        "fsmnb mcp (no sources)": [PY, "-m", "fsmnb.cli", "mcp"],
        "fsmnb mcp bench/mcp_bench.py": [PY, "-m", "fsmnb.cli", "mcp", str(HERE)],
    }
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, cmd in sides.items():
            samples[name].append(cold_start(cmd))
    print(
        f"# cold start over stdio: spawn -> answer, median of {rounds} alternated rounds, "
        f"python {sys.version.split()[0]}, {os.cpu_count()} cpus"
    )
    floor = statistics.median(i for i, _ in samples["bare MCPServer (1 tool)"])
    for name, rows in samples.items():
        init = statistics.median(i for i, _ in rows)
        listed = statistics.median(t for _, t in rows)
        print(
            f"{name:32} initialize {init:6.2f} s  tools/list {listed:6.2f} s  "
            f"initialize / bare {init / floor:4.2f}x"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--http", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--server-side", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--cold",
        type=int,
        metavar="ROUNDS",
        default=0,
        help="only compare cold starts (initialize, tools/list) with a bare server",
    )
    args = parser.parse_args()
    if args.cold:
        cold(args.cold)
    elif args.serve_bare:
        serve_bare(0 if args.http else None)
    elif args.server_side:
        asyncio.run(server_side())
    else:
        asyncio.run(main(args.calls, args.warmup))
