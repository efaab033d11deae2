"""`Workflow`: a machine plus what each state does."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Coroutine, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar, overload

from fsmnb.errors import DefinitionError, InputError
from fsmnb.fsm.machine import Machine
from fsmnb.workflow.catalog import register_workflow
from fsmnb.workflow.runner import get_runner, split_options
from fsmnb.workflow.state import StateDef, Target, action_kind, parse_on

if TYPE_CHECKING:
    from fsmnb.engine.run import Run
    from fsmnb.workflow.events import Result

__all__ = ("Workflow", "collecting", "final", "state")

F = TypeVar("F", bound=Callable[..., Any])

_COLLECTING: contextvars.ContextVar[Workflow | None] = contextvars.ContextVar(
    "fsmnb_collecting", default=None
)


class Workflow:
    """A state machine plus what each state does on entry.

    Define states with the `@wf.state` decorator (the function's name is the
    state id), declare final states with `wf.final(...)`, then `wf.start(...)`,
    `await wf.run(...)` or `wf.run_sync(...)`.

    Args:
        name: the workflow's name.
        description: what it is for (shown in the registry and by MCP tools).
        tags: keywords for search.
        version: a version string.
        register: add it to the process-wide catalog (`get_workflow(name)`).

    Example:
        >>> wf = Workflow("greet")
        >>> @wf.state(initial=True, on={"done": "end"})
        ... def hello(ctx):
        ...     ctx.data["greeting"] = f"hello {ctx.data['who']}"
        ...     return "done"
        >>> wf.final("end")
        >>> wf.run_sync(who="ann").data["greeting"]
        'hello ann'
    """

    def __init__(
        self,
        name: str,
        *,
        description: str = "",
        tags: Iterable[str] = (),
        version: str = "1",
        register: bool = True,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise DefinitionError("A workflow needs a non-empty name, e.g. Workflow('orders').")
        self.name = name
        self.description = description
        self.tags = tuple(tags)
        self.version = version
        self.states: dict[str, StateDef] = {}
        self.guards: dict[str, Callable[..., bool]] = {}
        self.validators: list[Callable[[dict[str, Any]], Any]] = []
        self._initial: str | None = None
        self._machine: Machine | None = None
        self._checked: Machine | None = None
        if register:  # False: private workflows (e.g. built from an MCP client's spec)
            register_workflow(self)

    # -- definition ----------------------------------------------------------------------------

    @overload
    def state(self, fn: F, /) -> F: ...
    @overload
    def state(
        self,
        *,
        name: str | None = None,
        initial: bool = False,
        final: bool = False,
        on: Mapping[str, Target] | None = None,
        on_enter: Callable[..., Any] | None = None,
        on_exit: Callable[..., Any] | None = None,
        description: str | None = None,
    ) -> Callable[[F], F]: ...

    def state(  # type: ignore[misc]
        self,
        fn: Any = None,
        /,
        *,
        name: str | None = None,
        initial: bool = False,
        final: bool = False,
        on: Mapping[str, Target] | None = None,
        on_enter: Callable[..., Any] | None = None,
        on_exit: Callable[..., Any] | None = None,
        description: str | None = None,
    ) -> Any:
        """Define a state whose action is the decorated function.

        Args:
            name: the state id (default: the function's name).
            initial: make it the initial state (default: the first state defined).
            final: the run ends once this state's action is done.
            on: outgoing transitions, ``{"event": "target"}``; a target may be
                ``("target", guard)`` where `guard` is a registered guard name or a
                function ``guard(ctx) -> bool``, or a list of such options.
            on_enter, on_exit: hooks run when the state is entered or left.
            description: one line for diagrams (default: the docstring's first line).

        The action takes `ctx` and returns an event name, an `Event`, an effect
        to interpret, or None to wait for an external event; it may be async, a
        generator that yields effects and receives their results, or an async
        generator.
        """

        def define(f: F) -> F:
            self.add_state(
                name or f.__name__,
                f,
                initial=initial,
                final=final,
                on=on,
                on_enter=on_enter,
                on_exit=on_exit,
                description=description,
            )
            return f

        return define(fn) if fn is not None else define

    def add_state(
        self,
        name: str,
        action: Callable[..., Any] | None = None,
        *,
        initial: bool = False,
        final: bool = False,
        on: Mapping[str, Target] | None = None,
        on_enter: Callable[..., Any] | None = None,
        on_exit: Callable[..., Any] | None = None,
        description: str | None = None,
    ) -> StateDef:
        """Define (or redefine) a state without a decorator; returns its definition."""
        if not isinstance(name, str) or not name.isidentifier():
            raise DefinitionError(
                f"State name {name!r} in workflow `{self.name}` is not an identifier; "
                f"use a snake_case name such as `review_draft`."
            )
        doc = (getattr(action, "__doc__", None) or "").strip().splitlines()
        previous = self.states.get(name)
        self.states[name] = StateDef(
            name=name,
            action=action,
            kind=action_kind(action),
            transitions=parse_on(name, on, self.guards),
            on_enter=on_enter or (previous.on_enter if previous else None),
            on_exit=on_exit or (previous.on_exit if previous else None),
            description=description if description is not None else (doc[0] if doc else ""),
            final=final,
        )
        if initial or self._initial is None:
            self._initial = name
        self._machine = None
        return self.states[name]

    def final(self, *names: str) -> None:
        """Declare final states that run no code (`wf.final("done", "cancelled")`)."""
        for n in names:
            if n in self.states:
                self.states[n] = _replace(self.states[n], final=True)
            else:
                self.add_state(n, None, final=True, initial=False)
                if self._initial == n and len(self.states) == 1:
                    self._initial = None
        self._machine = None

    def guard(self, fn: F) -> F:
        """Register a guard predicate `fn(ctx) -> bool` under its function name."""
        self.guards[fn.__name__] = fn
        self._machine = None
        return fn

    def validator(self, fn: F) -> F:
        """Register a check of the start data: `fn(data)` raises or returns an error message."""
        self.validators.append(fn)
        return fn

    def on_enter(self, state: str) -> Callable[[F], F]:
        """Decorate a hook run each time `state` is entered."""
        return self._hook(state, "on_enter")

    def on_exit(self, state: str) -> Callable[[F], F]:
        """Decorate a hook run each time `state` is left."""
        return self._hook(state, "on_exit")

    def _hook(self, state: str, which: str) -> Callable[[F], F]:
        def attach(fn: F) -> F:
            if state not in self.states:
                self.add_state(state, None)
            self.states[state] = _replace(self.states[state], **{which: fn})
            self._machine = None
            return fn

        return attach

    # -- the machine ---------------------------------------------------------------------------

    @property
    def initial(self) -> str | None:
        """The initial state's name (settable to a defined state, e.g. by `%%workflow --initial`)."""
        return self._initial

    @initial.setter
    def initial(self, name: str) -> None:
        if name not in self.states:
            known = ", ".join(f"`{s}`" for s in self.states) or "none"
            raise DefinitionError(
                f"Initial state `{name}` is not defined in workflow `{self.name}` (states: "
                f"{known}). Define it with `@state` or pick one of the defined states."
            )
        self._initial = name
        self._machine = None

    @property
    def machine(self) -> Machine:
        """The pure-data machine (built on first use, rebuilt after changes; not validated)."""
        if self._machine is None:
            self._machine = Machine(
                name=self.name,
                states=tuple(self.states),
                transitions=tuple(t for s in self.states.values() for t in s.transitions),
                initial=self._initial or "",
                finals=frozenset(s.name for s in self.states.values() if s.final),
                descriptions=tuple(
                    sorted((s.name, s.description) for s in self.states.values() if s.description)
                ),
            )
        return self._machine

    def problems(self) -> list[str]:
        """Every problem with this workflow, as messages that name the offender and the fix."""
        from fsmnb.fsm.validation import problems as machine_problems

        found = [p.replace("machine `", "workflow `") for p in machine_problems(self.machine)]
        for t in self.machine.transitions:
            if t.guard is not None and t.guard not in self.guards:
                found.append(
                    f"Transition `{t}` names guard `{t.guard}`, which is not defined in workflow "
                    f"`{self.name}`. Define it with `@{self.name}.guard` or pass the function."
                )
        return found

    def check(self) -> Workflow:
        """Validate the workflow; raise `DefinitionError` listing every problem. Returns self."""
        machine = self.machine
        if self._checked is machine:
            return self
        found = self.problems()
        if found:
            raise DefinitionError.collect(f"Workflow `{self.name}`", found)
        self._checked = machine
        return self

    def validate_input(self, data: dict[str, Any]) -> None:
        """Run the workflow's validators on start data; raise `InputError` on the first refusal."""
        for check in self.validators:
            try:
                message = check(data)
            except InputError:
                raise
            except Exception as exc:
                raise InputError(
                    f"Workflow `{self.name}` refused its input: validator "
                    f"`{getattr(check, '__name__', check)}` raised {type(exc).__name__}: {exc}"
                ) from exc
            if message not in (None, True):
                raise InputError(
                    f"Workflow `{self.name}` refused its input: {message} "
                    f"(validator `{getattr(check, '__name__', check)}`)."
                )

    # -- running (on the engine, which registers itself: see fsmnb.workflow.runner) ------------

    def start(
        self,
        data: Mapping[str, Any] | None = None,
        /,
        *,
        run_id: str | None = None,
        tenant: str = "default",
        store: Any = None,
        clock: Any = None,
        **kwargs: Any,
    ) -> Run:
        """Start a run on the running event loop and return its handle at once.

        The run's data is `data` plus the keyword arguments (`run_id`, `tenant`,
        `store` and `clock` are options, not data; pass data with those names in
        `data`). `await run` gives the `Result`; `run.send(event, **payload)`
        drives a run that waits for events.

        Raises:
            DefinitionError: the workflow is invalid (every problem listed).
            InputError: a validator refused the data.
        """
        run: Run = get_runner().start(
            self, {**(data or {}), **kwargs}, run_id=run_id, tenant=tenant, store=store, clock=clock
        )
        return run

    def run(
        self, data: Mapping[str, Any] | None = None, /, **kwargs: Any
    ) -> Coroutine[Any, Any, Result]:
        """Run to the end: `await wf.run(...)` gives the `Result` (raises the run's error).

        Returns the engine's coroutine itself (no extra frame per run).

        Raises:
            RunError: the run failed, or it stopped to wait for an external event
                (use `start()` and `run.send(...)` for workflows that wait).
        """
        values, options = split_options(kwargs, data)
        return get_runner().run(self, values, **options)

    def run_sync(self, data: Mapping[str, Any] | None = None, /, **kwargs: Any) -> Result:
        """Run to the end from synchronous code: a script, a test, or a notebook cell.

        In a script this reuses one event loop per thread (`asyncio.Runner`).
        Inside a running loop (a Jupyter cell) it applies `nest_asyncio` to that
        loop at this call — never at import — so the call can block until the
        run ends; prefer `await wf.run(...)` in notebooks, which does not block
        the kernel.
        """
        values, options = split_options(kwargs, data)
        return get_runner().run_sync(self, values, **options)

    def map(self, inputs: Iterable[Any], /, **options: Any) -> Any:
        """Run the workflow once per input and return a pandas DataFrame of results.

        Blocks until every run has ended or waits (see `amap` for the awaitable
        form and `fsmnb.engine.mapping.map_runs` for the options: `concurrency`,
        `progress`, `clock`, `run_id_prefix`).
        """
        return get_runner().map(self, inputs, **options)

    async def amap(self, inputs: Iterable[Any], /, **options: Any) -> Any:
        """`await wf.amap(inputs, concurrency=N)`: like `map`, without blocking the loop."""
        return await get_runner().amap(self, inputs, **options)

    # -- display -------------------------------------------------------------------------------

    def __repr__(self) -> str:
        return (
            f"<Workflow {self.name!r}: {len(self.states)} states, "
            f"initial={self._initial!r}, finals={sorted(self.machine.finals)}>"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle: dict[str, Any] = self.machine._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle

    def __iter__(self) -> Iterator[StateDef]:
        return iter(self.states.values())


def _replace(s: StateDef, **changes: Any) -> StateDef:
    from dataclasses import replace

    return replace(s, **changes)


# -- module-level DSL for notebook cells (`%%workflow`) --------------------------------------------


@contextmanager
def collecting(wf: Workflow) -> Iterator[Workflow]:
    """Make the module-level `@state` and `final` define states of `wf` inside the block."""
    token = _COLLECTING.set(wf)
    try:
        yield wf
    finally:
        _COLLECTING.reset(token)


def _current(what: str) -> Workflow:
    wf = _COLLECTING.get()
    if wf is None:
        raise DefinitionError(
            f"`{what}` is used outside a workflow. Use `@wf.{what}` on a `Workflow`, or write the "
            f"states inside a `%%workflow NAME` cell (or `with collecting(wf):`)."
        )
    return wf


def state(fn: Any = None, /, **options: Any) -> Any:
    """`@state` for `%%workflow` cells: defines a state of the workflow being collected."""
    return (
        _current("state").state(fn, **options)
        if fn is not None
        else _current("state").state(**options)
    )


def final(*names: str) -> None:
    """`final("done")` for `%%workflow` cells: declares final states of the workflow being collected."""
    _current("final").final(*names)
