"""Time travel: a run's state and data at any step, forks from a step, diffs between steps.

Step 0 is the run as started; step k is the run right after its k-th
transition (the state it entered and its data then); the last step of an ended
run also holds the data its final state left. A durable run journals its data
at every step, so every step is known; a run kept in memory knows the data of
its first and its current step only (`Snapshot.data` is None for the others).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fsmnb.engine.durable import writer_of
from fsmnb.engine.journal import RunFinished, RunStarted, Transition
from fsmnb.engine.journal_codec import apply_diff
from fsmnb.engine.live import _LIVE
from fsmnb.engine.run import Run
from fsmnb.engine.run_make import fork_from
from fsmnb.errors import RunError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ("DataDiff", "Snapshot", "diff_steps", "fork_run", "snapshot_at", "snapshots")

_MISSING = object()


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A run at one step.

    Attributes:
        step: 0 (started) … `run.steps`.
        state: the state the run was in.
        data: its data then (None when a run kept in memory does not know it).
        time: when the step happened (seconds since the epoch).
        event: the event that led to it (None at step 0).
        payload: that event's payload.
    """

    step: int
    state: str
    data: dict[str, Any] | None
    time: float
    event: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        import html

        data = "unknown (kept in memory)" if self.data is None else html.escape(repr(self.data))
        return (
            f"<div class='fsmnb-snapshot'>step <b>{self.step}</b> in state <b>{self.state}</b>"
            f" after <code>{html.escape(str(self.event))}</code><br><code>{data}</code></div>"
        )


_LOST = Snapshot(-1, "", None, 0.0)


def snapshots(run: Run) -> list[Snapshot]:
    """Every step of `run`, from its journal (its store's, for a durable run)."""
    writer = writer_of(run)
    journal = writer.store.load(run.id) if writer is not None else run.journal
    durable = writer is not None
    first = journal[0] if journal else None
    data: dict[str, Any] | None = None
    out: list[Snapshot] = []
    if isinstance(first, RunStarted):
        data = dict(first.data or {})
        out.append(Snapshot(0, first.state, copy.deepcopy(data), first.time))
    # A run kept in memory keeps only its recent entries (`history=`): the steps it
    # dropped are placeholders that `snapshot_at` refuses.
    kept = sum(1 for e in journal if isinstance(e, Transition))
    out += [_LOST] * (run.steps - kept + 1 - len(out)) if not durable else []
    for entry in journal[1:] if out and out[0] is not _LOST else journal:
        if isinstance(entry, Transition):
            if data is not None and durable:
                apply_diff(data, entry.diff)
            else:
                data = None
            snap = Snapshot(len(out), entry.target, copy.deepcopy(data), entry.time, entry.event,
                            dict(entry.payload or {}))  # fmt: skip
            out.append(snap)
        elif isinstance(entry, RunFinished) and data is not None and durable:
            apply_diff(data, entry.diff)
            last = out[-1]
            out[-1] = Snapshot(last.step, last.state, copy.deepcopy(data), last.time, last.event,
                               last.payload)  # fmt: skip
    if writer is None and run.steps == len(out) - 1:  # in memory: the current data is known
        last = out[-1]
        out[-1] = Snapshot(last.step, last.state, copy.deepcopy(run.data), last.time, last.event,
                           last.payload)  # fmt: skip
    return out


def snapshot_at(run: Run, step: int) -> Snapshot:
    """`run` at `step` (negative steps count from the end, like list indices).

    Raises:
        IndexError: the run has no such step.
    """
    steps = snapshots(run)
    try:
        found = steps[step]
    except IndexError:
        raise IndexError(
            f"Run `{run.id}` has steps 0 to {len(steps) - 1}; there is no step {step}."
        ) from None
    if found is _LOST:
        raise RunError(
            f"Run `{run.id}` no longer keeps step {step} in memory (it keeps its recent journal "
            f'entries only). Start it with a store (`store="runs.db"`) or keep more with '
            f"`fsmnb.engine.set_history(...)` / `Manager(history=...)`."
        )
    return found


def fork_run(
    run: Run, step: int, *, data: dict[str, Any] | Any = None, run_id: str | None = None
) -> Run:
    """A new run that starts at `step` of `run` with its data there updated by `data`.

    The fork re-enters the state of that step (its action runs again, with fresh
    effects), journals its parent and step, and lives in the same store.

    Raises:
        RunError: the data at `step` is not known (a run kept in memory).
    """
    snap = snapshot_at(run, step)
    if snap.data is None:
        raise RunError(
            f"Run `{run.id}` kept no data for step {step} (it is kept in memory). Start it with "
            f'a store (`store="runs.db"`) to fork it from any step.'
        )
    values = {**snap.data, **(data or {})}
    child = fork_from(
        run,
        step=snap.step,
        state=snap.state,
        data=values,
        event=snap.event,
        payload=snap.payload,
        run_id=run_id,
    )
    _LIVE[child.id] = child
    return child


@dataclass(frozen=True, slots=True)
class DataDiff:
    """What changed between two steps of a run.

    Attributes:
        a, b: the steps compared.
        states: the state at `a` and at `b`.
        added: keys present at `b` only, with their values.
        removed: keys present at `a` only, with their values.
        changed: keys whose value differs, as ``(value at a, value at b)``.
    """

    a: int
    b: int
    states: tuple[str, str]
    added: dict[str, Any]
    removed: dict[str, Any]
    changed: dict[str, tuple[Any, Any]]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.states[0] != self.states[1])

    def frame(self) -> pd.DataFrame:
        """One row per changed key: ``key, change, before, after``."""
        import pandas as pd

        rows = [(k, "added", None, v) for k, v in self.added.items()]
        rows += [(k, "removed", v, None) for k, v in self.removed.items()]
        rows += [(k, "changed", old, new) for k, (old, new) in self.changed.items()]
        return pd.DataFrame(rows, columns=["key", "change", "before", "after"])

    def _repr_html_(self) -> str:
        head = f"<b>step {self.a} → {self.b}</b>: {self.states[0]} → {self.states[1]}"
        return head + self.frame().to_html(index=False)

    def __repr__(self) -> str:
        parts = [f"+{k}" for k in self.added] + [f"-{k}" for k in self.removed]
        parts += [f"~{k}" for k in self.changed]
        return (
            f"<DataDiff step {self.a} -> {self.b}: {self.states[0]} -> {self.states[1]}; "
            f"{' '.join(parts) or 'no data change'}>"
        )


def diff_steps(run: Run, a: int, b: int | None = None) -> DataDiff:
    """Compare the data of `run` at steps `a` and `b` (default: the last step)."""
    steps = snapshots(run)
    first = steps[a]
    last = steps[-1 if b is None else b]
    if first.data is None or last.data is None:
        raise RunError(
            f"Run `{run.id}` kept no data for step {a if first.data is None else b} (it is kept "
            f"in memory). Start it with a store to compare any two steps."
        )
    before, after = first.data, last.data
    return DataDiff(
        a=first.step,
        b=last.step,
        states=(first.state, last.state),
        added={k: v for k, v in after.items() if k not in before},
        removed={k: v for k, v in before.items() if k not in after},
        changed={
            k: (before[k], v) for k, v in after.items() if k in before and not _same(before[k], v)
        },
    )


def _same(x: Any, y: Any) -> bool:
    try:
        return bool(x == y)
    except Exception:  # e.g. DataFrames, whose `==` is element-wise
        return x is y or repr(x) == repr(y)
