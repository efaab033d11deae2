"""Seed 004's agents as supervised agents: TaskAgent, MonitorAgent, CoordinatorAgent.

- TaskAgent counts and validates the tasks it is told (``task.*``), keeping a
  processed/error count and the last task in its journaled state.
- MonitorAgent mounts IntelligentMonitoringSkill and counts the alerts it sees.
- CoordinatorAgent hands each ``task.submitted`` to the next TaskAgent, round
  robin (the seed's default ``coordination_strategy``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from fsmnb.signals.agent import SupervisedAgent
from fsmnb.signals.builtin_skills import IntelligentMonitoringSkill
from fsmnb.signals.signal import Signal

__all__ = ("CoordinatorAgent", "MonitorAgent", "TaskAgent")


class TaskAgent(SupervisedAgent):
    """Process tasks: a task needs an `id`; one with ``fail: true`` counts as an error."""

    initial_state: ClassVar[dict[str, Any]] = {
        "status": "idle", "processed_count": 0, "error_count": 0, "last_task": {},
    }  # fmt: skip

    async def handle(self, signal: Signal) -> Any:
        task = signal.data if isinstance(signal.data, dict) else {}
        self.state["last_task"] = task
        if task.get("fail") or "id" not in task:
            self.state["error_count"] += 1
            return "error"
        self.state["processed_count"] += 1
        return "done"


class MonitorAgent(SupervisedAgent):
    """Watch health and metrics signals through IntelligentMonitoringSkill."""

    initial_state: ClassVar[dict[str, Any]] = {"alerts_seen": 0}

    def __init__(self, name: str, **options: Any) -> None:
        super().__init__(name, skills=[IntelligentMonitoringSkill(min_samples=5)], **options)
        self.router.route("alert.**", self._count_alert, priority=-100)

    def _count_alert(self, signal: Signal) -> None:
        self.state["alerts_seen"] += 1


class CoordinatorAgent(SupervisedAgent):
    """Distribute tasks to its workers, round robin."""

    initial_state: ClassVar[dict[str, Any]] = {"next": 0, "assigned": 0}

    def __init__(self, name: str, workers: Sequence[SupervisedAgent], **options: Any) -> None:
        super().__init__(name, **options)
        self.workers = workers

    async def handle(self, signal: Signal) -> Any:
        worker = self.workers[self.state["next"] % len(self.workers)]
        self.state["next"] += 1
        if not worker.tell(signal):
            raise RuntimeError(f"worker `{worker.name}`'s mailbox is full")
        self.state["assigned"] += 1
        return worker.name
