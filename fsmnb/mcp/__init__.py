"""The MCP server: a `Manager`'s workflows and runs as MCP tools, resources and notifications.

Built on the official `mcp` SDK (2.x, `MCPServer`). Serve it over stdio
(`fsmnb mcp`), over streamable HTTP (`fsmnb mcp --http`), or from a notebook on
the kernel's own loop::

    from fsmnb.mcp import serve_http_in_background
    handle = await serve_http_in_background(manager, port=8765)
    handle.url, handle.token     # give these to the client; the token is shown once
    await handle.stop()

See docs/mcp.md for the tools, the security model, and how to connect Claude
Desktop and the MCP Inspector.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fsmnb.mcp.server import FsmServer, create_server

if TYPE_CHECKING:
    from fsmnb.mcp.http import HttpHandle, serve_http, serve_http_in_background
    from fsmnb.mcp.security import Tenants

__all__ = (
    "FsmServer",
    "HttpHandle",
    "Tenants",
    "create_server",
    "serve_http",
    "serve_http_in_background",
    "serve_stdio",
)


def __getattr__(name: str) -> Any:
    # uvicorn and starlette are loaded only by those who serve HTTP.
    if name in ("HttpHandle", "serve_http", "serve_http_in_background"):
        from fsmnb.mcp import http

        return getattr(http, name)
    if name == "Tenants":
        from fsmnb.mcp.security import Tenants

        return Tenants
    raise AttributeError(f"module 'fsmnb.mcp' has no attribute {name!r}")


async def serve_stdio(server: FsmServer) -> None:
    """Serve `server` over stdin/stdout until the client disconnects."""
    await server.mcp.run_stdio_async()
