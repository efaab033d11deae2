"""The IPython extension: `%load_ext fsmnb` adds `%%workflow`, `%workflow` and `%fsm`.

`%%workflow NAME` defines a workflow from the `@state` functions of a cell,
`%workflow NAME = a | b | c` a pipeline from functions, and `%fsm` lists,
runs, drives and inspects workflows and runs (see `%fsm?`). Other parts of
fsmnb add `%fsm` subcommands with `fsmnb.magics.subcommands.subcommand`.
"""

from __future__ import annotations

from typing import Any

from fsmnb.magics import design, mcp_service, resume  # noqa: F401  # they register `%fsm` subcommands
from fsmnb.magics._errors import install_error_display
from fsmnb.magics._interrupt import install_interrupt_wakeup
from fsmnb.magics.magics import FsmnbMagics
from fsmnb.magics.subcommands import SUBCOMMANDS, Subcommand, subcommand

__all__ = (
    "SUBCOMMANDS",
    "FsmnbMagics",
    "Subcommand",
    "load_ipython_extension",
    "subcommand",
)


def load_ipython_extension(ipython: Any) -> None:
    """Register the magics on `ipython`, show fsmnb errors briefly, let interrupts cancel runs."""
    ipython.register_magics(FsmnbMagics)
    install_error_display(ipython)
    install_interrupt_wakeup()
