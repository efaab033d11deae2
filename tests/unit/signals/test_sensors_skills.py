"""Sensors (system health, queue, file, errors isolated) and skills (auto-scaling, monitoring)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from fsmnb.errors import DefinitionError
from fsmnb.signals import QueueSensor, Router, Sensor, Signal, SupervisedAgent, Supervisor
from fsmnb.signals.builtin_skills import AutoScalingSkill, IntelligentMonitoringSkill
from fsmnb.signals.system_sensors import FileSensor, SystemHealthSensor


def probe_of(*readings: dict[str, float]) -> Any:
    it = iter(readings)
    return lambda: next(it)


async def test_system_health_sensor_levels() -> None:
    got: list[Signal] = []
    readings = [
        {"cpu_usage": 0.1, "memory_usage": 0.2, "disk_usage": 0.3, "process_count": 9},
        {"cpu_usage": 0.85, "memory_usage": 0.2, "disk_usage": 0.3, "process_count": 9},
        {"cpu_usage": 0.1, "memory_usage": 0.97, "disk_usage": 0.3, "process_count": 9},
    ]
    sensor = SystemHealthSensor(got.append, probe=probe_of(*readings), interval=0.001)
    async with sensor:
        while len(got) < 3:
            await asyncio.sleep(0.001)
    assert [s.type for s in got[:3]] == [
        "system.health.normal",
        "system.health.warning",
        "system.health.critical",
    ]
    assert got[0].source == "sensor:system_health_sensor" and sensor.status == "stopped"


async def test_the_real_psutil_probe_reads_fractions() -> None:
    sensor = SystemHealthSensor()
    reading = (await sensor.read()).data
    assert all(0.0 <= reading[k] <= 1.0 for k in ("cpu_usage", "memory_usage", "disk_usage"))


async def test_a_failing_read_is_counted_and_reported_and_reading_goes_on() -> None:
    class Flaky(Sensor):
        name = "flaky"
        calls = 0

        async def read(self) -> Signal:
            type(self).calls += 1
            if type(self).calls == 1:
                raise OSError("device busy")
            return self.signal("flaky.ok")

    router = Router()
    got: list[str] = []
    router.route("**", lambda s: got.append(s.type))
    sensor = Flaky(router)
    sensor.interval = 0.001
    async with sensor:
        while len(got) < 2:
            await asyncio.sleep(0.001)
    assert got[:2] == ["sensor.error", "flaky.ok"]
    assert sensor.errors == 1 and sensor.last_error == "OSError: device busy"


def test_bad_sensor_config_names_the_field() -> None:
    with pytest.raises(DefinitionError, match="`cpu_threshold`"):
        SystemHealthSensor(probe=lambda: {}, cpu_threshold=2)
    with pytest.raises(DefinitionError, match="does not exist"):
        FileSensor(paths=["/no/such/dir/anywhere"])


async def test_queue_sensor_validates_at_the_edge() -> None:
    queue: asyncio.Queue[Any] = asyncio.Queue()
    got: list[Signal] = []
    sensor = QueueSensor(queue, got.append, type="job.queued")
    for item in ({"type": "job.done", "source": "w"}, {"type": "bad type"}, 42):
        queue.put_nowait(item)
    async with sensor:
        while len(got) < 3:
            await asyncio.sleep(0.001)
    assert [s.type for s in got] == ["job.done", "sensor.error", "job.queued"]
    assert got[2].data == 42 and sensor.errors == 1


async def test_file_sensor_reports_changes(tmp_path: Path) -> None:
    got: list[Signal] = []
    sensor = FileSensor(got.append, paths=[str(tmp_path)], debounce_ms=10)
    async with sensor:
        await asyncio.wait_for(sensor.ready.wait(), 10)
        (tmp_path / "new.txt").write_text("hi")
        for _ in range(500):
            if any(s.type in ("file.added", "file.modified") for s in got):
                break
            await asyncio.sleep(0.01)
    assert any(s.subject and s.subject.endswith("new.txt") for s in got)


class Pool:
    def __init__(self, size: int) -> None:
        self.size = size

    def resize(self, n: int) -> None:
        self.size = n


def test_auto_scaling_between_bounds_with_a_cooldown() -> None:
    now = [0.0]
    pool = Pool(1)
    router = Router()
    skill = AutoScalingSkill(pool, clock=lambda: now[0], max_agents=3, cooldown_seconds=10).mount(
        router
    )
    events: list[str] = []
    router.route("scaling.**", lambda s: events.append(f"{s.type}:{s.data['total_agents']}"))
    high = Signal(type="system.load.high", data={"load": 0.9})
    router.publish(high)
    router.publish(high)  # cooling down
    assert pool.size == 2 and skill.state["held"] == 1
    now[0] = 11
    router.publish(high)
    now[0] = 15
    router.publish(high)  # at max: the condition is false, nothing to do
    assert pool.size == 3
    router.publish(Signal(type="system.load.low", data={"load": 0.05}))
    assert pool.size == 3  # still cooling down from the last scale-up
    now[0] = 40
    router.publish(Signal(type="system.load.low", data={"load": 0.05}))
    router.publish(Signal(type="agent.queue.overflow"))
    assert events == [
        "scaling.agent.spawned:2",
        "scaling.agent.spawned:3",
        "scaling.agent.terminated:2",
        "scaling.agent.spawned:3",
    ]
    with pytest.raises(DefinitionError, match="`min_agents`"):
        AutoScalingSkill(pool, min_agents=-1)


def test_monitoring_flags_an_anomaly_and_generates_an_insight() -> None:
    router = Router()
    IntelligentMonitoringSkill(min_samples=10, z_threshold=3).mount(router)
    alerts: list[Signal] = []
    router.route("alert.**", alerts.append, priority=-1)
    router.route("insight.generated", alerts.append)
    for i in range(30):
        router.publish(Signal(type="db.metrics", source="db", data={"latency_ms": 10 + (i % 3)}))
    assert alerts == []
    router.publish(Signal(type="db.metrics", source="db", data={"latency_ms": 90}))
    assert [a.type for a in alerts] == ["insight.generated", "alert.predictive.latency_ms"]
    for i in range(12):
        router.publish(Signal(type="system.health.warning", data={"cpu_usage": 0.5 + i * 0.04}))
    assert any(a.type == "alert.predictive.cpu_usage" for a in alerts)


async def test_skills_mounted_on_a_supervised_agent_keep_state_across_restarts() -> None:
    pool = Pool(1)
    agent = SupervisedAgent("scaler", skills=[AutoScalingSkill(pool, cooldown_seconds=0)])
    sup = Supervisor([agent])
    sup.start()
    agent.tell(Signal(type="system.load.high", data={"load": 0.95}))
    for _ in range(1000):
        if agent.processed == 1:
            break
        await asyncio.sleep(0)
    sup.kill("scaler")
    for _ in range(1000):
        if sup.restarts == 1 and agent.status == "running":
            break
        await asyncio.sleep(0)
    assert agent.state["skills"]["auto_scaling"]["scaled_up"] == 1
    assert agent.skills[0].state is agent.state["skills"]["auto_scaling"]
    await sup.stop()


async def test_database_sensor_times_probe_queries(tmp_path: Path) -> None:
    import sqlite3

    from fsmnb.signals.examples.database import DatabaseSensor

    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as db:
        db.execute("create table orders (id integer)")
        db.executemany("insert into orders values (?)", [(i,) for i in range(100)])
    sensor = DatabaseSensor(
        database=str(path), probes=["select count(*) from orders", "select * from missing"]
    )
    reading = await sensor.read()
    assert reading.type == "database.metrics" and reading.subject == str(path)
    assert reading.data["failed_queries"] == 1 and reading.data["table_count"] == 1
    assert reading.data["avg_query_ms"] is not None
    missing = DatabaseSensor(database=str(tmp_path / "nope.db"))
    with pytest.raises(sqlite3.OperationalError):
        await missing.read()
