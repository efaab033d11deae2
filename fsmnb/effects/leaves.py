"""Leaf effects: calls, time, logging, run data, events and other workflows."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

from fsmnb.effects.base import Effect

__all__ = (
    "Call",
    "CallApi",
    "Delay",
    "Emit",
    "GetData",
    "InvokeFsm",
    "Log",
    "MergeData",
    "PutData",
    "SendEvent",
    "SpawnFsm",
    "UpdateData",
    "call",
    "call_api",
    "delay",
    "emit",
    "get_data",
    "invoke_fsm",
    "log",
    "merge_data",
    "put_data",
    "send_event",
    "spawn_fsm",
    "update_data",
)

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _empty() -> Mapping[str, Any]:
    return _EMPTY


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """A read-only copy, so an effect never shares a dict its caller may change."""
    return MappingProxyType(dict(mapping)) if mapping else _EMPTY


def _name_of(fn: Callable[..., Any] | str) -> str:
    return fn if isinstance(fn, str) else getattr(fn, "__name__", type(fn).__name__)


# -- basic operations --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Call(Effect):
    """Call a function (sync or async) with arguments; the result is its return value.

    `fn` is a callable or the name of one registered with `fsmnb.effects.register_callable`
    (the only form a JSON effect tree may use). With ``cpu=True`` the call is
    CPU-bound: it runs in another process (a Dask worker or a local process
    pool, see `fsmnb.engine.executors`) instead of blocking the loop.
    """

    kind: ClassVar[str] = "call"
    fn: Callable[..., Any] | str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=_empty)
    pass_context: bool = False
    cpu: bool = False

    def label(self) -> str:
        return f"call({_name_of(self.fn)})"


@dataclass(frozen=True, slots=True, kw_only=True)
class CallApi(Effect):
    """Make an HTTP request with httpx; the result is the decoded JSON body (or text).

    A 4xx/5xx status fails the effect (wrap it in `retry` to retry 5xx).
    """

    kind: ClassVar[str] = "call_api"
    url: str
    method: str = "GET"
    json: Any = None
    params: Mapping[str, Any] = field(default_factory=_empty)
    headers: Mapping[str, str] = field(default_factory=_empty)
    timeout: float = 30.0

    def label(self) -> str:
        return f"call_api({self.method} {self.url})"


@dataclass(frozen=True, slots=True, kw_only=True)
class Delay(Effect):
    """Wait `seconds` on the engine's clock; the result is None."""

    kind: ClassVar[str] = "delay"
    seconds: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Log(Effect):
    """Write a message to the run's log (the `fsmnb` logger and the telemetry bus)."""

    kind: ClassVar[str] = "log"
    is_inline: ClassVar[bool] = True
    message: str
    level: str = "info"


# -- data operations ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class PutData(Effect):
    """Set `ctx.data[key] = value`; the result is the value."""

    kind: ClassVar[str] = "put_data"
    is_inline: ClassVar[bool] = True
    key: str
    value: Any = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GetData(Effect):
    """Read `ctx.data[key]` (or `default` when absent)."""

    kind: ClassVar[str] = "get_data"
    is_inline: ClassVar[bool] = True
    key: str
    default: Any = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MergeData(Effect):
    """Merge a mapping into `ctx.data`; the result is the merged mapping."""

    kind: ClassVar[str] = "merge_data"
    is_inline: ClassVar[bool] = True
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateData(Effect):
    """Set `ctx.data[key] = fn(ctx.data.get(key, default))`; the result is the new value."""

    kind: ClassVar[str] = "update_data"
    is_inline: ClassVar[bool] = True
    key: str
    fn: Callable[[Any], Any] | str
    default: Any = None

    def label(self) -> str:
        return f"update_data({self.key})"


# -- FSM operations ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Emit(Effect):
    """Choose the event that leaves the current state once its action is done.

    The last `emit` interpreted in a state wins; an action's own return value
    (an event name or `Event`) takes precedence over emitted ones.
    """

    kind: ClassVar[str] = "emit"
    is_inline: ClassVar[bool] = True
    event: str
    payload: Mapping[str, Any] = field(default_factory=_empty)

    def label(self) -> str:
        return f"emit({self.event})"


