"""The names a `%%workflow` cell sees: the DSL first, then the live user namespace.

A cell runs in its own globals dict holding the DSL (`state`, `final`,
`guard`, `validator`, `on_enter`, `on_exit`, `Event`, every effect
constructor) and whatever the cell defines. A name it does not hold is
looked up in the user's namespace at the time of use, so state functions see
helpers defined (or redefined) in other cells, while the DSL and the cell's
own definitions do not leak into the user's namespace: re-running a cell
replaces its workflow cleanly.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import fsmnb.effects as effects
from fsmnb.workflow import Event, Workflow, final, state

__all__ = ("CellNamespace", "dsl_names")


def dsl_names(wf: Workflow) -> dict[str, Any]:
    """The DSL of a `%%workflow` cell that defines `wf`."""
    names: dict[str, Any] = {
        name: getattr(effects, name)
        for name in effects.__all__
        if name[0].islower() and callable(getattr(effects, name))
    }
    names.update(
        state=state,
        final=final,
        guard=wf.guard,
        validator=wf.validator,
        on_enter=wf.on_enter,
        on_exit=wf.on_exit,
        Event=Event,
        workflow=wf,
    )
    return names


class CellNamespace(dict[str, Any]):
    """Globals for a `%%workflow` cell: its own names first, then the user's namespace."""

    def __init__(self, own: dict[str, Any], fallback: MutableMapping[str, Any]) -> None:
        super().__init__(own)
        self.fallback = fallback

    def __missing__(self, key: str) -> Any:
        # A KeyError here lets the interpreter go on to the builtins, then raise NameError.
        return self.fallback[key]
