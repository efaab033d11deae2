"""How many journal entries a run keeps in memory: the ``history=`` knob.

A run journals every entry to its store (a durable store keeps them all, and
`run.journal`, `run.history` and time travel read them from there). In memory a
run keeps its `run_started` entry and its most recent entries, up to a limit:

- runs started with `wf.start` / `wf.run` / `wf.run_sync` (and their children):
  the process-wide default, ``DEFAULT = 1000`` entries, changed with
  `set_history(n | "all")`;
- `Manager` instances: ``Manager(history=...)``, default 0 — an idle instance
  serving a chat or a device for months must not grow with its events (about
  130 bytes per entry); give it a durable store to keep, and read, everything.

``"all"`` keeps every entry (memory grows with the run).
"""

from __future__ import annotations

import sys
from typing import Literal

__all__ = ("ALL", "DEFAULT", "History", "get_history", "history_limit", "set_history")

History = int | Literal["all"]

#: The limit that means "keep every entry".
ALL = sys.maxsize
#: Entries a run started with `wf.start` keeps in memory unless told otherwise.
DEFAULT = 1000

_DEFAULT: list[int] = [DEFAULT]


def history_limit(history: History | None) -> int:
    """`history` as a number of entries (None: the process-wide default).

    Raises:
        ValueError: `history` is negative or neither an int nor ``"all"``.
    """
    if history is None:
        return _DEFAULT[0]
    if history == "all":
        return ALL
    if isinstance(history, bool) or not isinstance(history, int) or history < 0:
        raise ValueError(
            f"`history` is a number of journal entries ≥ 0 or 'all'; got `{history!r}`."
        )
    return history


def set_history(history: History) -> History:
    """Make runs started without a limit keep `history` entries in memory; returns the old one."""
    old = _DEFAULT[0]
    _DEFAULT[0] = history_limit(history)
    return "all" if old == ALL else old


def get_history() -> History:
    """The process-wide default (`DEFAULT` unless `set_history` changed it)."""
    return "all" if _DEFAULT[0] == ALL else _DEFAULT[0]
