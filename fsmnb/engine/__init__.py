"""The engine: the interpreter, runs on the caller's loop, the manager, journal and telemetry."""

from fsmnb.engine import combinator_handlers as _combinators  # registers handlers
from fsmnb.engine import leaf_handlers as _leaves  # registers handlers
from fsmnb.engine.clock import Clock, LoopClock, VirtualClock
from fsmnb.engine.context import Context
from fsmnb.engine.handlers import format_path, handler_for, interpret, register_handler
from fsmnb.engine.journal import MemoryStore, Store, entry_fields
from fsmnb.engine.manager import Manager
from fsmnb.engine.resources import Resources, resources
from fsmnb.engine.run import Run, live_run, start_run
from fsmnb.engine.sync import run_sync
from fsmnb.engine.telemetry import TelemetryBus, TelemetryEvent, bus

del _combinators, _leaves

__all__ = (
    "Clock",
    "Context",
    "LoopClock",
    "Manager",
    "MemoryStore",
    "Resources",
    "Run",
    "Store",
    "TelemetryBus",
    "TelemetryEvent",
    "VirtualClock",
    "bus",
    "entry_fields",
    "format_path",
    "handler_for",
    "interpret",
    "live_run",
    "register_handler",
    "resources",
    "run_sync",
    "start_run",
)
