"""`%fsm mcp start | stop | status`: serve this kernel's workflows and runs over MCP (HTTP).

The server runs on the kernel's own event loop (`fsmnb.mcp.serve_http_in_background`)
and serves the shell's `ShellManager` (see `fsmnb/magics/_manager.py`): the
runs `%fsm list` shows are the runs MCP clients see and drive, and the runs a
client creates appear in `%fsm list`, their views updating live.

A magic cannot await, so `start` binds the port at once (a port that is taken
is a `UsageError` there and then), prints the URL and the token, and lets the
server come up on the loop right after the cell; a client that connects
first waits in the socket's backlog.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import MagicArgumentParser

from fsmnb.magics._values import unquote
from fsmnb.magics.subcommands import subcommand

if TYPE_CHECKING:
    from fsmnb.engine.manager import Manager
    from fsmnb.magics.magics import FsmnbMagics
    from fsmnb.mcp.http import HttpHandle

__all__ = ("McpService", "mcp")

MCP_USAGE = "%fsm mcp start [--port N] | stop | status"
_LOCAL = ("127.0.0.1", "localhost", "::1")

_log = logging.getLogger("fsmnb")

_start = MagicArgumentParser(prog="%fsm mcp start", add_help=False)
_start.add_argument("--port", type=int, default=8765, help="TCP port (0: any free port)")
_start.add_argument("--token", help="bearer token, 16 characters or more (default: generated)")
_start.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")


class McpService:
    """An MCP server this shell started: starting, serving, failed or stopped.

    Args:
        manager: what to serve.
        host, port: where to listen (the port must be free; 0 is resolved before).
        token: the default tenant's bearer token.
    """

    def __init__(self, manager: Manager, *, host: str, port: int, token: str) -> None:
        from fsmnb.mcp.http import serve_http_in_background

        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{port}/mcp"
        self.handle: HttpHandle | None = None
        self.error: BaseException | None = None
        self._stopping: asyncio.Task[None] | None = None
        self._starting = asyncio.get_running_loop().create_task(
            serve_http_in_background(manager, port=port, host=host, token=token),
            name="fsmnb-mcp-start",
        )
        self._starting.add_done_callback(self._started)

    def _started(self, task: asyncio.Task[HttpHandle]) -> None:
        if task.cancelled():
            return
        self.error = task.exception()
        if self.error is not None:
            _log.warning("fsmnb: the MCP server at %s did not start: %s", self.url, self.error)
        else:
            self.handle = task.result()

    @property
    def status(self) -> str:
        """``starting``, ``serving``, ``stopping``, ``stopped`` or ``failed: <error>``."""
        if self.error is not None:
            return f"failed: {self.error}"
        if self._stopping is not None:
            return "stopped" if self._stopping.done() else "stopping"
        if self.handle is None:
            return "starting"
        return "serving" if self.handle.is_running else "stopped"

    async def wait_started(self) -> HttpHandle:
        """Wait until the server accepts requests (raises what stopped it from starting)."""
        return await asyncio.shield(self._starting)

    def stop(self) -> asyncio.Task[None]:
        """Stop serving (open streams are closed); await the task to know the port is free."""
        if self._stopping is None:
            self._stopping = asyncio.get_running_loop().create_task(
                self._stop(), name="fsmnb-mcp-stop"
            )
        return self._stopping

    async def _stop(self) -> None:
        try:
            handle = await self._starting
        except Exception:  # it never started: nothing to stop
            return
        await handle.stop()

    def __repr__(self) -> str:
        return f"<fsmnb MCP server {self.url} ({self.status})>"


def _bindable(host: str, port: int) -> int:
    """The port `host:port` can be bound on (port 0: a free one), or a `UsageError`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise UsageError(
                f"Cannot listen on {host}:{port} ({exc.strerror or exc}). Choose another port "
                f"with `%fsm mcp start --port N` (0 picks a free one)."
            ) from None
        return int(probe.getsockname()[1])


