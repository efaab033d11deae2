"""`Manager`: many workflow instances as compact records, by tenant.

An idle instance is a `Run` with no task: its state, its data and its journal.
Events to states that run no code are applied inline, without the event loop,
which is what makes `send_many` fast; a state with an action gets a task only
while the action runs.
"""

from __future__ import annotations

import builtins
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from fsmnb.engine.history_limit import History, history_limit
from fsmnb.engine.journal import RunStatus
from fsmnb.engine.live import _SOURCES, live_run
from fsmnb.engine.resume import continue_run, restore, take_over
from fsmnb.engine.run import Run
from fsmnb.engine.run_make import create_run, settle
from fsmnb.engine.store import DurableStore
from fsmnb.errors import DefinitionError, FsmnbError, RunError, RunNotFound
from fsmnb.workflow.catalog import get_workflow
from fsmnb.workflow.events import Result
from fsmnb.workflow.workflow import Workflow

if TYPE_CHECKING:
    from fsmnb.engine.store import Store

__all__ = ("Manager",)

_log = logging.getLogger("fsmnb")

EventSpec = tuple[str, str] | tuple[str, str, Mapping[str, Any]]


class Manager:
    """Create, drive and inspect many workflow instances; instances are visible only to their tenant.

    Args:
        workflows: the workflows it may instantiate by name (others are found in
            the process-wide catalog).
        store: where journals are kept: a `Store`, or the path of a SQLite file
            (durable: an instance already in it is loaded when it is first touched,
            by id; `recover()` loads the unfinished ones and continues those that
            were interrupted); None means the engine-wide default (memory unless
            `fsmnb.engine.set_default_store`).
        history: journal entries each instance keeps in memory (int or ``"all"``).
            Default 0: an idle instance does not grow with its events; `run.journal`
            and `run.history` of an instance in a store read the store.

    Example:
        >>> m = Manager([door])                       # doctest: +SKIP
        >>> rid = m.create("door", tenant="acme")     # doctest: +SKIP
        >>> m.send(rid, "open", tenant="acme")        # doctest: +SKIP
        'opened'
    """

    def __init__(
        self,
        workflows: Iterable[Workflow] = (),
        *,
        store: Store | str | None = None,
        history: History = 0,
    ) -> None:
        from fsmnb.engine.durable import resolve_store

        self._workflows: dict[str, Workflow] = {wf.name: wf for wf in workflows}
        self._runs: dict[str, Run] = {}
        self.store = resolve_store(store)
        self._durable = self.store if isinstance(self.store, DurableStore) else None
        self._removed: set[str] = set()
        self._history = history
        history_limit(history)  # check it now
        # Per tenant, so `metrics(tenant=...)` tells a tenant nothing about the others.
        self._events: Counter[str] = Counter()
        self._refused: Counter[str] = Counter()
        _SOURCES.add(self)

    def recover(self) -> list[str]:
        """Load the unfinished instances of a durable store; continue those a crash interrupted.

        Instances interrupted in a state with code re-enter it; journaled effect
        results are replayed, not executed again (see ``docs/durability.md``).
        Each is taken under its lease first and read again (another process may
        have moved it); one that another live process drives is left to it.
        Returns the ids of the instances continued. Needs a running loop when
        there are any.
        """
        durable = self._durable
        if durable is None:
            return []
        unfinished = [r["run_id"] for r in durable.runs(status="running")]
        continued = []
        for run in self._load(unfinished):
            if run.status != RunStatus.INTERRUPTED:
                continue
            leased = take_over(durable, run, history=self._history)
            if leased is None:
                continue  # driven by another process
            self._runs[run.id] = leased
            if leased.status == RunStatus.INTERRUPTED:
                continue_run(leased)
                continued.append(run.id)
        return continued

    def loaded(self, run_id: str) -> Run | None:
        """The instance `run_id` if this manager holds it in memory now (any tenant; no loading)."""
        return self._runs.get(run_id)

    def _lookup(self, run_id: str) -> Run | None:
        """The instance `run_id`, loaded from the durable store when first touched."""
        run = self._runs.get(run_id)
        if run is None and self._durable is not None and run_id not in self._removed:
            loaded = self._load([run_id])
            run = loaded[0] if loaded else None
        return run

    def _load(self, run_ids: list[str]) -> list[Run]:
        """Restore these runs from the durable store (as records; nothing runs)."""
        durable = self._durable
        wanted = [r for r in run_ids if r not in self._runs and r not in self._removed]
        if durable is None or not wanted:
            return [self._runs[r] for r in run_ids if r in self._runs]
        journals = durable.journals(wanted)
        for run_id in wanted:
            journal = journals.get(run_id)
            if not journal:
                continue
            live = live_run(run_id)
            if live is not None:
                self._runs[run_id] = live
                continue
            info = durable.info(run_id) or {}
            try:
                wf = self.workflow(info.get("workflow") or "")
                self._runs[run_id] = restore(
                    durable, journal, wf, run_id=run_id, tenant=info.get("tenant", "default"),
                    parent=info.get("parent"), history=self._history,
                )  # fmt: skip
            except (DefinitionError, RunError) as error:
                _log.warning("fsmnb: run %s is not loaded: %s", run_id, error)
        return [self._runs[r] for r in run_ids if r in self._runs]

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
        run = create_run(
            wf, values, run_id=run_id, tenant=tenant, store=self.store, history=self._history
        )
        self._runs[run.id] = run
        settle(run)
        return run.id

    def get(self, run_id: str, *, tenant: str = "default") -> Run:
        """The instance `run_id` of `tenant`; `RunNotFound` when absent or another tenant's."""
        run = self._lookup(run_id)
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
            self._refused[tenant] += 1
            raise
        self._events[tenant] += 1
        return state

    def send_many(
        self, events: Iterable[EventSpec], *, tenant: str = "default"
    ) -> list[str | FsmnbError]:
        """Send many events; one entry per event: the state it leads to, or the error it raised.

        A refused event does not stop the others.
        """
        runs = self._runs
        lookup = self._lookup if self._durable is not None else runs.get
        out: list[str | FsmnbError] = []
        append = out.append
        sent = 0
        for spec in events:
            run = runs.get(spec[0]) or lookup(spec[0])
            try:
                if run is None or run.tenant != tenant:
                    raise RunNotFound(f"No instance `{spec[0]}` for tenant `{tenant}`.")
                append(run.send(spec[1], **spec[2]) if len(spec) == 3 else run.send(spec[1]))
                sent += 1
            except FsmnbError as refused:
                append(refused)
        self._events[tenant] += sent
        self._refused[tenant] += len(out) - sent
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
        self._removed.add(run_id)

    def list(
        self, *, tenant: str = "default", workflow: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """Summaries of `tenant`'s instances, optionally filtered by workflow and status.

        Instances of a durable store that were not touched yet are summarised from
        the store without being loaded.
        """
        rows = [
            {"run_id": r.id, "workflow": r.workflow.name, "state": r.state, "status": str(r.status)}
            for r in self._runs.values()
            if r.tenant == tenant
        ]
        rows += self._unloaded(tenant)
        return [
            row
            for row in rows
            if (workflow is None or row["workflow"] == workflow)
            and (status is None or row["status"] == status)
        ]

    def _unloaded(self, tenant: str | None) -> builtins.list[dict[str, Any]]:
        """Summaries of the durable store's instances this manager has not loaded."""
        if self._durable is None:
            return []
        out = []
        for row in self._durable.runs(tenant=tenant):
            run_id = row["run_id"]
            if run_id in self._runs or run_id in self._removed:
                continue
            status = row["status"]
            if status == "running":  # the store does not tell waiting runs apart: the workflow does
                try:
                    sdef = self.workflow(row["workflow"]).states.get(row["state"])
                except FsmnbError:
                    sdef = None
                passive = sdef is not None and sdef.is_passive
                status = RunStatus.WAITING if passive else RunStatus.INTERRUPTED
            out.append(
                {"run_id": run_id, "workflow": row["workflow"], "state": row["state"],
                 "status": str(status), "tenant": row["tenant"]}
            )  # fmt: skip
        return out

    def metrics(self, *, tenant: str | None = None) -> dict[str, Any]:
        """Counts of instances by status, workflow and state, and of events sent and refused.

        With `tenant`, every count is that tenant's alone (events included).
        """
        rows = [
            {"workflow": r.workflow.name, "state": r.state, "status": str(r.status)}
            for r in self._runs.values()
            if tenant is None or r.tenant == tenant
        ] + self._unloaded(tenant)
        return {
            "instances": len(rows),
            "by_status": dict(Counter(r["status"] for r in rows)),
            "by_workflow": dict(Counter(r["workflow"] for r in rows)),
            "by_state": dict(Counter(f"{r['workflow']}.{r['state']}" for r in rows)),
            "events_sent": self._events[tenant] if tenant is not None else self._events.total(),
            "events_refused": (
                self._refused[tenant] if tenant is not None else self._refused.total()
            ),
        }

    def __len__(self) -> int:
        return len(self._runs) + len(self._unloaded(None))

    def __repr__(self) -> str:
        return f"<Manager: {len(self._runs)} instances of {len(self._workflows)} workflows>"
