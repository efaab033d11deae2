"""A hostile client against a real `fsmnb mcp --http` process on loopback, bounded in count and time.

Tenant `mallory` attacks (slow headers and bodies, connection floods, oversized
and deeply nested bodies, every tool with hostile arguments, quota exhaustion);
tenant `alice` is a legitimate client whose calls are timed throughout. The
last test checks that the server still answers Alice and that nothing of hers
changed. Counts and Alice's answer times are printed (`pytest -s`) for the
record; no assertion depends on a time.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .raw_session import HEADERS, RawSession

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"), pytest.mark.timeout(240)]

SERVED = str(Path(__file__).with_name("served_workflows.py"))
MALLORY = "mallory-token-" + "m" * 20
ALICE = "alice-token-" + "a" * 20
LIMITS = {
    "--header-timeout": "1",
    "--body-timeout": "1",
    "--keep-alive": "1",
    "--max-connections": "48",
    "--max-requests-per-token": "8",
    "--max-live-runs": "20",
    "--max-stored-bytes": "200000",
    "--keep-finished": "5",
    "--rate": "100000",
    "--burst": "100000",
}
REPORT: Counter[str] = Counter()
ALICE_MS: list[float] = []


def _session(url: str, token: str) -> RawSession:
    """A session for this suite: a longer timeout, since its calls run while the server is attacked."""
    return RawSession(url, token, client="hostile-suite", timeout=30)


class Server:
    def __init__(self) -> None:
        args = [
            sys.executable,
            "-m",
            "fsmnb.cli",
            "mcp",
            SERVED,
            "--http",
            "--port",
            "0",
            "--tenant",
            "mallory",
            "--token",
            MALLORY,
            "--tenant-token",
            f"alice={ALICE}",
        ]
        for k, v in LIMITS.items():
            args += [k, v]
        self.proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
        assert self.proc.stderr is not None
        line = self.proc.stderr.readline()
        found = re.search(r"at (http://127\.0\.0\.1:(\d+)/mcp)", line)
        assert found, line
        self.url, self.port = found.group(1), int(found.group(2))

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(15)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.close()
    print(f"\nhostile suite: {dict(REPORT)}")
    if ALICE_MS:
        ms = sorted(ALICE_MS)
        print(
            f"alice during attacks: n={len(ms)} median={statistics.median(ms):.1f} ms "
            f"p95={ms[int(0.95 * (len(ms) - 1))]:.1f} ms max={ms[-1]:.1f} ms"
        )


@pytest.fixture(scope="module")
def alice(server: Server) -> RawSession:
    return _session(server.url, ALICE)


@pytest.fixture(scope="module")
def mallory(server: Server) -> RawSession:
    return _session(server.url, MALLORY)


@contextlib.contextmanager
def alice_keeps_asking(server: Server) -> Iterator[list[str]]:
    """Time Alice's `get_fsm_metrics` every 50 ms while the block runs (failures listed)."""
    stop = threading.Event()
    failures: list[str] = []

    def loop() -> None:
        session = None
        while not stop.is_set():
            began = time.perf_counter()
            try:
                session = session or _session(server.url, ALICE)
                session.call("get_fsm_metrics", {})
                ALICE_MS.append((time.perf_counter() - began) * 1e3)
            except Exception as e:  # counted and shown, never raised here
                failures.append(f"{type(e).__name__}: {str(e)[:80]}")
                session = None
            stop.wait(0.05)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield failures
    finally:
        stop.set()
        thread.join(30)
        REPORT["alice calls failed during attacks"] += len(failures)


def _closed_by_server(sock: socket.socket, deadline: float) -> bool:
    sock.settimeout(0.2)
    while time.monotonic() < deadline:
        try:
            sock.send(b"X")  # one header byte at a time
            if sock.recv(1024) == b"":
                return True
        except TimeoutError:
            continue
        except OSError:
            return True
    return False


