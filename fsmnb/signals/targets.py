"""What a route delivers to, each as ``deliver(signal) -> None | awaitable``.

- an action: the signal's data are its parameters; its result is published back as
  a reply signal of the route's `reply` type (sync actions run inline, no task);
- a run: the signal becomes an event on it (`run.send(event, **data)`);
- an agent: the signal goes into its mailbox (`agent.tell(signal)`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from fsmnb.errors import DefinitionError
from fsmnb.signals.actions import (
    ActionContext,
    execute_action,
    execute_action_now,
    is_sync,
    resolve_action,
)
from fsmnb.signals.signal import Signal

if TYPE_CHECKING:
    from fsmnb.signals.router import Router

__all__ = ("action_target", "agent_target", "params_of", "reply_data", "run_target")


def params_of(signal: Signal) -> Mapping[str, Any]:
    """An action's parameters from a signal: its data when an object, else ``{"data": data}``."""
    data = signal.data
    if isinstance(data, Mapping):
        return data
    return {} if data is None else {"data": data}


def reply_data(result: Any) -> Any:
    """A result as signal data (pydantic models dumped to JSON-ready values)."""
    dump = getattr(result, "model_dump", None)
    return dump(mode="json") if callable(dump) else result


def action_target(
    action: Any, reply: str | None, router: Router
) -> tuple[Callable[[Signal], Any], str]:
    """Deliver to an action; publish its result as `reply` when given."""
    act = resolve_action(action)

    if is_sync(act):

        def deliver(signal: Signal) -> None:
            result = execute_action_now(act, params_of(signal), ActionContext(signal=signal))
            if reply is not None:
                router.publish(signal.reply(reply, reply_data(result)))

        return deliver, act.name

    async def deliver_async(signal: Signal) -> None:
        result = await execute_action(act, params_of(signal), ActionContext(signal=signal))
        if reply is not None:
            router.publish(signal.reply(reply, reply_data(result)))

    return deliver_async, act.name


def run_target(run: Any, event: str | None) -> tuple[Callable[[Signal], Any], str]:
    """Deliver to a run as event `event` (default: the type's last segment) with the data."""
    if not (hasattr(run, "send") or callable(run)):
        raise DefinitionError(
            f"`run=` takes a `Run` or a function of the signal returning one, got "
            f"{type(run).__name__}."
        )

    def deliver(signal: Signal) -> None:
        target = run if hasattr(run, "send") else run(signal)
        name = event or signal.type.rsplit(".", 1)[-1]
        data = signal.data
        payload = dict(data) if isinstance(data, Mapping) else {"data": data}
        target.send(name, **payload)

    return deliver, f"run:{getattr(run, 'id', getattr(run, '__name__', 'run'))}"


def agent_target(agent: Any) -> tuple[Callable[[Signal], Any], str]:
    """Deliver into an agent's mailbox."""
    tell = getattr(agent, "tell", None)
    if not callable(tell):
        raise DefinitionError(
            f"`agent=` takes an agent with a `tell(signal)` mailbox, got {type(agent).__name__}."
        )
    return tell, f"agent:{getattr(agent, 'name', 'agent')}"
