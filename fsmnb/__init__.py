"""fsmnb: AI workflows as finite state machines whose steps are declarative effects.

Quick start::

    from fsmnb import Workflow
    from fsmnb.effects import call, emit, retry, sequence

    wf = Workflow("order")

    @wf.state(initial=True, on={"paid": "done", "declined": "done"})
    async def payment(ctx):
        ok = await ctx.run(call(charge_card, ctx.data["amount"]))
        return "paid" if ok else "declined"

    wf.final("done")
    result = await wf.run(amount=42)          # in a notebook cell
    result = wf.run_sync(amount=42)           # in a script

In Jupyter, `%load_ext fsmnb` adds the `%%workflow`, `%workflow` and `%fsm` magics.
"""

from __future__ import annotations

import sys
from typing import Any as _Any

from fsmnb import agents as _agents  # noqa: F401  (registers invoke_agent / coordinate_agents)
from fsmnb import effects
from fsmnb import llm as _llm  # noqa: F401  (registers the AI effect handlers; imports no SDK)
from fsmnb.effects import register_callable
from fsmnb.engine import Manager, Run, TelemetryEvent, VirtualClock, bus, resume, run_sync
from fsmnb.engine.executors import set_executor
from fsmnb.engine.inbox import send
from fsmnb.errors import (
    CancelledRun,
    DefinitionError,
    EffectError,
    FsmnbError,
    InputError,
    RunError,
    RunNotFound,
    TransitionError,
)
from fsmnb.fsm import Machine
from fsmnb.signals import Action, Flow, FlowStep, Router, Signal, Supervisor, act
from fsmnb.workflow import Event, Result, Workflow, final, pipeline, state, task

__version__ = "0.1.0"

__all__ = (
    "Action",
    "CancelledRun",
    "DefinitionError",
    "EffectError",
    "Event",
    "Flow",
    "FlowStep",
    "FsmnbError",
    "InputError",
    "Machine",
    "Manager",
    "Result",
    "Router",
    "Run",
    "RunError",
    "RunNotFound",
    "Signal",
    "Supervisor",
    "TelemetryEvent",
    "TransitionError",
    "VirtualClock",
    "Workflow",
    "__version__",
    "act",
    "bus",
    "design",
    "effects",
    "final",
    "load_ipython_extension",
    "pipeline",
    "register_callable",
    "resume",
    "run_sync",
    "send",
    "set_executor",
    "state",
    "task",
)


def _show_runs_live() -> None:
    """In a running Jupyter kernel, display runs as live widgets (see `fsmnb._jupyter`)."""
    shell = sys.modules["IPython"].get_ipython()
    if shell is not None and getattr(shell, "kernel", None) is not None:
        from fsmnb._jupyter import register

        register(shell)


if "IPython" in sys.modules:  # never import IPython ourselves: scripts stay light
    _show_runs_live()


def design(source: _Any = None, *, name: str = "workflow") -> _Any:
    """Open the visual designer (`fsmnb.widgets.Designer`) on `source`, or on a new drawing.

    `source` may be a `Workflow`, a `Machine`, a spec or drawing (dict, JSON/YAML
    text, or a path to a file) or a `%%workflow` cell's text; display the result
    to draw. Needs the `notebook` extra (`pip install 'fsmnb[notebook]'`).
    """
    from fsmnb.widgets.designer import Designer

    return Designer(source, name=name)


def load_ipython_extension(ipython: _Any) -> None:
    """`%load_ext fsmnb`: register the `%%workflow`, `%workflow` and `%fsm` magics."""
    from fsmnb.magics import load_ipython_extension as load

    load(ipython)
    try:
        from fsmnb import _jupyter  # the widgets' display hooks, when that layer is installed
    except ImportError:
        return
    _jupyter.register(ipython)
