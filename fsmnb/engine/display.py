"""Static pictures of a run, for places with no live kernel (exported notebooks, GitHub).

Nothing here imports IPython: `Run._repr_mimebundle_` calls `run_mimebundle`,
and in a live kernel `fsmnb._jupyter` puts the RunView widget in front of it.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from fsmnb.engine.journal import EffectFailed

if TYPE_CHECKING:
    from fsmnb.engine.run import Run

__all__ = ("failed_states", "run_mimebundle", "run_text")

_COLOURS = {"done": "#1a7f37", "failed": "#cf222e", "cancelled": "#6e7781", "waiting": "#9a6700"}


def failed_states(run: Run) -> list[str]:
    """The states in which an effect failed, or the run itself failed, in journal order."""
    states = [e.state for e in run.journal if isinstance(e, EffectFailed)]
    if run.status == "failed":
        states.append(run.state)
    return list(dict.fromkeys(states))


def run_text(run: Run) -> str:
    """One stable line (no run id, no address) that nbval can compare."""
    return f"<Run of {run.workflow.name!r}: {run.status} in {run.state!r}>"


def run_mimebundle(run: Run, include: Any = None, exclude: Any = None, **_: Any) -> dict[str, str]:
    """A text line, and an SVG drawing with the current state lit, visits and failures.

    Falls back to a mermaid listing when Graphviz's `dot` is not installed.
    """
    from fsmnb.fsm.diagram import mimebundle

    colour = _COLOURS.get(run.status, "#0969da")
    header = (
        f"<div class='fsmnb-run-head'><b>{html.escape(run.workflow.name)}</b> run "
        f"<code>{html.escape(run.id)}</code> <span style='color:{colour}'>{run.status}</span> "
        f"in state <b>{html.escape(run.state)}</b></div>"
    )
    return mimebundle(
        run.workflow.machine,
        include,
        exclude,
        text=run_text(run),
        header=header,
        css_class="fsmnb-run",
        current=run.state,
        visits=run.visits,
        failed=failed_states(run),
    )
