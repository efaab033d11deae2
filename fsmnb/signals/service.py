"""A headless service: agents, sensors, routers and flows, with `/health`, `/metrics` and traces.

    service = Service(
        supervisor=Supervisor([monitor, SystemHealthSensor(router)]),
        routers=[router],
        flows=[order_processing_flow()],
    )
    await service.serve(port=8080)            # what `fsmnb serve app.py` runs

HTTP endpoints (Starlette on uvicorn, bound to 127.0.0.1 unless told otherwise):

- ``GET /health`` — liveness and readiness: 200 when every component runs, 503
  otherwise, with each component's status (the supervision tree, routers, flows);
- ``GET /metrics`` — Prometheus text (`ServiceMetrics`);
- ``POST /signals`` — a CloudEvent (JSON) published on the first router: 202, or
  400 naming each bad field (the signal is dead-lettered with the reason);
- ``POST /flows/{name}`` — start a run of a served flow with the JSON body as
  data: 202 with the run id; ``GET /runs/{id}`` — its status and state.

Bodies are bounded (`MAX_BODY`). The same objects run in a notebook: the
service only starts them and answers questions about them.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fsmnb.engine.manager import Manager
from fsmnb.errors import DefinitionError
from fsmnb.signals.flows import Flow
from fsmnb.signals.router import Router
from fsmnb.signals.supervisor import Supervisor

__all__ = ("MAX_BODY", "Service")

MAX_BODY = 1_000_000


class Service:
    """What `fsmnb serve` runs: a supervision tree, routers and flows, observed over HTTP.

    Args:
        supervisor: the root of the agents and sensors (None: nothing supervised).
        routers: the routers to measure; the first receives ``POST /signals``.
        flows: flows that ``POST /flows/{name}`` may start.
        manager: the `Manager` that holds flow runs (a new one by default).
        name: shown in `/health`.
        tracing: a `RunTracer` (None: traces only if the environment asks for them).
    """

    def __init__(
        self,
        *,
        supervisor: Supervisor | None = None,
        routers: Iterable[Router] = (),
        flows: Iterable[Flow] = (),
        manager: Manager | None = None,
        name: str = "fsmnb",
        tracing: Any = None,
    ) -> None:
        self.name = name
        self.supervisor = supervisor
        self.routers = list(routers)
        self.flows = {f.name: f for f in flows}
        self.manager = manager if manager is not None else Manager()
        for flow in self.flows.values():
            self.manager.add(flow.workflow)
        self.tracing = tracing
        self.started_at: float | None = None
        self._supervisor_task: asyncio.Task[None] | None = None
        self.metrics: Any = None

    # -- what the endpoints report ---------------------------------------------------------------

    def supervisors(self) -> Iterator[Supervisor]:
        """Every supervisor in the tree, root first."""
        todo = [self.supervisor] if self.supervisor is not None else []
        while todo:
            sup = todo.pop(0)
            yield sup
            todo.extend(c for c in sup.children if isinstance(c, Supervisor))

    def run_counts(self) -> dict[str, int]:
        """Runs in the manager, by status."""
        counts: dict[str, int] = self.manager.metrics()["by_status"]
        return counts

    def health(self) -> dict[str, Any]:
        """Liveness (the loop answers) and readiness (every component runs), per component."""
        components: list[dict[str, Any]] = []
        ready = True
        if self.supervisor is not None:
            tree = self.supervisor.health()
            components.append(tree)
            ready = ready and _all_running(tree)
        for router in self.routers:
            components.append(
                {
                    "name": router.name,
                    "kind": "router",
                    "status": "running",
                    "routes": len(router.routes),
                    "dead_lettered": router.dead,
                }
            )
        for flow in self.flows.values():
            components.append(
                {"name": flow.name, "kind": "flow", "status": "ready", "steps": len(flow.steps)}
            )
        return {
            "service": self.name,
            "live": True,
            "ready": ready and self.started_at is not None,
            "uptime_s": round(time.time() - self.started_at, 3) if self.started_at else 0.0,
            "runs": self.run_counts(),
            "components": components,
        }

    # -- running ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start metrics, tracing (if asked for) and the supervision tree."""
        from fsmnb.signals.metrics import ServiceMetrics
        from fsmnb.signals.tracing import RunTracer, tracing_requested

        self.metrics = ServiceMetrics(self)
        self.metrics.start()
        if self.tracing is None and tracing_requested():
            self.tracing = RunTracer()
        if self.tracing is not None:
            self.tracing.start()
        if self.supervisor is not None:
            self._supervisor_task = self.supervisor.start()
        self.started_at = time.time()

    async def stop(self) -> None:
        """Stop the tree, then metrics and tracing (flushing spans)."""
        if self.supervisor is not None:
            await self.supervisor.stop()
        if self.metrics is not None:
            self.metrics.stop()
        if self.tracing is not None:
            self.tracing.stop()

    def app(self) -> Any:
        """The Starlette app of the endpoints."""
        from fsmnb.signals.service_http import build_app

        return build_app(self)

    async def serve(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        announce: Callable[[str], None] | None = None,
        extra_apps: dict[str, Any] | None = None,
    ) -> None:
        """Start everything and answer HTTP until interrupted (or the server is told to exit).

        Args:
            host: the interface to bind (127.0.0.1 keeps it to this machine).
            port: the TCP port (0 picks a free one; `announce` is told the URL).
            announce: called with the base URL once the port is bound.
            extra_apps: more ASGI apps mounted by path prefix (the MCP endpoint).
        """
        try:
            import uvicorn
        except ImportError as e:
            from fsmnb.errors import MissingExtraError

            raise MissingExtraError("`fsmnb serve`", "signals", "uvicorn") from e
        app = _dispatch(self.app(), extra_apps or {})
        sock = _listen(host, port)
        shown = f"[{host}]" if ":" in host else host
        await self.start()
        try:
            if announce is not None:
                announce(f"http://{shown}:{sock.getsockname()[1]}")
            config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
            await uvicorn.Server(config).serve(sockets=[sock])
        finally:
            await self.stop()

    def __repr__(self) -> str:
        return (
            f"<Service {self.name}: {len(self.routers)} routers, {len(self.flows)} flows, "
            f"supervisor {getattr(self.supervisor, 'name', None)}>"
        )


