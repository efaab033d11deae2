"""What runs a workflow: the engine registers itself here (the workflow layer is below it).

`Workflow.start/run/run_sync/map/amap` call the registered `Runner`; the
engine (`fsmnb.engine`, imported by ``import fsmnb``) registers one when it is
imported. Keeping the dependency this way round lets the definitions layer
stay free of the engine while its methods stay where users look for them.
"""

from __future__ import annotations

from collections.abc import Coroutine, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from fsmnb.errors import FsmnbError

if TYPE_CHECKING:
    from fsmnb.workflow.events import Result
    from fsmnb.workflow.workflow import Workflow

__all__ = ("Runner", "get_runner", "set_runner", "split_options")


class Runner(Protocol):
    """Starts and runs workflows (implemented by `fsmnb.engine.runner.EngineRunner`)."""

    def start(self, workflow: Workflow, data: dict[str, Any], /, **options: Any) -> Any:
        """Start a run on the running loop and return it (`Workflow.start`)."""
        ...

    def run(
        self, workflow: Workflow, data: dict[str, Any], /, **options: Any
    ) -> Coroutine[Any, Any, Result]:
        """The coroutine that runs to the end in the caller's task (`Workflow.run`)."""
        ...

    def run_sync(self, workflow: Workflow, data: dict[str, Any], /, **options: Any) -> Result:
        """Run to the end from synchronous code (`Workflow.run_sync`)."""
        ...

    def map(self, workflow: Workflow, inputs: Iterable[Any], /, **options: Any) -> Any:
        """One run per input, blocking; a DataFrame of results (`Workflow.map`)."""
        ...

    async def amap(self, workflow: Workflow, inputs: Iterable[Any], /, **options: Any) -> Any:
        """One run per input, awaitable (`Workflow.amap`)."""
        ...


_RUNNER: list[Runner] = []


def set_runner(runner: Runner) -> None:
    """Make `runner` what every `Workflow` runs on (the engine calls this when imported)."""
    _RUNNER[:] = [runner]


def get_runner() -> Runner:
    """The registered `Runner`.

    Raises:
        FsmnbError: no engine was imported.
    """
    if not _RUNNER:
        raise FsmnbError(
            "No engine is registered to run workflows. `import fsmnb` (or `import fsmnb.engine`) "
            "before starting a run."
        )
    return _RUNNER[0]


def split_options(
    kwargs: dict[str, Any], data: Mapping[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split `run(...)` keyword arguments into run options and data (`data` merged first)."""
    options = {k: kwargs.pop(k) for k in _OPTIONS if k in kwargs}
    return {**(data or {}), **kwargs}, options


_OPTIONS = ("run_id", "tenant", "store", "clock")
