"""HTTP security: bearer tokens mapped to tenants, origins, rate, concurrency and size limits.

`TokenGate` is a plain ASGI middleware in front of the SDK's streamable HTTP
app. For every HTTP request it:

1. answers 404 for any path but the MCP endpoint, before authentication, so
   OAuth discovery (``/.well-known/oauth-protected-resource``, ...) tells a
   client there is no OAuth here rather than "log in";
2. refuses a browser `Origin` other than the server's own (or a configured
   list) with 403, so a page on another localhost port cannot drive it;
3. finds the tenant of the bearer token (401 with ``WWW-Authenticate: Bearer
   error="invalid_token"`` without a token or with a wrong one). Tokens are
   kept as SHA-256 digests and compared with `hmac.compare_digest` against
   every known digest, without stopping at a match, so timing does not tell
   how much of a token was right;
4. applies the token's rate limit (a token bucket; 429 with `Retry-After`)
   and its cap on requests in flight (429);
5. reads the body up to the size limit (413 beyond it, whether or not the
   client sent a `Content-Length`) within the body timeout (408 after it),
   then hands it to the app;
6. puts the tenant in the ASGI scope (`fsmnb.tenant`), where the tools read
   it. A client cannot set scope keys, so it cannot choose its tenant.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from fsmnb.mcp.limits import HttpLimits
from fsmnb.mcp.tenancy import TENANT_KEY

__all__ = ("RateLimit", "Tenants", "TokenGate")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_MAX_BODY = 1_000_000  # bytes; a tool call is a few kB


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


class Tenants:
    """Bearer tokens and the tenant each one acts for.

    Example:
        >>> tenants = Tenants()
        >>> token = tenants.add("acme")          # generated; show it once
        >>> tenants.resolve(token)
        'acme'
    """

    def __init__(self) -> None:
        self._digests: list[tuple[bytes, str]] = []

    def add(self, tenant: str, token: str | None = None) -> str:
        """Give `tenant` a token (generated when None, 256 bits); return the token."""
        if not tenant:
            raise ValueError("A tenant needs a non-empty name.")
        if token is None:
            token = secrets.token_urlsafe(32)
        elif len(token) < 16:
            raise ValueError("A bearer token must be at least 16 characters long.")
        self._digests.append((_digest(token), tenant))
        return token

    def resolve(self, token: str) -> str | None:
        """The tenant of `token`, or None; constant time in the token's content."""
        presented = _digest(token)
        found = None
        for digest, tenant in self._digests:
            if hmac.compare_digest(presented, digest):
                found = tenant
        return found

    @property
    def names(self) -> list[str]:
        """Every tenant that has a token."""
        return sorted({t for _, t in self._digests})

    def __len__(self) -> int:
        return len(self._digests)


@dataclass
class RateLimit:
    """A token bucket per bearer token: `rate` requests per second, bursts up to `burst`."""

    rate: float = 50.0
    burst: int = 200
    _buckets: dict[bytes, tuple[float, float]] = field(default_factory=dict, repr=False)

    def wait_time(self, key: bytes, now: float | None = None) -> float:
        """Take one request from `key`'s bucket: 0 if allowed, else seconds until one is."""
        now = time.monotonic() if now is None else now
        level, then = self._buckets.get(key, (float(self.burst), now))
        level = min(float(self.burst), level + (now - then) * self.rate)
        if level >= 1.0:
            self._buckets[key] = (level - 1.0, now)
            return 0.0
        self._buckets[key] = (level, now)
        return (1.0 - level) / self.rate if self.rate > 0 else float("inf")


