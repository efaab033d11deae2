"""Protocol errors a client can act on: codes, messages naming the argument, the server version."""

from __future__ import annotations

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

import fsmnb
from fsmnb import Manager, Workflow
from fsmnb.mcp import FsmServer

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

INVALID_PARAMS = -32602


def door() -> Workflow:
    wf = Workflow("door", register=False)
    wf.add_state("closed", None, initial=True, on={"lock": "locked"})
    wf.final("locked")
    return wf


async def test_unknown_runs_and_resources_answer_invalid_params() -> None:
    app = FsmServer(Manager([door()]))
    async with Client(app.mcp) as client:
        for uri in ("fsm://runs/nope", "fsm://workflows/nope"):
            with pytest.raises(MCPError) as caught:
                await client.read_resource(uri)
            assert caught.value.error.code == INVALID_PARAMS
            assert "nope" in caught.value.error.message
            assert "Traceback" not in caught.value.error.message
    async with Client(app.mcp, mode="legacy") as legacy:
        with pytest.raises(MCPError) as caught:
            await legacy.session.subscribe_resource("fsm://runs/nope")
        assert caught.value.error.code == INVALID_PARAMS
        assert "No resource `fsm://runs/nope`" in caught.value.error.message
    app.close()


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        (
            "send_event",
            {"run_id": 5, "event": "go"},
            "`run_id` must be text (a JSON string), got a number",
        ),
        ("send_event", {"event": "go"}, "`run_id` is required"),
        ("send_event", {"run_id": "r" * 200, "event": "go"}, "`run_id` is too long: at most 128"),
        ("create_fsm", {"workflow": "door", "run_id": "a b"}, "`run_id` must match the pattern"),
        (
            "get_fsm_state",
            {"run_id": "r", "include_data": "yes"},
            "`include_data` must be true or false",
        ),
        (
            "batch_send_events",
            {"events": [{"run_id": 1, "event": "e"}]},
            "`events.0.run_id` must be text",
        ),
        ("get_workflow_diagram", {"workflow": "door", "format": "png"}, "`format` must be one of"),
        ("stream_fsm_events", {"run_id": "r", "max_events": 0}, "`max_events` must be ≥ 1"),
    ],
)
async def test_argument_errors_name_the_argument_and_the_fix(
    tool: str, arguments: dict[str, object], expected: str
) -> None:
    app = FsmServer(Manager([door()]))
    async with Client(app.mcp) as client:
        result = await client.call_tool(tool, arguments)
        assert result.is_error
        text = result.content[0].text
        assert expected in text
        assert text.startswith(f"Invalid arguments for `{tool}`")
        for leak in ("pydantic", "Arguments", "validation error", "https://"):
            assert leak not in text
    app.close()


async def test_server_version_and_the_spec_schema() -> None:
    app = FsmServer(Manager([door()]))
    async with Client(app.mcp) as client:
        assert client.server_info is not None
        assert client.server_info.version == fsmnb.__version__
        tools = {t.name: t for t in (await client.list_tools()).tools}
        spec = tools["create_fsm"].input_schema["properties"]["spec"]
        assert spec["required"] == ["name", "initial", "states", "transitions"]
        assert set(spec["properties"]["transitions"]["items"]["properties"]) == {
            "source",
            "event",
            "target",
        }
    app.close()


async def test_the_warm_up_leaves_no_run_and_no_count_behind() -> None:
    app = FsmServer(Manager([door()]))
    async with Client(app.mcp) as client:  # serving while the warm-up runs behind
        made = await client.call_tool("create_fsm", {"workflow": "door"})
        assert not made.is_error
        await app._warm_up()
    assert set(app.counts) == {"default"}
    assert app.counts["default"]["create_fsm"] == 1
    assert [r["workflow"] for r in app.manager.list(tenant="default")] == ["door"]
    assert len(app.manager) == 1
    app.close()