def test_alice_starts_a_run(alice: RawSession) -> None:
    made = alice.call("create_fsm", {"workflow": "door", "run_id": "alice-door"})
    assert made["structuredContent"]["state"] == "closed"
    alice.call("send_event", {"run_id": "alice-door", "event": "open"})


def test_slow_headers_are_cut_off(server: Server) -> None:
    with alice_keeps_asking(server):
        socks = []
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", server.port))
            s.send(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            socks.append(s)
        deadline = time.monotonic() + 15
        closed = sum(_closed_by_server(s, deadline) for s in socks)
        for s in socks:
            s.close()
    REPORT["slow-header connections"] += len(socks)
    REPORT["slow-header connections cut"] += closed
    assert closed == len(socks)


def test_slow_bodies_get_408(server: Server) -> None:
    codes = []
    with alice_keeps_asking(server):
        for _ in range(5):
            s = socket.create_connection(("127.0.0.1", server.port))
            s.sendall(
                b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
                b"\r\nAuthorization: Bearer "
                + MALLORY.encode()
                + b'\r\nContent-Length: 1000\r\n\r\n{"jsonrpc"'
            )
            s.settimeout(15)
            codes.append(s.recv(100).split(b" ")[1])
            s.close()
    REPORT["slow-body requests"] += len(codes)
    REPORT["slow-body requests refused (408)"] += codes.count(b"408")
    assert codes == [b"408"] * 5


def test_a_connection_flood_is_capped_and_released(server: Server, alice: RawSession) -> None:
    socks: list[socket.socket] = []
    with alice_keeps_asking(server):
        for _ in range(120):
            with contextlib.suppress(OSError):
                socks.append(socket.create_connection(("127.0.0.1", server.port), timeout=2))
        time.sleep(0.3)
        refused = 0
        for s in socks:
            s.settimeout(0.05)
            try:
                refused += s.recv(1) == b""
            except TimeoutError:
                pass
            except OSError:
                refused += 1
        for s in socks:
            s.close()
    REPORT["flood connections"] += len(socks)
    REPORT["flood connections refused at once"] += refused
    assert refused >= len(socks) - 48  # the cap held
    assert alice.call("get_fsm_metrics", {})["structuredContent"]["instances"] == 1


def test_oversized_and_nested_bodies_are_refused(server: Server, mallory: RawSession) -> None:
    big = mallory.http.post(
        server.url, headers=mallory.headers, content=b'{"a":"' + b"x" * 2_000_000 + b'"}'
    )
    nested = mallory.http.post(
        server.url, headers=mallory.headers, content=b"[" * 400_000 + b"]" * 400_000
    )
    deep_args = mallory.http.post(
        server.url,
        headers=mallory.headers,
        content=(
            b'{"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "create_fsm", '
            b'"arguments": {"workflow": "door", "data": '
            + b'{"a":' * 5_000
            + b"1"
            + b"}" * 5_000
            + b"}}}"
        ),
    )
    REPORT["oversized/nested bodies"] += 3
    REPORT["oversized/nested bodies refused"] += sum(
        r.status_code >= 400 or '"isError":true' in r.text or '"error"' in r.text
        for r in (big, nested, deep_args)
    )
    assert big.status_code == 413
    assert nested.status_code == 400 or '"error"' in nested.text
    assert deep_args.status_code < 500


HOSTILE_CALLS: list[tuple[str, dict[str, Any]]] = [
    (
        "execute_effect_pipeline",
        {"effects": {"kind": "call_llm", "prompt": "What is round(1, -10**9)?"}},
    ),
    ("execute_effect_pipeline", {"effects": {"kind": "call_llm", "prompt": "What is 9**9**9?"}}),
    (
        "execute_effect_pipeline",
        {
            "effects": {
                "kind": "call_llm",
                "prompt": "hi",
                "model": "replay:/tmp/fsmnb-hostile/x.jsonl",
                "options": {"record": True},
            }
        },
    ),
    (
        "execute_effect_pipeline",
        {"effects": {"kind": "call_llm", "prompt": "hi", "model": "local:/etc/passwd"}},
    ),
    (
        "execute_effect_pipeline",
        {
            "effects": {
                "kind": "call_llm",
                "prompt": "hi",
                "options": {"base_url": "http://169.254.169.254"},
            }
        },
    ),
    (
        "execute_effect_pipeline",
        {"effects": {"kind": "call_api", "url": "http://169.254.169.254/latest"}},
    ),
    ("execute_effect_pipeline", {"effects": {"kind": "call", "fn": "os.system", "args": ["id"]}}),
    ("execute_effect_pipeline", {"effects": {"kind": "call", "fn": "double", "args": [10**400]}}),
    ("execute_effect_pipeline", {"effects": {"kind": "spawn_fsm", "workflow": "door"}}),
    ("execute_effect_pipeline", {"effects": {"kind": "invoke_fsm", "workflow": "../../etc"}}),
    ("execute_effect_pipeline", {"effects": {"kind": "delay", "seconds": 1e308}}),
    (
        "execute_effect_pipeline",
        {"effects": {"kind": "embed_text", "text": "x", "model": "local:/root/.ssh/id_rsa"}},
    ),
    (
        "execute_effect_pipeline",
        {"effects": {"kind": "vector_search", "query": "x", "index": "/etc/passwd"}},
    ),
    (
        "execute_effect_pipeline",
        {"effects": {"kind": "send_event", "run_id": "alice-door", "event": "close"}},
    ),
    (
        "execute_effect_pipeline",
        {"effects": {"kind": "log", "message": "x"}, "run_id": "alice-door"},
    ),
    ("create_fsm", {"workflow": "../../etc/passwd"}),
    ("create_fsm", {"workflow": "door", "run_id": "../../x"}),
    ("create_fsm", {"workflow": "door", "run_id": "alice-door"}),
    ("create_fsm", {"spec": {"name": "x" * 10_000}}),
    (
        "create_fsm",
        {
            "spec": {
                "name": "t",
                "initial": "a",
                "states": [{"name": "a"}] * 5_000,
                "transitions": [],
            }
        },
    ),
    ("send_event", {"run_id": "alice-door", "event": "close"}),
    ("send_event", {"run_id": "x" * 100_000, "event": "e"}),
    ("get_fsm_state", {"run_id": "alice-door"}),
    ("batch_send_events", {"events": [{"run_id": "alice-door", "event": "close"}] * 3}),
    ("batch_send_events", {"events": [{"run_id": "r", "event": "e"}] * 20_000}),
    ("get_workflow_diagram", {"workflow": "door", "format": "svg; rm -rf /"}),
    ("get_workflow_diagram", {"run_id": "alice-door"}),
    (
        "create_ai_workflow",
        {
            "template": "rag_qa",
            "name": "q",
            "config": {"question": "q", "model": "replay:/etc/shadow"},
        },
    ),
    ("create_ai_workflow", {"template": "../x", "name": "q", "config": {}}),
    ("spawn_agent", {"role": "r", "task": "t", "model": "local:/dev/zero"}),
    ("spawn_agent", {"role": "r", "task": "t", "context": {"base_url": "http://10.0.0.1"}}),
    ("coordinate_agents", {"agents": ["a"] * 1_000, "task": "t"}),
    ("stream_fsm_events", {"run_id": "alice-door", "timeout_seconds": 1e9}),
    ("stream_fsm_events", {"run_id": "r", "max_events": 10**12}),
    ("get_workflow_analytics", {"run_id": "alice-door"}),
    ("get_workflow_analytics", {"time_window_seconds": -1}),
]


def test_every_tool_with_hostile_arguments(server: Server, mallory: RawSession) -> None:
    outcomes = []
    with alice_keeps_asking(server):
        for tool, arguments in HOSTILE_CALLS:
            result = mallory.call(tool, arguments)
            outcomes.append((tool, bool(result.get("isError")), json.dumps(result)[:300]))
        for uri in ("file:///etc/passwd", "fsm://runs/alice-door", "fsm://runs/../../x"):
            reply = mallory.request("resources/read", {"uri": uri})
            outcomes.append(("resources/read", "error" in reply, json.dumps(reply)[:300]))
    REPORT["hostile tool calls"] += len(outcomes)
    REPORT["hostile tool calls refused"] += sum(refused for _, refused, _ in outcomes)
    answered = [(tool, text) for tool, refused, text in outcomes if not refused]
    # What is answered is harmless: the evaluator bombs become a plain reply, the pipeline
    # log runs in Mallory's own short-lived run, and `alice-door` is not visible to her.
    assert [tool for tool, _ in answered] == ["execute_effect_pipeline"] * 3, answered
    assert not Path("/tmp/fsmnb-hostile").exists()
    for _, _, text in outcomes:
        assert "Traceback" not in text and "pydantic" not in text


def test_quota_exhaustion_stays_in_the_attacker_s_tenant(
    server: Server, mallory: RawSession, alice: RawSession
) -> None:
    refused_runs = refused_bytes = 0
    with alice_keeps_asking(server):
        for _ in range(30):
            result = mallory.call("create_fsm", {"workflow": "door"})
            refused_runs += bool(result.get("isError"))
        for i in range(10):
            result = mallory.call(
                "create_ai_workflow",
                {
                    "template": "rag_qa",
                    "name": f"big{i}",
                    "start": False,
                    "config": {"question": "q" * 50_000},
                },
            )
            refused_bytes += bool(result.get("isError"))
    REPORT["quota attempts"] += 40
    REPORT["quota refusals"] += refused_runs + refused_bytes
    assert refused_runs == 10  # 20 live runs allowed
    assert refused_bytes >= 1
    made = alice.call("create_fsm", {"workflow": "door", "run_id": "alice-second"})
    assert not made.get("isError"), made
    text = mallory.call("create_fsm", {"workflow": "door"})["content"][0]["text"]
    assert "You have 20 live runs; the limit is 20" in text


def test_origins_oauth_discovery_and_bad_tokens(server: Server) -> None:
    base = server.url.rsplit("/mcp", 1)[0]
    with httpx.Client(timeout=10) as http:
        other = http.post(
            server.url,
            headers={**HEADERS, "authorization": f"Bearer {ALICE}", "origin": "http://localhost:1"},
            json={},
        )
        discovery = [
            http.get(base + p).status_code
            for p in (
                "/.well-known/oauth-protected-resource",
                "/.well-known/oauth-protected-resource/mcp",
                "/.well-known/oauth-authorization-server",
                "/register",
                "/authorize",
            )
        ]
        bad = http.post(server.url, headers={**HEADERS, "authorization": "Bearer wrong"}, json={})
    REPORT["origin/oauth/token probes"] += 7
    REPORT["origin/oauth/token probes refused"] += (
        (other.status_code == 403) + sum(c == 404 for c in discovery) + (bad.status_code == 401)
    )
    assert other.status_code == 403
    assert discovery == [404] * 5
    assert bad.status_code == 401
    assert 'error="invalid_token"' in bad.headers["www-authenticate"]


def test_after_the_attacks_alice_is_answered_and_unchanged(alice: RawSession) -> None:
    began = time.perf_counter()
    state = alice.call("get_fsm_state", {"run_id": "alice-door", "include_history": True})
    elapsed = (time.perf_counter() - began) * 1e3
    print(f"\nalice after the attacks: get_fsm_state answered in {elapsed:.1f} ms")
    info = state["structuredContent"]
    assert (info["state"], info["status"], info["data"]) == ("opened", "waiting", {})
    mine = alice.request("resources/list", {})["result"]["resources"]
    assert {r["uri"] for r in mine if r["uri"].startswith("fsm://runs/")} == {
        "fsm://runs/alice-door",
        "fsm://runs/alice-second",
    }
