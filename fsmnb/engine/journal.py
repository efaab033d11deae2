"""The journal: every run as an append-only list of typed entries.

One small class per kind, each a slotted named tuple whose first field is its
wall-clock time (seconds since the epoch); `entry.kind` is a class attribute
and uses the same words as the telemetry bus (`fsmnb.engine.telemetry`).

| kind              | class            | fields after `time`                                             |
| ----------------- | ---------------- | --------------------------------------------------------------- |
| `run_started`     | `RunStarted`     | workflow, data (a copy of the start data), state (initial)      |
| `transition`      | `Transition`     | source, event, target, payload or None, origin, diff            |
| `effect_finished` | `EffectFinished` | state, path, label, duration (s), result                        |
| `effect_failed`   | `EffectFailed`   | state, path, label, duration (s), error (text), error_type      |
| `effect_retry`    | `EffectRetry`    | state, path, attempt, error (text), wait (s)                    |
| `event_rejected`  | `EventRejected`  | state, event, reason                                            |
| `log`             | `LogEntry`       | state, level, message                                           |
| `run_finished`    | `RunFinished`    | status, state, error (text) or None, diff                       |
| `run_forked`      | `RunForked`      | parent (run id), step (of the parent it starts from)            |

`origin` is ``action`` (the state's code chose the event) or ``external``
(`run.send`). `diff` is only set in journals read back from a durable store:
the data keys that changed, ``{"set": {...}, "del": [...]}`` (see
`fsmnb.engine.journal_codec`). Entering a state is implied by `run_started`
(the initial state) and by each `transition` (its target).

Stores keep the compact form, a plain tuple ``(stored kind, time, *fields)``
whose kind names predate this vocabulary (``started``, ``effect``, ``retry``,
``finished``, ``forked``); `to_compact` and `from_compact` convert.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, ClassVar, NamedTuple

from fsmnb.engine.telemetry import TelemetryEvent

__all__ = (
    "ENTRY_TYPES",
    "STORED_KIND",
    "EffectFailed",
    "EffectFinished",
    "EffectRetry",
    "Entry",
    "EventRejected",
    "LogEntry",
    "RunFinished",
    "RunForked",
    "RunStarted",
    "RunStatus",
    "Transition",
    "as_telemetry",
    "entry_fields",
    "from_compact",
    "to_compact",
)


class RunStatus(StrEnum):
    """What a run is doing; members compare equal to (and print as) their values.

    Attributes:
        RUNNING: its code runs, or is scheduled to run, on the event loop.
        WAITING: it is idle in a state with no code, waiting for an external event.
        INTERRUPTED: restored from a durable journal in a state whose code must run
            again, not scheduled yet (`fsmnb.resume` / `Manager.recover` schedule it).
        DONE: it reached a final state.
        FAILED: its code raised and no `error` transition caught it (`run.error`).
        CANCELLED: `run.cancel()`, an interrupt, or its parent left the state.
    """

    __repr__ = str.__repr__  # print as the plain string it always was

    RUNNING = "running"
    WAITING = "waiting"
    INTERRUPTED = "interrupted"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class _RunStarted(NamedTuple):
    time: float
    workflow: str
    data: dict[str, Any] | None
    state: str


class RunStarted(_RunStarted):
    """A run began in `state` with `data` (forks begin with this entry too)."""

    __slots__ = ()
    kind: ClassVar[str] = "run_started"


class _Transition(NamedTuple):
    time: float
    source: str
    event: str
    target: str
    payload: Mapping[str, Any] | None
    origin: str
    diff: Mapping[str, Any] | None = None


class Transition(_Transition):
    """The run left `source` by `event` and entered `target`."""

    __slots__ = ()
    kind: ClassVar[str] = "transition"


class _EffectFinished(NamedTuple):
    time: float
    state: str
    path: tuple[Any, ...]
    label: str
    duration: float
    result: Any


class EffectFinished(_EffectFinished):
    """A leaf effect at `path` returned `result` (what durable replay returns again)."""

    __slots__ = ()
    kind: ClassVar[str] = "effect_finished"


class _EffectFailed(NamedTuple):
    time: float
    state: str
    path: tuple[Any, ...]
    label: str
    duration: float
    error: str
    error_type: str | None = None


class EffectFailed(_EffectFailed):
    """A leaf effect at `path` raised; `error_type` is ``module:QualifiedName``."""

    __slots__ = ()
    kind: ClassVar[str] = "effect_failed"


class _EffectRetry(NamedTuple):
    time: float
    state: str
    path: tuple[Any, ...]
    attempt: int
    error: str
    wait: float


class EffectRetry(_EffectRetry):
    """A `retry` effect failed attempt `attempt` and waits `wait` seconds before the next."""

    __slots__ = ()
    kind: ClassVar[str] = "effect_retry"


class _EventRejected(NamedTuple):
    time: float
    state: str
    event: str
    reason: str


class EventRejected(_EventRejected):
    """An event queued while the run moved was refused by the state it reached."""

    __slots__ = ()
    kind: ClassVar[str] = "event_rejected"


class _LogEntry(NamedTuple):
    time: float
    state: str
    level: str
    message: str


class LogEntry(_LogEntry):
    """A line of the run's log (`ctx.log`, the `log` effect)."""

    __slots__ = ()
    kind: ClassVar[str] = "log"


