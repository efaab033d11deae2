"""The implementations compared by `bench/compare.py`, one module each.

A side module defines `NAME` (shown in the tables), `DIST` (its PyPI
distribution, for the version; None for plain Python) and any of the scenario
functions below, each returning a list of `Measured` rows:

| function       | measures                                                             |
| -------------- | -------------------------------------------------------------------- |
| `sync_step()`  | a transition, 10-state linear workflow, trivial sync steps           |
| `async_step()` | the same with async steps                                            |
| `data_effects()` | a simple data effect                                               |
| `fanout()`     | a run whose step waits on 100 branches each awaiting 10 ms           |
| `idle(count, budget_s)` | bytes kept alive per idle instance (measured at once)       |
| `events()`     | an external event delivered to an idle instance                      |

Timed rows return a `Timed` workload (one operation = one row of the table above)
and `compare.py` measures all the rows of a scenario together.

A side without a function has no equivalent of that scenario. A side whose
library is not installed raises `ImportError` when imported; the report says so.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from harness import Timed

__all__ = ("SIDES", "Measured", "fit_count", "load")

#: In table order: the floor first, then fsmnb (the reference), then the peers.
SIDES = (
    "plain",
    "fsmnb_side",
    "langgraph_side",
    "transitions_side",
    "statemachine_side",
    "burr_side",
    "pydantic_graph_side",
)


@dataclass(frozen=True)
class Measured:
    """One row of a scenario's table.

    Attributes:
        what: what was measured, e.g. ``await wf.run() (10 transitions)``.
        timed: for timings, the workload; `compare.py` times the rows of a
            scenario together, interleaving their repeats.
        bytes_each: for memory, bytes kept alive per instance.
        count: for memory, how many instances were created.
        note: anything a reader must know to compare fairly.
    """

    what: str
    timed: Timed | None = None
    bytes_each: float | None = None
    count: int | None = None
    note: str = ""


def load(module: str) -> ModuleType:
    """Import the side `module` (raises ImportError when its library is missing)."""
    return importlib.import_module(f"sides.{module}")


def fit_count(make_one: Callable[[], Any], count: int, budget_s: float, floor: int = 200) -> int:
    """How many instances (at most `count`) `make_one()` can create within `budget_s`."""
    probe = 20
    keep = []
    t0 = time.perf_counter()
    for _ in range(probe):
        keep.append(make_one())
    each = (time.perf_counter() - t0) / probe
    return max(floor, min(count, int(budget_s / max(each, 1e-9))))
