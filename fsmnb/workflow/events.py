"""Values that cross the boundary between a workflow's code and the engine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = ("Event", "Result")

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _empty() -> Mapping[str, Any]:
    return _EMPTY


@dataclass(frozen=True, slots=True)
class Event:
    """An event with a payload; return one from a state's action to leave the state.

    Example:
        >>> Event("approved", {"by": "ann"})
        Event(name='approved', payload={'by': 'ann'})
    """

    name: str
    payload: Mapping[str, Any] = field(default_factory=_empty)

    def __repr__(self) -> str:
        return f"Event(name={self.name!r}, payload={dict(self.payload)!r})"


@dataclass(frozen=True, slots=True)
class Result:
    """How a run ended.

    Attributes:
        run_id: the run's id.
        workflow: the workflow's name.
        state: the state the run ended in.
        status: ``done`` (a final state), ``failed`` or ``cancelled``.
        data: the run's data at the end (a copy).
    """

    run_id: str
    workflow: str
    state: str
    status: str
    data: dict[str, Any]

    @property
    def ok(self) -> bool:
        """Whether the run reached a final state."""
        return self.status == "done"

    def __getitem__(self, key: str) -> Any:
        """`result["total"]` reads the final data."""
        return self.data[key]

    def _repr_mimebundle_(self, **_: Any) -> dict[str, str]:
        rows = "".join(
            f"<tr><td><code>{k}</code></td><td>{_short(v)}</td></tr>" for k, v in self.data.items()
        )
        colour = {"done": "#1a7f37", "failed": "#cf222e"}.get(self.status, "#9a6700")
        html = (
            f"<div class='fsmnb-result'><b>{self.workflow}</b> run <code>{self.run_id}</code> "
            f"<span style='color:{colour}'>{self.status}</span> in state <b>{self.state}</b>"
            f"<table>{rows}</table></div>"
        )
        return {"text/plain": repr(self), "text/html": html}


def _short(value: Any, limit: int = 200) -> str:
    import html

    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text)
