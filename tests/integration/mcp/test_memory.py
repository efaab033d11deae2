"""The MCP tools, resources and notifications, driven by the SDK's client in memory."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from mcp import Client

from fsmnb.mcp import FsmServer

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TOOLS = {
    "create_fsm",
    "send_event",
    "get_fsm_state",
    "batch_send_events",
    "get_fsm_metrics",
    "list_workflows",
    "get_workflow_diagram",
    "create_ai_workflow",
    "execute_effect_pipeline",
    "spawn_agent",
    "coordinate_agents",
    "stream_fsm_events",
    "get_workflow_analytics",
}
SPEC = {
    "name": "ticket",
    "initial": "open",
    "states": [{"name": "open"}, {"name": "closed", "final": True}],
    "transitions": [{"source": "open", "event": "resolve", "target": "closed"}],
}


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    """Call `tool`; return its structured result (failing the test on a tool error)."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content[0].text
    assert result.structured_content is not None
    return result.structured_content


async def error(client: Client, tool: str, **arguments: Any) -> str:
    """Call `tool`, expect a tool error, return its message."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error
    return result.content[0].text


async def test_every_seed_tool_is_listed_with_input_and_output_schemas(app: FsmServer) -> None:
    async with Client(app.mcp) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) == TOOLS
        assert all(t.output_schema for t in tools.values())
        assert tools["send_event"].input_schema["required"] == ["run_id", "event"]


async def test_create_send_and_read_a_run(app: FsmServer) -> None:
    async with Client(app.mcp) as client:
        run = await call(client, "create_fsm", workflow="door", data={"who": "ann"})
        assert (run["state"], run["status"], run["allowed_events"]) == (
            "closed",
            "waiting",
            ["open", "lock"],
        )
        moved = await call(client, "send_event", run_id=run["run_id"], event="open")
        assert moved == {
            "run_id": run["run_id"],
            "event": "open",
            "previous_state": "closed",
            "state": "opened",
            "status": "waiting",
            "allowed_events": ["close"],
        }
        state = await call(client, "get_fsm_state", run_id=run["run_id"], include_history=True)
        assert state["data"] == {"who": "ann"}
        assert state["visits"] == {"closed": 1, "opened": 1}
        assert [h["kind"] for h in state["history"]] == ["run_started", "transition"]


async def test_unknown_event_lists_the_allowed_ones_and_changes_nothing(app: FsmServer) -> None:
    async with Client(app.mcp) as client:
        run = await call(client, "create_fsm", workflow="door")
        message = await error(client, "send_event", run_id=run["run_id"], event="fly")
        assert "`fly`" in message and "`open`, `lock`" in message
        assert (await call(client, "get_fsm_state", run_id=run["run_id"]))["state"] == "closed"


async def test_bad_inputs_are_tool_errors_with_clear_messages(app: FsmServer) -> None:
    async with Client(app.mcp) as client:
        assert "No run `nope`" in await error(client, "send_event", run_id="nope", event="open")
        assert "`run_id` must be text" in await error(client, "send_event", run_id=5, event="open")
        assert "`door`, `worker`" in await error(client, "create_fsm", workflow="missing")
        assert "exactly one" in await error(client, "create_fsm")
        bad_spec = {**SPEC, "transitions": [{"source": "open", "event": "x"}]}
        assert "`transitions[0].target`" in await error(client, "create_fsm", spec=bad_spec)
        guarded = {**SPEC, "transitions": [{**SPEC["transitions"][0], "guard": "g"}]}
        assert "Guards are code" in await error(client, "create_fsm", spec=guarded)
        message = await error(
            client, "execute_effect_pipeline", effects={"kind": "call", "fn": "rm"}
        )
        assert "no callable is registered as `rm`" in message
        assert "Unknown tool" in await error(client, "no_such_tool")
        assert (await call(client, "get_fsm_metrics"))["instances"] == 0


async def test_a_json_spec_becomes_an_event_driven_workflow_of_this_tenant(app: FsmServer) -> None:
    async with Client(app.mcp) as client:
        run = await call(client, "create_fsm", spec=SPEC)
        assert (run["workflow"], run["status"]) == ("ticket", "waiting")
        done = await call(client, "send_event", run_id=run["run_id"], event="resolve")
        assert (done["state"], done["status"]) == ("closed", "done")
        listed = await call(client, "list_workflows")
        assert {(w["name"], w["source"]) for w in listed["workflows"]} == {
            ("door", "served"),
            ("worker", "served"),
            ("ticket", "spec"),
        }
        assert "ticket" not in app.workflows("someone_else")
        clash = {**SPEC, "name": "door"}
        assert "belongs to a served workflow" in await error(client, "create_fsm", spec=clash)


async def test_batch_reports_each_event_and_refuses_unknown_runs_wholesale(app: FsmServer) -> None:
    async with Client(app.mcp) as client:
        a = (await call(client, "create_fsm", workflow="door"))["run_id"]
        b = (await call(client, "create_fsm", workflow="door"))["run_id"]
        out = await call(
            client,
            "batch_send_events",
            events=[
                {"run_id": a, "event": "open"},
                {"run_id": b, "event": "close"},
                {"run_id": b, "event": "lock"},
            ],
        )
        assert (out["sent"], out["refused"]) == (2, 1)
        assert [r["ok"] for r in out["results"]] == [True, False, True]
        assert out["results"][1]["allowed_events"] == ["open", "lock"]
        message = await error(
            client,
            "batch_send_events",
            events=[{"run_id": a, "event": "close"}, {"run_id": "ghost", "event": "open"}],
        )
        assert "`ghost`" in message and "nothing was sent" in message
        assert (await call(client, "get_fsm_state", run_id=a))["state"] == "opened"


async def test_metrics_count_runs_events_and_tool_calls(app: FsmServer) -> None:
    async with Client(app.mcp) as client:
        rid = (await call(client, "create_fsm", workflow="door"))["run_id"]
        await call(client, "send_event", run_id=rid, event="open")
        await error(client, "send_event", run_id=rid, event="open")
        m = await call(client, "get_fsm_metrics")
        assert (m["instances"], m["by_state"], m["events_sent"], m["events_refused"]) == (
            1,
            {"door.opened": 1},
            1,
            1,
        )
        assert m["tool_calls"]["send_event"] == 2 and m["tool_errors"] == 1


async def test_diagram_of_a_run_lights_its_state(app: FsmServer) -> None:
    async with Client(app.mcp) as client:
        rid = (await call(client, "create_fsm", workflow="door"))["run_id"]
        d = await call(client, "get_workflow_diagram", run_id=rid, format="both")
        assert d["current"] == "closed"
        assert "class closed current" in d["mermaid"]
        assert d["svg"] is None or d["svg"].lstrip().startswith("<")
        plain = await call(client, "get_workflow_diagram", workflow="door")
        assert plain["mermaid"].startswith("stateDiagram-v2") and plain["svg"] is None


async def test_pipeline_runs_registered_callables_isolated_with_progress(app: FsmServer) -> None:
    async with Client(app.mcp) as client:
        rid = (await call(client, "create_fsm", workflow="door", data={"n": 1}))["run_id"]
        progress: list[tuple[float, float | None, str | None]] = []

        async def on_progress(p: float, total: float | None, message: str | None) -> None:
            progress.append((p, total, message))

        effects = {
            "kind": "sequence",
            "effects": [
                {"kind": "call", "fn": "double", "args": [21]},
                {"kind": "put_data", "key": "n", "value": 99},
                {"kind": "emit", "event": "finished"},
            ],
        }
        result = await client.call_tool(
            "execute_effect_pipeline",
            {"effects": effects, "run_id": rid, "context": {"extra": True}},
            progress_callback=on_progress,
        )
        out = result.structured_content
        assert out is not None and not result.is_error
        assert out["result"] == [42, 99, None]
        assert out["data"] == {"n": 99, "extra": True} and out["emitted"] == "finished"
        assert [e["effect"] for e in out["effects"]] == [
            "call(double)",
            "put_data",
            "emit(finished)",
        ]
        assert [p[:2] for p in progress] == [(1, 3), (2, 3), (3, 3)]
        assert app.run("default", rid).data == {"n": 1}


async def test_pipeline_policy_and_failures_are_tool_errors(app: FsmServer) -> None:
    async with Client(app.mcp) as client:
        api = {"kind": "call_api", "url": "http://169.254.169.254/", "method": "GET"}
        assert "does not make HTTP calls" in await error(
            client, "execute_effect_pipeline", effects=api
        )
        spawn = {"kind": "spawn_fsm", "workflow": "door"}
        assert "detached runs" in await error(client, "execute_effect_pipeline", effects=spawn)
        failing = {"kind": "call", "fn": "fail"}
        assert "ZeroDivisionError" in await error(
            client, "execute_effect_pipeline", effects=failing
        )


def _has_agents_layer() -> bool:
    from mcp.server.mcpserver.exceptions import ToolError

    from fsmnb.mcp.tools_agents import agents_layer

    try:
        agents_layer()
    except ToolError:
        return False
    return True


async def test_agent_tools_call_the_agents_layer_or_say_it_is_missing(app: FsmServer) -> None:
    async with Client(app.mcp) as client:
        spawn = await client.call_tool("spawn_agent", {"role": "clerk", "task": "What is 47 + 89?"})
        crowd = await client.call_tool(
            "coordinate_agents", {"agents": ["a", "b"], "task": "t", "strategy": "parallel"}
        )
    if not _has_agents_layer():
        for result in (spawn, crowd):
            assert result.is_error
            assert (
                "the agents layer (fsmnb.agents) is not installed in this build"
                in result.content[0].text.lower()
            )
        return
    assert not spawn.is_error and not crowd.is_error
    assert spawn.structured_content["agent_id"].startswith("clerk")
    assert spawn.structured_content["result"]["solution"]["answer"] == 136
    assert crowd.structured_content["result"]["strategy"] == "parallel"


async def test_template_with_callable_steps_runs_to_the_review_state(app: FsmServer) -> None:
    async with Client(app.mcp) as client:
        from fsmnb import register_callable

        register_callable("draft_it", lambda data: f"draft of {data['brief']}")
        made = await call(
            client,
            "create_ai_workflow",
            template="review_loop",
            name="essay",
            config={"brief": "MCP", "steps": {"draft": "draft_it", "revise": "draft_it"}},
        )
        assert made["initial_state"] == "drafting" and "approve" in made["available_events"]
        await asyncio.sleep(0.05)
        state = await call(client, "get_fsm_state", run_id=made["run_id"])
        assert (state["state"], state["data"]["draft"]) == ("reviewing", "draft of MCP")
        assert "No template `nope`" in await error(
            client, "create_ai_workflow", template="nope", name="x", config={}
        )
        assert "`brief`" in await error(
            client, "create_ai_workflow", template="review_loop", name="y", config={}
        )


async def test_stream_sends_each_event_as_progress_until_the_run_waits(app: FsmServer) -> None:
    async with Client(app.mcp) as client:
        rid = (await call(client, "create_fsm", workflow="worker"))["run_id"]
        await asyncio.sleep(0.02)
        seen: list[str | None] = []

        async def on_progress(p: float, total: float | None, message: str | None) -> None:
            seen.append(message)

        async def stream() -> Any:
            return await client.call_tool(
                "stream_fsm_events",
                {
                    "run_id": rid,
                    "stop_when_idle": True,
                    "timeout_seconds": 5,
                    "event_types": ["transition", "effect_finished"],
                },
                progress_callback=on_progress,
            )

        task = asyncio.create_task(stream())
        await asyncio.sleep(0.05)
        await call(client, "send_event", run_id=rid, event="again")
        out = (await task).structured_content
        assert out["stopped_because"] == "idle"
        kinds = [e["kind"] for e in out["events"]]
        assert kinds == ["transition", "effect_finished", "effect_finished", "transition"]
        assert len(seen) == len(kinds) and '"kind": "transition"' in (seen[0] or "")


async def test_analytics_from_journals(app: FsmServer) -> None:
    async with Client(app.mcp) as client:
        for _ in range(2):
            rid = (await call(client, "create_fsm", workflow="door"))["run_id"]
            await call(client, "send_event", run_id=rid, event="lock")
        a = await call(client, "get_workflow_analytics", workflow="door")
        assert (a["runs"], a["by_status"], a["success_rate"], a["transitions"]) == (
            2,
            {"done": 2},
            1.0,
            2,
        )
        assert a["state_visits"] == {"closed": 2, "locked": 2}


async def test_resources_read_list_and_listen_for_updates(app: FsmServer) -> None:
    async with Client(app.mcp) as client:
        rid = (await call(client, "create_fsm", workflow="door"))["run_id"]
        uri = f"fsm://runs/{rid}"
        assert '"state":"closed"' in (await client.read_resource(uri)).contents[0].text
        wf = (await client.read_resource("fsm://workflows/door")).contents[0].text
        assert '"spec"' in wf and "stateDiagram-v2" in wf
        listed = {str(r.uri) for r in (await client.list_resources()).resources}
        assert {uri, "fsm://workflows/door"} <= listed
        async with client.listen(resource_subscriptions=[uri]) as updates:
            await call(client, "send_event", run_id=rid, event="open")
            event = await asyncio.wait_for(updates.__anext__(), 5)
        assert event.uri == uri


async def test_legacy_clients_subscribe_with_resources_subscribe(app: FsmServer) -> None:
    received: asyncio.Queue[Any] = asyncio.Queue()

    async def handler(message: Any) -> None:
        root = getattr(message, "root", message)
        if getattr(root, "method", "") == "notifications/resources/updated":
            await received.put(root.params.uri)

    async with Client(app.mcp, mode="legacy", message_handler=handler) as legacy:
        rid = (await call(legacy, "create_fsm", workflow="door"))["run_id"]
        await legacy.session.subscribe_resource(f"fsm://runs/{rid}")
        await call(legacy, "send_event", run_id=rid, event="open")
        assert await asyncio.wait_for(received.get(), 5) == f"fsm://runs/{rid}"
