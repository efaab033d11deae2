"""`Transcript`: agent and model messages as a chat, tokens appearing as they stream.

It listens to telemetry (a run's, or the whole bus) for three kinds:

- ``llm_token`` (data: ``delta``, ``message_id``, ``model``; optionally ``role``, ``agent``):
  appends the delta to the message with that id, opening it if new;
- ``llm_call`` (data: ``usage``, ``cost``, ``model``, optionally ``message_id`` and ``content``):
  puts tokens and cost on the message (by id, else the model's latest message without usage);
- ``agent_message`` (data: ``role``, ``agent``, ``content``, optionally ``message_id``, ``model``):
  a whole message, or the final text of a streamed one.

`add()`, `stream()` and `finish()` do the same from Python.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import traitlets as t

from fsmnb.engine.telemetry import TelemetryEvent, bus
from fsmnb.widgets._assets import asset
from fsmnb.widgets._live import LiveWidget

if TYPE_CHECKING:
    from fsmnb.engine.run import Run

__all__ = ("Transcript",)

_KINDS = frozenset({"llm_token", "llm_call", "agent_message"})


def _tokens(usage: Any) -> int | None:
    """Total tokens from an OpenAI-style or Anthropic-style usage record."""
    if isinstance(usage, int):
        return usage
    if not isinstance(usage, Mapping):
        return None
    if usage.get("total_tokens") is not None:
        return int(usage["total_tokens"])
    parts = [
        usage.get(k)
        for k in ("prompt_tokens", "completion_tokens", "input_tokens", "output_tokens")
    ]
    found = [int(p) for p in parts if p is not None]
    return sum(found) if found else None


class Transcript(LiveWidget):
    """A chat of agent and model messages, live.

    Args:
        run: listen to this run's telemetry; `None` with `listen=True` listens to the whole bus.
        listen: subscribe to the global telemetry bus (all runs) when no run is given.
        title: a heading.
        max_messages: how many of the latest messages to keep.

    Traits (same names in `widgets/transcript.js`):
        messages: ``{id, role, agent, model, content, tokens, cost, streaming}`` dicts, oldest first.
        title: the heading.
    """

    _esm = asset("transcript.js")
    _css = asset("transcript.css")

    messages: t.List[dict[str, Any]] = t.List().tag(sync=True)
    title = t.Unicode("").tag(sync=True)

    def __init__(
        self,
        run: Run | None = None,
        *,
        listen: bool = False,
        title: str = "",
        max_messages: int = 500,
        **kwargs: Any,
    ) -> None:
        super().__init__(title=title, **kwargs)
        self._messages: dict[str, dict[str, Any]] = {}
        self._max = max_messages
        self._ids = itertools.count(1)
        if run is not None:
            self._own(run.subscribe(self.handle))
        elif listen:
            self._own(bus.subscribe(self.handle))

    # -- Python API ----------------------------------------------------------------------------------

    def add(
        self,
        content: str,
        *,
        role: str = "assistant",
        agent: str | None = None,
        model: str | None = None,
        tokens: int | None = None,
        cost: float | None = None,
        message_id: str | None = None,
    ) -> str:
        """Add a whole message; returns its id."""
        message = self._open(message_id, role=role, agent=agent, model=model)
        message.update(content=content, streaming=False)
        if tokens is not None:
            message["tokens"] = tokens
        if cost is not None:
            message["cost"] = cost
        self._touch()
        return str(message["id"])

    def stream(
        self,
        message_id: str,
        delta: str,
        *,
        role: str = "assistant",
        agent: str | None = None,
        model: str | None = None,
    ) -> None:
        """Append a streamed token (or chunk) to message `message_id`, opening it if new."""
        message = self._open(message_id, role=role, agent=agent, model=model)
        message["content"] += delta
        message["streaming"] = True
        self._touch()

    def finish(
        self,
        message_id: str,
        *,
        content: str | None = None,
        tokens: int | None = None,
        cost: float | None = None,
    ) -> None:
        """Mark a streamed message complete, with its final text, tokens and cost if known."""
        message = self._messages.get(message_id)
        if message is None:
            return
        message["streaming"] = False
        if content is not None:
            message["content"] = content
        if tokens is not None:
            message["tokens"] = tokens
        if cost is not None:
            message["cost"] = cost
        self._touch()

    def clear(self) -> None:
        """Remove every message."""
        self._messages.clear()
        self._touch()

    # -- telemetry ---------------------------------------------------------------------------------

    def handle(self, event: TelemetryEvent) -> None:
        """Apply one telemetry event (other kinds are ignored)."""
        kind = event.kind
        if kind not in _KINDS:
            return
        data = event.data
        mid = data.get("message_id")
        if kind == "llm_token":
            self.stream(
                str(mid or f"{event.run_id}:{event.path}:{data.get('model', '')}"),
                str(data.get("delta", "")),
                role=data.get("role", "assistant"),
                agent=data.get("agent"),
                model=data.get("model"),
            )
        elif kind == "agent_message":
            if mid is not None and str(mid) in self._messages:
                self.finish(str(mid), content=str(data.get("content", "")))
            else:
                self.add(
                    str(data.get("content", "")),
                    role=data.get("role", "assistant"),
                    agent=data.get("agent"),
                    model=data.get("model"),
                    message_id=None if mid is None else str(mid),
                )
        else:
            self._on_call(event, data)

    def _on_call(self, event: TelemetryEvent, data: Mapping[str, Any]) -> None:
        tokens, cost, model = _tokens(data.get("usage")), data.get("cost"), data.get("model")
        mid = data.get("message_id")
        target = self._messages.get(str(mid)) if mid is not None else None
        if target is None:
            for message in reversed(self._messages.values()):
                if message["tokens"] is None and (model is None or message["model"] == model):
                    target = message
                    break
        if target is None and data.get("content") is not None:
            self.add(
                str(data["content"]),
                model=model,
                tokens=tokens,
                cost=cost,
                agent=data.get("agent"),
                message_id=None if mid is None else str(mid),
            )
            return
        if target is not None:
            self.finish(str(target["id"]), tokens=tokens, cost=cost)

    # -- state ---------------------------------------------------------------------------------------

    def _open(
        self, message_id: str | None, *, role: str, agent: str | None, model: str | None
    ) -> dict[str, Any]:
        mid = message_id or f"m{next(self._ids)}"
        message = self._messages.get(mid)
        if message is None:
            message = self._messages[mid] = {
                "id": mid,
                "role": role,
                "agent": agent,
                "model": model,
                "content": "",
                "tokens": None,
                "cost": None,
                "streaming": False,
            }
            while len(self._messages) > self._max:
                del self._messages[next(iter(self._messages))]
        elif model and not message["model"]:
            message["model"] = model
        return message

    def _values(self) -> dict[str, Any]:
        return {"messages": [dict(m) for m in self._messages.values()]}

    def __repr__(self) -> str:
        return f"Transcript({len(self._messages)} messages)"
