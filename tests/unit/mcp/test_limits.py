"""HTTP limits in process: the per-connection request cap closes cleanly; headers have a deadline."""

from __future__ import annotations

import asyncio

import httpx

from fsmnb import Manager
from fsmnb.mcp.http import serve_http_in_background
from fsmnb.mcp.limits import HttpLimits

HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


async def test_the_last_request_of_a_connection_says_connection_close() -> None:
    handle = await serve_http_in_background(
        Manager(), port=0, limits=HttpLimits(max_requests_per_connection=3)
    )
    try:
        headers = {**HEADERS, "authorization": f"Bearer {handle.token}"}
        async with httpx.AsyncClient() as client:
            said = []
            for _ in range(7):
                r = await client.post(handle.url, headers=headers, json={"jsonrpc": "2.0"})
                said.append(r.headers.get("connection"))
        assert said == [None, None, "close", None, None, "close", None]
    finally:
        await handle.stop()


async def test_a_connection_without_complete_headers_is_closed() -> None:
    handle = await serve_http_in_background(
        Manager(), port=0, limits=HttpLimits(header_timeout=0.2)
    )
    try:
        port = int(handle.url.rsplit(":", 1)[1].split("/")[0])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        await writer.drain()
        assert await asyncio.wait_for(reader.read(100), 10) == b""  # closed by the server
        writer.close()
        origin = {
            **HEADERS,
            "authorization": f"Bearer {handle.token}",
            "origin": "http://localhost:1",
        }
        async with httpx.AsyncClient() as client:
            assert (await client.post(handle.url, headers=origin, json={})).status_code == 403
            own = {**origin, "origin": handle.url.rsplit("/mcp", 1)[0]}
            assert (await client.post(handle.url, headers=own, json={})).status_code != 403
    finally:
        await handle.stop()
