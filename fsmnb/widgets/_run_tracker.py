"""`RunTracker`: what a run view shows, kept up to date by the run's telemetry.

It is the listener a `RunView` subscribes to the run, so it sits on the run's
hot path: a slotted object, a few dict operations per event, and one call to
`wake` (which arms the view's flush timer) per batch of events.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fsmnb.engine.display import failed_states
from fsmnb.engine.telemetry import TelemetryEvent
from fsmnb.widgets._timeline import covered, journal_rows, row

if TYPE_CHECKING:
    from fsmnb.engine.run import Run

__all__ = ("RunTracker",)

_EFFECT_END = frozenset({"effect_finished", "effect_failed", "effect_cancelled"})


class RunTracker:
    """Visits, failures, running effects, steps and the latest timeline rows of one run.

    Args:
        run: the run; what already happened is read from its journal.
        timeline_size: how many of the latest rows to keep.
        wake: called on the first event after each `take_rows()` (arms a flush).
        finished: called once when the run ends (the view stops listening).
    """

    __slots__ = (
        "active",
        "entered",
        "failed",
        "finished",
        "pending",
        "rows",
        "start",
        "steps",
        "visits",
        "wake",
    )

    def __init__(
        self,
        run: Run,
        *,
        timeline_size: int,
        wake: Callable[[], None],
        finished: Callable[[], None],
    ) -> None:
        journal = run.journal
        self.start: float = journal[0].time if journal else 0.0
        moves = [entry.time for entry in journal if entry.kind == "transition"]
        self.entered: float = moves[-1] if moves else self.start  # when the current state began
        self.visits: dict[str, int] = run.visits
        self.failed: dict[str, None] = dict.fromkeys(failed_states(run))
        self.active: dict[str, tuple[str, str, float]] = {}  # effect path -> (state, label, since)
        self.steps = run.steps
        self.rows: deque[Any] = deque(journal_rows(journal, self.start), maxlen=timeline_size)
        self.pending = False
        self.wake, self.finished = wake, finished

    def on_event(self, event: TelemetryEvent) -> None:
        """Apply one telemetry event (the run calls this for everything it does)."""
        kind = event.kind
        if kind == "transition":
            target = event.state
            visits = self.visits
            visits[target] = visits.get(target, 0) + 1
            self.steps += 1
            self.entered = event.time
            if self.active:  # leaving a state cancels its effects (their events may lag)
                self.active = {p: a for p, a in self.active.items() if a[0] == target}
        elif kind == "effect_started":
            self.active[event.path] = (event.state, event.name, event.time)
        elif kind in _EFFECT_END:
            self.active.pop(event.path, None)
            if kind == "effect_failed":
                self.failed[event.state] = None
        elif kind == "run_finished":
            self.active.clear()
            if event.name == "failed":
                self.failed[event.state] = None
            self.finished()
        if kind in _EFFECT_END:
            self._drop_start(event.path)  # one row per effect: its end, with result and time
        if not covered(event):
            self.rows.append(event)  # made into a row only if still among the latest at the flush
        if not self.pending:
            self.pending = True
            self.wake()

    def _drop_start(self, path: str) -> None:
        """Remove the effect's ``▶ started`` row if it is still waiting for the flush."""
        rows = self.rows
        for back in range(1, min(len(rows), 16) + 1):  # its start is among the latest rows
            item = rows[-back]
            if isinstance(item, TelemetryEvent):
                found = item.kind == "effect_started" and item.path == path
            else:  # already sent: the browser drops it with the next flush
                found = item["kind"] == "effect_started" and item.get("path") == str(path)
            if found:
                del rows[-back]
                return

    def take_rows(self) -> list[dict[str, Any]]:
        """The latest timeline rows; the next event wakes the view again."""
        self.pending = False
        rows = self.rows
        for i, item in enumerate(rows):
            if isinstance(item, TelemetryEvent):
                rows[i] = row(item, self.start)
        return list(rows)

    def active_by_state(self) -> dict[str, list[str]]:
        """The running effects' labels, by the state that started them."""
        by_state: dict[str, list[str]] = {}
        for state, label, _since in self.active.values():
            by_state.setdefault(state, []).append(label)
        return by_state

    def active_since(self) -> dict[str, float]:
        """When the oldest running effect of each state started (epoch seconds)."""
        since: dict[str, float] = {}
        for state, _label, started in self.active.values():
            since[state] = min(since.get(state, started), started)
        return since
