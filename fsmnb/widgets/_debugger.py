"""Run a drawing with breakpoints: the debugger behind the designer's run panel.

Built only on the public run API: the drawing's workflow is built with an
async `on_enter` hook on every state (`build_workflow(wrap=...)`); the hook
returns at once unless the state has a breakpoint (or the debugger is
stepping), in which case the run waits in it — before the state's action —
until `resume()` or `step()`. What the run does is followed through
`run.subscribe`, as the run view does.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from fsmnb.designer.build import build_workflow
from fsmnb.designer.document import Doc
from fsmnb.engine.telemetry import TelemetryEvent
from fsmnb.widgets._jsonable import jsonable
from fsmnb.widgets._timeline import row

if TYPE_CHECKING:
    from fsmnb.engine.run import Run

__all__ = ("Debugger",)

_EFFECT_END = frozenset({"effect_finished", "effect_failed", "effect_cancelled"})


class Debugger:
    """One debug run at a time of a drawing, with breakpoints and stepping.

    Args:
        changed: called (on the loop) whenever something the panel shows changed.
        timeline_size: how many of the latest timeline rows to keep.
    """

    def __init__(self, changed: Callable[[], None], *, timeline_size: int = 200) -> None:
        self.changed = changed
        self.breakpoints: set[str] = set()
        self.stepping = False
        self.paused: str | None = None
        self.run: Run | None = None
        self.visits: dict[str, int] = {}
        self.active: dict[str, tuple[str, str]] = {}
        self.rows: deque[dict[str, Any]] = deque(maxlen=timeline_size)
        self._gate: asyncio.Future[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._start = 0.0

    def start(
        self,
        doc: Doc,
        data: Mapping[str, Any],
        *,
        functions: Mapping[str, Callable[..., Any]] | None = None,
    ) -> Run:
        """Start a run of the drawing (cancelling the previous one); returns it at once.

        Raises:
            DefinitionError: the drawing has problems (each listed).
        """
        self.stop()
        wf = build_workflow(doc, functions=functions, wrap=self._hook)
        run = wf.start(dict(data))
        self.run = run
        self.visits, self.active, self.paused = {run.state: 1}, {}, None
        self.rows.clear()
        self._start = 0.0
        self._unsubscribe = run.subscribe(self._on_event)
        self.changed()
        return run

    def stop(self) -> None:
        """Stop following the current run, cancelling it if it has not ended."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        run, self.run = self.run, None
        if run is not None and not run.done:
            run.cancel("a new debug run started")
        self._release()

    def resume(self) -> None:
        """Let a paused run go on until the next breakpoint."""
        self.stepping = False
        self._release()

    def step(self) -> None:
        """Let a paused run go on into the next state, and pause there."""
        self.stepping = True
        self._release()

    def toggle(self, state: str, on: bool) -> None:
        """Set or clear the breakpoint on `state` (takes effect at its next entry)."""
        if on:
            self.breakpoints.add(state)
        else:
            self.breakpoints.discard(state)
        self.changed()

    def values(self) -> dict[str, Any]:
        """What the run panel shows, as the designer's trait values."""
        run = self.run
        if run is None:
            return {"run": {}, "timeline": [], "breakpoints": sorted(self.breakpoints)}
        by_state: dict[str, list[str]] = {}
        for state, label in self.active.values():
            by_state.setdefault(state, []).append(label)
        status = "paused" if self.paused is not None and not run.done else run.status
        info = {
            "id": run.id, "state": run.state, "status": status, "paused": self.paused or "",
            "visits": dict(self.visits), "active": by_state, "data": jsonable(run.data),
            "allowed_events": [] if self.paused else list(run.allowed_events),
            "error": str(run.error) if run.error is not None else "",
        }  # fmt: skip
        return {"run": info, "timeline": list(self.rows), "breakpoints": sorted(self.breakpoints)}

    # -- inside the run --------------------------------------------------------------------------

    def _hook(self, state: str) -> Callable[[Any], Any]:
        async def pause(ctx: Any) -> None:
            if state not in self.breakpoints and not self.stepping:
                return
            if ctx.instance is not self.run:
                return  # an older run, already cancelled or detached
            self.paused = state
            self._gate = asyncio.get_running_loop().create_future()
            self.rows.append({"t": self._time(), "kind": "paused", "state": state,
                              "text": f"⏸ paused on entering {state}"})  # fmt: skip
            self.changed()
            try:
                await self._gate
            finally:
                self.paused, self._gate = None, None
                self.changed()

        return pause

    def _release(self) -> None:
        gate = self._gate
        if gate is not None and not gate.done():
            gate.set_result(None)

    def _time(self) -> float:
        import time

        now = time.time()
        if not self._start:
            self._start = now
        return round(now - self._start, 4)

    def _on_event(self, event: TelemetryEvent) -> None:
        if not self._start:
            self._start = event.time
        kind = event.kind
        if kind == "transition":
            self.visits[event.state] = self.visits.get(event.state, 0) + 1
            self.active = {p: a for p, a in self.active.items() if a[0] == event.state}
        elif kind == "effect_started":
            self.active[event.path] = (event.state, event.name)
        elif kind in _EFFECT_END:
            self.active.pop(event.path, None)
        elif kind == "run_finished":
            self.active.clear()
        self.rows.append(row(event, self._start))
        self.changed()
