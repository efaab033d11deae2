"""Timeline rows for the run view, from live telemetry or from a run's journal.

A row is a small dict the JS draws as one line:
``{"t": seconds since the run started, "kind": ..., "state": ..., "text": ...}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fsmnb.engine.journal import Entry, as_telemetry
from fsmnb.engine.telemetry import TelemetryEvent

__all__ = ("covered", "journal_rows", "row")


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ms(seconds: float | None) -> str:
    return "" if seconds is None else f" {seconds * 1000:.1f} ms"


def row(event: TelemetryEvent, start: float) -> dict[str, Any]:
    """The timeline row for one telemetry event."""
    kind, data = event.kind, event.data
    if kind == "transition":
        text = f"{data.get('source', '?')} --{event.name}--> {data.get('target', event.state)}"
    elif kind == "effect_started":
        text = f"▶ {event.name}"
    elif kind == "effect_finished":
        text = f"✓ {event.name}{_ms(event.duration)} → {_short(data.get('result'))}"
    elif kind == "effect_failed":
        text = f"✗ {event.name}{_ms(event.duration)}: {data.get('error', '')}"
    elif kind == "effect_cancelled":
        text = f"⊘ {event.name} cancelled"
    elif kind == "effect_retry":
        text = f"↻ {event.name} attempt {data.get('attempt')} in {data.get('wait', 0):.3g} s: {data.get('error', '')}"
    elif kind == "log":
        text = str(data.get("message", ""))
    elif kind == "run_started":
        text = f"run started in {event.state}"
    elif kind == "run_waiting":
        text = f"waiting in {event.state}"
    elif kind == "run_finished":
        error = data.get("error")
        text = f"run {event.name}" + (f": {error}" if error else "")
    else:
        text = f"{event.name} {_short(data)}" if data else event.name
    out = {"t": round(event.time - start, 4), "kind": kind, "state": event.state, "text": text}
    if kind == "effect_started":
        out["path"] = str(event.path)  # so that the effect's end can take its row's place
    return out


_REPLAYED = frozenset(
    ("run_started", "transition", "effect_finished", "effect_failed", "effect_retry", "log",
     "run_finished")
)  # fmt: skip


def journal_rows(journal: Iterable[Entry], start: float) -> Iterator[dict[str, Any]]:
    """Timeline rows for the journal entries a view missed (it was shown after they happened)."""
    for entry in journal:
        if entry.kind in _REPLAYED:
            event = as_telemetry(entry)
            if not covered(event):
                yield row(event, start)


def covered(event: TelemetryEvent) -> bool:
    """Whether another row already says it: a `log` effect's own rows (its log row does)."""
    return event.kind.startswith("effect_") and event.name == "log"
