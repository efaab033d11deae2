"""Linear workflows from plain functions: `pipeline("name", a, b, c)` and `a | b | c`.

Each function becomes a state named after it, leading to the next one by the
event ``next``; the last leads to the final state ``done``. A step whose first
parameter is called ``ctx`` receives the `Context`; any other step receives the
previous step's result (the first step gets the run's data). A step may be
async and may return an effect, whose result then counts as the step's result.
Each result is stored in `ctx.data[step_name]` and in `ctx.data["result"]`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Generator, Iterable
from typing import Any

from fsmnb.effects.base import Effect
from fsmnb.errors import DefinitionError
from fsmnb.workflow.workflow import Workflow

__all__ = ("Pipeline", "Task", "pipeline", "task")


class Task:
    """A function marked as a pipeline step, so that `a | b | c` builds a `Pipeline`."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.name: str = fn.__name__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    def __or__(self, other: Any) -> Pipeline:
        combined: Pipeline = Pipeline([self]) | other
        return combined

    def __repr__(self) -> str:
        return f"<Task {self.name}>"


def task(fn: Callable[..., Any]) -> Task:
    """Mark `fn` as a pipeline step: `collect | test | analyze` then builds a `Pipeline`."""
    return fn if isinstance(fn, Task) else Task(fn)


class Pipeline:
    """An ordered list of steps; `.workflow(name)` turns it into a linear `Workflow`."""

    def __init__(self, steps: Iterable[Any]) -> None:
        self.steps: list[Task] = [task(s) for s in steps]

    def __or__(self, other: Any) -> Pipeline:
        if isinstance(other, Pipeline):
            return Pipeline([*self.steps, *other.steps])
        if callable(other):
            return Pipeline([*self.steps, task(other)])
        return NotImplemented

    def workflow(self, name: str | None = None, *, description: str = "") -> Workflow:
        """The linear workflow of these steps (named after them unless `name` is given)."""
        return pipeline(
            name or "_".join(s.name for s in self.steps), *self.steps, description=description
        )

    def __repr__(self) -> str:
        return " | ".join(s.name for s in self.steps)


def pipeline(name: str, *steps: Callable[..., Any], description: str = "") -> Workflow:
    """Build a linear workflow whose states are the steps' function names.

    Example:
        >>> def double(data): return data["x"] * 2
        >>> def inc(n): return n + 1
        >>> pipeline("calc", double, inc).run_sync(x=20)["result"]
        41
    """
    if not steps:
        raise DefinitionError(f"Pipeline `{name}` needs at least one step.")
    names = [getattr(s, "__name__", None) for s in steps]
    for s, n in zip(steps, names, strict=True):
        if not callable(s) or not n or not n.isidentifier():
            raise DefinitionError(
                f"Pipeline `{name}`: step {s!r} is not a named function; pass functions "
                f"defined with `def` (their names become the state names)."
            )
    dupes = sorted({n for n in names if n is not None and names.count(n) > 1})
    if dupes:
        raise DefinitionError(
            f"Pipeline `{name}` uses {', '.join(f'`{d}`' for d in dupes)} twice; state names "
            f"must be unique. Wrap the second use in a function with another name."
        )
    wf = Workflow(name, description=description or " → ".join(str(n) for n in names))
    for i, (fn, n) in enumerate(zip(steps, names, strict=True)):
        assert n is not None
        following = names[i + 1] if i + 1 < len(names) else "done"
        previous = names[i - 1] if i else None
        wf.add_state(
            n,
            _step(getattr(fn, "fn", fn), n, previous),
            initial=i == 0,
            on={"next": following},  # type: ignore[dict-item]
            description=(inspect.getdoc(fn) or "").split("\n")[0],
        )
    wf.final("done")
    return wf


def _takes_ctx(fn: Callable[..., Any]) -> bool:
    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return False
    return bool(params) and params[0] == "ctx"


def _step(fn: Callable[..., Any], name: str, previous: str | None) -> Callable[..., Any]:
    takes_ctx = _takes_ctx(fn)

    def argument(ctx: Any) -> Any:
        if takes_ctx:
            return ctx
        return ctx.data[previous] if previous is not None else ctx.data

    def store(ctx: Any, value: Any) -> str:
        ctx.data[name] = value
        ctx.data["result"] = value
        return "next"

    if inspect.iscoroutinefunction(fn):

        async def run_async(ctx: Any) -> str:
            value = await fn(argument(ctx))
            if isinstance(value, Effect):
                value = await ctx.run(value)
            return store(ctx, value)

        run_async.__name__ = name
        return run_async

    def run(ctx: Any) -> Generator[Effect, Any, str]:
        value = fn(argument(ctx))
        if isinstance(value, Effect):
            value = yield value
        return store(ctx, value)

    run.__name__ = name
    return run
