"""Fixtures for the MCP integration tests: a served manager, in-memory and HTTP servers."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from fsmnb import Manager, Workflow, register_callable
from fsmnb.effects import unregister_callable
from fsmnb.mcp import FsmServer
from fsmnb.mcp.http import serve_http_in_background
from fsmnb.mcp.security import RateLimit, Tenants


def make_door() -> Workflow:
    """A passive machine: closed --open--> opened --close--> closed; closed --lock--> locked."""
    door = Workflow("door", description="A door.", register=False)
    door.add_state("closed", None, initial=True, on={"open": "opened", "lock": "locked"})
    door.add_state("opened", None, on={"close": "closed"})
    door.final("locked")
    return door


def make_worker() -> Workflow:
    """An active machine: `working` runs an effect, then waits in `idle` for `again`."""
    from fsmnb.effects import call, put_data, sequence

    wf = Workflow("worker", register=False)

    @wf.state(initial=True, on={"worked": "idle"})
    def working(ctx: Any) -> Any:
        yield sequence(put_data("step", ctx.data.get("step", 0) + 1), call("double", 21))
        return "worked"

    wf.add_state("idle", None, on={"again": "working", "stop": "stopped"})
    wf.final("stopped")
    return wf


def double(x: int) -> int:
    return 2 * x


def _fail() -> float:
    return 1 / 0


@pytest.fixture(autouse=True, scope="session")
def _callables() -> Iterator[None]:
    register_callable("double", double)
    register_callable("fail", _fail)
    yield
    unregister_callable("double")
    unregister_callable("fail")


@pytest.fixture
def app() -> FsmServer:
    """An `FsmServer` over a fresh manager serving `door` and `worker`."""
    return FsmServer(Manager([make_door(), make_worker()], history="all"))


class ThreadedServer:
    """An HTTP server on its own loop in a thread, so sync code (hypothesis) can call it."""

    def __init__(self, **options: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.tenants = Tenants()
        self.other_token = self.tenants.add("beta")
        started = threading.Event()

        async def start() -> None:
            self.app = FsmServer(
                Manager([make_door(), make_worker()], history="all"), tenant="alpha"
            )
            self.handle = await serve_http_in_background(
                self.app, port=0, tenant="alpha", tenants=self.tenants, **options
            )
            started.set()

        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(start(), self.loop).result(timeout=20)
        started.wait(20)
        self.url, self.token = self.handle.url, self.handle.token

    def call(self, coro: Any) -> Any:
        """Run `coro` on the server's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=20)

    def close(self) -> None:
        self.call(self.handle.stop())

        async def cancel_the_rest() -> None:
            rest = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in rest:
                task.cancel()
            await asyncio.gather(*rest, return_exceptions=True)

        self.call(cancel_the_rest())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture(scope="module")
def http_server() -> Iterator[ThreadedServer]:
    """A threaded HTTP server with tenants `alpha` (.token) and `beta` (.other_token)."""
    server = ThreadedServer(rate_limit=RateLimit(rate=100_000, burst=100_000))
    yield server
    server.close()
