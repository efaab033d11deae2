"""The journal: every run as an append-only list of entries, kept by a `Store`.

Each entry is a plain tuple whose first two fields are its kind and its
wall-clock time (seconds since the epoch). Tuples keep the hot path cheap; read
them with `entry_fields`.

| kind             | fields after (kind, time)                                      |
| ---------------- | -------------------------------------------------------------- |
| `started`        | workflow, data (a copy of the start data), initial state       |
| `transition`     | source, event, target, payload or None, origin (action/external) |
| `effect`         | state, path, label, duration (s), result                       |
| `effect_failed`  | state, path, label, duration (s), error text, error type       |
| `retry`          | state, path, attempt, error text, wait (s)                     |
| `event_rejected` | state, event, reason                                           |
| `log`            | state, level, message                                          |
| `finished`       | status, state, error text or None                              |
| `forked`         | parent run id, step of the parent it starts from               |

Entering a state is implied by `started` (the initial state) and by each
`transition` (its target).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from fsmnb.engine.run import Run

__all__ = ("FIELDS", "MemoryStore", "Store", "entry_fields")

FIELDS: dict[str, tuple[str, ...]] = {
    "started": ("workflow", "data", "state"),
    "transition": ("source", "event", "target", "payload", "origin"),
    "effect": ("state", "path", "label", "duration", "result"),
    "effect_failed": ("state", "path", "label", "duration", "error", "error_type"),
    "retry": ("state", "path", "attempt", "error", "wait"),
    "event_rejected": ("state", "event", "reason"),
    "log": ("state", "level", "message"),
    "finished": ("status", "state", "error"),
    "forked": ("parent", "step"),
}


def entry_fields(entry: tuple[Any, ...]) -> dict[str, Any]:
    """A journal entry as a dict: ``{"kind": ..., "time": ..., <its fields>}``."""
    kind, t, *rest = entry
    names = FIELDS.get(kind, tuple(f"field{i}" for i in range(len(rest))))
    return {"kind": kind, "time": t, **dict(zip(names, rest, strict=False))}


@runtime_checkable
class Store(Protocol):
    """Where runs' journals live. `attach` is called once per run, before its first entry."""

    def attach(self, run: Run) -> None:
        """Start keeping `run`'s journal (set `run._sink` to receive each entry)."""
        ...

    def load(self, run_id: str) -> list[tuple[Any, ...]]:
        """The journal of `run_id` (empty when unknown)."""
        ...

    def run_ids(self) -> list[str]:
        """Every run id the store knows."""
        ...


class MemoryStore:
    """Keeps journals in memory, shared with the runs themselves (no copying)."""

    def __init__(self) -> None:
        self._journals: dict[str, list[tuple[Any, ...]]] = {}

    def attach(self, run: Run) -> None:
        """Keep a reference to `run`'s own journal list."""
        self._journals[run.id] = run._journal

    def load(self, run_id: str) -> list[tuple[Any, ...]]:
        """A copy of the journal of `run_id`."""
        return list(self._journals.get(run_id, ()))

    def run_ids(self) -> list[str]:
        """Every run attached to this store."""
        return list(self._journals)
