"""`%fsm mcp start/stop/status`: the shell's runs served over HTTP on its running loop.

Cells run with `run_cell_async` on the test's loop, as a Jupyter kernel runs
them; the official MCP client talks to the server over real HTTP on that loop.
"""

from __future__ import annotations

import re
import socket

import httpx
import pytest
from IPython.core.error import UsageError

from tests.integration.magics.conftest import Shell

pytest.importorskip("mcp")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

from fsmnb.mcp.http import connect  # noqa: E402

APPROVAL = """%%workflow approval --no-show
@state(initial=True, on={"approve": "ship", "reject": "refunded"})
def review(ctx):
    ctx.data["reviewed"] = True

@state(on={"shipped": "done"})
def ship(ctx):
    ctx.data["shipped_by"] = ctx.payload.get("by")
    return "shipped"

final("done", "refunded")
"""


def _session(shell: Shell):  # type: ignore[no-untyped-def]
    return shell.shell.magics_manager.registry["FsmnbMagics"].session


def _served(stdout: str) -> tuple[str, str]:
    url = re.search(r"^fsmnb MCP server: (\S+)$", stdout, re.M)
    token = re.search(r"^Bearer token \(shown once, keep it secret\): (\S+)$", stdout, re.M)
    assert url and token, stdout
    return url[1], token[1]


@pytest.fixture
def approval(ipython: Shell) -> Shell:
    assert ipython.run(APPROVAL).error is None
    return ipython


async def test_mcp_clients_and_the_magics_share_the_shells_runs(approval: Shell) -> None:
    started = await approval.run_async("%fsm mcp start --port 0")
    assert started.error is None
    url, token = _served(started.stdout)
    assert url.startswith("http://127.0.0.1:") and url.endswith("/mcp")
    assert started.stdout.count(token) == 1  # shown once; the hints say <token>
    assert "npx @modelcontextprotocol/inspector" in started.stdout
    assert "mcp-remote" in started.stdout
    await approval.run_async("%fsm run approval --id from-notebook")

    async with connect(url, token) as client:
        listed = await client.call_tool("list_workflows", {})
        names = [w["name"] for w in listed.structured_content["workflows"]]
        assert "approval" in names  # registered by the %%workflow cell
        made = await client.call_tool(
            "create_fsm", {"workflow": "approval", "run_id": "from-mcp", "data": {"amount": 5}}
        )
        assert made.structured_content["state"] == "review"
        moved = await client.call_tool(
            "send_event",
            {"run_id": "from-mcp", "event": "approve", "payload": {"by": "claude"}, "wait": True},
        )
        assert (moved.structured_content["state"], moved.structured_content["status"]) == (
            "done",
            "done",
        )
        seen = await client.call_tool("get_fsm_state", {"run_id": "from-notebook"})
        assert (seen.structured_content["state"], seen.structured_content["status"]) == (
            "review",
            "waiting",
        )

        listing = await approval.run_async("%fsm list")
        runs = repr(listing.result.result).split("Runs:")[1]
        assert "from-notebook  approval  waiting in review" in runs
        assert "from-mcp  approval  done in done" in runs
        history = await approval.run_async("%fsm history from-mcp")  # the magics find it
        assert history.error is None
        assert list(history.result.result.query("kind == 'transition'").target) == [
            "ship",
            "done",
        ]

    status = await approval.run_async("%fsm mcp status")
    assert status.stdout.strip() == f"fsmnb MCP server at {url}: serving"

    stopped = await approval.run_async("%fsm mcp stop")
    assert stopped.error is None
    assert stopped.stdout.strip().startswith(f"fsmnb MCP server at {url}: stopped")
    await _session(approval).mcp.stop()  # the stop runs on the loop; wait for it
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as http:
            await http.post(url, headers={"authorization": f"Bearer {token}"})
    again = await approval.run_async("%fsm mcp stop")
    assert isinstance(again.error, UsageError)
    assert "No MCP server is running here" in str(again.error)


async def test_starting_twice_says_it_is_already_running(approval: Shell) -> None:
    first = await approval.run_async("%fsm mcp start --port 0 --token a-token-of-20-chars")
    url, _ = _served(first.stdout.replace("the one given with --token", "given"))
    assert "a-token-of-20-chars" not in first.stdout  # a token you chose is not echoed
    try:
        second = await approval.run_async("%fsm mcp start --port 0")

        assert second.error is None
        assert second.stdout.strip() == (
            f"The MCP server is already running at {url}; `%fsm mcp stop` first."
        )
        async with connect(url, "a-token-of-20-chars") as client:
            assert (await client.call_tool("get_fsm_metrics", {})).structured_content
    finally:
        await _session(approval).mcp.stop()


async def test_a_port_in_use_or_a_short_token_is_a_usage_error(approval: Shell) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        taken = await approval.run_async(f"%fsm mcp start --port {port}")
    short = await approval.run_async("%fsm mcp start --port 0 --token short")

    assert isinstance(taken.error, UsageError)
    assert f"Cannot listen on 127.0.0.1:{port}" in str(taken.error)
    assert isinstance(short.error, UsageError)
    assert "at least 16 characters" in str(short.error)
    assert _session(approval).mcp is None


def test_without_a_running_loop_start_is_a_usage_error(approval: Shell) -> None:
    cell = approval.run("%fsm mcp start --port 0")

    assert isinstance(cell.error, UsageError)
    assert "the kernel's running event loop" in str(cell.error)
    assert approval.run("%fsm mcp").stdout.strip() == (
        "No MCP server is running here; start one with `%fsm mcp start`."
    )
