"""How fsmnb errors look in a notebook: short messages where a traceback says nothing.

A `DefinitionError` raised by `%%workflow` is shown as its message alone (it
names every offender and the fix). A failed run (`await run`, `run_sync`,
`run.send`) is shown as one block: what failed, where, the cause, and the
user's own frames (`fsmnb.magics._failure`); `%fsm traceback` shows the whole
chain, and `%xmode Verbose` turns the short form off. A cell interrupted
while awaiting a run gets a note naming the run that was cancelled. Every
other exception keeps IPython's usual display, including exceptions another
extension handles.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any

from fsmnb.magics._failure import failure_lines, find_run, remember

__all__ = ("install_error_display", "mark_short")

_SHORT = "_fsmnb_show_short"


def mark_short(exc: BaseException) -> BaseException:
    """Have the shell show `exc` as its message only, without a traceback."""
    setattr(exc, _SHORT, True)
    return exc


def _awaited_run(tb: TracebackType | None) -> Any:
    """The `Run` whose `wait()` was interrupted, found in the traceback, if any."""
    from fsmnb.engine.run import Run

    while tb is not None:
        candidate = tb.tb_frame.f_locals.get("self")
        if isinstance(candidate, Run) and tb.tb_frame.f_code.co_name == "wait":
            return candidate
        tb = tb.tb_next
    return None


def _show_message_only(
    shell: Any, etype: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    # `_showtraceback` is the hook every frontend implements (ipykernel sends an `error`
    # message); `showtraceback(exception_only=True)` would add "use %tb" noise.
    show = getattr(shell, "_showtraceback", None)
    if show is None:
        shell.showtraceback((etype, value, tb), exception_only=True)
        return
    shell._last_traceback = tb  # `%tb` still shows the whole story
    show(etype, value, shell.InteractiveTB.get_exception_only(etype, value))


def _is_run_failure(value: BaseException, tb: TracebackType | None) -> bool:
    from fsmnb.errors import DefinitionError, FsmnbError, RunError

    if isinstance(value, DefinitionError) or not isinstance(value, FsmnbError):
        return False
    return isinstance(value, RunError) or find_run(tb) is not None


def _short_tracebacks(shell: Any) -> bool:
    """False after `%xmode Verbose`: whoever asks for every local gets the whole traceback."""
    mode = getattr(getattr(shell, "InteractiveTB", None), "mode", "Context")
    return str(mode) != "Verbose"


def _show_lines(
    shell: Any,
    etype: type[BaseException],
    value: BaseException,
    tb: TracebackType | None,
    lines: list[str],
) -> None:
    show = getattr(shell, "_showtraceback", None)
    shell._last_traceback = tb  # `%tb` still shows the whole story
    if show is None:  # a plain terminal shell
        print("\n".join(lines))
        return
    show(etype, value, lines)


def install_error_display(shell: Any) -> None:
    """Add fsmnb's handler to the shell's custom exception handlers (keeping any other)."""
    if getattr(shell, "_fsmnb_error_display", False):
        return
    previous_types: tuple[type[BaseException], ...] = tuple(shell.custom_exceptions)
    previous_handler = shell.CustomTB

    def handler(
        self: Any,
        etype: type[BaseException],
        value: BaseException,
        tb: TracebackType | None,
        tb_offset: int | None = None,
    ) -> list[str] | None:
        if getattr(value, _SHORT, False):
            _show_message_only(self, etype, value, tb)
            return None
        if _is_run_failure(value, tb) and _short_tracebacks(self):
            remember(etype, value, tb)
            _show_lines(self, etype, value, tb, failure_lines(self, value, tb))
            return None
        if isinstance(value, asyncio.CancelledError):
            run = _awaited_run(tb)
            if run is not None:
                value.add_note(
                    f"Interrupted: run `{run.id}` of `{run.workflow.name}` was cancelled in "
                    f"state `{run.state}`; its running effects were cancelled and their "
                    f"compensations run."
                )
                _show_message_only(self, etype, value, tb)
                return None
        if previous_types and isinstance(value, previous_types):
            previous_handler(etype, value, tb, tb_offset=tb_offset)
            return None
        self.showtraceback((etype, value, tb), tb_offset=tb_offset, running_compiled_code=True)
        return None

    from fsmnb.errors import FsmnbError

    shell.set_custom_exc((FsmnbError, asyncio.CancelledError, *previous_types), handler)
    shell._fsmnb_error_display = True
