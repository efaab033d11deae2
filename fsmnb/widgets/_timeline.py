"""Timeline rows for the run view, from live telemetry or from a run's journal.

A row is a small dict the JS draws as one line:
``{"t": seconds since the run started, "kind": ..., "state": ..., "text": ...}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fsmnb.engine.telemetry import TelemetryEvent

__all__ = ("journal_rows", "row")


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
    return {"t": round(event.time - start, 4), "kind": kind, "state": event.state, "text": text}


_JOURNAL_KINDS = {
    "started": lambda e: TelemetryEvent("run_started", state=e[4], name=e[2], time=e[1]),
    "transition": lambda e: TelemetryEvent(
        "transition", state=e[4], name=e[3], data={"source": e[2], "target": e[4]}, time=e[1]
    ),
    "effect": lambda e: TelemetryEvent(
        "effect_finished", state=e[2], name=e[4], duration=e[5], data={"result": e[6]}, time=e[1]
    ),
    "effect_failed": lambda e: TelemetryEvent(
        "effect_failed", state=e[2], name=e[4], duration=e[5], data={"error": e[6]}, time=e[1]
    ),
    "retry": lambda e: TelemetryEvent(
        "effect_retry",
        state=e[2],
        name=str(e[3]),
        data={"attempt": e[4], "error": e[5], "wait": e[6]},
        time=e[1],
    ),
    "log": lambda e: TelemetryEvent("log", state=e[2], data={"message": e[4]}, time=e[1]),
    "finished": lambda e: TelemetryEvent(
        "run_finished", state=e[3], name=e[2], data={"error": e[4]}, time=e[1]
    ),
}


def journal_rows(journal: Iterable[tuple[Any, ...]], start: float) -> Iterator[dict[str, Any]]:
    """Timeline rows for the journal entries a view missed (it was shown after they happened)."""
    for entry in journal:
        make = _JOURNAL_KINDS.get(entry[0])
        if make is not None:
            yield row(make(entry), start)
