"""`FsmServer`: a `Manager` served as MCP tools and resources over the official SDK.

The tools live in `tools_runs`, `tools_workflows`, `tools_agents` and
`tools_stream`; resources and subscriptions in `resources`. This module holds
what they share: the manager, the tenants' private workflows, the error
translation every tool goes through, and per-tenant counters.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TypeVar

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp_types import ToolAnnotations
from pydantic import ValidationError

from fsmnb.engine.manager import Manager
from fsmnb.engine.run import Run
from fsmnb.errors import FsmnbError, RunNotFound
from fsmnb.mcp.arguments import describe_argument_errors
from fsmnb.mcp.notify import Notifier
from fsmnb.mcp.offload import CallPool
from fsmnb.mcp.policy import ModelPolicy
from fsmnb.mcp.quotas import Quotas, TenantQuota
from fsmnb.mcp.tenancy import TenantBus, Unauthenticated, tenant_of
from fsmnb.workflow.workflow import Workflow

__all__ = ("FsmServer", "create_server")

#: The server's own calls (the warm-up) act as this tenant; no token can map to it.
_WARM_UP_TENANT = "\x00fsmnb-warm-up"
_acting_tenant: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "fsmnb_mcp_acting_tenant", default=None
)

logger = logging.getLogger("fsmnb.mcp")

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])

INSTRUCTIONS = """\
fsmnb runs workflows written as finite state machines. Start a run with `create_fsm`
(a served workflow by name, or a JSON machine spec), drive it with `send_event`, read it
with `get_fsm_state` or the resource fsm://runs/{run_id}. `list_workflows` shows what
can be started and the events each workflow understands.
"""


class FsmServer:
    """Serve a `Manager` over MCP.

    Args:
        manager: the manager whose workflows and runs are served (a new one if None).
        tenant: the tenant of stdio and in-memory clients (HTTP clients get theirs
            from their token).
        name: the server name shown to clients.
        allow_network: let `execute_effect_pipeline` run `call_api` effects
            (off by default: a client could make the server call any URL).
        pipeline_timeout: seconds an `execute_effect_pipeline` call may take at most.
        max_wait: seconds a tool may wait for a run (`send_event(wait=True)`, streams).
        models: the model strings clients may name (default: none, so only the server's
            default model, used when a client leaves `model` out); see `fsmnb.mcp.policy`.
        call_threads: threads for clients' synchronous registered functions (in all).
        call_threads_per_tenant: of those, how many one tenant may keep busy.
        quota: what one tenant may hold (live runs, stored bytes, private workflows)
            and how long its finished runs are kept (`TenantQuota` defaults when None).

    Attributes:
        mcp: the SDK's `MCPServer`; run it with any transport.
    """

    def __init__(
        self,
        manager: Manager | None = None,
        *,
        tenant: str = "default",
        name: str = "fsmnb",
        allow_network: bool = False,
        pipeline_timeout: float = 60.0,
        max_wait: float = 300.0,
        models: Sequence[str] = (),
        call_threads: int = 4,
        call_threads_per_tenant: int = 2,
        quota: TenantQuota | None = None,
    ) -> None:
        self.manager = manager if manager is not None else Manager()
        self.default_tenant = tenant
        self.allow_network = allow_network
        self.pipeline_timeout = pipeline_timeout
        self.max_wait = max_wait
        self.models = ModelPolicy(tuple(models))
        self.calls = CallPool(workers=call_threads, per_tenant=call_threads_per_tenant)
        self.quotas = Quotas(self.manager, quota)
        self.bus = TenantBus()
        self.notifier = Notifier(self.bus)
        self.private: dict[str, dict[str, tuple[Workflow, str]]] = {}
        self.counts: dict[str, Counter[str]] = {}
        self._warmed = False
        self.mcp: MCPServer[Any] = _MCPServer(
            name,
            version=_version(),
            instructions=INSTRUCTIONS,
            subscriptions=self.bus,
            log_level="WARNING",
            lifespan=self._lifespan,
        )
        from fsmnb.mcp import resources, tools_agents, tools_runs, tools_stream, tools_workflows

        for module in (tools_runs, tools_workflows, tools_agents, tools_stream, resources):
            module.register(self)

    @contextlib.asynccontextmanager
    async def _lifespan(self, _: Any) -> AsyncIterator[dict[str, Any]]:
        # Serve at once (initialize, tools/list need none of this) and warm up behind it.
        warming = None
        if not self._warmed:
            self._warmed = True
            warming = asyncio.get_running_loop().create_task(self._warm_up(), name="fsmnb-warm")
        try:
            yield {}
        finally:
            if warming is not None and not warming.done():
                warming.cancel()

    async def _warm_up(self) -> None:
        """Take the first-call costs while the server already answers.

        Imports jsonschema in a thread (the SDK imports it on a tool's first call:
        over a second on a loaded machine), then runs `send_event` and
        `get_fsm_state` once on a throwaway run of a private workflow, as a tenant
        no client can be, and forgets the run and its counts.
        """
        import importlib

        with contextlib.suppress(ImportError):
            await asyncio.to_thread(importlib.import_module, "jsonschema")
        wf = Workflow("fsmnb_warm_up", register=False)
        wf.add_state("a", None, initial=True, on={"go": "b"})
        wf.add_state("b", None, on={"go": "a"})
        wf.final("end")
        wf.add_state("b", None, on={"go": "a", "end": "end"})
        token = _acting_tenant.set(_WARM_UP_TENANT)
        rid = self.manager.create(wf, tenant=_WARM_UP_TENANT)
        try:
            for tool, args in (
                ("send_event", {"run_id": rid, "event": "go"}),
                ("get_fsm_state", {"run_id": rid}),
                ("send_event", {"run_id": rid, "event": "nope"}),
            ):
                await self.mcp.call_tool(tool, args)
        except Exception:  # a warm-up must never stop the server
            logger.debug("warm-up failed", exc_info=True)
        finally:
            _acting_tenant.reset(token)
            self.manager.remove(rid, tenant=_WARM_UP_TENANT)
            self.counts.pop(_WARM_UP_TENANT, None)

    # -- tools ----------------------------------------------------------------------------------

    def tool(
        self, *, name: str | None = None, read_only: bool = False, destructive: bool = False
    ) -> Callable[[F], F]:
        """Register an async tool whose fsmnb errors become tool errors with their message."""

        def register(fn: F) -> F:
            tool_name = name or fn.__name__

            @functools.wraps(fn)
            async def call(*args: Any, **kwargs: Any) -> Any:
                ctx = kwargs.get("ctx")
                tenant = self.tenant(ctx)
                counts = self.counts.get(tenant)
                if counts is None:
                    counts = self.counts[tenant] = Counter()
                counts[tool_name] += 1
                try:
                    return await fn(*args, **kwargs)
                except FsmnbError as e:
                    counts["!errors"] += 1
                    raise ToolError(str(e)) from None
                except ToolError:
                    counts["!errors"] += 1
                    raise

            hints = ToolAnnotations(
                read_only_hint=read_only, destructive_hint=destructive, open_world_hint=False
            )
            self.mcp.add_tool(call, name=tool_name, annotations=hints)
            return fn

        return register

    def tenant(self, ctx: Context[Any, Any] | None) -> str:
        """The tenant of the request `ctx` belongs to."""
        acting = _acting_tenant.get()
        if acting is not None:
            return acting
        if ctx is None:
            return self.default_tenant
        try:
            request_context = ctx.request_context
        except ValueError:  # called directly, outside a request
            return self.default_tenant
        try:
            return tenant_of(request_context, self.default_tenant)
        except Unauthenticated as e:
            raise ToolError(str(e)) from None

    def count(self, tenant: str, key: str, n: int = 1) -> None:
        """Add `n` to the tenant's counter `key`."""
        self.counts.setdefault(tenant, Counter())[key] += n

    # -- workflows visible to a tenant ---------------------------------------------------------

    def workflows(self, tenant: str) -> dict[str, tuple[Workflow, str]]:
        """Every workflow `tenant` may start: served ones, then its own (spec, template)."""
        out = {n: (self.manager.workflow(n), "served") for n in self.manager.workflow_names}
        out.update(self.private.get(tenant, {}))
        return out

    def workflow(self, tenant: str, name: str) -> Workflow:
        """The workflow `name` as `tenant` sees it; a `ToolError` listing the others if unknown."""
        found = self.private.get(tenant, {}).get(name)
        if found is not None:
            return found[0]
        if name in self.manager.workflow_names:
            return self.manager.workflow(name)
        known = ", ".join(f"`{n}`" for n in sorted(self.workflows(tenant))) or "none"
        raise ToolError(
            f"No workflow `{name}` is served to you. Workflows: {known}. "
            "Call `list_workflows` to see them with their events."
        )

    def add_private(self, tenant: str, workflow: Workflow, source: str) -> None:
        """Make `workflow` (built from a spec or a template) visible to `tenant` only."""
        if workflow.name in self.manager.workflow_names:
            raise ToolError(
                f"The name `{workflow.name}` belongs to a served workflow; choose another name."
            )
        self.private.setdefault(tenant, {})[workflow.name] = (workflow, source)

    def run(self, tenant: str, run_id: str) -> Run:
        """The run `run_id` of `tenant` (a tool error if absent or another tenant's)."""
        try:
            return self.manager.get(run_id, tenant=tenant)
        except RunNotFound:
            raise ToolError(
                f"No run `{run_id}` is visible to you. `resources/list` lists your runs "
                "(fsm://runs/...); `create_fsm` starts one."
            ) from None

    def close(self) -> None:
        """Stop every notification this server set up, and its call threads."""
        self.notifier.close()
        self.calls.close()


class _MCPServer(MCPServer[Any]):
    """The SDK's server, answering bad tool arguments with `describe_argument_errors`."""

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as e:
            if isinstance(e.__cause__, ValidationError) and not isinstance(e, UnexpectedToolError):
                raise ToolError(describe_argument_errors(name, e.__cause__)) from e.__cause__
            raise


def _version() -> str:
    from fsmnb import __version__

    return __version__


def create_server(manager: Manager | None = None, **options: Any) -> FsmServer:
    """Build an `FsmServer` for `manager` (see `FsmServer` for the options)."""
    started = time.perf_counter()
    server = FsmServer(manager, **options)
    logger.debug("fsmnb MCP server built in %.1f ms", (time.perf_counter() - started) * 1e3)
    return server
