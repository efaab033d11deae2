"""Per-shell state of the magics: the runs they started, and how names are looked up."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, TypeVar

from IPython.core.error import UsageError

from fsmnb.engine.live import find_run
from fsmnb.engine.run import Run
from fsmnb.errors import DefinitionError
from fsmnb.magics._manager import ShellManager
from fsmnb.workflow import Workflow, get_workflow

if TYPE_CHECKING:
    from fsmnb.magics.mcp_service import McpService

__all__ = ("Session",)

T = TypeVar("T")


class Session:
    """What the magics of one shell share: its namespace, its runs, its MCP server.

    Args:
        user_ns: the shell's user namespace (variables are looked up there first).

    Attributes:
        manager: the shell's runs (`%fsm run`, `%fsm resume`, MCP clients' runs); the
            manager `%fsm mcp start` serves.
        mcp: the MCP server `%fsm mcp start` started (None when none is running).
    """

    def __init__(self, user_ns: MutableMapping[str, Any]) -> None:
        self.user_ns = user_ns
        self.manager = ShellManager()
        self.mcp: McpService | None = None

    @property
    def runs(self) -> Mapping[str, Run]:
        """The shell's runs by id: started or resumed here, or created by MCP clients."""
        return self.manager.runs

    def add_run(self, run: Run) -> Run:
        """Remember `run` so that `%fsm send RUN ...` finds it by id (and MCP clients see it)."""
        return self.manager.adopt(run)

    def workflow(self, name: str) -> Workflow:
        """The workflow held by variable `name`, else the one registered as `name`.

        Raises:
            UsageError: neither exists (the message lists the known workflows).
        """
        value = self.user_ns.get(name)
        if isinstance(value, Workflow):
            return value
        try:
            return get_workflow(name)
        except DefinitionError as exc:
            raise UsageError(str(exc)) from None

    def run(self, key: str) -> Run:
        """The run held by variable `key`, else the run with id `key`.

        Raises:
            UsageError: no such run (the message lists the runs started here).
        """
        value = self.user_ns.get(key)
        if isinstance(value, Run):
            return value
        found = self.runs.get(key) or find_run(key)
        if found is None:
            known = ", ".join(f"`{r}`" for r in self.runs) or "none yet"
            raise UsageError(
                f"No run `{key}`: give a run id or a variable holding a run. Runs started "
                f"with `%fsm run` here: {known}. After a restart, `%fsm resume {key}` "
                f"continues a durable run."
            )
        return found

    def drive(self, step: Callable[[], T], settle: Run | bool = False) -> T:
        """Do `step()` on the loop runs go on; without a running loop, let a run settle.

        In a kernel (a running loop) runs go on in the background and `step`
        simply runs. In a shell without a running loop (terminal IPython, tests)
        `step` runs on IPython's asyncio loop, then that loop runs until the
        run `settle` (or, with ``settle=True``, the run `step` returned) ends or
        waits for an event.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            return step()

        async def step_then_settle() -> T:
            value = step()
            run = value if settle is True else settle
            if isinstance(run, Run):
                await _quietly(run.wait(until_idle=True))
            return value

        from IPython.core.async_helpers import get_asyncio_loop

        loop: asyncio.AbstractEventLoop = get_asyncio_loop()
        return loop.run_until_complete(step_then_settle())


async def _quietly(waiting: Awaitable[Any]) -> None:
    """Await; a run's own failure is shown by its status, not raised by the magic."""
    from fsmnb.errors import RunError

    with contextlib.suppress(RunError):
        await waiting