class TokenGate:
    """ASGI middleware: route, check origin, authenticate, rate-, concurrency- and size-limit.

    Args:
        app: the ASGI app to protect.
        tenants: the tokens it accepts.
        rate_limit: per-token limit (None: unlimited).
        max_body: the largest request body accepted, in bytes.
        path: the one path served (others get 404); None serves every path.
        origins: the browser origins allowed (None: any); requests without an
            `Origin` header (non-browser clients) are always allowed.
        limits: body timeout and requests in flight per token.
    """

    def __init__(
        self,
        app: ASGIApp,
        tenants: Tenants,
        *,
        rate_limit: RateLimit | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        path: str | None = None,
        origins: frozenset[str] | None = None,
        limits: HttpLimits | None = None,
    ) -> None:
        self.app = app
        self.tenants = tenants
        self.rate_limit = rate_limit
        self.max_body = max_body
        self.path = path
        self.origins = origins
        self.limits = limits if limits is not None else HttpLimits()
        self.in_flight: dict[bytes, int] = {}
        #: refusals by HTTP status, for the operator (never shown to clients)
        self.refused: dict[int, int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.path is not None and scope.get("path", "").rstrip("/") != self.path:
            await self._refuse(
                send,
                404,
                "Not found: this server serves MCP at "
                f"{self.path} only, with a bearer token (no OAuth).",
            )
            return
        origin = _header(scope, b"origin")
        if origin is not None and self.origins is not None and origin not in self.origins:
            await self._refuse(send, 403, f"Origin {origin[:100]!r} is not allowed.")
            return
        token = _bearer(scope)
        tenant = self.tenants.resolve(token) if token else None
        if not token or tenant is None:
            why = "is not valid" if token else "is missing"
            await self._refuse(
                send,
                401,
                f"The bearer token {why}; use the token the "
                "server printed (fsmnb mcp --http), as `Authorization: Bearer "
                "<token>`.",
                [
                    (
                        b"www-authenticate",
                        b'Bearer realm="fsmnb", '
                        b'error="invalid_token", error_description='
                        b'"the bearer token ' + why.encode() + b'"',
                    )
                ],
            )
            return
        key = _digest(token)
        if self.rate_limit is not None:
            wait = self.rate_limit.wait_time(key)
            if wait > 0:
                retry = str(max(1, int(wait + 0.999))).encode()
                await self._refuse(
                    send,
                    429,
                    "Too many requests for this token; slow down.",
                    [(b"retry-after", retry)],
                )
                return
        if self.in_flight.get(key, 0) >= self.limits.max_requests_per_token:
            await self._refuse(
                send,
                429,
                f"This token has {self.limits.max_requests_per_token}"
                " requests in flight (open streams count); close some first.",
                [(b"retry-after", b"1")],
            )
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body:
            await self._refuse(send, 413, f"Request body over {self.max_body} bytes.")
            return
        self.in_flight[key] = self.in_flight.get(key, 0) + 1
        try:
            await self._serve(scope, receive, send, tenant)
        finally:
            left = self.in_flight[key] - 1
            if left:
                self.in_flight[key] = left
            else:
                del self.in_flight[key]

    async def _serve(self, scope: Scope, receive: Receive, send: Send, tenant: str) -> None:
        body = b""
        if scope.get("method") in ("POST", "PUT", "PATCH"):
            try:
                async with asyncio.timeout(self.limits.body_timeout):
                    read = await self._read_body(receive, send)
            except TimeoutError:
                await self._refuse(
                    send,
                    408,
                    f"The request body did not arrive within {self.limits.body_timeout:g} s.",
                    [(b"connection", b"close")],
                )
                return
            if read is None:
                return
            body = read
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed and scope.get("method") in ("POST", "PUT", "PATCH"):
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app({**scope, TENANT_KEY: tenant}, replay, send)

    async def _read_body(self, receive: Receive, send: Send) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return None  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await self._refuse(send, 413, f"Request body over {self.max_body} bytes.")
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    async def _refuse(
        self,
        send: Send,
        status: int,
        message: str,
        headers: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        self.refused[status] = self.refused.get(status, 0) + 1
        await _reply(send, status, message, headers)


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else None
    return None


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _reply(
    send: Send, status: int, message: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps({"error": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
