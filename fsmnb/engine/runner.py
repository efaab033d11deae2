"""`EngineRunner`: what `Workflow.start/run/run_sync/map/amap` call (registered on import)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from fsmnb.engine.journal import RunStatus
from fsmnb.engine.mapping import map_runs
from fsmnb.engine.run_make import drive_inline
from fsmnb.engine.start import start_run
from fsmnb.engine.sync import run_sync
from fsmnb.errors import RunError

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

    async def run(self, workflow: Workflow, data: dict[str, Any], /, **options: Any) -> Result:
        """Run to the end in the caller's task: no extra task or loop round trip per run.

        Raises:
            RunError: the run failed, or stopped to wait for an external event.
        """
        run = start_run(workflow, data, schedule=False, **options)
        await drive_inline(run)
        result = await run.wait(until_idle=True)
        if result.status == RunStatus.WAITING:
            allowed = ", ".join(f"`{e}`" for e in run.allowed_events)
            raise RunError(
                f"Run `{run.id}` of `{workflow.name}` is waiting in state `{run.state}` for one "
                f"of {allowed}. `run()` runs to the end; use `run = {workflow.name}.start(...)` "
                f"and `run.send(event)` for workflows that wait for events."
            )
        return result

    def run_sync(self, workflow: Workflow, data: dict[str, Any], /, **options: Any) -> Result:
        """Run to the end from synchronous code (see `fsmnb.engine.sync.run_sync`)."""
        return run_sync(self.run(workflow, data, **options))

    def map(self, workflow: Workflow, inputs: Iterable[Any], /, **options: Any) -> Any:
        """One run per input, blocking until all have ended or wait."""
        return run_sync(map_runs(workflow, inputs, **options))

    async def amap(self, workflow: Workflow, inputs: Iterable[Any], /, **options: Any) -> Any:
        """One run per input, awaitable."""
        return await map_runs(workflow, inputs, **options)
