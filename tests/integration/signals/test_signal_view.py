"""SignalView's Python side: the traits follow the router and the supervisor."""

from __future__ import annotations

import asyncio

from fsmnb.signals import Router, Signal, SupervisedAgent, Supervisor
from fsmnb.widgets import SignalView


async def test_signal_view_follows_routes_dead_letters_and_restarts() -> None:
    router = Router(name="r")
    router.route("job.*", lambda s: None, priority=5)
    agent = SupervisedAgent("worker")
    sup = Supervisor([agent], name="root")
    view = SignalView(router, sup, title="live")
    sup.start()
    for _ in range(200):
        if agent.status == "running":
            break
        await asyncio.sleep(0)
    router.publish(Signal(type="job.new"))
    router.publish(Signal(type="lost"))
    sup.kill("worker")
    for _ in range(200):
        if sup.restarts == 1:
            break
        await asyncio.sleep(0)
    view.flush()
    assert view.totals["published"] == 2 and view.totals["dead_lettered"] == 1
    assert view.routes[0]["pattern"] == "job.*" and view.routes[0]["delivered"] == 1
    assert view.dead_letters[-1]["type"] == "lost"
    assert [e["event"] for e in view.events][-3:] == ["crashed", "started", "restarted"]
    assert view.tree["name"] == "root" and view.tree["children"][0]["name"] == "worker"
    assert "signals: 2 published" in view.text() and "agent worker" in view.text()
    await sup.stop()
    view.close()
