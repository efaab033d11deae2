"""The engine: the interpreter, runs on the caller's loop, the manager, journal and telemetry."""

from fsmnb.engine import combinator_handlers as _combinators  # registers handlers
from fsmnb.engine import leaf_handlers as _leaves  # registers handlers
from fsmnb.engine.clock import Clock, LoopClock, VirtualClock
from fsmnb.engine.codecs import register_codec
from fsmnb.engine.context import Context
from fsmnb.engine.durable import current_effect_key, get_default_store, set_default_store
from fsmnb.engine.handlers import format_path, handler_for, interpret, register_handler
from fsmnb.engine.history_limit import get_history, set_history
from fsmnb.engine.journal import RunStatus, entry_fields
from fsmnb.engine.live import find_run, live_run
from fsmnb.engine.manager import Manager
from fsmnb.engine.resources import Resources, resources
from fsmnb.engine.resume import resume
from fsmnb.engine.run import Run
from fsmnb.engine.run_api import RunAPI
from fsmnb.engine.runner import EngineRunner
from fsmnb.engine.sqlite_store import SqliteStore
from fsmnb.engine.start import start_run
from fsmnb.engine.store import DurableStore, MemoryStore, Store
from fsmnb.engine.sync import run_sync
from fsmnb.engine.telemetry import TelemetryBus, TelemetryEvent, bus
from fsmnb.workflow.runner import set_runner

set_runner(EngineRunner())  # what Workflow.start/run/run_sync/map call

del _combinators, _leaves

__all__ = (
    "Clock",
    "Context",
    "DurableStore",
    "LoopClock",
    "Manager",
    "MemoryStore",
    "Resources",
    "Run",
    "RunAPI",
    "RunStatus",
    "SqliteStore",
    "Store",
    "TelemetryBus",
    "TelemetryEvent",
    "VirtualClock",
    "bus",
    "current_effect_key",
    "entry_fields",
    "find_run",
    "format_path",
    "get_default_store",
    "get_history",
    "handler_for",
    "interpret",
    "live_run",
    "register_codec",
    "register_handler",
    "resources",
    "resume",
    "run_sync",
    "set_default_store",
    "set_history",
    "start_run",
)
