"""`EngineRunner`: what `Workflow.start/run/run_sync/map/amap` call (registered on import)."""

from __future__ import annotations

from collections.abc import Coroutine, Iterable
from typing import TYPE_CHECKING, Any

from fsmnb.engine.mapping import map_runs
from fsmnb.engine.run_make import run_to_end
from fsmnb.engine.start import start_run
from fsmnb.engine.sync import run_sync

if TYPE_CHECKING:
    from fsmnb.engine.run import Run
    from fsmnb.workflow.events import Result
    from fsmnb.workflow.workflow import Workflow

__all__ = ("EngineRunner",)


class EngineRunner:
    """Runs workflows on the caller's event loop (see `fsmnb.workflow.runner.Runner`)."""

    def start(self, workflow: Workflow, data: dict[str, Any], /, **options: Any) -> Run:
        """Start a run on the running loop and return it."""
        return start_run(workflow, data, **options)

    def run(
        self, workflow: Workflow, data: dict[str, Any], /, **options: Any
    ) -> Coroutine[Any, Any, Result]:
        """Run to the end in the caller's task (the coroutine of `run_to_end`, no extra frame)."""
        return run_to_end(workflow, data, **options)

    def run_sync(self, workflow: Workflow, data: dict[str, Any], /, **options: Any) -> Result:
        """Run to the end from synchronous code (see `fsmnb.engine.sync.run_sync`)."""
        return run_sync(self.run(workflow, data, **options))

    def map(self, workflow: Workflow, inputs: Iterable[Any], /, **options: Any) -> Any:
        """One run per input, blocking until all have ended or wait."""
        return run_sync(map_runs(workflow, inputs, **options))

    async def amap(self, workflow: Workflow, inputs: Iterable[Any], /, **options: Any) -> Any:
        """One run per input, awaitable."""
        return await map_runs(workflow, inputs, **options)
