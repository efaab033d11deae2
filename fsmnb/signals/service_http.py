"""The HTTP endpoints of a `Service` (Starlette): health, metrics, signals in, flows started."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fsmnb.errors import DefinitionError, FsmnbError, InputError, SignalError

if TYPE_CHECKING:
    from fsmnb.signals.service import Service

__all__ = ("build_app",)


def build_app(service: Service) -> Any:
    """The ASGI app serving `service`'s endpoints."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    from fsmnb.signals.service import MAX_BODY

    async def body_of(request: Request) -> Any:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
            raise InputError(f"The body exceeds {MAX_BODY:,} bytes.")
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY:
                raise InputError(f"The body exceeds {MAX_BODY:,} bytes.")
        return raw

    async def health(request: Request) -> Response:
        report = service.health()
        return JSONResponse(report, status_code=200 if report["ready"] else 503)

    async def live(request: Request) -> Response:
        return JSONResponse({"live": True})

    async def metrics(request: Request) -> Response:
        body, content_type = service.metrics.render() if service.metrics else (b"", "text/plain")
        return Response(body, media_type=content_type)

    async def signals(request: Request) -> Response:
        if not service.routers:
            return JSONResponse({"error": "This service has no router."}, status_code=404)
        try:
            raw = await body_of(request)
            delivered = service.routers[0].publish(raw)
        except SignalError as e:
            return JSONResponse({"error": str(e), "problems": e.problems}, status_code=400)
        except InputError as e:
            return JSONResponse({"error": str(e)}, status_code=413)
        return JSONResponse({"accepted": True, "deliveries": delivered}, status_code=202)

    async def start_flow(request: Request) -> Response:
        name = request.path_params["name"]
        flow = service.flows.get(name)
        if flow is None:
            known = ", ".join(sorted(service.flows)) or "none"
            return JSONResponse({"error": f"No flow `{name}` is served (served: {known})."}, 404)
        try:
            raw = await body_of(request)
            data = json.loads(raw or b"{}")
            if not isinstance(data, dict):
                raise InputError("The body must be a JSON object (the flow's data).")
            run_id = service.manager.create(flow.workflow, data)
        except (ValueError, InputError, DefinitionError) as e:
            return JSONResponse({"error": str(e)}, status_code=400)
        return JSONResponse({"run_id": run_id, "flow": name}, status_code=202)

    async def run_status(request: Request) -> Response:
        try:
            run = service.manager.get(request.path_params["run_id"])
        except FsmnbError as e:
            return JSONResponse({"error": str(e)}, status_code=404)
        info = {
            "run_id": run.id,
            "workflow": run.workflow.name,
            "state": run.state,
            "status": run.status,
            "steps": run.data.get("steps", {}),
        }
        if run.status == "failed" and run.error is not None:
            info["error"] = str(run.error)[:1000]
        return JSONResponse(info)

    return Starlette(
        routes=[
            Route("/health", health),
            Route("/health/live", live),
            Route("/metrics", metrics),
            Route("/signals", signals, methods=["POST"]),
            Route("/flows/{name}", start_flow, methods=["POST"]),
            Route("/runs/{run_id}", run_status),
        ]
    )
