"""The `%fsm` subcommands, as a table other parts of fsmnb extend.

A subcommand is a function `handler(magics, args) -> value` registered under
a name; `args` are the words after the name (shell-style quoting honoured).
The value, if not None, is shown as the cell's output. Bad arguments raise
`UsageError`. Another module adds one like this::

    from fsmnb.magics.subcommands import subcommand

    @subcommand("resume", usage="%fsm resume RUN", summary="resume a journaled run")
    def resume(magics, args):
        ...
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from fsmnb.magics._values import parse_assignments
from fsmnb.workflow import get_workflow, workflow_names

if TYPE_CHECKING:
    from fsmnb.magics.magics import FsmnbMagics

__all__ = ("SUBCOMMANDS", "Subcommand", "help_text", "on_change", "subcommand")

Handler = Callable[["FsmnbMagics", list[str]], Any]


@dataclass(frozen=True, slots=True)
class Subcommand:
    """One `%fsm` subcommand: its handler, a usage line and a one-line summary."""

    name: str
    handler: Handler
    usage: str
    summary: str


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str, *, usage: str, summary: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as `%fsm NAME` (a later registration replaces it)."""

    def register(handler: Handler) -> Handler:
        SUBCOMMANDS[name] = Subcommand(name, handler, usage, summary)
        _refresh_help()
        return handler

    return register


def help_text() -> str:
    """The subcommand list shown by `%fsm?` and `%fsm help`."""
    width = max((len(s.usage) for s in SUBCOMMANDS.values()), default=0)
    return "\n".join(f"  {s.usage.ljust(width)}  {s.summary}" for s in SUBCOMMANDS.values())


_HELP_LISTENERS: list[Callable[[], None]] = []


def on_change(listener: Callable[[], None]) -> None:
    """Call `listener()` whenever a subcommand is registered (the `%fsm?` help is rebuilt)."""
    _HELP_LISTENERS.append(listener)
    listener()


def _refresh_help() -> None:
    for listener in _HELP_LISTENERS:
        listener()


def _expect(args: list[str], count: int, usage: str) -> None:
    if len(args) < count:
        raise UsageError(f"Missing argument. Usage: {usage}")


# -- the built-in subcommands --------------------------------------------------------------------


