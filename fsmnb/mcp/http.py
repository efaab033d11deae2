"""Serve an `FsmServer` over streamable HTTP, in the foreground or on the running loop.

`serve_http_in_background` is what a notebook uses: the server runs as a task
on the kernel's own loop, so clients drive the very runs the notebook shows.
It binds 127.0.0.1 unless told otherwise and always requires a bearer token
(see `fsmnb.mcp.security`).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fsmnb.mcp.limits import HttpLimits
from fsmnb.mcp.security import DEFAULT_MAX_BODY, RateLimit, Tenants, TokenGate
from fsmnb.mcp.server import FsmServer

if TYPE_CHECKING:
    import uvicorn

    from fsmnb.engine.manager import Manager

__all__ = ("HttpHandle", "build_app", "connect", "serve_http", "serve_http_in_background")

PATH = "/mcp"


def build_app(
    server: FsmServer,
    tenants: Tenants,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    rate_limit: RateLimit | None = None,
    max_body: int = DEFAULT_MAX_BODY,
    limits: HttpLimits | None = None,
    origins: Iterable[str] = (),
) -> TokenGate:
    """The ASGI app: the SDK's streamable HTTP app behind `TokenGate`.

    Browser origins allowed: the server's own (``http://host:port``, and the
    loopback names of it when bound to loopback) and `origins`.
    """
    if not len(tenants):
        raise ValueError("Serving over HTTP needs at least one bearer token (`Tenants.add`).")
    inner = server.mcp.streamable_http_app(
        streamable_http_path=PATH, host=host, max_request_body_size=max_body
    )
    allowed = frozenset(origins) | (own_origins(host, port) if port is not None else frozenset())
    return TokenGate(
        inner,
        tenants,
        rate_limit=rate_limit,
        max_body=max_body,
        path=PATH,
        origins=allowed if port is not None else None,
        limits=limits,
    )


def own_origins(host: str, port: int) -> frozenset[str]:
    """The origins a browser shows for this server (by each loopback name when on loopback)."""
    names = {f"[{host}]" if ":" in host else host}
    if host in ("127.0.0.1", "localhost", "::1"):
        names |= {"127.0.0.1", "localhost", "[::1]"}
    return frozenset(f"{scheme}://{name}:{port}" for name in names for scheme in ("http", "https"))


@dataclass
class HttpHandle:
    """A server running in the background on this loop.

    Attributes:
        url: the MCP endpoint, e.g. ``http://127.0.0.1:8765/mcp``.
        token: the bearer token of the default tenant (show it once, keep it secret).
        tokens: every tenant's token, by tenant.
        server: the `FsmServer` being served.
    """

    url: str
    token: str
    tokens: dict[str, str]
    server: FsmServer
    _uvicorn: uvicorn.Server = field(repr=False)
    _task: asyncio.Task[None] = field(repr=False)

    async def stop(self) -> None:
        """Stop serving (open streams are closed) and wait until the port is free."""
        self._uvicorn.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self.server.close()

    @property
    def is_running(self) -> bool:
        """Whether the server task is alive."""
        return not self._task.done()

    def __repr__(self) -> str:
        state = "running" if self.is_running else "stopped"
        return f"<fsmnb MCP server {self.url} ({state}); token in .token>"


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it; without it a small response waits ~40 ms for the
    # peer's delayed ACK (Nagle), which made every tool call over HTTP cost 45 ms here.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(1024)  # accept (into the backlog) from now on, so an announced URL connects
    sock.set_inheritable(True)
    return sock


def _uvicorn_server(app: Any, *, background: bool, limits: HttpLimits) -> uvicorn.Server:
    import uvicorn

    config = uvicorn.Config(
        app, log_level="warning", lifespan="on", access_log=False, **limits.uvicorn_options()
    )
    if not background:
        return uvicorn.Server(config)

    class Quiet(uvicorn.Server):
        """Leaves the host's signal handlers alone (a notebook's interrupt stays the kernel's)."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    return Quiet(config)


