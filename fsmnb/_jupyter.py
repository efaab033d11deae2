"""Jupyter display integration: show a live `RunView` wherever a `Run` is displayed.

The core never imports IPython; this module attaches the widgets from the
outside. `fsmnb/__init__.py` calls `register()` when it is imported inside a
running IPython shell, and `%load_ext fsmnb` calls it again (it is idempotent).
Without a live kernel, `Run._repr_mimebundle_` still gives a static drawing.
"""

from __future__ import annotations

import weakref
from typing import Any

from fsmnb.engine.display import run_mimebundle, run_text
from fsmnb.engine.run import Run

__all__ = ("register", "run_view", "unregister")

_VIEWS: weakref.WeakKeyDictionary[Run, Any] = weakref.WeakKeyDictionary()


def run_view(run: Run) -> Any:
    """The `RunView` of `run`, made on first use; every display of the run shares it."""
    view = _VIEWS.get(run)
    if view is None or getattr(view, "comm", None) is None:
        from fsmnb.widgets import RunView

        view = _VIEWS[run] = RunView(run)
    return view


def _run_bundle(run: Run) -> tuple[dict[str, Any], dict[str, Any]] | dict[str, Any]:
    """The live widget, plus the static drawing for viewers without the kernel."""
    static = run_mimebundle(run, include=("text/html",))
    try:
        live = run_view(run)._repr_mimebundle_()
    except Exception:  # no widget support in this front end: the static picture still reads well
        return run_mimebundle(run)
    data, metadata = live if isinstance(live, tuple) else (live, {})
    return {**static, **data, "text/plain": run_text(run)}, metadata


def register(ipython: Any = None) -> bool:
    """Show runs as live widgets in `ipython` (the current shell by default).

    Returns:
        Whether a shell was found and the widgets (anywidget) are installed.
    """
    if ipython is None:
        from IPython import get_ipython

        ipython = get_ipython()
    if ipython is None or not hasattr(ipython, "display_formatter"):
        return False
    try:
        import anywidget  # noqa: F401
    except ImportError:  # the static drawings still work: `pip install 'fsmnb[notebook]'`
        return False
    formatter = ipython.display_formatter.mimebundle_formatter
    formatter.for_type(Run, _run_bundle)
    return True


def unregister(ipython: Any = None) -> None:
    """Go back to static drawings of runs."""
    if ipython is None:
        from IPython import get_ipython

        ipython = get_ipython()
    if ipython is not None:
        ipython.display_formatter.mimebundle_formatter.pop(Run, None)