class Listing:
    """What `%fsm list` shows: the registered workflows and the runs started here."""

    def __init__(
        self, workflows: list[tuple[str, str, str, str]], runs: list[tuple[str, str, str, str]]
    ) -> None:
        self.workflows, self.runs = workflows, runs

    def __repr__(self) -> str:
        lines = ["Workflows:"]
        lines += [
            f"  {n}  ({s} states; initial {i})  {d}".rstrip() for n, s, i, d in self.workflows
        ]
        lines += ["  (none)"] if not self.workflows else []
        lines.append("Runs:")
        lines += [f"  {r}  {w}  {st} in {s}" for r, w, st, s in self.runs]
        lines += ["  (none)"] if not self.runs else []
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        def table(head: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
            cells = "".join(
                "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                for row in rows
            )
            heads = "".join(f"<th>{h}</th>" for h in head)
            return f"<table><tr>{heads}</tr>{cells}</table>"

        return (
            "<div class='fsmnb-list'><b>Workflows</b>"
            + table(("name", "states", "initial", "description"), self.workflows)
            + "<b>Runs</b>"
            + table(("run", "workflow", "status", "state"), self.runs)
            + "</div>"
        )


@subcommand(
    "list", usage="%fsm list", summary="the workflows defined so far and the runs started here"
)
def list_(magics: FsmnbMagics, args: list[str]) -> Listing:
    if args:
        raise UsageError("`%fsm list` takes no arguments.")
    workflows = []
    for name in workflow_names():
        wf = get_workflow(name)
        workflows.append((name, str(len(wf.states)), wf.initial or "", wf.description))
    runs = [(r.id, r.workflow.name, str(r.status), r.state) for r in magics.session.runs.values()]
    return Listing(workflows, runs)


@subcommand("show", usage="%fsm show NAME", summary="show a workflow's diagram, or a run")
def show(magics: FsmnbMagics, args: list[str]) -> Any:
    _expect(args, 1, "%fsm show NAME")
    if len(args) > 1:
        raise UsageError("Usage: %fsm show NAME (one workflow or run at a time).")
    session = magics.session
    try:
        return session.workflow(args[0])
    except UsageError:
        try:
            return session.run(args[0])
        except UsageError:
            raise UsageError(
                f"`{args[0]}` is neither a workflow nor a run. Workflows: "
                + (", ".join(f"`{n}`" for n in workflow_names()) or "none")
                + "."
            ) from None


RUN_USAGE = "%fsm run NAME [--id RUN_ID] [key=value ...]"


@subcommand("run", usage=RUN_USAGE, summary="start a run of workflow NAME with the given data")
def run(magics: FsmnbMagics, args: list[str]) -> Any:
    _expect(args, 1, RUN_USAGE)
    name, rest = args[0], args[1:]
    run_id = None
    if rest[:1] == ["--id"]:
        _expect(rest, 2, RUN_USAGE)
        run_id, rest = rest[1], rest[2:]
    elif rest and rest[0].startswith("--id="):
        run_id, rest = rest[0].removeprefix("--id="), rest[1:]
    wf = magics.session.workflow(name)
    data = parse_assignments(rest, usage=RUN_USAGE)
    started = magics.session.drive(lambda: wf.start(data, run_id=run_id), settle=True)
    return magics.session.add_run(started)


SEND_USAGE = "%fsm send RUN EVENT [key=value ...]"


@subcommand("send", usage=SEND_USAGE, summary="send EVENT (with a payload) to a waiting run")
def send(magics: FsmnbMagics, args: list[str]) -> None:
    from fsmnb.errors import RunError

    _expect(args, 2, SEND_USAGE)
    target = magics.session.run(args[0])
    payload = parse_assignments(args[2:], usage=SEND_USAGE)
    try:
        state = magics.session.drive(lambda: target.send(args[1], **payload), settle=target)
    except RunError as exc:  # TransitionError included: the message lists the allowed events
        raise UsageError(str(exc)) from None
    print(f"run {target.id}: {args[1]} -> {state}")


@subcommand(
    "history", usage="%fsm history RUN", summary="the run's transitions and effects (a DataFrame)"
)
def history(magics: FsmnbMagics, args: list[str]) -> Any:
    _expect(args, 1, "%fsm history RUN")
    return magics.session.run(args[0]).history


@subcommand("cancel", usage="%fsm cancel RUN", summary="cancel a run (its compensations run)")
def cancel(magics: FsmnbMagics, args: list[str]) -> None:
    _expect(args, 1, "%fsm cancel RUN")
    target = magics.session.run(args[0])
    if target.done:
        print(f"run {target.id} has already ended ({target.status}).")
        return
    magics.session.drive(target.cancel, settle=target)
    print(f"run {target.id}: cancelled in {target.state}")


@subcommand("help", usage="%fsm help", summary="list the subcommands")
def help_(magics: FsmnbMagics, args: list[str]) -> None:
    print("%fsm subcommands:\n" + help_text())


@subcommand(
    "traceback",
    usage="%fsm traceback",
    summary="the whole traceback of the last failed run (shown short)",
)
def traceback_(magics: FsmnbMagics, args: list[str]) -> None:
    from fsmnb.magics._failure import last_failure

    if args:
        raise UsageError("`%fsm traceback` takes no arguments.")
    failure = last_failure()
    if failure is None:
        print(
            "No failed run has been shown yet: `%fsm traceback` shows the last one's whole chain."
        )
        return
    shell = magics.shell
    if shell is not None:
        shell.showtraceback(failure)
