"""`fsmnb serve` as a real process, probed over loopback HTTP: health, signals, flows, metrics."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

TOKEN = "serve-test-token-0123456789"
APP = Path(__file__).resolve().parents[3] / "fsmnb" / "signals" / "examples" / "service_app.py"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    env = {**os.environ, "FSMNB_HEALTH_INTERVAL": "0.2", "OTEL_TRACES_EXPORTER": "none"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "fsmnb.cli", "serve", str(APP), "--port", "0", "--mcp-token", TOKEN],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()  # "fsmnb serve: jido_system on http://127.0.0.1:PORT ..."
    if "http://" not in line:
        proc.kill()
        raise AssertionError(
            f"no URL announced: {line!r} {proc.stderr.read() if proc.stderr else ''}"
        )
    url = line.split(" on ", 1)[1].split(" ", 1)[0]
    try:
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            assert proc.wait(timeout=20) == 0
        finally:
            proc.kill()


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_serve_answers_health_metrics_signals_and_flows(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as client:
        health = client.get("/health")
        assert health.status_code == 200, health.text
        report = health.json()
        assert report["live"] and report["ready"]
        tree = report["components"][0]
        assert tree["name"] == "jido_system" and tree["strategy"] == "one_for_one"
        assert [c["name"] for c in tree["children"]][-1] == "task_pool"

        ok = client.post(
            "/signals", json={"type": "task.submitted", "source": "test", "data": {"id": 1}}
        )
        assert ok.status_code == 202 and ok.json()["deliveries"] == 1
        bad = client.post("/signals", json={"source": "test", "data": {}})
        assert bad.status_code == 400 and "`type` is required" in bad.json()["error"]
        assert client.post("/signals", content=b"x" * 1_000_001).status_code == 413

        order = {"order_id": "S1", "items": [{"sku": "book", "qty": 1, "price": 5.0}]}
        started = client.post("/flows/order_processing_flow", json=order)
        assert started.status_code == 202
        run_id = started.json()["run_id"]
        for _ in range(200):
            status = client.get(f"/runs/{run_id}").json()
            if status["status"] in ("done", "failed"):
                break
            time.sleep(0.05)
        assert status["status"] == "done" and status["steps"]["reserve_inventory"] == "done"
        assert client.post("/flows/nope", json={}).status_code == 404

        time.sleep(0.5)  # a couple of sensor readings reach the monitor agent
        metrics = client.get("/metrics")
        assert metrics.status_code == 200
        text = metrics.text
        assert _metric(text, 'fsmnb_runs_finished_total{status="done"}') >= 1
        assert _metric(text, "fsmnb_transitions_total") >= 4
        assert _metric(text, 'fsmnb_signals_dead_lettered_total{router="main"}') >= 1
        assert _metric(text, 'fsmnb_signals_published_total{router="main"}') >= 2
        assert 'fsmnb_effect_seconds_bucket{effect="act"' in text
        assert 'fsmnb_restarts_total{supervisor="task_pool"} 0.0' in text
        monitor = next(c for c in client.get("/health").json()["components"][0]["children"]
                       if c["name"] == "system_monitor")  # fmt: skip
        assert monitor["processed"] >= 1


def test_the_mcp_endpoint_is_served_alongside(server: str) -> None:
    init = {
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "test", "version": "1"}},
    }  # fmt: skip
    headers = {"Accept": "application/json, text/event-stream"}
    with httpx.Client(base_url=server, timeout=10) as client:
        assert client.post("/mcp", json=init, headers=headers).status_code == 401
        reply = client.post(
            "/mcp", json=init, headers={**headers, "Authorization": f"Bearer {TOKEN}"}
        )
        assert reply.status_code == 200 and '"serverInfo"' in reply.text
        assert client.get("/health").status_code == 200


def test_serve_refuses_a_module_with_nothing_to_serve(tmp_path: Path) -> None:
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    out = subprocess.run(
        [sys.executable, "-m", "fsmnb.cli", "serve", str(empty)], capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert out.returncode == 2 and "defines nothing to serve" in out.stderr