async def serve_http_in_background(
    manager: Manager | FsmServer | None = None,
    *,
    port: int = 8765,
    host: str = "127.0.0.1",
    token: str | None = None,
    tenant: str = "default",
    tenants: Tenants | None = None,
    rate_limit: RateLimit | None = None,
    max_body: int = DEFAULT_MAX_BODY,
    limits: HttpLimits | None = None,
    origins: Iterable[str] = (),
    **options: Any,
) -> HttpHandle:
    """Serve `manager` over HTTP as a task on the running loop; return once it accepts requests.

    Args:
        manager: the `Manager` to serve (or a ready `FsmServer`).
        port: the TCP port (0 picks a free one; `handle.url` says which).
        host: the interface to bind; 127.0.0.1 keeps it to this machine.
        token: the default tenant's bearer token (generated when None).
        tenant: the tenant that `token` acts for.
        tenants: more tokens and tenants (the default tenant's token is added to them).
        rate_limit: per-token limit (default: 50 requests/s, bursts of 200).
        max_body: the largest request body, in bytes.
        limits: connection and request limits (`HttpLimits` defaults when None).
        origins: browser origins allowed besides the server's own.
        **options: passed to `FsmServer` (`allow_network`, `pipeline_timeout`, ...).

    Returns:
        An `HttpHandle` with `.url`, `.token` and `await .stop()`.
    """
    server = (
        manager if isinstance(manager, FsmServer) else FsmServer(manager, tenant=tenant, **options)
    )
    tenants = tenants if tenants is not None else Tenants()
    token = tenants.add(tenant, token)
    limits = limits if limits is not None else HttpLimits()
    sock = _listen(host, port)
    bound = sock.getsockname()[1]
    app = build_app(
        server,
        tenants,
        host=host,
        port=bound,
        max_body=max_body,
        limits=limits,
        origins=origins,
        rate_limit=rate_limit if rate_limit is not None else RateLimit(),
    )
    uv = _uvicorn_server(app, background=True, limits=limits)
    task = asyncio.get_running_loop().create_task(uv.serve(sockets=[sock]), name="fsmnb-mcp-http")
    while not uv.started:
        if task.done():
            sock.close()
            task.result()  # raises what stopped it
            raise RuntimeError("The MCP HTTP server stopped while starting.")
        await asyncio.sleep(0.005)
    shown = f"[{host}]" if ":" in host else host
    tokens = {tenant: token}
    return HttpHandle(
        url=f"http://{shown}:{bound}{PATH}",
        token=token,
        tokens=tokens,
        server=server,
        _uvicorn=uv,
        _task=task,
    )


async def serve_http(
    server: FsmServer,
    tenants: Tenants,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    rate_limit: RateLimit | None = None,
    max_body: int = DEFAULT_MAX_BODY,
    limits: HttpLimits | None = None,
    origins: Iterable[str] = (),
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve over HTTP in the foreground until interrupted (what `fsmnb mcp --http` runs).

    `announce(url)` is called with the endpoint once the port is bound (port 0 picks one).
    """
    limits = limits if limits is not None else HttpLimits()
    sock = _listen(host, port)
    bound = sock.getsockname()[1]
    app = build_app(
        server,
        tenants,
        host=host,
        port=bound,
        max_body=max_body,
        limits=limits,
        origins=origins,
        rate_limit=rate_limit if rate_limit is not None else RateLimit(),
    )
    if announce is not None:
        shown = f"[{host}]" if ":" in host else host
        announce(f"http://{shown}:{bound}{PATH}")
    await _uvicorn_server(app, background=False, limits=limits).serve(sockets=[sock])


def connect(url: str, token: str, **client_options: Any) -> Any:
    """An `mcp.Client` for `url` that sends `token` (use it with `async with`)."""
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    return Client(streamable_http_client(url, http_client=http), **client_options)
