"""A JSON-RPC session over plain HTTP: what any client, malformed or hostile, can send.

Shared by the HTTP and hostile-client tests so both speak the same handshake.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
PROTOCOL = "2025-06-18"


class RawSession:
    """An initialized MCP session posting raw JSON-RPC messages with a bearer token."""

    def __init__(self, url: str, token: str, *, client: str = "raw", timeout: float = 20) -> None:
        self.url = url
        self.http = httpx.Client(timeout=timeout)
        self.headers = {**HEADERS, "authorization": f"Bearer {token}"}
        r = self.post(
            {
                "jsonrpc": "2.0",
                "id": 0,
                "method": "initialize",
                "params": {
                    "protocolVersion": PROTOCOL,
                    "capabilities": {},
                    "clientInfo": {"name": client, "version": "1"},
                },
            }
        )
        assert r.status_code == 200, r.text
        self.headers |= {
            "mcp-session-id": r.headers["mcp-session-id"],
            "mcp-protocol-version": PROTOCOL,
        }
        self.post({"jsonrpc": "2.0", "method": "notifications/initialized"})
        self.next_id = 1

    def post(self, message: Any, **extra: Any) -> httpx.Response:
        """Post one JSON-RPC message as is (no checks)."""
        return self.http.post(self.url, headers=self.headers, json=message, **extra)

    def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Send a request and return the JSON-RPC reply (from JSON or the last SSE data line)."""
        self.next_id += 1
        r = self.post({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        assert r.status_code == 200, r.text
        data = [line[5:] for line in r.text.split("\n") if line.startswith("data:")]
        reply: dict[str, Any] = json.loads(data[-1] if data else r.text)
        return reply

    def call(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Call `tool` and return its result (the test fails on a JSON-RPC error)."""
        reply = self.request("tools/call", {"name": tool, "arguments": arguments})
        assert "result" in reply, reply
        result: dict[str, Any] = reply["result"]
        return result
