"""`call_api` against a real HTTP server on the loopback interface."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from fsmnb import EffectError
from fsmnb.effects import call_api, retry
from fsmnb.engine import VirtualClock

from .helpers import run_effect


class _Handler(BaseHTTPRequestHandler):
    hits: ClassVar[dict[str, int]] = {}

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def _reply(self, status: int, body: Any, content_type: str = "application/json") -> None:
        data = json.dumps(body).encode() if content_type == "application/json" else body.encode()
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.hits[self.path] = self.hits.get(self.path, 0) + 1
        if self.path.startswith("/orders/7"):
            self._reply(200, {"id": 7, "auth": self.headers.get("authorization")})
        elif self.path == "/text":
            self._reply(200, "plain words", "text/plain")
        elif self.path == "/flaky" and self.hits[self.path] < 3:
            self._reply(503, {"error": "busy"})
        elif self.path == "/flaky":
            self._reply(200, {"ok": True})
        else:
            self._reply(404, {"error": "not found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", 0))
        self._reply(201, {"echo": json.loads(self.rfile.read(length))})


@pytest.fixture()
def server() -> Iterator[str]:
    _Handler.hits = {}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


async def test_get_json_with_headers_and_params(server: str) -> None:
    result = await run_effect(
        call_api(f"{server}/orders/7", params={"full": 1}, headers={"authorization": "Bearer t"})
    )
    assert result == {"id": 7, "auth": "Bearer t"}


async def test_post_json_and_text_replies(server: str) -> None:
    assert await run_effect(call_api(f"{server}/new", "post", json={"a": 1})) == {"echo": {"a": 1}}
    assert await run_effect(call_api(f"{server}/text")) == "plain words"


async def test_error_status_fails_the_effect_and_retry_recovers(server: str) -> None:
    with pytest.raises(EffectError, match="answered HTTP 404"):
        await run_effect(call_api(f"{server}/missing"))
    result = await run_effect(
        retry(call_api(f"{server}/flaky"), attempts=3, base=0.1), clock=VirtualClock()
    )
    assert result == {"ok": True}
    assert _Handler.hits["/flaky"] == 3
