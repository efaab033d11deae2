"""Streamable HTTP: tokens, tenants, limits, and 1,000 malformed tool calls that change nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fsmnb.mcp.http import connect, serve_http_in_background
from fsmnb.mcp.security import RateLimit

from .conftest import ThreadedServer
from .raw_session import HEADERS, RawSession

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

DOOR_EVENTS = {"open", "close", "lock"}


@pytest.fixture(scope="module")
def raw(http_server: ThreadedServer) -> RawSession:
    return RawSession(http_server.url, http_server.token)


def test_no_token_and_wrong_token_are_401(http_server: ThreadedServer) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    assert httpx.post(http_server.url, json=body, headers=HEADERS).status_code == 401
    wrong = {**HEADERS, "authorization": "Bearer " + "x" * 43}
    r = httpx.post(http_server.url, json=body, headers=wrong)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    basic = {**HEADERS, "authorization": f"Basic {http_server.token}"}
    assert httpx.post(http_server.url, json=body, headers=basic).status_code == 401


def test_oversized_request_is_rejected_before_it_is_read(http_server: ThreadedServer) -> None:
    auth = {**HEADERS, "authorization": f"Bearer {http_server.token}"}
    big = b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "pad": "' + b"x" * 2_000_000 + b'"}'
    assert httpx.post(http_server.url, content=big, headers=auth).status_code == 413

    def chunks() -> Any:  # no Content-Length: the gate counts what arrives
        for _ in range(40):
            yield b"x" * 50_000

    assert httpx.post(http_server.url, content=chunks(), headers=auth).status_code == 413


def test_another_tenants_run_is_not_found(http_server: ThreadedServer, raw: RawSession) -> None:
    rid = raw.call("create_fsm", {"workflow": "door"})["structuredContent"]["run_id"]
    other = RawSession(http_server.url, http_server.other_token)
    for tool, args in (
        ("get_fsm_state", {"run_id": rid}),
        ("send_event", {"run_id": rid, "event": "open"}),
        ("stream_fsm_events", {"run_id": rid, "timeout_seconds": 0}),
    ):
        result = other.call(tool, args)
        assert (
            result["isError"]
            and f"No run `{rid}` is visible to you" in result["content"][0]["text"]
        )
    assert other.call("get_fsm_metrics", {})["structuredContent"]["instances"] == 0
    r = other.post(
        {
            "jsonrpc": "2.0",
            "id": 99,
            "method": "resources/read",
            "params": {"uri": f"fsm://runs/{rid}"},
        }
    )
    assert "error" in r.text and '"state"' not in r.text
    assert raw.call("get_fsm_state", {"run_id": rid})["structuredContent"]["state"] == "closed"


async def test_rate_limit_answers_429_per_token() -> None:
    handle = await serve_http_in_background(port=0, rate_limit=RateLimit(rate=0.001, burst=3))
    try:
        auth = {**HEADERS, "authorization": f"Bearer {handle.token}"}
        async with httpx.AsyncClient() as http:
            codes = [
                (await http.post(handle.url, json={}, headers=auth)).status_code for _ in range(5)
            ]
        assert codes[3:] == [429, 429] and 429 not in codes[:3]
    finally:
        await handle.stop()


async def test_the_sdk_client_over_http_gets_results_and_notifications(
    http_server: ThreadedServer,
) -> None:
    import asyncio

    async with connect(http_server.url, http_server.token) as client:
        made = await client.call_tool("create_fsm", {"workflow": "door"})
        rid = made.structured_content["run_id"]
        uri = f"fsm://runs/{rid}"
        async with client.listen(resource_subscriptions=[uri]) as updates:
            moved = await client.call_tool("send_event", {"run_id": rid, "event": "open"})
            assert moved.structured_content["state"] == "opened"
            assert (await asyncio.wait_for(updates.__anext__(), 5)).uri == uri


def malformed_calls(known_run: str) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    """Tool calls that must each be refused; none of them may change any run."""
    text = st.text(max_size=30)
    not_json_str = st.one_of(
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
        st.lists(st.integers(), max_size=3),
        st.none(),
    )
    unknown_run = text.filter(lambda s: s != known_run)
    bad_event = text.filter(lambda s: s not in DOOR_EVENTS)
    junk = st.dictionaries(text, st.one_of(text, st.integers(), st.none()), max_size=4)
    call = st.tuples
    return st.one_of(
        call(st.just("send_event"), st.fixed_dictionaries({"run_id": unknown_run, "event": text})),
        call(
            st.just("send_event"),
            st.fixed_dictionaries({"run_id": st.just(known_run), "event": bad_event}),
        ),
        call(
            st.just("send_event"),
            st.fixed_dictionaries({"run_id": not_json_str, "event": st.just("open")}),
        ),
        call(
            st.just("send_event"),
            st.fixed_dictionaries(
                {"run_id": st.just(known_run), "event": st.just("open"), "wait": text.filter(bool)}
            ),
        ),
        call(st.just("send_event"), junk.filter(lambda d: "run_id" not in d)),
        call(
            st.just("create_fsm"),
            st.fixed_dictionaries({"workflow": text.filter(lambda s: s not in ("door", "worker"))}),
        ),
        call(st.just("create_fsm"), st.fixed_dictionaries({"spec": junk})),
        call(
            st.just("create_fsm"),
            st.fixed_dictionaries({"workflow": st.just("door"), "spec": junk}),
        ),
        call(st.just("get_fsm_state"), st.fixed_dictionaries({"run_id": unknown_run})),
        call(
            st.just("batch_send_events"),
            st.fixed_dictionaries(
                {
                    "events": st.lists(
                        st.fixed_dictionaries(
                            {"run_id": st.just(known_run), "event": st.just("open")}
                        ),
                        max_size=3,
                    ).map(lambda ok: [*ok, {"run_id": "ghost-run", "event": "open"}])
                }
            ),
        ),
        call(st.just("batch_send_events"), st.fixed_dictionaries({"events": not_json_str})),
        call(
            st.just("execute_effect_pipeline"),
            st.fixed_dictionaries(
                {
                    "effects": st.one_of(
                        junk.filter(lambda d: "kind" not in d),
                        st.fixed_dictionaries(
                            {"kind": text.filter(lambda s: s not in ("log", "delay"))}
                        ),
                        st.fixed_dictionaries(
                            {
                                "kind": st.just("call"),
                                "fn": text.filter(lambda s: s not in ("double", "fail")),
                            }
                        ),
                    )
                }
            ),
        ),
        call(
            st.just("get_workflow_diagram"),
            st.fixed_dictionaries({"workflow": text.filter(lambda s: s not in ("door", "worker"))}),
        ),
        call(
            st.just("create_ai_workflow"),
            st.fixed_dictionaries(
                {
                    "template": text,
                    "name": st.just("t1"),
                    "config": junk.map(lambda d: {**d, "no_such_field": 1}),
                }
            ),
        ),
        call(st.just("stream_fsm_events"), st.fixed_dictionaries({"run_id": unknown_run})),
        call(st.just("spawn_agent"), st.fixed_dictionaries({"role": not_json_str, "task": text})),
        call(text.filter(lambda s: s not in {"send_event", "create_fsm"}), junk),
    )


def test_a_thousand_malformed_calls_are_tool_errors_and_change_nothing(
    http_server: ThreadedServer, raw: RawSession
) -> None:
    runs = [
        raw.call("create_fsm", {"workflow": "door"})["structuredContent"]["run_id"]
        for _ in range(2)
    ]
    raw.call("send_event", {"run_id": runs[1], "event": "open"})
    before = _snapshot(http_server)
    answered = []

    @settings(
        max_examples=1000,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(malformed_calls(runs[0]))
    def check(tool_call: tuple[str, dict[str, Any]]) -> None:
        result = raw.call(*tool_call)
        assert result["isError"] is True, (tool_call, result)
        assert result["content"][0]["text"]
        answered.append(tool_call[0])

    check()
    assert len(answered) >= 1000
    assert _snapshot(http_server) == before
    assert raw.call("get_fsm_state", {"run_id": runs[1]})["structuredContent"]["state"] == "opened"


def _snapshot(server: ThreadedServer) -> list[tuple[str, str, str, str, int]]:
    async def read() -> list[tuple[str, str, str, str, int]]:
        m = server.app.manager
        return sorted(
            (r.id, r.tenant, r.state, r.status, len(r.journal))
            for t in ("alpha", "beta")
            for r in map(lambda x, t=t: m.get(x["run_id"], tenant=t), m.list(tenant=t))
        )

    return server.call(read())
