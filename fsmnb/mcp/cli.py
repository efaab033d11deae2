"""`fsmnb mcp`: serve workflows over stdio (the default) or streamable HTTP."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from typing import Any

__all__ = ("add_parser", "run")

TOKEN_ENV = "FSMNB_MCP_TOKEN"


def add_parser(commands: Any) -> None:
    """Add the `mcp` subcommand to the `fsmnb` parser's subcommands."""
    p = commands.add_parser(
        "mcp",
        help="serve workflows as an MCP server (stdio, or HTTP with --http)",
        description="Serve the workflows defined in Python files, modules or notebooks as MCP "
        "tools. Loading a source runs its code: serve only sources you trust. Notebooks: "
        "only code cells run; tag cells `mcp` to run only those, `mcp-skip` to skip one.",
    )
    p.add_argument("sources", nargs="*", help="a .py file, a .ipynb notebook, or a module name")
    p.add_argument("--http", action="store_true", help="serve streamable HTTP instead of stdio")
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="HTTP port (default 8765)")
    p.add_argument("--tenant", default="default", help="the tenant of the default token")
    p.add_argument(
        "--token",
        default=None,
        help=f"the default tenant's bearer token (default: ${TOKEN_ENV}, or generated)",
    )
    p.add_argument(
        "--tenant-token",
        action="append",
        default=[],
        metavar="TENANT=TOKEN",
        help="another tenant and its token (repeatable)",
    )
    p.add_argument("--rate", type=float, default=50.0, help="requests per second per token")
    p.add_argument("--burst", type=int, default=200, help="burst size per token")
    p.add_argument("--max-body", type=int, default=1_000_000, help="largest request, in bytes")
    p.add_argument(
        "--allow-network",
        action="store_true",
        help="let execute_effect_pipeline run call_api effects",
    )
    p.add_argument(
        "--models",
        action="append",
        default=[],
        metavar="MODEL[,MODEL...]",
        help="model strings clients may name (repeatable); by default clients get "
        "only the server's default model, by leaving `model` out. Never list a "
        "`replay:`/`local:` model whose file clients should not read or write.",
    )
    _add_limits(p)
    p.set_defaults(run=run)


def _add_limits(p: Any) -> None:
    """Options for `HttpLimits` and `TenantQuota` (defaults shown in --help)."""
    from fsmnb.mcp.quotas import TenantQuota

    h, q = _http_defaults(), TenantQuota()
    g = p.add_argument_group("limits (hostile clients)")
    g.add_argument(
        "--max-connections",
        type=int,
        default=h["max_connections"],
        help="open HTTP connections at once (default %(default)s)",
    )
    g.add_argument(
        "--max-requests-per-token",
        type=int,
        default=h["max_requests_per_token"],
        help="requests in flight per token, open streams included (default %(default)s)",
    )
    g.add_argument(
        "--header-timeout",
        type=float,
        default=h["header_timeout"],
        help="seconds to send a request's headers (default %(default)s)",
    )
    g.add_argument(
        "--body-timeout",
        type=float,
        default=h["body_timeout"],
        help="seconds to send a request's body (default %(default)s)",
    )
    g.add_argument(
        "--keep-alive",
        type=float,
        default=h["keep_alive"],
        help="seconds an idle connection is kept (default %(default)s)",
    )
    g.add_argument(
        "--allowed-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="a browser origin allowed besides the server's own (repeatable)",
    )
    g.add_argument(
        "--max-live-runs",
        type=int,
        default=q.max_live_runs,
        help="live runs per tenant (default %(default)s)",
    )
    g.add_argument(
        "--max-stored-bytes",
        type=int,
        default=q.max_stored_bytes,
        help="bytes of data, payloads and specs per tenant (default %(default)s)",
    )
    g.add_argument(
        "--keep-finished",
        type=int,
        default=q.keep_finished,
        help="finished runs kept per tenant (default %(default)s)",
    )
    g.add_argument(
        "--finished-ttl",
        type=float,
        default=q.finished_ttl,
        help="seconds a finished run is kept (default %(default)s)",
    )


def _http_defaults() -> dict[str, Any]:
    # The defaults of fsmnb.mcp.limits.HttpLimits, without importing uvicorn for --help.
    return {
        "max_connections": 256,
        "max_requests_per_token": 32,
        "header_timeout": 10.0,
        "body_timeout": 30.0,
        "keep_alive": 5.0,
    }


def run(args: argparse.Namespace) -> int:
    """Load the sources and serve them until interrupted."""
    from fsmnb.engine.manager import Manager
    from fsmnb.errors import FsmnbError
    from fsmnb.mcp.loader import load_workflows
    from fsmnb.mcp.server import FsmServer

    manager = Manager()
    try:
        for source in args.sources:
            for wf in load_workflows(source):
                manager.add(wf)
    except FsmnbError as e:
        print(f"fsmnb mcp: {e}", file=sys.stderr)
        return 2
    models = [m.strip() for group in args.models for m in group.split(",") if m.strip()]
    from fsmnb.mcp.quotas import TenantQuota

    quota = TenantQuota(
        max_live_runs=args.max_live_runs,
        max_stored_bytes=args.max_stored_bytes,
        keep_finished=args.keep_finished,
        finished_ttl=args.finished_ttl,
    )
    server = FsmServer(
        manager, tenant=args.tenant, allow_network=args.allow_network, models=models, quota=quota
    )
    names = ", ".join(manager.workflow_names) or "none"
    if not args.http:
        print(f"fsmnb mcp: serving {names} over stdio", file=sys.stderr)
        asyncio.run(server.mcp.run_stdio_async())
        return 0
    return _serve_http(server, args, names)


def _serve_http(server: Any, args: argparse.Namespace, names: str) -> int:
    from fsmnb.mcp.http import serve_http
    from fsmnb.mcp.limits import HttpLimits
    from fsmnb.mcp.security import RateLimit, Tenants

    tenants = Tenants()
    given = args.token or os.environ.get(TOKEN_ENV)
    try:
        token = tenants.add(args.tenant, given)
        for pair in args.tenant_token:
            name, sep, secret = pair.partition("=")
            if not sep:
                raise ValueError(f"--tenant-token expects TENANT=TOKEN, got {pair!r}")
            tenants.add(name, secret)
    except ValueError as e:
        print(f"fsmnb mcp: {e}", file=sys.stderr)
        return 2

    def announce(url: str) -> None:
        print(f"fsmnb mcp: serving {names} at {url}", file=sys.stderr)
        if given is None:
            print(
                f"fsmnb mcp: bearer token for tenant {args.tenant!r} (shown once): {token}",
                file=sys.stderr,
            )
        if args.host not in ("127.0.0.1", "localhost", "::1"):
            print(
                "fsmnb mcp: warning: reachable from other machines; put TLS in front of it.",
                file=sys.stderr,
            )
        sys.stderr.flush()

    limit = RateLimit(rate=args.rate, burst=args.burst)
    limits = HttpLimits(
        max_connections=args.max_connections,
        max_requests_per_token=args.max_requests_per_token,
        header_timeout=args.header_timeout,
        body_timeout=args.body_timeout,
        keep_alive=args.keep_alive,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve_http(
                server,
                tenants,
                host=args.host,
                port=args.port,
                rate_limit=limit,
                max_body=args.max_body,
                limits=limits,
                origins=args.allowed_origin,
                announce=announce,
            )
        )
    return 0
