"""`Run`: one instance of a workflow on the running event loop.

A run owns at most one task, and only while it has code to run: a run that
waits for an external event is a compact record with no task, which is what
lets a `Manager` hold many thousands of idle instances. `send()` either moves
an idle run at once (when the states involved run no code) or hands the event
to the run's task; an event that arrives while a state's action is still
running preempts it: the action and every effect it started are cancelled and
the run leaves the state.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any

from fsmnb.effects.base import Effect
from fsmnb.engine.acting import act, hook, outcome_of
from fsmnb.engine.clock import LoopClock
from fsmnb.engine.context import Context
from fsmnb.engine.handlers import interpret
from fsmnb.engine.history_limit import _DEFAULT as _DEFAULT_KEEP
from fsmnb.engine.history_limit import ALL
from fsmnb.engine.journal import (
    EventRejected,
    LogEntry,
    RunFinished,
    RunStarted,
    RunStatus,
    Transition,
)
from fsmnb.engine.live import new_run_id
from fsmnb.engine.telemetry import TelemetryEvent, bus
from fsmnb.errors import CancelledRun, FsmnbError, RunError, TransitionError
from fsmnb.workflow.events import Event, Result

if TYPE_CHECKING:
    import pandas as pd

    from fsmnb.engine.journal import Entry
    from fsmnb.engine.store import JournalSink, ReplayTable, Store
    from fsmnb.engine.timetravel import DataDiff, Snapshot
    from fsmnb.workflow.workflow import Workflow

__all__ = ("Run",)

_IDLE, _SCHEDULED, _ACTING, _MOVING, _DONE = range(5)
_now = time.time
_EMPTY: Mapping[str, Any] = {}
_DEFAULT_CLOCK = LoopClock()
_new_entry = tuple.__new__  # builds a typed entry without its Python-level __new__ (hot path)
_RUNNING, _WAITING = RunStatus.RUNNING, RunStatus.WAITING

Listener = Callable[[TelemetryEvent], None]


class Run:
    """One instance of a workflow; `await run` gives its `Result`.

    Attributes:
        id: the run id.
        workflow: the `Workflow` it runs.
        state: the current state.
        data: the run's data.
        status: a `RunStatus`: ``running``, ``waiting`` (for an external event),
            ``interrupted`` (restored, not yet scheduled), ``done``, ``failed`` or
            ``cancelled``.
        tenant: the tenant that owns it.
        parent: the id of the run that started it, if any.
        replay: journaled results of the current state (durable runs; internal,
            see `fsmnb.engine.run_api.RunAPI`).

    Besides its public surface a run implements `RunAPI`, the narrow interface
    effect handlers and the outer layers use (`record`, `publish`, `log`,
    `start_child`, `observed`, `store`).
    """

    __slots__ = (
        "__weakref__",
        "_ctx",
        "_error",
        "_journal",
        "_keep",
        "_listeners",
        "_pending",
        "_phase",
        "_preempt",
        "_sink",
        "_task",
        "_visit",
        "_waiters",
        "data",
        "id",
        "parent",
        "replay",
        "state",
        "status",
        "tenant",
        "workflow",
    )

    def __init__(
        self,
        workflow: Workflow,
        data: dict[str, Any],
        *,
        run_id: str | None = None,
        tenant: str = "default",
        parent: str | None = None,
        state: str | None = None,
    ) -> None:
        """A bare record with an empty journal; make runs with `fsmnb.engine.run_make`."""
        self.id = run_id or new_run_id()
        self.workflow = workflow
        self.state = state or workflow.initial or ""
        self.data = data
        self.status = _RUNNING
        self.tenant = tenant
        self.parent = parent
        self._ctx: Context | None = None
        self._waiters: list[asyncio.Future[None]] | None = None
        self._error: BaseException | None = None
        self._journal: list[Entry] = []
        self._keep = _DEFAULT_KEEP[0]
        self._listeners: tuple[Listener, ...] = ()
        self._pending: deque[tuple[str, Mapping[str, Any], str]] | None = None
        self._phase = _IDLE
        self._preempt: tuple[str, Mapping[str, Any], str, str] | None = None
        self.replay: ReplayTable | None = None
        self._sink: JournalSink | None = None
        self._task: asyncio.Task[None] | None = None
        self._visit = 0

    # -- public surface ------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        """Whether the run has ended (done, failed or cancelled)."""
        return self._phase == _DONE

    @property
    def has_task(self) -> bool:
        """Whether the run holds an asyncio task now (only while its code runs or is scheduled)."""
        return self._task is not None

    @property
    def error(self) -> BaseException | None:
        """The error that ended the run, if it failed."""
        return self._error

    @property
    def allowed_events(self) -> tuple[str, ...]:
        """The events the current state accepts (what `send` may send now)."""
        if self._phase == _DONE:
            return ()
        return self.workflow.machine.events_from(self.state)

    @property
    def result(self) -> Result:
        """The run's `Result` as of now (final once `done`)."""
        return Result(
            run_id=self.id,
            workflow=self.workflow.name,
            state=self.state,
            status=self.status.value,
            data=dict(self.data),
        )

    @property
    def journal(self) -> list[Entry]:
        """The run's journal: one typed entry per event, see `fsmnb.engine.journal`.

        A durable run's whole journal comes from its store; a run kept in memory
        keeps its `run_started` entry and its most recent entries (``history=``,
        see `fsmnb.engine.set_history`).
        """
        store = self.store
        if store is not None and self._keep != ALL:
            return store.load(self.id)  # the store keeps every entry
        return [_new_entry(Transition, e) if type(e) is tuple else e for e in self._journal]

    @property
    def history(self) -> pd.DataFrame:
        """One row per transition and per effect, with times (a pandas DataFrame)."""
        from fsmnb.engine.history import history_frame

        return history_frame(self.journal)

    @property
    def visits(self) -> dict[str, int]:
        """How many times each state has been entered (of the steps the journal keeps)."""
        from fsmnb.engine.history import visit_counts

        return visit_counts(self.journal)

    # -- time travel (durable runs keep the data of every step; see fsmnb.engine.timetravel) --

    @property
    def steps(self) -> int:
        """How many transitions the run has made: `at(0)` … `at(steps)` are its steps."""
        return self._visit

    def at(self, step: int) -> Snapshot:
        """The run at `step` (0: as started; k: after its k-th transition): state, data, time."""
        from fsmnb.engine.timetravel import snapshot_at

        return snapshot_at(self, step)

    def fork(
        self, step: int, /, *, data: Mapping[str, Any] | None = None, run_id: str | None = None
    ) -> Run:
        """Start a new run from `step` of this one, its data updated with `data`.

        This run's journal is untouched; the fork journals where it came from
        (`fork.parent` is this run's id) and runs in the same store.
        """
        from fsmnb.engine.timetravel import fork_run

        return fork_run(self, step, data=data, run_id=run_id)

    def diff(self, a: int, b: int | None = None) -> DataDiff:
        """What changed in the data (and state) from step `a` to step `b` (default: now)."""
        from fsmnb.engine.timetravel import diff_steps

        return diff_steps(self, a, b)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(TelemetryEvent)` for everything this run does; returns an unsubscriber."""
        self._listeners = (*self._listeners, listener)

        def unsubscribe() -> None:
            self._listeners = tuple(x for x in self._listeners if x is not listener)

        return unsubscribe

    def send(self, event: str, /, **payload: Any) -> str:
        """Send an external event; returns the state it leads to.

        Raises:
            TransitionError: the current state has no transition for `event`
                (the message lists the events it accepts), or every guard refused.
            RunError: the run has ended.
        """
        if self._phase == _DONE:
            raise RunError(
                f"Run `{self.id}` of `{self.workflow.name}` has ended ({self.status} in state "
                f"`{self.state}`); it accepts no more events."
            )
        phase = self._phase
        if phase == _MOVING:
            # Between states inside the task (an async `on_exit` hook is running): queue
            # it; it is checked against the next state and refusals are journaled.
            if self._pending is None:
                self._pending = deque()
            self._pending.append((event, payload, "external"))
            return self.state
        target = self._resolve(event, payload)
        if phase == _ACTING:
            if self._preempt is None:
                self._preempt = (event, payload, target, "external")
                assert self._task is not None
                self._task.cancel("fsmnb: preempted by an external event")
            else:
                if self._pending is None:
                    self._pending = deque()
                self._pending.append((event, payload, "external"))
            return target
        # Idle, or scheduled with the action not yet begun: move at once when no code must
        # run on the way out; the task (started or already scheduled) runs the new state.
        leaving = self.workflow.states[self.state]
        if leaving.on_exit is not None:
            if phase == _IDLE:
                self._schedule(first=(event, payload, "external"))
            else:
                if self._pending is None:
                    self._pending = deque()
                self._pending.append((event, payload, "external"))
            return target
        self._apply(event, payload, target, "external")
        entering = self.workflow.states[target]
        if entering.is_passive:
            if phase == _SCHEDULED and self._task is not None:
                self._task.cancel()  # not begun yet: nothing of it has run
                self._task = None
            if entering.final:
                self._finish(RunStatus.DONE)
            else:
                self._idle()
        else:
            ctx = self._context()  # idle runs have none: give the state's code its event
            ctx.event, ctx.payload = event, payload
            if phase == _IDLE:
                self._schedule()
        return target

    def cancel(self, reason: str = "cancelled") -> None:
        """Cancel the run: running effects are cancelled and compensations run."""
        if self._phase == _DONE:
            return
        if self._task is not None and not self._task.done():
            self._task.cancel(f"fsmnb: {reason}")
        else:
            self._finish(
                RunStatus.CANCELLED, CancelledRun(f"Run `{self.id}` was cancelled: {reason}.")
            )

    async def wait(self, *, until_idle: bool = False) -> Result:
        """Wait for the run to end and return its `Result`.

        Args:
            until_idle: also return (with status ``waiting``) when the run stops
                to wait for an external event.

        Raises:
            RunError: the run failed (the cause is chained).
            CancelledRun: the run was cancelled.

        Cancelling the waiter (e.g. Jupyter's interrupt on `await run`) cancels the run.
        """
        while not self.done and not (until_idle and self._phase == _IDLE):
            # One future per waiter: cancelling a waiter must not cancel the others.
            waiter = asyncio.get_running_loop().create_future()
            if self._waiters is None:
                self._waiters = []
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                self.cancel("interrupted")
                raise
        return self._outcome()

    def __await__(self) -> Generator[Any, None, Result]:
        return self.wait().__await__()

    # -- the driver ----------------------------------------------------------------------------

    def _resolve(self, event: str, payload: Mapping[str, Any]) -> str:
        machine = self.workflow.machine
        edges = machine.candidates(self.state, event)
        if not edges:
            allowed = machine.events_from(self.state)
            listed = ", ".join(f"`{e}`" for e in allowed) or "none (it waits for nothing)"
            raise TransitionError(
                f"State `{self.state}` of workflow `{self.workflow.name}` has no transition for "
                f"event `{event}`. It accepts: {listed}.",
                state=self.state,
                event=event,
                allowed=allowed,
            )
        for t in edges:
            if t.guard is None:
                return t.target
            if self._guard(t.guard, event, payload):
                return t.target
        guards = ", ".join(f"`{t.guard}`" for t in edges if t.guard)
        raise TransitionError(
            f"Event `{event}` in state `{self.state}` of workflow `{self.workflow.name}` was "
            f"refused by every guard ({guards}) and has no unguarded alternative.",
            state=self.state,
            event=event,
            allowed=machine.events_from(self.state),
        )

    def _guard(self, name: str, event: str, payload: Mapping[str, Any]) -> bool:
        view = Context(self, _DEFAULT_CLOCK)
        view.event, view.payload = event, payload
        return bool(self.workflow.guards[name](view))

    def _apply(self, event: str, payload: Mapping[str, Any], target: str, origin: str) -> None:
        source = self.state
        self._visit += 1
        # Kept as a plain tuple with `Transition`'s fields (typed when read: `journal`):
        # building the typed entry costs a second allocation on the hottest path.
        entry = (_now(), source, event, target, payload or None, origin, None)
        if self._keep:
            journal = self._journal
            journal.append(entry)  # type: ignore[arg-type]
            if len(journal) > self._keep:
                self._trim()
        if self._sink is not None:
            self._sink(self.id, _new_entry(Transition, entry))
        self.state = target
        ctx = self._ctx
        if ctx is not None:
            ctx.state, ctx.event, ctx.payload = target, event, payload
        if bus.active or self._listeners:
            self.publish(
                TelemetryEvent(
                    "transition",
                    self.id,
                    target,
                    name=event,
                    data={"source": source, "target": target, "payload": dict(payload)},
                )
            )

    async def _move(self, event: str, payload: Mapping[str, Any], target: str, origin: str) -> None:
        self._phase = _MOVING
        leaving = self.workflow.states[self.state]
        if leaving.on_exit is not None:
            await hook(leaving.on_exit, self._context())
        self._apply(event, payload, target, origin)

    def _context(self) -> Context:
        ctx = self._ctx
        if ctx is None:  # created lazily: idle instances have none
            ctx = self._ctx = Context(self, _DEFAULT_CLOCK)
        return ctx

    def _schedule(self, first: tuple[str, Mapping[str, Any], str] | None = None) -> None:
        if first is not None:
            self._pending = deque([first, *(self._pending or ())])
        self._phase = _SCHEDULED
        self.status = _RUNNING
        self._task = asyncio.get_running_loop().create_task(self._drive(), name=f"fsmnb:{self.id}")

    async def _drive_here(self) -> None:
        """Drive the run in the caller's task (what `Workflow.run` does: no extra task)."""
        self._task = asyncio.current_task()
        self._phase = _SCHEDULED
        self.status = _RUNNING
        await self._drive()

    def _idle(self) -> None:
        self._phase = _IDLE
        self._task = None
        self.status = _WAITING
        self._wake()
        if bus.active or self._listeners:  # widgets redraw their event buttons on this
            self.publish(TelemetryEvent("run_waiting", self.id, self.state))

    async def _drive(self) -> None:
        states = self.workflow.states
        direct = self.workflow.machine._direct
        ctx = self._context()
        try:
            while True:
                pending = self._pending
                if pending:
                    event, payload, origin = pending.popleft()
                    try:
                        target = self._resolve(event, payload)
                    except TransitionError as refused:
                        self.record(EventRejected(_now(), self.state, event, str(refused)))
                        self.log("warning", str(refused))
                        continue
                    await self._move(event, payload, target, origin)
                    continue
                sdef = states[self.state]
                name: str | None = None
                payload = _EMPTY
                if not sdef.is_passive:
                    self._phase = _ACTING
                    try:
                        outcome: str | Event | None
                        if sdef.kind == "sync" and sdef.on_enter is None:
                            # Fast path: a plain function returning an event name runs inline.
                            ctx.emitted = None
                            ctx.effect_count = 0
                            value = sdef.action(ctx)  # type: ignore[misc]
                            if value.__class__ is str:
                                outcome = value
                            else:
                                outcome = await self._outcome_of(value, sdef, ctx)
                        else:
                            outcome = await act(sdef, ctx)
                    except asyncio.CancelledError:
                        if await self._preempted():
                            continue
                        raise
                    except Exception as exc:
                        name, payload = self._on_error(sdef, exc)
                    else:
                        if outcome.__class__ is str:
                            name = outcome
                        elif outcome is not None:
                            name, payload = outcome.name, outcome.payload  # type: ignore[union-attr]
                    self._phase = _MOVING
                    if (self._visit & 1023) == 1023:
                        await asyncio.sleep(0)  # a long synchronous run still lets the loop breathe
                if sdef.final:
                    self._finish(RunStatus.DONE)
                    return
                if name is None:
                    if self._pending:
                        continue
                    self._idle()
                    return
                target = direct.get((self.state, name)) or self._resolve(name, payload)
                if sdef.on_exit is None:
                    self._apply(name, payload, target, "action")
                else:
                    await self._move(name, payload, target, "action")
        except asyncio.CancelledError as cancelled:
            self._finish(
                RunStatus.CANCELLED,
                CancelledRun(f"Run `{self.id}` was cancelled in state `{self.state}`."),
            )
            if not _is_ours(cancelled):
                raise
        except Exception as exc:
            self._finish(RunStatus.FAILED, exc)

    async def _outcome_of(self, value: Any, sdef: Any, ctx: Context) -> Event | None:
        if isinstance(value, Effect):
            ctx.effect_count += 1
            await interpret(value, ctx, (self.state, self._visit, ctx.effect_count))
            return ctx.emitted
        return outcome_of(value, ctx, f"The action of state `{sdef.name}`")

    async def _preempted(self) -> bool:
        """After a cancellation: if an external event preempted the state, take it and go on."""
        preempt = self._preempt
        if preempt is None:
            return False
        self._preempt = None
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
        await self._move(*preempt)
        return True

    def _on_error(self, sdef: Any, exc: Exception) -> tuple[str, Mapping[str, Any]]:
        """A failing action moves the run by its state's `error` event, if it has one."""
        if sdef.final or "error" not in self.workflow.machine.events_from(self.state):
            raise exc
        return "error", {"error": str(exc), "type": type(exc).__name__}

    def _finish(self, status: RunStatus, error: BaseException | None = None) -> None:
        if self._phase == _DONE:
            return
        self._phase = _DONE
        self.status = status
        self._task = None
        self._ctx = None  # break the run <-> context cycle so refcounting frees finished runs
        if error is not None and status == RunStatus.FAILED and not isinstance(error, FsmnbError):
            wrapped = RunError(
                f"State `{self.state}` of workflow `{self.workflow.name}` raised "
                f"{type(error).__name__}: {error}"
            )
            wrapped.__cause__ = error
            error = wrapped
        self._error = error
        text = str(error) if error else None
        self.record(_new_entry(RunFinished, (time.time(), status.value, self.state, text, None)))
        self._wake()
        if bus.active or self._listeners:
            self.publish(
                TelemetryEvent(
                    "run_finished",
                    self.id,
                    self.state,
                    name=status,
                    data={"error": str(error) if error else None},
                )
            )

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def _outcome(self) -> Result:
        if self.status == RunStatus.FAILED and self._error is not None:
            raise self._error
        if self.status == RunStatus.CANCELLED:
            raise self._error or CancelledRun(f"Run `{self.id}` was cancelled.")
        return self.result

    # -- the narrow internal API (fsmnb.engine.run_api.RunAPI) ---------------------------------

    @property
    def observed(self) -> bool:
        """Whether anyone listens (the bus or this run's subscribers): publish only then."""
        return bus.active or bool(self._listeners)

    @property
    def sink(self) -> JournalSink | None:
        """Where the run's entries go besides its own journal (its store's sink)."""
        return self._sink

    @property
    def store(self) -> Store | None:
        """The store the run journals to (None: kept in memory only)."""
        store: Store | None = getattr(self._sink, "store", None)
        return store

    def record(self, entry: Entry) -> None:
        """Journal `entry`: the run's own journal and its store's sink."""
        sink = self._sink
        if sink is not None and sink(self.id, entry) is False:
            return  # journaled before a crash and replayed: the store keeps one copy
        journal = self._journal
        journal.append(entry)
        if len(journal) > self._keep:
            self._trim()

    def _trim(self) -> None:
        """Drop the oldest entries beyond the history limit (`run_started` stays while any do)."""
        journal, keep = self._journal, self._keep
        if keep <= 0:
            journal.clear()
            return
        start = 1 if type(journal[0]) is RunStarted and keep > 1 else 0
        # Drop a quarter at a time so that a long history is not shifted at every step.
        drop = len(journal) - (keep - keep // 4)
        del journal[start : start + drop]

    def publish(self, event: TelemetryEvent) -> None:
        """Deliver `event` to the telemetry bus and to this run's subscribers."""
        if bus.active:
            bus.publish(event)
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:
                import logging

                logging.getLogger("fsmnb").exception("run listener %r failed", listener)

    def start_child(
        self, workflow: Workflow, data: Mapping[str, Any], *, run_id: str | None = None
    ) -> Run:
        """Start `workflow` as a child of this run: same tenant, same store, `parent` set."""
        from fsmnb.engine.start import start_run

        store = self.store
        return start_run(
            workflow, dict(data), run_id=run_id, parent=self.id, tenant=self.tenant, store=store
        )

    def log(self, level: str, message: str) -> None:
        """Write a log line: the `fsmnb` logger, the journal and the telemetry bus."""
        import logging

        logging.getLogger("fsmnb").log(
            logging.getLevelName(level.upper()), "[%s] %s", self.id, message
        )
        self.record(LogEntry(time.time(), self.state, level, message))
        if bus.active or self._listeners:
            self.publish(
                TelemetryEvent("log", self.id, self.state, name=level, data={"message": message})
            )

    # -- display -------------------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"<Run {self.id} of {self.workflow.name!r}: {self.status} in {self.state!r}>"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        """A static drawing (SVG/HTML) and a text line; live widgets replace it in Jupyter."""
        from fsmnb.engine.display import run_mimebundle

        return run_mimebundle(self, **kwargs)


def _is_ours(cancelled: asyncio.CancelledError) -> bool:
    return bool(cancelled.args) and str(cancelled.args[0]).startswith("fsmnb:")
