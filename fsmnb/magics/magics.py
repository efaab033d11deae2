"""`FsmnbMagics`: the `%%workflow`, `%workflow` and `%fsm` magics."""

from __future__ import annotations

import argparse
import re
from types import TracebackType
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, magics_class
from IPython.display import display

from fsmnb.errors import DefinitionError
from fsmnb.magics import subcommands
from fsmnb.magics._errors import mark_short
from fsmnb.magics._ipython import (
    argument,
    line_cell_magic,
    line_magic,
    magic_arguments,
    parse_argstring,
)
from fsmnb.magics._namespace import CellNamespace, dsl_names
from fsmnb.magics._session import Session
from fsmnb.magics._values import split_words
from fsmnb.workflow import Workflow, collecting, pipeline, register_workflow

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

__all__ = ("FsmnbMagics",)

_PIPELINE = re.compile(r"^\s*(?P<name>[A-Za-z_]\w*)\s*=\s*(?P<steps>\S.*)$")
_DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")

_FSM_DOC = """Manage workflows and their runs: `%fsm SUBCOMMAND [ARGS ...]`.

Subcommands:
{subcommands}

RUN is a run id or a variable holding a run; NAME is a workflow's name or a
variable holding one. A value in `key=value` is read as a Python literal
(`42`, `2.5`, `True`, `None`, `[1, 2]`, `'two words'`), otherwise as text.

In Jupyter, runs go on the kernel's event loop: `%fsm run` returns at once
and the run keeps going while you run other cells (`r = %fsm run orders`,
then `await r` waits for it). In a terminal IPython the magic runs the
workflow until it ends or waits for an event.

Examples::

    %fsm list
    r = %fsm run approval --id demo amount=120 who='Ann Lee'
    %fsm send demo approve by=ann
    %fsm history demo
    %fsm cancel demo
"""


@magics_class
class FsmnbMagics(Magics):
    """The fsmnb magics, with the state they share in one shell (`session`)."""

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self.session = Session(shell.user_ns if shell is not None else {})

    @magic_arguments()
    @argument("name", help="the workflow's name; it is bound to this variable")
    @argument("--initial", metavar="STATE", help="the initial state (default: the first defined)")
    @argument("--no-show", action="store_true", help="do not display the diagram")
    @line_cell_magic
    def workflow(self, line: str, cell: str | None = None) -> None:
        """Define a workflow from the `@state` functions of a cell, or a pipeline from functions.

        As a cell magic, `%%workflow NAME [--initial STATE] [--no-show]` runs
        the cell with the workflow DSL in scope, collects the states it defines
        into a `Workflow` called NAME, checks it and shows its diagram. The
        variable NAME is bound to it. Running the cell again replaces it.

        In the cell: `@state(on={"event": "target"})` defines a state (the
        function's name is its id; `initial=True`, `final=True`, `on_enter=`,
        `on_exit=` are accepted), `final("done")` declares final states that run
        no code, `@guard` and `@validator` register guards and input checks,
        `Event(name, payload)` is an event with data, and every effect
        constructor (`call`, `delay`, `retry`, `parallel`, `saga`, ...) is there.
        Other names come from the notebook. Example::

            %%workflow greet
            @state(initial=True, on={"done": "end"})
            def hello(ctx):
                ctx.data["greeting"] = f"hello {ctx.data['who']}"
                return "done"
            final("end")

        As a line magic, `%workflow NAME = step_a | step_b | step_c` builds a
        linear pipeline from functions defined in the notebook: each step gets
        the previous step's result (the first gets the run's data) and the last
        result is `result["result"]`.
        """
        if cell is None:
            self._define_pipeline(line)
            return
        args = parse_argstring(self.workflow, line)
        wf = self._define_from_cell(args.name, cell, args.initial)
        if not args.no_show:
            display(wf)

    @magic_arguments()
    @argument("subcommand", nargs="?", default="help")
    @argument("args", nargs=argparse.REMAINDER)
    @line_magic
    def fsm(self, line: str) -> Any:
        words = split_words(line)  # keeps `who='Ann Lee'` whole, quotes included
        args = parse_argstring(self.fsm, " ".join(words[:1]))
        found = subcommands.SUBCOMMANDS.get(args.subcommand)
        if found is None:
            known = ", ".join(f"`{n}`" for n in subcommands.SUBCOMMANDS)
            raise UsageError(
                f"Unknown subcommand `{args.subcommand}`. Known: {known}. See `%fsm?`."
            )
        return found.handler(self, words[1:])

    # -- helpers ---------------------------------------------------------------------------------

    @property
    def _shell(self) -> InteractiveShell:
        """The shell these magics were registered with."""
        if self.shell is None:
            raise UsageError("The fsmnb magics are not registered with an IPython shell.")
        return self.shell

    def _define_from_cell(self, name: str, cell: str, initial: str | None) -> Workflow:
        if not name.isidentifier():
            raise UsageError(
                f"The workflow name {name!r} must be a Python identifier, e.g. `orders`."
            )
        wf = Workflow(name, register=False)  # registered by name only once it checks out
        shell = self._shell
        namespace = CellNamespace(dsl_names(wf), shell.user_ns)
        source = shell.transform_cell(cell)
        filename = shell.compile.cache(source)
        try:
            with collecting(wf):
                exec(compile(source, filename, "exec"), namespace)
            if initial is not None:
                wf.initial = initial
            wf.check()
        except DefinitionError as exc:
            _note_cell_line(exc, exc.__traceback__, filename)
            raise mark_short(exc).with_traceback(None) from None
        register_workflow(wf)
        shell.user_ns[name] = wf
        return wf

    def _define_pipeline(self, line: str) -> None:
        usage = "%workflow NAME = step_a | step_b | step_c"
        match = _PIPELINE.match(line)
        if match is None:
            raise UsageError(f"Expected {usage} (or use %%workflow NAME as a cell magic).")
        name = match["name"]
        shell = self._shell
        steps = []
        for part in match["steps"].split("|"):
            step = part.strip()
            if not _DOTTED.match(step):
                raise UsageError(f"Pipeline step {step!r} is not a function name. Usage: {usage}")
            try:
                steps.append(eval(step, shell.user_global_ns, shell.user_ns))
            except (NameError, AttributeError):
                raise UsageError(
                    f"Pipeline step `{step}` is not defined. Define it with `def {step}(...)` "
                    f"in a cell first."
                ) from None
        try:
            wf = pipeline(name, *steps)
        except DefinitionError as exc:
            raise mark_short(exc).with_traceback(None) from None
        shell.user_ns[name] = wf
        display(wf)


def _note_cell_line(exc: BaseException, tb: TracebackType | None, filename: str) -> None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    if line is not None:
        exc.add_note(f"(raised at line {line} of the %%workflow cell)")


def refresh_fsm_help() -> None:
    """Rebuild the `%fsm?` help from the registered subcommands."""
    FsmnbMagics.fsm.__doc__ = _FSM_DOC.format(subcommands=subcommands.help_text())


subcommands.on_change(refresh_fsm_help)
