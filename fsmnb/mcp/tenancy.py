"""Which tenant a request belongs to, and a subscription bus that keeps tenants apart.

Over HTTP the tenant is set by `fsmnb.mcp.security.TokenGate` in the ASGI scope
after it checks the bearer token, so a client cannot choose it (headers are
the client's; the scope is the server's). Over stdio and in memory there is
one client, which gets the server's default tenant.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from typing import Any

from mcp.server.subscriptions import ServerEvent

__all__ = ("TENANT_KEY", "TenantBus", "tenant_of")

#: The ASGI scope key `TokenGate` sets to the authenticated tenant.
TENANT_KEY = "fsmnb.tenant"

logger = logging.getLogger("fsmnb.mcp")

#: The tenant of the listen stream being opened (read by `TenantBus.subscribe`).
listening_tenant: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "fsmnb_mcp_listening_tenant", default=None
)


class Unauthenticated(Exception):
    """An HTTP request reached a handler without an authenticated tenant."""


def tenant_of(request_context: Any, default: str) -> str:
    """The tenant of a request: the authenticated one over HTTP, `default` otherwise.

    Raises:
        Unauthenticated: an HTTP request without a tenant (the gate was bypassed);
            failing closed beats serving it as the default tenant.
    """
    request = getattr(request_context, "request", None)
    if request is None:
        return default
    scope = getattr(request, "scope", None)
    tenant = scope.get(TENANT_KEY) if isinstance(scope, dict) else None
    if not isinstance(tenant, str):
        raise Unauthenticated("This request carries no authenticated tenant.")
    return tenant


class TenantBus:
    """A `SubscriptionBus` whose listeners only hear their own tenant's events.

    The SDK's listen handler subscribes synchronously while `listening_tenant`
    is set by our wrapper around it, so each listener is bound to a tenant.
    Events published with a tenant reach only that tenant's listeners; events
    published without one (list-changed events from the SDK) reach everyone.
    """

    def __init__(self) -> None:
        self._listeners: dict[object, tuple[str | None, Callable[[ServerEvent], None]]] = {}

    @property
    def has_listeners(self) -> bool:
        """Whether any listen stream is open."""
        return bool(self._listeners)

    async def publish(self, event: ServerEvent) -> None:
        """Deliver `event` to every listener (the SDK's `SubscriptionBus` protocol)."""
        self.publish_nowait(event)

    def publish_nowait(self, event: ServerEvent, tenant: str | None = None) -> None:
        """Deliver `event` now to the listeners of `tenant` (all listeners when None)."""
        for owner, listener in tuple(self._listeners.values()):
            if tenant is not None and owner != tenant:
                continue
            try:
                listener(event)
            except Exception:  # one broken stream must not starve the others
                logger.exception("subscription listener failed")

    def subscribe(self, listener: Callable[[ServerEvent], None]) -> Callable[[], None]:
        """Register `listener` for the tenant of the listen stream being opened."""
        token = object()
        self._listeners[token] = (listening_tenant.get(), listener)

        def unsubscribe() -> None:
            self._listeners.pop(token, None)

        return unsubscribe
