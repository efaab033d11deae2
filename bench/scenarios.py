"""The scenarios of `bench/compare.py`, their units, and the targets from DESIGN.md."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ("SCENARIOS", "TARGETS", "Scenario", "Target")


@dataclass(frozen=True)
class Scenario:
    """A scenario: which side function measures it and how its numbers read.

    Attributes:
        key: the side function's name (`sync_step`, `idle`, ...).
        title: the table's heading.
        unit: the unit of `value`.
        value: converts a row's raw measurement (ns per op, or bytes) to `unit`.
        lower_is_better: costs (time, bytes) versus rates (per second).
        describes: one line on what is measured, for the README and the report.
    """

    key: str
    title: str
    unit: str
    value: Callable[[float], float]
    lower_is_better: bool
    describes: str


def _us(ns: float) -> float:
    return ns / 1e3


def _ms(ns: float) -> float:
    return ns / 1e6


def _per_s(ns: float) -> float:
    return 1e9 / ns


def _same(x: float) -> float:
    return x


SCENARIOS = (
    Scenario(
        "sync_step",
        "1. Sync transition: 10-state linear workflow, trivial sync steps",
        "µs / transition",
        _us,
        True,
        "cost of one step (run the state's trivial code, pick the next state), amortising "
        "any per-run start-up over the 10 steps of a run",
    ),
    Scenario(
        "async_step",
        "2. Async transition: the same with async steps",
        "µs / transition",
        _us,
        True,
        "the same with `async def` steps (that return at once), in one event loop",
    ),
    Scenario(
        "data_effects",
        "3. Simple data effects",
        "effects / s",
        _per_s,
        False,
        "`put_data` effects interpreted inside a run (plain Python: a dict dispatch on the "
        "effect's type)",
    ),
    Scenario(
        "fanout",
        "4. Fan-out: 100 branches each awaiting 10 ms",
        "ms wall",
        _ms,
        True,
        "wall time from start to result of a run whose one step waits on 100 concurrent "
        "10 ms sleeps (10 ms is the floor)",
    ),
    Scenario(
        "idle",
        "5. Idle instances",
        "bytes / instance",
        _same,
        True,
        "memory kept alive per instance waiting for an event (tracemalloc delta over "
        "up to 10,000 instances; user data: none)",
    ),
    Scenario(
        "events",
        "6. External events to idle instances",
        "events / s",
        _per_s,
        False,
        "events delivered to instances that wait in a state (fsmnb: `send_many`; peers: "
        "their trigger/send call in a loop)",
    ),
    Scenario(
        "new_run",
        "7. Like for like: a new run each time, 10 states, trivial sync steps",
        "µs / transition",
        _us,
        True,
        "every library builds a new run (instance, machine) for each pass through the 10 "
        "states; per transition, the run's creation included",
    ),
    Scenario(
        "triggers",
        "8. Like for like: an existing machine receiving triggers",
        "µs / event",
        _us,
        True,
        "one long-lived instance moved by an external event (fsmnb: `Manager.send`; "
        "transitions: `model.trigger()`), with no code and with a trivial callback",
    ),
    Scenario(
        "run_sync",
        "9. `wf.run_sync()` against `await wf.run()`, same process",
        "µs / transition",
        _us,
        True,
        "the 10-state sync workflow of scenario 1 run from synchronous code (one event loop "
        "kept per thread) and from a coroutine on a running loop",
    ),
    Scenario(
        "memory",
        "10. Bytes per Manager instance as events arrive",
        "bytes / instance",
        _same,
        True,
        "memory kept alive per idle instance after 0, 2, 200 and 2,000 events (tracemalloc; "
        "default settings: an instance keeps no journal entries in memory)",
    ),
)


@dataclass(frozen=True)
class Target:
    """A DESIGN.md target, checked against one fsmnb row (or a ratio to a peer's first row).

    Attributes:
        what: the target as DESIGN.md states it.
        scenario: the scenario's key.
        row: the fsmnb row's position in that scenario.
        bound: the bound on the value (in the scenario's unit) or on the ratio.
        peer: for a ratio target, the peer's side module; the ratio is how many
            times fsmnb is faster (peer cost / fsmnb cost).
        wall_only: the target is about wall time by nature (waiting), so CPU time
            says nothing about it; the report shows the overhead above the plain
            Python floor of the same run instead.
    """

    what: str
    scenario: str
    bound: float
    row: int = 0
    peer: str | None = None
    wall_only: bool = False


TARGETS = (
    Target("one transition, sync action, in memory ≤ 3 µs", "sync_step", 3.0),
    Target(
        "≥ 100× faster per step than LangGraph (same run)",
        "sync_step",
        100.0,
        peer="langgraph_side",
    ),
    Target(
        "≥ 5× faster per step than transitions (same run)",
        "sync_step",
        5.0,
        peer="transitions_side",
    ),
    Target("one transition, async action, via Run ≤ 15 µs", "async_step", 15.0),
    Target("simple data effects ≥ 500,000 / s", "data_effects", 500_000.0),
    Target("`parallel` of 100 × 10 ms waits ≤ 15 ms wall", "fanout", 15.0, wall_only=True),
    Target("idle instance in Manager ≤ 600 bytes", "idle", 600.0),
    Target("`send_many` on idle instances ≥ 200,000 events / s", "events", 200_000.0),
    Target("idle Manager instance after 2 events ≤ 600 bytes", "memory", 600.0, row=1),
    Target("idle Manager instance after 2,000 events ≤ 2,000 bytes", "memory", 2000.0, row=3),
)
