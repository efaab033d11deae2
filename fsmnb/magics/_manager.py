"""`ShellManager`: one shell's runs, as a `Manager` that `%fsm mcp start` can serve.

The magics of a shell keep their runs in one `ShellManager`. It is the
registry `%fsm list`, `send`, `history` and `cancel` search, and the manager
`%fsm mcp start` serves, so both sides see one set of runs: a run an MCP
client creates shows in `%fsm list` (and its view updates live), and a run
started with `%fsm run` or `%fsm resume` can be driven by the client (both
act for the tenant ``"default"``).

Two things differ from a plain `Manager`, so that it behaves like the rest of
the notebook:

- its workflows are the ones registered in this process (what `%fsm list`
  shows), looked up on every request: a workflow redefined by re-running its
  `%%workflow` cell is served as redefined, without restarting the server;
- its store is the engine-wide default at the time a run is created, as for
  `wf.start()`: after `fsmnb.engine.set_default_store("runs.db")`, runs that
  MCP clients create are durable too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fsmnb.engine.durable import get_default_store
from fsmnb.engine.history_limit import get_history
from fsmnb.engine.manager import Manager
from fsmnb.workflow import workflow_names

if TYPE_CHECKING:
    from fsmnb.engine.run import Run
    from fsmnb.engine.store import Store

__all__ = ("ShellManager",)


class ShellManager(Manager):
    """The runs started, resumed or created (over MCP) in one IPython shell."""

    def __init__(self) -> None:
        # A notebook's runs keep what `wf.start()` runs keep (`fsmnb.engine.set_history`), so
        # `run.history` of a run created over MCP shows its steps like any other.
        super().__init__(history=get_history())

    @property
    def store(self) -> Store | None:
        """Where new runs are journaled: the engine-wide default store (None: memory)."""
        return get_default_store()

    @store.setter
    def store(self, _value: Any) -> None:
        # `Manager.__init__` assigns the default store of that moment; this manager follows
        # `fsmnb.engine.set_default_store` instead, like `wf.start()` does.
        pass

    @property
    def workflow_names(self) -> tuple[str, ...]:
        """The workflows added to this manager and every registered one (`%fsm list`)."""
        return tuple(dict.fromkeys((*self._workflows, *workflow_names())))

    @property
    def runs(self) -> Mapping[str, Run]:
        """Every run of this shell, by id, in the order they came."""
        return self._runs

    def adopt(self, run: Run) -> Run:
        """Keep `run` (started with `wf.start`, `fsmnb.resume`, ...) among this shell's runs."""
        self._runs[run.id] = run
        return run
