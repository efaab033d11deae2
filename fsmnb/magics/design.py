"""`%fsm design [NAME]`: open the visual designer on a workflow, or on a new drawing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from fsmnb.magics.subcommands import subcommand

if TYPE_CHECKING:
    from fsmnb.magics.magics import FsmnbMagics

__all__ = ("design",)

USAGE = "%fsm design [NAME | FILE]"


@subcommand("design", usage=USAGE, summary="draw a workflow (or a new one) in the designer")
def design(magics: FsmnbMagics, args: list[str]) -> Any:
    """Open `fsmnb.widgets.Designer` on workflow NAME, a spec or code FILE, or a new drawing."""
    from fsmnb.widgets.designer import Designer

    if len(args) > 1:
        raise UsageError(f"Usage: {USAGE} (one workflow at a time).")
    if not args:
        return Designer()
    target = args[0]
    if target.endswith((".json", ".yaml", ".yml", ".py")):
        return Designer(target)
    return Designer(magics.session.workflow(target))
