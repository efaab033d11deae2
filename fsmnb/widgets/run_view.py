"""`RunView`: a live picture of one run: diagram, status, event buttons, timeline, data.

The diagram's SVG is drawn once per workflow by Graphviz and sent as the
`svg` trait; everything that moves (the lit state, visit counts, failed
states, running effects) travels as small traits that `widgets/run_view.js`
applies to the SVG's nodes by their ids (`state-NAME`), so a fast run never
waits for Graphviz. Updates are coalesced (see `LiveWidget`).

Buttons in the browser send ``{"type": "send", "event": NAME}`` (or
``{"type": "cancel"}``) as a custom message; the view calls `run.send` on
the kernel's loop, which is how a person drives a run waiting for them.

Time travel: the step slider sets the `step` trait (None: live); the view
answers with `snapshot`, the run's state and data at that step (`run.at`),
which the diagram's lit state and the data inspector then show. "Fork from
here" sends ``{"type": "fork", "step": K}``; the view calls `run.fork(K)` and
lists the new run in `forks`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import traitlets as t

from fsmnb.engine.display import run_text
from fsmnb.errors import FsmnbError
from fsmnb.fsm.diagram import DiagramUnavailable
from fsmnb.widgets._assets import asset
from fsmnb.widgets._jsonable import jsonable
from fsmnb.widgets._live import LiveWidget
from fsmnb.widgets._run_tracker import RunTracker

if TYPE_CHECKING:
    from fsmnb.engine.run import Run

__all__ = ("RunView",)


class RunView(LiveWidget):
    """A live view of a `Run`; displaying a run in Jupyter shows one.

    Args:
        run: the run to watch; the view subscribes to it and keeps updating
            after the cell that showed it has finished.
        timeline_size: how many of the latest timeline rows to keep.

    Traits (same names in `widgets/run_view.js`):
        svg: the workflow's diagram (no highlights; the JS adds them).
        workflow, run_id, state, status: what and where the run is.
        visits: times each state was entered. failed: states where an effect failed.
        active: running effects' labels by state. allowed_events: what `send` accepts now.
        active_since: when the oldest running effect of each state started (epoch seconds).
        entered_at: when the run entered its current state (epoch seconds); the view shows
            how long it has been there, and how long its effects have been running.
        timeline: the latest rows ``{t, kind, state, text}``. data: the run's data (bounded JSON).
        steps: `run.steps`, the transitions so far: `run.at(0)` … `run.at(steps)`.
        step: the step the slider shows, 0 … steps; None follows the run live. Set it from
            Python too (`view.step = 2`).
        snapshot: the run at `step`: ``{step, state, event, data, has_data}`` (empty when
            live). `has_data` is False for a middle step of a run kept in memory.
        forks: the runs forked from this view, ``{run_id, step, state}`` each; the run
            itself is `fsmnb.engine.live_run(run_id)` (or `%fsm show RUN_ID`).
        error: the run's error, or the last refused button click or fork.
    """

    _esm = asset("run_view.js")
    _css = asset("run_view.css")

    svg = t.Unicode("").tag(sync=True)
    workflow = t.Unicode("").tag(sync=True)
    run_id = t.Unicode("").tag(sync=True)
    state = t.Unicode("").tag(sync=True)
    status = t.Unicode("running").tag(sync=True)
    visits = t.Dict().tag(sync=True)
    failed = t.List(t.Unicode()).tag(sync=True)
    active = t.Dict().tag(sync=True)
    active_since = t.Dict().tag(sync=True)
    entered_at = t.Float(0.0).tag(sync=True)
    allowed_events = t.List(t.Unicode()).tag(sync=True)
    timeline: t.List[dict[str, Any]] = t.List().tag(sync=True)
    data = t.Dict().tag(sync=True)
    steps = t.Int(0).tag(sync=True)
    step = t.Int(None, allow_none=True).tag(sync=True)
    snapshot = t.Dict().tag(sync=True)
    forks = t.List(t.Dict()).tag(sync=True)
    error = t.Unicode("").tag(sync=True)

    def __init__(self, run: Run, *, timeline_size: int = 100, **kwargs: Any) -> None:
        self.run = run
        self._shown: tuple[int | None, dict[str, Any]] = (None, {})  # (step, its snapshot)
        self._forks: list[dict[str, Any]] = []
        self._fork_runs: list[Run] = []
        self._track = RunTracker(
            run, timeline_size=timeline_size, wake=self._touch, finished=self.detach
        )
        # The comm opens inside __init__ with these values: the front end's first picture is whole.
        super().__init__(
            workflow=run.workflow.name, run_id=run.id, svg=_diagram(run), **self._values(), **kwargs
        )
        self.on_msg(self._on_msg)
        if not run.done:
            self._own(run.subscribe(self._track.on_event))

    def _values(self) -> dict[str, Any]:
        run, track = self.run, self._track
        values = {
            "state": run.state,
            "status": str(run.status),
            "visits": dict(track.visits),
            "failed": list(track.failed),
            "active": track.active_by_state(),
            "active_since": track.active_since(),
            "entered_at": track.entered,
            "allowed_events": list(run.allowed_events),
            "steps": track.steps,
            "timeline": track.take_rows(),
            "data": jsonable(run.data),
            "snapshot": self._snapshot(),
            "forks": list(self._forks),
        }
        if run.error is not None:
            values["error"] = str(run.error)
        return values

    # -- buttons ------------------------------------------------------------------------------------

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "send":
            payload = content.get("payload") or {}
            self._on_loop(self._send_event, str(content.get("event", "")), payload)
        elif kind == "cancel":
            self._on_loop(self.run.cancel, "cancelled from the run view")
        elif kind == "fork":
            step = content.get("step")
            self._on_loop(self._fork, self.run.steps if step is None else step)

    def _on_loop(self, fn: Any, *args: Any) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            if self._loop is not None and self._loop.is_running():
                self._loop.call_soon_threadsafe(fn, *args)
                return
        fn(*args)

    def _send_event(self, event: str, payload: dict[str, Any]) -> None:
        try:
            self.run.send(event, **payload)
        except FsmnbError as exc:
            self.error = str(exc)
        else:
            self.error = ""
        self.flush()  # the new state first, then the answer that enables the buttons again
        self.send({"type": "sent", "event": event, "ok": not self.error})

    # -- time travel --------------------------------------------------------------------------------

    @t.observe("step")
    def _step_moved(self, _change: Any) -> None:
        self._touch()  # the snapshot is computed at the flush: one per flush however fast it moves

    def _snapshot(self) -> dict[str, Any]:
        """The run at `step` (empty when live), computed once per step shown."""
        step = self.step
        if step is None:
            self._shown = (None, {})
        elif self._shown[0] != step:
            try:
                snap = self.run.at(step)
            except (IndexError, TypeError):
                self.error = f"There is no step {step!r}: the slider goes from 0 to {self.steps}."
                return self._shown[1]
            self._shown = (step, {
                "step": snap.step, "state": snap.state, "event": snap.event,
                "data": jsonable(snap.data or {}), "has_data": snap.data is not None,
            })  # fmt: skip
        return self._shown[1]

    def _fork(self, step: int) -> None:
        try:
            child = self.run.fork(step)
        except (FsmnbError, IndexError, TypeError) as exc:
            self.error = str(exc)
        else:
            self.error = ""
            self._forks.append({"run_id": child.id, "step": step, "state": child.state})
            self._fork_runs.append(child)  # its id keeps resolving (`live_run`, `%fsm show`)
        self._touch()

    # -- display ------------------------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"RunView({run_text(self.run)})"


def _diagram(run: Run) -> str:
    try:
        return run.workflow.machine.to_svg()
    except DiagramUnavailable:
        return ""
