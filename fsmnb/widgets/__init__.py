"""Live Jupyter widgets (anywidget); their ES modules and CSS live in the top-level `widgets/`.

- `RunView`: one run's diagram with the current state lit, visit counts, running
  effects, failures, event buttons, a timeline and a data inspector.
- `Transcript`: agent and model messages as a chat, tokens streaming in.
- `Consensus`: each consensus round's answers, similarity heatmap and mean score.
- `SignalView`: a supervision tree and the signal flow (routes, rates, dead letters).
- `Designer`: draw a workflow, validated live; export it as code; debug its runs.

All of them coalesce their updates (at most ~30 comm messages per second each).
Needs the `notebook` extra: `pip install 'fsmnb[notebook]'`.
"""

from __future__ import annotations

try:
    import anywidget  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "fsmnb's widgets need anywidget and ipywidgets: `pip install 'fsmnb[notebook]'`."
    ) from exc

from fsmnb.widgets.consensus import Consensus
from fsmnb.widgets.designer import Designer, design
from fsmnb.widgets.run_view import RunView
from fsmnb.widgets.signal_view import SignalView
from fsmnb.widgets.transcript import Transcript

__all__ = ("Consensus", "Designer", "RunView", "SignalView", "Transcript", "design")
