"""Jupyter display integration: show a live `RunView` wherever a `Run` is displayed.

The core never imports IPython; this module attaches the widgets from the
outside. `fsmnb/__init__.py` calls `register()` when it is imported inside a
running IPython shell, and `%load_ext fsmnb` calls it again (it is idempotent).
Without a live kernel, `Run._repr_mimebundle_` still gives a static drawing.

A displayed run is one output holding the live widget *and* a static drawing
(``text/html``) for places without the kernel: nbconvert, GitHub, nbviewer,
and a reopened notebook whose widget state was not saved. So that the drawing
tells how the run ended, not how it started, the run is shown with a display
id and the output is updated once more when the run finishes. (The last
expression of a cell would be an ``execute_result``, which front ends cannot
update: the run displays itself through IPython's `_ipython_display_` hook
instead.)
"""

from __future__ import annotations

import asyncio
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


def _display_run(run: Run) -> bool:
    """Show `run` (live view + static drawing); when it ends, show its final drawing there."""
    from IPython.display import display

    bundle = _run_bundle(run)
    data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
    handle = display(data, metadata=metadata, raw=True, display_id=True)
    if handle is not None and not run.done:
        unsubscribe: list[Any] = []

        def show_final() -> None:
            final = _run_bundle(run)
            data, metadata = final if isinstance(final, tuple) else (final, {})
            handle.update(data, metadata=metadata, raw=True)

        def on_event(event: Any) -> None:
            if event.kind != "run_finished":
                return
            for stop in unsubscribe:
                stop()
            # Drawing calls Graphviz: after the run has finished, not inside its last step.
            try:
                asyncio.get_running_loop().call_soon(show_final)
            except RuntimeError:
                show_final()

        unsubscribe.append(run.subscribe(on_event))
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
    return True


def unregister(ipython: Any = None) -> None:
    """Go back to static drawings of runs."""
    if ipython is None:
        from IPython import get_ipython

        ipython = get_ipython()
    if ipython is not None:
        ipython.display_formatter.mimebundle_formatter.pop(Run, None)
        ipython.display_formatter.ipython_display_formatter.pop(Run, None)