def _hints(url: str) -> str:
    return (
        f"  MCP Inspector: `npx @modelcontextprotocol/inspector`, transport Streamable HTTP, "
        f"URL {url},\n"
        f"    header `Authorization: Bearer <token>`.\n"
        f'  Claude Desktop: "command": "npx", "args": ["mcp-remote", "{url}", "--header",\n'
        f'    "Authorization: Bearer ${{FSMNB_TOKEN}}"], "env": {{"FSMNB_TOKEN": "<token>"}}.\n'
        f"  Python: `fsmnb.mcp.http.connect(url, token)`. See docs/mcp.md."
    )


def _start_server(magics: FsmnbMagics, words: list[str]) -> None:
    session = magics.session
    if session.mcp is not None and session.mcp.status in ("starting", "serving"):
        print(f"The MCP server is already running at {session.mcp.url}; `%fsm mcp stop` first.")
        return
    args = _start.parse_args(words)
    try:
        import fsmnb.mcp  # noqa: F401  # the extra: a clear error now, not in a background task
    except ImportError:
        raise UsageError(
            "Serving over MCP needs the `mcp` extra: pip install 'fsmnb[mcp]'."
        ) from None
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise UsageError(
            "`%fsm mcp start` serves on the kernel's running event loop: run it in Jupyter "
            "(a terminal IPython runs its loop only while a cell runs). From a script, use "
            "`fsmnb mcp flows.py --http`."
        ) from None
    if args.token is not None and len(args.token) < 16:
        raise UsageError("A bearer token must be at least 16 characters long (`--token T`).")
    port = _bindable(args.host, args.port)
    token = args.token or secrets.token_urlsafe(32)  # 256 bits, as `Tenants.add` makes them
    session.mcp = McpService(session.manager, host=args.host, port=port, token=token)
    shown = "the one given with --token" if args.token else token
    lines = [
        f"fsmnb MCP server: {session.mcp.url}",
        f"Bearer token (shown once, keep it secret): {shown}",
        "Serves the workflows and runs of `%fsm list` (tenant 'default'); stop with "
        "`%fsm mcp stop`.",
        _hints(session.mcp.url),
    ]
    if args.host not in _LOCAL:
        lines.insert(1, "Warning: reachable from other machines; put TLS in front of it.")
    print("\n".join(lines))


@subcommand(
    "mcp",
    usage=MCP_USAGE,
    summary="serve this kernel's runs to MCP clients (start: also --token T, --host H)",
)
def mcp(magics: FsmnbMagics, args: list[str]) -> Any:
    """Serve, stop or describe the kernel's MCP server.

    `start` serves the workflows and runs `%fsm list` shows, over streamable
    HTTP on the kernel's loop, at http://127.0.0.1:8765/mcp unless `--port N`
    (0: any free port) or `--host H` say otherwise. Every request needs the
    bearer token printed once at start (or the one given with `--token T`).
    `stop` stops it; `status` says whether it runs and where.
    """
    words = [unquote(word) for word in args]
    action, rest = (words[0], words[1:]) if words else ("status", [])
    session = magics.session
    if action == "start":
        _start_server(magics, rest)
        return None
    if rest:
        raise UsageError(f"`%fsm mcp {action}` takes no arguments. Usage: {MCP_USAGE}")
    if action == "stop":
        service = session.mcp
        if service is None or service.status not in ("starting", "serving"):
            raise UsageError("No MCP server is running here; start one with `%fsm mcp start`.")
        service.stop()
        print(f"fsmnb MCP server at {service.url}: stopped (the token no longer works).")
        return None
    if action == "status":
        service = session.mcp
        if service is None:
            print("No MCP server is running here; start one with `%fsm mcp start`.")
        else:
            print(f"fsmnb MCP server at {service.url}: {service.status}")
        return None
    raise UsageError(f"Unknown action `{action}`. Usage: {MCP_USAGE}")
