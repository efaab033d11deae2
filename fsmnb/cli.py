"""The `fsmnb` console script: one subcommand per feature, each loaded only when used.

A feature adds itself to `COMMANDS` as ``name -> module``; the module provides
`add_parser(subcommands)`, which adds its subparser and sets ``run`` (a
function of the parsed arguments returning the exit status).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ("COMMANDS", "main")

#: subcommand -> the module that implements it
COMMANDS: dict[str, str] = {
    "mcp": "fsmnb.mcp.cli",
    "serve": "fsmnb.serve_command",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The `fsmnb` parser (with just the subcommand `only`, when given, so others are not imported)."""
    parser = argparse.ArgumentParser(
        prog="fsmnb", description="AI workflows as finite state machines."
    )
    from fsmnb import __version__

    parser.add_argument("--version", action="version", version=f"fsmnb {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name, module in COMMANDS.items():
        if only is None or name == only:
            try:
                loaded = importlib.import_module(module)
            except ImportError as exc:
                if only == name:  # the command asked for: its error names the missing extra
                    raise
                # `fsmnb --help` / `--version` must work without every extra installed.
                commands.add_parser(name, help=f"(unavailable: `{exc.name}` is not installed)")
                continue
            loaded.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `fsmnb` command line; returns the exit status."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in args_in if not a.startswith("-")), None)
    parser = build_parser(first if first in COMMANDS else None)
    args = parser.parse_args(args_in)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return 2
    return int(run(args))


if __name__ == "__main__":
    sys.exit(main())
