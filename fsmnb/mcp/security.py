"""HTTP security: bearer tokens mapped to tenants, rate limits, request size limits.

`TokenGate` is a plain ASGI middleware in front of the SDK's streamable HTTP
app. For every HTTP request it:

1. finds the tenant of the bearer token (401 without a token or with a wrong
   one). Tokens are kept as SHA-256 digests and compared with
   `hmac.compare_digest` against every known digest, without stopping at a
   match, so timing does not tell how much of a token was right;
2. applies the token's rate limit (a token bucket; 429 with `Retry-After`);
3. reads the body up to the size limit (413 beyond it, whether or not the
   client sent a `Content-Length`), then hands it to the app;
4. puts the tenant in the ASGI scope (`fsmnb.tenant`), where the tools read
   it. A client cannot set scope keys, so it cannot choose its tenant.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

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
    """ASGI middleware: authenticate, rate-limit and size-limit every HTTP request.

    Args:
        app: the ASGI app to protect.
        tenants: the tokens it accepts.
        rate_limit: per-token limit (None: unlimited).
        max_body: the largest request body accepted, in bytes.
    """

    def __init__(
        self,
        app: ASGIApp,
        tenants: Tenants,
        *,
        rate_limit: RateLimit | None = None,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        self.app = app
        self.tenants = tenants
        self.rate_limit = rate_limit
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _bearer(scope)
        tenant = self.tenants.resolve(token) if token else None
        if not token or tenant is None:
            await _reply(
                send,
                401,
                "A valid bearer token is required.",
                [(b"www-authenticate", b'Bearer realm="fsmnb"')],
            )
            return
        if self.rate_limit is not None:
            wait = self.rate_limit.wait_time(_digest(token))
            if wait > 0:
                retry = str(max(1, int(wait + 0.999))).encode()
                await _reply(
                    send,
                    429,
                    "Too many requests for this token; slow down.",
                    [(b"retry-after", retry)],
                )
                return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body:
            await _reply(send, 413, f"Request body over {self.max_body} bytes.")
            return
        body, more = b"", True
        if scope.get("method") in ("POST", "PUT", "PATCH"):
            chunks: list[bytes] = []
            size = 0
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    return  # the client went away
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_body:
                    await _reply(send, 413, f"Request body over {self.max_body} bytes.")
                    return
                chunks.append(chunk)
                more = message.get("more_body", False)
            body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed and scope.get("method") in ("POST", "PUT", "PATCH"):
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app({**scope, TENANT_KEY: tenant}, replay, send)


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
