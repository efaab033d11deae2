"""`RunAPI`: what effect handlers and the outer layers may do with a run.

Handlers, the LLM and agent layers, widgets, the MCP server and the magics see
a run through this protocol and nothing else (`Run` implements it; no module
outside ``fsmnb/engine/run*.py`` touches a run's private fields, which
``tests/unit/test_layering.py`` checks). It is small on purpose:

- read who it is and where it is: `id`, `tenant`, `parent`, `workflow`,
  `state`, `data`, `status`, `steps`, `journal`, `store`;
- journal an entry (`record`), publish telemetry (`publish`, guarded by
  `observed` on hot paths), write a log line (`log`);
- start a child run in the same tenant and store (`start_child`);
- listen (`subscribe`), and the replay table of a durable run (`replay`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from fsmnb.engine.journal import Entry, RunStatus
    from fsmnb.engine.run import Run
    from fsmnb.engine.store import JournalSink, ReplayTable, Store
    from fsmnb.engine.telemetry import TelemetryEvent
    from fsmnb.workflow.workflow import Workflow

__all__ = ("RunAPI",)


class RunAPI(Protocol):
    """The narrow interface of a run for the code that runs inside or beside it.

    Attributes:
        id: the run id.
        tenant: the tenant that owns it.
        parent: the id of the run that started it (or that it was forked from).
        workflow: the `Workflow` it runs.
        state: its current state.
        data: its data (the dict its actions read and change).
        status: a `RunStatus`.
        replay: the journaled results of its current state by effect path
            (durable runs; None otherwise) — what the interpreter consults.
    """

    id: str
    tenant: str
    parent: str | None
    workflow: Workflow
    state: str
    data: dict[str, Any]
    status: RunStatus
    replay: ReplayTable | None

    @property
    def steps(self) -> int:
        """How many transitions it has made (the `visit` part of effect paths)."""
        ...

    @property
    def observed(self) -> bool:
        """Whether anyone listens (the bus or the run's subscribers): publish only then."""
        ...

    @property
    def sink(self) -> JournalSink | None:
        """Where its entries go besides its own recent journal (None: nowhere)."""
        ...

    @property
    def store(self) -> Store | None:
        """The store it journals to (None: kept in memory only)."""
        ...

    @property
    def journal(self) -> list[Entry]:
        """A copy of the entries it keeps in memory (see `history=`)."""
        ...

    def record(self, entry: Entry) -> None:
        """Journal `entry` (its own journal and its store's sink)."""
        ...

    def publish(self, event: TelemetryEvent) -> None:
        """Deliver `event` to the telemetry bus and to the run's subscribers."""
        ...

    def log(self, level: str, message: str) -> None:
        """Write a log line: the `fsmnb` logger, the journal and the telemetry bus."""
        ...

    def start_child(
        self, workflow: Workflow, data: Mapping[str, Any], *, run_id: str | None = None
    ) -> Run:
        """Start `workflow` as a child: same tenant, same store, `parent` set to this run."""
        ...

    def subscribe(self, listener: Callable[[TelemetryEvent], None]) -> Callable[[], None]:
        """Call `listener` for everything this run does; returns an unsubscriber."""
        ...