@dataclass(frozen=True, slots=True, kw_only=True)
class InvokeFsm(Effect):
    """Run a sub-workflow to completion; the result is its `Result`.

    `workflow` is a `Workflow` or the name of a registered one.
    """

    kind: ClassVar[str] = "invoke_fsm"
    workflow: Any
    data: Mapping[str, Any] = field(default_factory=_empty)

    def label(self) -> str:
        return f"invoke_fsm({getattr(self.workflow, 'name', self.workflow)})"


@dataclass(frozen=True, slots=True, kw_only=True)
class SpawnFsm(Effect):
    """Start a workflow detached from this run; the result is the new run's id."""

    kind: ClassVar[str] = "spawn_fsm"
    workflow: Any
    data: Mapping[str, Any] = field(default_factory=_empty)

    def label(self) -> str:
        return f"spawn_fsm({getattr(self.workflow, 'name', self.workflow)})"


@dataclass(frozen=True, slots=True, kw_only=True)
class SendEvent(Effect):
    """Send an event to another live run by id; the result is that run's new state."""

    kind: ClassVar[str] = "send_event"
    run_id: str
    event: str
    payload: Mapping[str, Any] = field(default_factory=_empty)


# -- constructors ------------------------------------------------------------------------------


def call(fn: Callable[..., Any] | str, *args: Any, cpu: bool = False, **kwargs: Any) -> Call:
    """Call `fn(*args, **kwargs)` (sync or async); `fn` may be a registered name.

    ``cpu=True`` marks a CPU-bound function: it runs in another process (a Dask
    worker after `fsmnb.set_executor(client)`, else a local process pool) and
    the loop stays free. Its function and arguments must pickle.
    """
    return Call(fn=fn, args=args, kwargs=_frozen(kwargs), cpu=cpu)


def call_api(
    url: str,
    method: str = "GET",
    *,
    json: Any = None,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> CallApi:
    """Make an HTTP request (needs `httpx`: `pip install 'fsmnb[http]'`)."""
    return CallApi(
        url=url,
        method=method.upper(),
        json=json,
        params=_frozen(params),
        headers=_frozen(headers),
        timeout=timeout,
    )


def delay(seconds: float) -> Delay:
    """Wait `seconds` (on the engine's clock, so tests can run it instantly)."""
    return Delay(seconds=seconds)


def log(message: str, level: str = "info") -> Log:
    """Log `message` at `level` (debug, info, warning, error)."""
    return Log(message=message, level=level)


def put_data(key: str, value: Any = None) -> PutData:
    """Set `ctx.data[key] = value`."""
    return PutData(key=key, value=value)


def get_data(key: str, default: Any = None) -> GetData:
    """Read `ctx.data[key]`, or `default`."""
    return GetData(key=key, default=default)


def merge_data(values: Mapping[str, Any] | None = None, /, **more: Any) -> MergeData:
    """Merge `values` (and keyword arguments) into `ctx.data`."""
    return MergeData(values=MappingProxyType({**(values or {}), **more}))


def update_data(key: str, fn: Callable[[Any], Any] | str, default: Any = None) -> UpdateData:
    """Set `ctx.data[key] = fn(ctx.data.get(key, default))`."""
    return UpdateData(key=key, fn=fn, default=default)


def emit(event: str, **payload: Any) -> Emit:
    """Leave the current state by `event` once its action is done."""
    return Emit(event=event, payload=_frozen(payload))


def invoke_fsm(workflow: Any, **data: Any) -> InvokeFsm:
    """Run `workflow` as a sub-workflow and wait for its `Result`."""
    return InvokeFsm(workflow=workflow, data=_frozen(data))


def spawn_fsm(workflow: Any, **data: Any) -> SpawnFsm:
    """Start `workflow` detached; the result is its run id."""
    return SpawnFsm(workflow=workflow, data=_frozen(data))


def send_event(run_id: str, event: str, **payload: Any) -> SendEvent:
    """Send `event` to the live run `run_id`."""
    return SendEvent(run_id=run_id, event=event, payload=_frozen(payload))
