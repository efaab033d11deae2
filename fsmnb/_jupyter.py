"""Jupyter display integration: show a live `RunView` wherever a `Run` is displayed.

The core never imports IPython; this module attaches the widgets from the
outside. `fsmnb/__init__.py` calls `register()` when it is imported inside a
running IPython shell, and `%load_ext fsmnb` calls it again (it is idempotent).
Without a live kernel, `Run._repr_mimebundle_` still gives a static drawing.

A displayed run is one output holding the live widget *and* a static drawing
(``text/html``) for places without the kernel: nbconvert, GitHub, nbviewer,
and a reopened notebook whose widget state was not saved. So that the drawing
tells how the run ended, not how it started, the run is shown with a display
id and the output is drawn again after each later cell while the run has moved
(`_Drawing`). (The last expression of a cell would be an ``execute_result``,
which front ends cannot update: the run displays itself through IPython's
`_ipython_display_` hook instead.) A run that ends after the notebook's last
cell keeps the drawing of the last cell run; saved widget state (see
docs/widgets.md) shows it as it ended in JupyterLab.
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


def _drawn(run: Run) -> tuple[str, str, int]:
    return run.status, run.state, run.steps


class _Drawing:
    """One displayed run's output, drawn again after a cell if the run moved meanwhile.

    After a cell, not when the run moves: a message sent between cells would carry the
    parent of a cell that is over, and nbclient (and JupyterLab) no longer read those;
    sent from IPython's ``post_execute`` it belongs to the cell just run, and nbclient
    applies it to the output with that display id, wherever it is.
    """

    __slots__ = ("drawn", "handle", "run")

    def __init__(self, run: Run, handle: Any) -> None:
        self.run, self.handle, self.drawn = run, handle, _drawn(run)

    def refresh(self) -> None:
        """Draw the run again if it moved since the last drawing; forget it once it ended."""
        if self.run.done:
            _PENDING.discard(self)
        now = _drawn(self.run)
        if now == self.drawn:
            return
        self.drawn = now
        bundle = _run_bundle(self.run)
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        self.handle.update(data, metadata=metadata, raw=True)


_PENDING: set[_Drawing] = set()


def _refresh_drawings(*_: Any) -> None:
    for drawing in list(_PENDING):
        drawing.refresh()


def _display_run(run: Run) -> bool:
    """Show `run` (live view + static drawing); draw it again after cells while it moves."""
    from IPython.display import display

    bundle = _run_bundle(run)
    data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
    handle = display(data, metadata=metadata, raw=True, display_id=True)
    if handle is not None and not run.done:
        _PENDING.add(_Drawing(run, handle))
    return True


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
    if getattr(ipython, "kernel", None) is not None:  # a front end that can update an output
        ipython.display_formatter.ipython_display_formatter.for_type(Run, _display_run)
        if _refresh_drawings not in ipython.events.callbacks["post_execute"]:
            ipython.events.register("post_execute", _refresh_drawings)
    return True


def unregister(ipython: Any = None) -> None:
    """Go back to static drawings of runs."""
    if ipython is None:
        from IPython import get_ipython

        ipython = get_ipython()
    if ipython is not None:
        ipython.display_formatter.mimebundle_formatter.pop(Run, None)
        ipython.display_formatter.ipython_display_formatter.pop(Run, None)
        if _refresh_drawings in ipython.events.callbacks["post_execute"]:
            ipython.events.unregister("post_execute", _refresh_drawings)
