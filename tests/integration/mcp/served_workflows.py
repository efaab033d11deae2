"""Workflows served by the MCP tests over stdio and HTTP (loaded by `fsmnb mcp`)."""

from fsmnb import Workflow, register_callable

door = Workflow("door", description="A door that opens, closes and locks.")
door.add_state("closed", None, initial=True, on={"open": "opened", "lock": "locked"})
door.add_state("opened", None, on={"close": "closed"})
door.final("locked")


@register_callable("double")
def double(x):
    return 2 * x
