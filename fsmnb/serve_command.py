"""`fsmnb serve APP.py`: run a module's agents, sensors and flows headless, with health and metrics.

    fsmnb serve app.py --port 8080            # /health /metrics /signals /flows/{name} /runs/{id}
    fsmnb serve app.py --port 0 --otel        # any free port (printed); traces to OTLP
    fsmnb serve app.py --mcp-token SECRET     # the MCP endpoint alongside, at /mcp

The module is the same code a notebook runs: it defines a ``service``
(`fsmnb.signals.Service`) or top-level supervisors, agents, sensors, routers
and flows (see `fsmnb.signals.service.service_from_namespace`). Only the file
the operator names is run. This module sits at the top, beside `fsmnb/cli.py`,
because it assembles two layers: the service (`fsmnb.signals`) and, when
asked, the MCP endpoint (`fsmnb.mcp`), which `fsmnb.signals` never imports.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import runpy
import sys
from pathlib import Path
from typing import Any

__all__ = ("add_parser",)


def add_parser(commands: Any) -> None:
    """Add the `serve` subcommand."""
    p = commands.add_parser(
        "serve", help="run agents, sensors and flows headless, with /health and /metrics"
    )
    p.add_argument(
        "app", help="a Python file defining `service` or supervisors/agents/sensors/flows"
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="TCP port; 0 picks a free one")
    p.add_argument("--name", default=None, help="the service's name (default: the file's stem)")
    p.add_argument(
        "--otel",
        action="store_true",
        help="export OpenTelemetry traces (OTLP, configured by OTEL_* variables)",
    )
    p.add_argument(
        "--mcp-token",
        default=None,
        help="also serve the MCP endpoint at /mcp, for clients with this bearer token",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Load the app, then serve it until interrupted."""
    from fsmnb.errors import DefinitionError
    from fsmnb.signals.service import service_from_namespace

    path = Path(args.app)
    if not path.is_file():
        print(f"fsmnb serve: `{path}` is not a file.", file=sys.stderr)
        return 2
    sys.path.insert(0, str(path.resolve().parent))
    try:
        namespace = runpy.run_path(str(path), run_name="__fsmnb_serve__")
        service = service_from_namespace(namespace, name=args.name or path.stem)
    except DefinitionError as e:
        print(f"fsmnb serve: {e}", file=sys.stderr)
        return 2
    if args.otel:
        os.environ.setdefault("OTEL_TRACES_EXPORTER", "otlp")
    extra: dict[str, Any] = {}
    if args.mcp_token:
        from fsmnb.mcp.http import build_app
        from fsmnb.mcp.security import Tenants
        from fsmnb.mcp.server import FsmServer

        tenants = Tenants()
        tenants.add("default", args.mcp_token)
        extra["/mcp"] = build_app(FsmServer(service.manager), tenants, host=args.host)

    def announce(url: str) -> None:
        print(f"fsmnb serve: {service.name} on {url} (/health, /metrics)", flush=True)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            service.serve(host=args.host, port=args.port, announce=announce, extra_apps=extra)
        )
    return 0
