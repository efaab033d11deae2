"""`Manager`: many workflow instances as compact records, by tenant.

An idle instance is a `Run` with no task: its state, its data and its journal.
Events to states that run no code are applied inline, without the event loop,
which is what makes `send_many` fast; a state with an action gets a task only
while the action runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from fsmnb.engine.live import _SOURCES
from fsmnb.engine.run import Run
from fsmnb.engine.run_make import create_run, settle
from fsmnb.errors import FsmnbError, RunNotFound
from fsmnb.workflow.catalog import get_workflow
from fsmnb.workflow.events import Result
from fsmnb.workflow.workflow import Workflow

if TYPE_CHECKING:
    from fsmnb.engine.store import Store

__all__ = ("Manager",)

EventSpec = tuple[str, str] | tuple[str, str, Mapping[str, Any]]


class Manager:
    """Create, drive and inspect many workflow instances; instances are visible only to their tenant.

    Args:
        workflows: the workflows it may instantiate by name (others are found in
            the process-wide catalog).
        store: where journals are kept: a `Store`, or the path of a SQLite file
            (durable: instances already in it are loaded as records, and
            `recover()` continues those that were interrupted); None means the
            engine-wide default (memory unless `fsmnb.engine.set_default_store`).

    Example:
        >>> m = Manager([door])                       # doctest: +SKIP
        >>> rid = m.create("door", tenant="acme")     # doctest: +SKIP
        >>> m.send(rid, "open", tenant="acme")        # doctest: +SKIP
        'opened'
    """

    def __init__(
        self, workflows: Iterable[Workflow] = (), *, store: Store | str | None = None
    ) -> None:
        from fsmnb.engine.durable import resolve_store

        self._workflows: dict[str, Workflow] = {wf.name: wf for wf in workflows}
        self._runs: dict[str, Run] = {}
        self.store = resolve_store(store)
        self._events = 0
        self._refused = 0
        _SOURCES.add(self)
        if self.store is not None and hasattr(self.store, "runs"):
            from fsmnb.engine.resume import load_instances

            load_instances(self)

    def recover(self) -> list[str]:
        """Continue every instance a crash interrupted in a state with code; return their ids.

        They re-enter their state; journaled effect results are replayed, not
        executed again (see ``docs/durability.md``). Needs a running loop.
        """
        from fsmnb.engine.resume import recover

        return recover(self)

    # -- workflows -----------------------------------------------------------------------------

    def add(self, workflow: Workflow) -> Workflow:
        """Make `workflow` available by name (checked now)."""
        self._workflows[workflow.name] = workflow.check()
        return workflow

    def workflow(self, name: str) -> Workflow:
        """The workflow called `name`."""
        wf = self._workflows.get(name)
        return wf if wf is not None else get_workflow(name)

    @property
    def workflow_names(self) -> tuple[str, ...]:
        """The workflows added to this manager."""
        return tuple(self._workflows)

    # -- instances -----------------------------------------------------------------------------

    def create(
        self,
        workflow: str | Workflow,
        data: Mapping[str, Any] | None = None,
        /,
        *,
        tenant: str = "default",
        run_id: str | None = None,
        **kwargs: Any,
    ) -> str:
        """Create an instance and return its id; its initial state's action starts on the loop.

        Raises:
            DefinitionError: the workflow is unknown or invalid.
            InputError: a validator refused the data.
        """
        wf = workflow if isinstance(workflow, Workflow) else self.workflow(workflow)
        wf.check()
        values = {**(data or {}), **kwargs}
        wf.validate_input(values)
        if run_id is not None and run_id in self._runs:
            raise FsmnbError(f"An instance with id `{run_id}` already exists; choose another id.")
        run = create_run(wf, values, run_id=run_id, tenant=tenant, store=self.store)
        self._runs[run.id] = run
        settle(run)
        return run.id

    def get(self, run_id: str, *, tenant: str = "default") -> Run:
        """The instance `run_id` of `tenant`; `RunNotFound` when absent or another tenant's."""
        run = self._runs.get(run_id)
        if run is None or run.tenant != tenant:
            raise RunNotFound(
                f"No instance `{run_id}` for tenant `{tenant}`. List them with "
                f"`manager.list(tenant={tenant!r})`."
            )
        return run

    def send(self, run_id: str, event: str, /, *, tenant: str = "default", **payload: Any) -> str:
        """Send `event` to an instance; returns the state it leads to.

        Raises:
            RunNotFound: no such instance for this tenant.
            TransitionError: the current state does not accept `event` (allowed events listed).
        """
        run = self.get(run_id, tenant=tenant)
        try:
            state = run.send(event, **payload)
        except FsmnbError:
            self._refused += 1
            raise
        self._events += 1
        return state

    def send_many(
        self, events: Iterable[EventSpec], *, tenant: str = "default"
    ) -> list[str | FsmnbError]:
        """Send many events; one entry per event: the state it leads to, or the error it raised.

        A refused event does not stop the others.
        """
        runs = self._runs
        out: list[str | FsmnbError] = []
        append = out.append
        sent = 0
        for spec in events:
            run = runs.get(spec[0])
            try:
                if run is None or run.tenant != tenant:
                    raise RunNotFound(f"No instance `{spec[0]}` for tenant `{tenant}`.")
                append(run.send(spec[1], **spec[2]) if len(spec) == 3 else run.send(spec[1]))
                sent += 1
            except FsmnbError as refused:
                append(refused)
        self._events += sent
        self._refused += len(out) - sent
        flush = getattr(self.store, "flush", None)
        if flush is not None:
            flush()  # a durable store: the whole batch is committed before this returns
        return out

    def state(self, run_id: str, *, tenant: str = "default") -> str:
        """The current state of an instance."""
        return self.get(run_id, tenant=tenant).state

    async def wait(self, run_id: str, *, tenant: str = "default") -> Result:
        """Wait until the instance ends or waits for an event; return its `Result`."""
        return await self.get(run_id, tenant=tenant).wait(until_idle=True)

    def remove(self, run_id: str, *, tenant: str = "default") -> None:
        """Forget an instance (cancelling it first if it is running)."""
        run = self.get(run_id, tenant=tenant)
        run.cancel("removed from the manager")
        del self._runs[run_id]

    def list(
        self, *, tenant: str = "default", workflow: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """Summaries of `tenant`'s instances, optionally filtered by workflow and status."""
        return [
            {"run_id": r.id, "workflow": r.workflow.name, "state": r.state, "status": r.status}
            for r in self._runs.values()
            if r.tenant == tenant
            and (workflow is None or r.workflow.name == workflow)
            and (status is None or r.status == status)
        ]

    def metrics(self, *, tenant: str | None = None) -> dict[str, Any]:
        """Counts of instances by status, workflow and state, and of events sent and refused."""
        runs = [r for r in self._runs.values() if tenant is None or r.tenant == tenant]
        return {
            "instances": len(runs),
            "by_status": dict(Counter(r.status for r in runs)),
            "by_workflow": dict(Counter(r.workflow.name for r in runs)),
            "by_state": dict(Counter(f"{r.workflow.name}.{r.state}" for r in runs)),
            "events_sent": self._events,
            "events_refused": self._refused,
        }

    def __len__(self) -> int:
        return len(self._runs)

    def __repr__(self) -> str:
        return f"<Manager: {len(self._runs)} instances of {len(self._workflows)} workflows>"
