"""`%fsm resume RUN [--store PATH]`: continue a durable run after the kernel restarted.

It calls `fsmnb.resume` (see docs/durability.md): the run re-enters the state
it was in, journaled effect results are replayed instead of executed again,
and the run joins this shell's runs so that `%fsm send`, `history` and
`cancel` find it by id.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import MagicArgumentParser

from fsmnb.engine.durable import get_default_store
from fsmnb.engine.resume import resume as resume_run
from fsmnb.errors import DefinitionError, RunError
from fsmnb.magics._values import unquote
from fsmnb.magics.subcommands import subcommand

if TYPE_CHECKING:
    from fsmnb.magics.magics import FsmnbMagics

__all__ = ("resume",)

RESUME_USAGE = "%fsm resume RUN [--store PATH]"

_parser = MagicArgumentParser(prog="%fsm resume", add_help=False)
_parser.add_argument("run_id")
_parser.add_argument("--store", metavar="PATH")


@subcommand(
    "resume",
    usage=RESUME_USAGE,
    summary="continue a durable run after a kernel restart",
)
def resume(magics: FsmnbMagics, args: list[str]) -> Any:
    """Continue run RUN from its journal; effects already journaled are not executed again.

    The store is `--store PATH` (a SQLite file) or, without it, the engine-wide
    default (`fsmnb.engine.set_default_store`). Define the run's workflow
    first (run its `%%workflow` cell again after a restart). The run is shown
    and kept among this shell's runs: `%fsm send RUN EVENT` drives it on.
    """
    if not args:
        raise UsageError(f"Missing argument. Usage: {RESUME_USAGE}")
    parsed = _parser.parse_args([unquote(word) for word in args])
    run_id: str = parsed.run_id
    store: Any = parsed.store
    if store is None:
        store = get_default_store()
        if store is None:
            raise UsageError(
                f"No store to resume `{run_id}` from: give its SQLite file with "
                f"`%fsm resume {run_id} --store runs.db`, or set a default store with "
                f'`fsmnb.engine.set_default_store("runs.db")`.'
            )
    elif store != ":memory:" and not os.path.exists(store):
        raise UsageError(
            f"There is no store file `{store}` (looked in `{os.getcwd()}`). Give the path of "
            f"the SQLite file the run was journaled in."
        )
    try:
        run = magics.session.drive(lambda: resume_run(run_id, store=store), settle=True)
    except DefinitionError as exc:
        raise UsageError(
            f"{exc} Run the cell that defines the workflow first, then `%fsm resume {run_id}`."
        ) from None
    except RunError as exc:  # RunNotFound included: the message names the store
        raise UsageError(str(exc)) from None
    return magics.session.add_run(run)
