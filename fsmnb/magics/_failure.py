"""A failed run in a notebook: one readable block, the user's own frames, the rest one call away.

`await run` (or `run_sync`) on a failed run re-raises the run's error, whose
traceback goes through the engine's driver and effect handlers: ~90 lines
that tell the person who wrote the workflow nothing. The shell shows this instead::

    EffectError: `call(route)` failed: KeyError: 'spam' (at `triage#0/1:call(route)`)
      run      `c-1` of `claim`, failed in state `triage`
      effect   `call(route)` at `triage#0/1:call(route)`
      cause    KeyError: 'spam'
      your code (most recent call last):
        Cell In[2], line 2, in <module>
          await run
        Cell In[1], line 13, in triage
          ctx.data["queue"] = await ctx.run(call(route, ctx.data["kind"]))
        Cell In[1], line 7, in route
          return queues[kind]
      The whole chain: `%fsm traceback` (or `run.error`; `%xmode Verbose` shows it every time).

Frames are the user's unless they are fsmnb's own, asyncio's, or the shell's
(IPython, ipykernel, nest_asyncio): those are the only ones left out.
"""

from __future__ import annotations

import asyncio
import os
import traceback
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import fsmnb

__all__ = ("failure_lines", "find_run", "last_failure", "remember")

_MAX_FRAMES = 12

_HIDDEN_DIRS = tuple(
    str(Path(module.__file__).resolve().parent) + os.sep
    for module in (fsmnb, asyncio)
    if module.__file__ is not None
)
_HIDDEN_PACKAGES = (f"{os.sep}IPython{os.sep}", f"{os.sep}ipykernel{os.sep}", "nest_asyncio.py")

_last: tuple[type[BaseException], BaseException, TracebackType | None] | None = None


def remember(etype: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    """Keep the failure that was shown short, for `%fsm traceback`."""
    global _last
    _last = (etype, value, tb)


def last_failure() -> tuple[type[BaseException], BaseException, TracebackType | None] | None:
    """The latest failure shown short (`None` before the first)."""
    return _last


def find_run(tb: TracebackType | None) -> Any:
    """The `Run` whose outcome was raised (a frame of one of its methods), if any."""
    from fsmnb.engine.run import Run

    found = None
    while tb is not None:
        candidate = tb.tb_frame.f_locals.get("self")
        if isinstance(candidate, Run):
            found = candidate
        tb = tb.tb_next
    return found


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, then its causes (and unsuppressed contexts), outermost first."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        if current.__cause__ is not None:
            current = current.__cause__
        elif not current.__suppress_context__:
            current = current.__context__
        else:
            current = None


def _is_users(filename: str) -> bool:
    path = os.path.abspath(filename)
    if path.startswith(_HIDDEN_DIRS):
        return False
    return not any(part in path for part in _HIDDEN_PACKAGES)


def _where(shell: Any, filename: str) -> str:
    """`Cell In[3]` for a notebook cell, else the file's path (what IPython itself prints)."""
    compiler = getattr(shell, "compile", None)
    name = getattr(compiler, "format_code_name", None)
    if name is not None:
        try:
            named = name(filename)
        except Exception:  # an older IPython: the path still says where
            named = None
        if named:
            return f"{named[0]} {named[1]}"
    return filename


def _user_frames(shell: Any, exc: BaseException) -> list[str]:
    lines: list[str] = []
    seen: set[tuple[str, int | None, str]] = set()
    # The raised error's traceback runs from the cell to where the run first failed (a re-raise
    # puts its frames in front); each cause then goes on from there to where it was raised.
    for link in _chain(exc):
        for frame in traceback.extract_tb(link.__traceback__):
            key = (frame.filename, frame.lineno, frame.name)
            if key in seen or not _is_users(frame.filename):
                continue
            seen.add(key)
            lines.append(
                f"    {_where(shell, frame.filename)}, line {frame.lineno}, in {frame.name}"
            )
            if frame.line:
                lines.append(f"      {frame.line.strip()}")
    if len(lines) > 2 * _MAX_FRAMES:
        cut = len(lines) - 2 * _MAX_FRAMES
        lines = ["    … earlier frames left out (`%fsm traceback` shows them)", *lines[cut:]]
    return lines


def _failed_effect(run: Any, chain: list[BaseException]) -> tuple[str, str] | None:
    """(label, path) of the effect that failed in the run's final state, if one did."""
    from fsmnb.errors import EffectError

    for entry in reversed(run.journal):
        if entry.kind == "effect_failed" and entry.state == run.state:
            paths = [e.path for e in chain if isinstance(e, EffectError) and e.path]
            return str(entry.label), paths[0] if paths else str(entry.path)
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def failure_lines(shell: Any, exc: BaseException, tb: TracebackType | None) -> list[str]:
    """The short block for `exc` (raised with traceback `tb`), one string per line."""
    run = find_run(tb)
    chain = list(_chain(exc))
    lines = [_first_line(exc)]
    if run is not None:
        lines.append(
            f"  run      `{run.id}` of `{run.workflow.name}`, {run.status} in state `{run.state}`"
        )
        effect = _failed_effect(run, chain)
        if effect is not None:
            lines.append(f"  effect   `{effect[0]}` at `{effect[1]}`")
    cause = chain[-1]
    if cause is not exc:
        lines.append(f"  cause    {_first_line(cause)}")
    frames = _user_frames(shell, exc)
    if frames:
        lines.append("  your code (most recent call last):")
        lines += frames
    lines.append(
        "  The whole chain: `%fsm traceback`"
        + (" (or `run.error`)" if run is not None else "")
        + "; `%xmode Verbose` shows it every time."
    )
    return lines
