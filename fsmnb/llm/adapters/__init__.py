"""Provider adapters over the official SDKs; each SDK is imported only when its adapter is used."""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
import weakref
from collections.abc import Callable
from typing import Any

from fsmnb.errors import ProviderError

__all__ = ("LoopClients", "provider_error", "retry_after_of", "scrub")


def scrub(text: str, secret: str | None) -> str:
    """`text` with `secret` (an API key) masked, so errors never leak it."""
    if secret and len(secret) >= 4:
        text = text.replace(secret, "***")
    return text


def retry_after_of(headers: Any) -> float | None:
    """Seconds from ``retry-after-ms`` / ``retry-after`` (seconds or an HTTP date), if present."""
    if headers is None:
        return None
    try:
        ms = headers.get("retry-after-ms")
        if ms is not None:
            return max(0.0, float(ms) / 1000)
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(value)
            return max(0.0, parsed.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


def provider_error(
    exc: BaseException, *, provider: str, model: str, secret: str | None
) -> ProviderError:
    """Translate an SDK (or transport) exception into a `ProviderError` with its retryability."""
    if isinstance(exc, ProviderError):
        return exc
    status = getattr(exc, "status_code", None)
    response = getattr(exc, "response", None)
    name = type(exc).__name__
    message = scrub(str(exc), secret)[:500]
    if isinstance(status, int):
        retryable = status in (408, 409, 429) or status >= 500
        return ProviderError(
            f"`{provider}:{model}` answered HTTP {status}: {message}",
            provider=provider,
            model=model,
            status=status,
            is_retryable=retryable,
            retry_after=retry_after_of(getattr(response, "headers", None)),
        )
    transient = (
        "Connection" in name
        or "Timeout" in name
        or isinstance(exc, json.JSONDecodeError | ConnectionError)
        or "Protocol" in name
        or "ReadError" in name
    )
    return ProviderError(
        f"`{provider}:{model}` failed: {name}: {message}",
        provider=provider,
        model=model,
        is_retryable=transient,
    )


class LoopClients:
    """One SDK client per event loop (an HTTP connection pool belongs to the loop that opened it)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )

    def get(self) -> Any:
        """The client for the running loop (made on first use)."""
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = self._make()
        return client

    async def aclose(self) -> None:
        """Close the running loop's client (its connection pool), if one was made."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.close()
