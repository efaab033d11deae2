"""Seed 004's application as a service: `fsmnb serve fsmnb/signals/examples/service_app.py`.

One router; a monitor agent (health and metrics signals), a coordinator and
three task agents under supervisors (the pool one_for_all, the root
one_for_one); a system health sensor; the order and data-pipeline flows.
``FSMNB_HEALTH_INTERVAL`` sets the sensor's period (seconds, default 10).
"""

from __future__ import annotations

import os

from fsmnb.signals.examples.agents import CoordinatorAgent, MonitorAgent, TaskAgent
from fsmnb.signals.examples.orders import order_processing_flow
from fsmnb.signals.examples.pipeline import data_pipeline_flow
from fsmnb.signals.router import Router
from fsmnb.signals.service import Service
from fsmnb.signals.supervisor import Supervisor
from fsmnb.signals.system_sensors import SystemHealthSensor

router = Router(name="main")
workers = [TaskAgent(f"task_agent_{i}") for i in range(1, 4)]
coordinator = CoordinatorAgent("main_coordinator", workers)
monitor = MonitorAgent("system_monitor")
sensor = SystemHealthSensor(router, interval=float(os.environ.get("FSMNB_HEALTH_INTERVAL", "10")))

router.route("task.submitted", agent=coordinator)
router.route("system.health.**", agent=monitor)
router.route("**.metrics", agent=monitor)

service = Service(
    supervisor=Supervisor(
        [
            monitor,
            sensor,
            coordinator,
            Supervisor(workers, strategy="one_for_all", name="task_pool"),
        ],
        name="jido_system",
    ),
    routers=[router],
    flows=[order_processing_flow(), data_pipeline_flow()],
    name="jido_system",
)
