"""Resources `fsm://runs/{run_id}` and `fsm://workflows/{name}`, their listing and subscriptions.

Both protocol eras are served: `subscriptions/listen` streams (2026-07-28;
the SDK's handler, wrapped so each stream is bound to its tenant and the runs
it names are watched while it is open) and `resources/subscribe` (earlier
versions, which Claude Desktop and the Inspector still speak).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

import mcp_types as types
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceNotFoundError
from mcp.shared.exceptions import MCPError

from fsmnb.errors import FsmnbError
from fsmnb.mcp._json import run_uri, workflow_uri
from fsmnb.mcp.tenancy import Unauthenticated, listening_tenant, tenant_of
from fsmnb.mcp.tools_runs import run_info
from fsmnb.mcp.tools_workflows import workflow_info

if TYPE_CHECKING:
    from fsmnb.engine.run import Run
    from fsmnb.mcp.server import FsmServer

__all__ = ("register",)

_RUNS = "fsm://runs/"
_JSON = "application/json"


def register(app: FsmServer) -> None:
    """Add the resources, the resource listing and both subscription mechanisms to `app`."""
    mcp = app.mcp

    @mcp.resource(
        "fsm://runs/{run_id}",
        name="run",
        mime_type=_JSON,
        description="A run: state, status, data, allowed events, journal.",
    )
    async def read_run(run_id: str, ctx: Context) -> str:
        run = _visible_run(app, _tenant(app, ctx.request_context), run_id)
        if run is None:
            raise ResourceNotFoundError(
                f"No run `{run_id[:128]}` is visible to you; resources/list lists your runs."
            )
        return run_info(run, history=True).model_dump_json()

    @mcp.resource(
        "fsm://workflows/{name}",
        name="workflow",
        mime_type=_JSON,
        description="A workflow: states, events, spec and mermaid diagram.",
    )
    async def read_workflow(name: str, ctx: Context) -> str:
        found = app.workflows(_tenant(app, ctx.request_context)).get(name)
        if found is None:
            raise ResourceNotFoundError(
                f"No workflow `{name[:200]}` is served to you; list_workflows lists them."
            )
        wf, source = found
        out: dict[str, Any] = workflow_info(wf, source).model_dump(mode="json")
        try:
            out["spec"] = wf.machine.to_dict()
        except FsmnbError:
            out["spec"] = None
        out["mermaid"] = wf.machine.to_mermaid()
        return json.dumps(out)

    # The SDK's MCPServer has no public hook for these; its own in-process client reaches the
    # low-level server the same way.
    low = mcp._lowlevel_server

    async def list_resources(ctx: Any, params: Any) -> types.ListResourcesResult:
        tenant = _tenant(app, ctx)
        found = [
            types.Resource(
                uri=run_uri(r["run_id"]),
                name=f"run {r['run_id']}",
                mime_type=_JSON,
                description=f"{r['workflow']}: {r['status']} in {r['state']}",
            )
            for r in app.manager.list(tenant=tenant)
        ]
        found += [
            types.Resource(
                uri=workflow_uri(name),
                name=f"workflow {name}",
                mime_type=_JSON,
                description=wf.description or source,
            )
            for name, (wf, source) in app.workflows(tenant).items()
        ]
        return types.ListResourcesResult(resources=found)

    async def subscribe(ctx: Any, params: types.SubscribeRequestParams) -> types.EmptyResult:
        tenant = _tenant(app, ctx)
        uri = str(params.uri)
        run = _visible_run(app, tenant, uri[len(_RUNS) :]) if uri.startswith(_RUNS) else None
        if run is None and not uri.startswith("fsm://workflows/"):
            raise MCPError(
                types.INVALID_PARAMS,
                f"No resource `{uri[:200]}` is visible to you; resources/list lists them.",
            )
        app.notifier.subscribe_session(uri, ctx.session, tenant, run)
        return types.EmptyResult()

    async def unsubscribe(ctx: Any, params: types.UnsubscribeRequestParams) -> types.EmptyResult:
        app.notifier.unsubscribe_session(str(params.uri), ctx.session)
        return types.EmptyResult()

    sdk_listen = low.get_request_handler("subscriptions/listen")

    async def listen(ctx: Any, params: types.SubscriptionsListenRequestParams) -> Any:
        tenant = _tenant(app, ctx)
        unwatch = []
        for uri in params.notifications.resource_subscriptions or ():
            if uri.startswith(_RUNS) and (run := _visible_run(app, tenant, uri[len(_RUNS) :])):
                unwatch.append(app.notifier.watch(run))
        token = listening_tenant.set(tenant)
        try:
            assert sdk_listen is not None
            return await sdk_listen.handler(ctx, params)
        finally:
            listening_tenant.reset(token)
            for release in unwatch:
                release()

    low.add_request_handler("resources/list", types.PaginatedRequestParams, list_resources)
    low.add_request_handler("resources/subscribe", types.SubscribeRequestParams, subscribe)
    low.add_request_handler("resources/unsubscribe", types.UnsubscribeRequestParams, unsubscribe)
    if sdk_listen is not None:
        # The SDK registers its listen handler with these params (its entry erases the type).
        params_type = cast("type[types.SubscriptionsListenRequestParams]", sdk_listen.params_type)
        low.add_request_handler("subscriptions/listen", params_type, listen)


def _tenant(app: FsmServer, request_context: Any) -> str:
    try:
        return tenant_of(request_context, app.default_tenant)
    except Unauthenticated as e:
        raise MCPError(types.INVALID_REQUEST, str(e)) from None


def _visible_run(app: FsmServer, tenant: str, run_id: str) -> Run | None:
    try:
        return app.manager.get(run_id, tenant=tenant)
    except FsmnbError:
        return None
