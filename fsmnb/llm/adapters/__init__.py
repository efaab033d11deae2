"""Provider adapters over the official SDKs; each SDK is imported only when its adapter is used."""

from __future__ import annotations

import abc
import asyncio
import email.utils
import json
import os
import time
import weakref
from collections.abc import Callable
from typing import Any, ClassVar

from fsmnb.errors import ProviderError
from fsmnb.llm.capabilities import is_unsupported

__all__ = ("LoopClients", "SDKProvider", "provider_error", "retry_after_of", "scrub")


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
        error = ProviderError(
            f"`{provider}:{model}` answered HTTP {status}: {message}",
            provider=provider,
            model=model,
            status=status,
            is_retryable=status in (408, 409, 429) or status >= 500,
            retry_after=retry_after_of(getattr(response, "headers", None)),
        )
        # A server refusing a feature (llama.cpp answers 500 to `json_schema`) fails the
        # same way every time: permanent, whatever the status says.
        if is_unsupported(error):
            error.is_retryable = False
        return error
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


class SDKProvider(abc.ABC):
    """What the SDK-backed providers share: settings, one client per loop, the key, closing.

    Subclasses set `name`, `key_variable` and `base_url_variable`, and build their
    SDK's client in `_make_client` (from `_client_options`).
    """

    name: str = "sdk"
    key_variable: ClassVar[str] = ""
    base_url_variable: ClassVar[str] = ""
    supports_native_schema = True
    is_remote = True

    def __init__(
        self,
        rest: str = "",
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        http_client: Any = None,
        name: str | None = None,
    ) -> None:
        self.name = name or type(self).name
        self.model = f"{self.name}:{rest}" if rest else self.name
        self.base_url = base_url or os.environ.get(self.base_url_variable) or None
        self._api_key = api_key
        self._timeout = timeout
        self._http_client = http_client
        self._clients = LoopClients(self._make_client)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.model} base_url={self.base_url or 'default'}>"

    async def aclose(self) -> None:
        """Close this loop's HTTP connections (call before the loop ends to avoid warnings)."""
        await self._clients.aclose()

    def _key(self) -> str | None:
        return self._api_key or os.environ.get(self.key_variable)

    def _client_options(self, key: str) -> dict[str, Any]:
        """The SDK client's keyword arguments: its own retries off (fsmnb retries instead)."""
        kwargs: dict[str, Any] = {"api_key": key, "max_retries": 0}
        if self.base_url:
            kwargs["base_url"] = self.base_url
        if self._timeout is not None:
            kwargs["timeout"] = self._timeout
        if self._http_client is not None:
            kwargs["http_client"] = self._http_client
        return kwargs

    @abc.abstractmethod
    def _make_client(self) -> Any:
        """Build this loop's SDK client (imports the SDK, or raises `MissingExtraError`)."""
