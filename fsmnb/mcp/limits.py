"""The knobs that bound what one HTTP client (or tenant) can make the server hold.

`HttpLimits` bounds connections and requests; uvicorn's own settings carry
what uvicorn can do (`limit_concurrency`, `timeout_keep_alive`,
`h11_max_incomplete_event_size`), and `GuardedH11Protocol` adds what it cannot:
uvicorn arms no timer while a client sends its request headers (each byte
even cancels its keep-alive timer), so a client sending one header byte at a
time would hold a connection forever. `GuardedH11Protocol` closes a
connection whose request headers are not complete `header_timeout` seconds
after it opened (or after its previous response), refuses connections beyond
`max_connections` at once, and closes a connection after
`max_requests_per_connection` requests (with ``Connection: close`` on the
last response, so a client never reuses a closed connection). Body timeouts and per-token caps are
enforced by `fsmnb.mcp.security.TokenGate`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ("GuardedH11Protocol", "HttpLimits", "guarded_protocol")


@dataclass(frozen=True)
class HttpLimits:
    """Limits on HTTP connections and requests (the defaults suit one machine's clients).

    Attributes:
        max_connections: open connections at once; more are closed as they arrive.
        max_requests_per_token: requests one token may have in flight at once (open
            event streams count); more get 429.
        header_timeout: seconds a client has to send a request's headers.
        body_timeout: seconds a client has to send a request's body; then 408.
        keep_alive: seconds an idle connection is kept between requests.
        max_requests_per_connection: requests served on one connection; the last response
            says ``Connection: close``.
        max_header_bytes: the largest request head (request line and headers).
    """

    max_connections: int = 256
    max_requests_per_token: int = 32
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    keep_alive: float = 5.0
    max_requests_per_connection: int = 1_000
    max_header_bytes: int = 16_384

    def uvicorn_options(self) -> dict[str, Any]:
        """The uvicorn.Config settings these limits map to."""
        return {
            "http": guarded_protocol(self),
            # One above the cap: the guard already refuses extra connections; this makes
            # uvicorn answer 503 when in-flight requests, not connections, pile up.
            "limit_concurrency": self.max_connections + 1,
            "timeout_keep_alive": max(1, round(self.keep_alive)),
            "h11_max_incomplete_event_size": self.max_header_bytes,
        }


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a header deadline, a connection cap and a request cap."""

    limits = HttpLimits()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._served = 0
        self._header_timer: asyncio.TimerHandle | None = None
        if len(self.connections) > self.limits.max_connections:
            transport.abort()  # over the cap: refuse at once rather than queue
            return
        self._arm_header_timer()

    def _arm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        self._header_timer = self.loop.call_later(self.limits.header_timeout, self._headers_late)

    def _headers_late(self) -> None:
        self._header_timer = None
        # h11 leaves IDLE once a whole request head has arrived.
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()

    def handle_events(self) -> None:
        before = self.cycle
        super().handle_events()
        if self.cycle is not None and self.cycle is not before:
            self._served += 1
            if self._served >= self.limits.max_requests_per_connection:
                # As if the client had asked: uvicorn answers `Connection: close` and closes
                # after this response, so the client does not reuse the connection.
                self.headers.append((b"connection", b"close"))  # the list the scope holds

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        super().connection_lost(exc)


def guarded_protocol(limits: HttpLimits) -> type[GuardedH11Protocol]:
    """A `GuardedH11Protocol` class bound to `limits` (uvicorn takes a class, not an instance)."""
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"limits": limits})
