"""The state machine as pure data: `Machine`, validation, JSON/YAML specs, diagrams.

Nothing here runs code or touches the event loop: a `Machine` is a value,
`validate`/`problems` check it, `fsmnb.fsm.spec` reads and writes it as
JSON/YAML, and `to_dot`/`to_mermaid`/`to_svg` draw it.

Example:
    >>> from fsmnb.fsm import Machine, validate, to_mermaid
    >>> m = Machine.build("door", initial="closed", finals=["open"],
    ...                   transitions=[("closed", "push", "open")])
    >>> validate(m)
    >>> Machine.from_json(m.to_json()) == m
    True
"""

from fsmnb.fsm.diagram import DiagramUnavailable, to_dot, to_mermaid, to_svg
from fsmnb.fsm.machine import Machine, Transition
from fsmnb.fsm.spec import MachineSpec, StateSpec, TransitionSpec
from fsmnb.fsm.validation import problems, validate

__all__ = (
    "DiagramUnavailable",
    "Machine",
    "MachineSpec",
    "StateSpec",
    "Transition",
    "TransitionSpec",
    "problems",
    "to_dot",
    "to_mermaid",
    "to_svg",
    "validate",
)
