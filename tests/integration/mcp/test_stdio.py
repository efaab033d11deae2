"""`fsmnb mcp` as a subprocess: the SDK's client over stdio, and `--http` with a printed token."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from mcp import Client, StdioServerParameters

from fsmnb.mcp.http import connect

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SERVED = str(Path(__file__).with_name("served_workflows.py"))
FSMNB = [sys.executable, "-m", "fsmnb.cli", "mcp"]


async def test_stdio_serves_a_file_s_workflows_with_notifications() -> None:
    params = StdioServerParameters(command=FSMNB[0], args=[*FSMNB[1:], SERVED])
    async with Client(params) as client:
        listed = await client.call_tool("list_workflows", {})
        assert [w["name"] for w in listed.structured_content["workflows"]] == ["door"]
        rid = (await client.call_tool("create_fsm", {"workflow": "door"})).structured_content[
            "run_id"
        ]
        async with client.listen(resource_subscriptions=[f"fsm://runs/{rid}"]) as updates:
            moved = await client.call_tool("send_event", {"run_id": rid, "event": "open"})
            assert moved.structured_content["state"] == "opened"
            assert (await asyncio.wait_for(updates.__anext__(), 10)).uri == f"fsm://runs/{rid}"
        refused = await client.call_tool("send_event", {"run_id": rid, "event": "open"})
        assert refused.is_error and "It accepts: `close`" in refused.content[0].text
        piped = await client.call_tool(
            "execute_effect_pipeline", {"effects": {"kind": "call", "fn": "double", "args": [4]}}
        )
        assert piped.structured_content["result"] == 8


async def test_http_prints_its_url_and_a_token_once_and_requires_it() -> None:
    proc = subprocess.Popen(
        [*FSMNB, SERVED, "--http", "--port", "0"], stderr=subprocess.PIPE, text=True
    )
    try:
        lines = [proc.stderr.readline() for _ in range(2)] if proc.stderr else []
        url = re.search(r"at (http://127\.0\.0\.1:\d+/mcp)", lines[0]).group(1)
        token = re.search(r"\(shown once\): (\S+)", lines[1]).group(1)
        async with httpx.AsyncClient() as http:
            assert (await http.post(url, json={})).status_code == 401
        async with connect(url, token) as client:
            made = await client.call_tool("create_fsm", {"workflow": "door"})
            assert made.structured_content["state"] == "closed"
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_bad_source_is_a_usage_error() -> None:
    out = subprocess.run([*FSMNB, "no_such_file.py"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "No Python file" in out.stderr