def _dispatch(own: Any, extra: dict[str, Any]) -> Any:
    """One ASGI app: requests under an extra app's prefix go to it, the rest to `own`.

    The lifespan goes to the extra app (the MCP endpoint needs its session manager
    started); the service's own endpoints need none.
    """
    if not extra:
        return own
    prefixes = sorted(extra.items(), key=lambda kv: -len(kv[0]))

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await prefixes[0][1](scope, receive, send)
            return
        path = scope.get("path", "")
        for prefix, sub in prefixes:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                await sub(scope, receive, send)
                return
        await own(scope, receive, send)

    return app


def _all_running(tree: dict[str, Any]) -> bool:
    if tree.get("status") not in ("running", "ready"):
        return False
    return all(_all_running(c) for c in tree.get("children", ()))


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(256)
    sock.set_inheritable(True)
    return sock


def service_from_namespace(namespace: dict[str, Any], *, name: str = "fsmnb") -> Service:
    """The `Service` a module defines: its ``service``, or one made of what it holds.

    Without a ``service``, every `Supervisor` not inside another, every `SupervisedAgent`
    and `Sensor` not under a supervisor (put under a new one_for_one root), every `Router`
    and every `Flow` at the module's top level are served.

    Raises:
        DefinitionError: the module holds nothing to serve.
    """
    from fsmnb.signals.agent import SupervisedAgent
    from fsmnb.signals.sensors import Sensor

    found = namespace.get("service")
    if isinstance(found, Service):
        return found
    values = [v for k, v in namespace.items() if not k.startswith("_")]
    supervisors = [v for v in values if isinstance(v, Supervisor)]
    nested = {id(c) for s in supervisors for c in s.children}
    supervised = {id(c) for s in supervisors for c in _walk(s)}
    loose = [
        v for v in values if isinstance(v, SupervisedAgent | Sensor) and id(v) not in supervised
    ]
    roots = [s for s in supervisors if id(s) not in nested]
    routers = [v for v in values if isinstance(v, Router)]
    flows = [v for v in values if isinstance(v, Flow)]
    if not (roots or loose or routers or flows):
        raise DefinitionError(
            "The module defines nothing to serve: no `service`, and no top-level `Supervisor`, "
            "`SupervisedAgent`, `Sensor`, `Router` or `Flow`. Define one of them (or "
            "`service = fsmnb.signals.Service(...)`)."
        )
    children: list[Any] = [*roots, *loose]
    root = (
        children[0]
        if len(children) == 1 and isinstance(children[0], Supervisor)
        else (Supervisor(children, name=f"{name}_root") if children else None)
    )
    return Service(supervisor=root, routers=routers, flows=flows, name=name)


def _walk(sup: Supervisor) -> Iterator[Any]:
    for c in sup.children:
        yield c
        if isinstance(c, Supervisor):
            yield from _walk(c)