class _RunFinished(NamedTuple):
    time: float
    status: str
    state: str
    error: str | None
    diff: Mapping[str, Any] | None = None


class RunFinished(_RunFinished):
    """The run ended with `status` (a `RunStatus` value) in `state`."""

    __slots__ = ()
    kind: ClassVar[str] = "run_finished"


class _RunForked(NamedTuple):
    time: float
    parent: str
    step: int


class RunForked(_RunForked):
    """The run is a fork of `parent` from its step `step` (follows the fork's `run_started`)."""

    __slots__ = ()
    kind: ClassVar[str] = "run_forked"


Entry = (
    RunStarted
    | Transition
    | EffectFinished
    | EffectFailed
    | EffectRetry
    | EventRejected
    | LogEntry
    | RunFinished
    | RunForked
)

#: Every entry class by its kind.
ENTRY_TYPES: dict[str, type[Any]] = {
    cls.kind: cls
    for cls in (
        RunStarted,
        Transition,
        EffectFinished,
        EffectFailed,
        EffectRetry,
        EventRejected,
        LogEntry,
        RunFinished,
        RunForked,
    )
}

# The kind names of the compact (stored) form, where they differ.
_STORED = {
    "run_started": "started",
    "effect_finished": "effect",
    "effect_retry": "retry",
    "run_finished": "finished",
    "run_forked": "forked",
}
_TYPED = {stored: ENTRY_TYPES[kind] for kind, stored in _STORED.items()}
#: The kind of each entry class in the compact (stored) form.
STORED_KIND: dict[str, str] = {kind: _STORED.get(kind, kind) for kind in ENTRY_TYPES}


def to_compact(entry: Entry) -> tuple[Any, ...]:
    """The stored form of `entry`: ``(stored kind, time, *fields)`` (a diff of None is left off)."""
    kind = entry.kind
    fields = tuple(entry)
    if (kind == "transition" or kind == "run_finished") and fields[-1] is None:
        fields = fields[:-1]
    return (_STORED.get(kind, kind), *fields)


def from_compact(row: tuple[Any, ...]) -> Entry:
    """The typed entry of a stored ``(kind, time, *fields)`` tuple (either kind vocabulary).

    Raises:
        ValueError: the kind is unknown.
    """
    kind = row[0]
    cls = _TYPED.get(kind) or ENTRY_TYPES.get(kind)
    if cls is None:
        raise ValueError(
            f"Unknown journal entry kind `{kind}`; known kinds: "
            + ", ".join(f"`{k}`" for k in ENTRY_TYPES)
            + "."
        )
    entry: Entry = cls(*row[1:])  # not `_make`: older rows may lack trailing defaults
    return entry


def entry_fields(entry: Entry) -> dict[str, Any]:
    """A journal entry as a dict: ``{"kind": ..., "time": ..., <its fields>}``."""
    return {"kind": entry.kind, **entry._asdict()}


def as_telemetry(entry: Entry, run_id: str = "") -> TelemetryEvent:
    """The telemetry event that reports `entry` (for views shown after it happened)."""
    from fsmnb.engine.handlers import format_path  # the interpreter imports this module

    e = entry
    if isinstance(e, Transition):
        data: dict[str, Any] = {"source": e.source, "target": e.target, "payload": e.payload or {}}
        return TelemetryEvent(e.kind, run_id, e.target, name=e.event, data=data, time=e.time)
    if isinstance(e, EffectFinished | EffectFailed):
        path, duration = format_path(e.path), e.duration
        data = {"result": e.result} if isinstance(e, EffectFinished) else {"error": e.error}
        return TelemetryEvent(e.kind, run_id, e.state, path, e.label, duration, data, e.time)
    if isinstance(e, EffectRetry):
        data = {"attempt": e.attempt, "error": e.error, "wait": e.wait}
        path = format_path(e.path)
        return TelemetryEvent(e.kind, run_id, e.state, path, path, data=data, time=e.time)
    if isinstance(e, RunStarted):
        return TelemetryEvent(e.kind, run_id, e.state, name=e.workflow, time=e.time)
    if isinstance(e, LogEntry):
        data = {"message": e.message}
        return TelemetryEvent(e.kind, run_id, e.state, name=e.level, data=data, time=e.time)
    if isinstance(e, RunFinished):
        data = {"error": e.error}
        return TelemetryEvent(e.kind, run_id, e.state, name=e.status, data=data, time=e.time)
    if isinstance(e, EventRejected):
        data = {"reason": e.reason}
        return TelemetryEvent(e.kind, run_id, e.state, name=e.event, data=data, time=e.time)
    return TelemetryEvent(e.kind, run_id, data={"parent": e.parent, "step": e.step}, time=e.time)
