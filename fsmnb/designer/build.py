"""Turn a designer document into a runnable `Workflow`, without generating or running code.

The workflow's state actions are small closures over the document's data: an
effect action becomes a generator that yields the effect (so each effect is a
journal point, as in hand-written `@state` generators), stores its result and
returns the event; a code action is the registered callable itself. Guards
are registered callables too. The generated code (`fsmnb.designer.codegen`)
builds the same workflow.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from typing import Any

from fsmnb.designer.document import Doc, machine_of, parse_action
from fsmnb.effects.base import Effect
from fsmnb.effects.registry import resolve_callable
from fsmnb.effects.spec import effect_from_json
from fsmnb.errors import DefinitionError, FsmnbError
from fsmnb.workflow.workflow import Workflow

__all__ = ("build_workflow", "effect_action")

Hook = Callable[[Any], Any]


def effect_action(
    effect: Effect, *, save_as: str = "", then: str | None = None, route: bool = False
) -> Callable[[Any], Generator[Effect, Any, str | None]]:
    """A state action that interprets `effect`, keeps its result and leaves by an event.

    Args:
        effect: the effect tree to interpret on entry.
        save_as: store the result in ``ctx.data[save_as]`` (nothing when empty).
        then: the event to leave by once the effect succeeds.
        route: leave by the event the result names (`then` is the fallback for None).

    Returns:
        A generator function `action(ctx)`; with neither `then` nor `route` it
        returns None, so the run leaves by an `emit` inside the tree or waits.
    """

    def action(ctx: Any) -> Generator[Effect, Any, str | None]:
        result = yield effect
        if save_as:
            ctx.data[save_as] = result
        if route and result is not None:
            return str(result)
        return then

    return action


def build_workflow(
    doc: Doc,
    *,
    functions: Mapping[str, Callable[..., Any]] | None = None,
    register: bool = False,
    strict: bool = True,
    wrap: Callable[[str], Hook | None] | None = None,
) -> Workflow:
    """Build the workflow a document draws.

    Args:
        doc: the designer document.
        functions: callables a code action or guard may name besides the registered
            ones (a `Designer` opened on a `Workflow` passes that workflow's own functions).
        register: add the workflow to the process-wide catalog.
        strict: raise `DefinitionError` listing every problem (`fsmnb.designer.problems`);
            otherwise build what can be built and leave broken actions out.
        wrap: `wrap(state)` may return an async `on_enter` hook (the debugger's breakpoints).

    Raises:
        DefinitionError: with `strict`, the drawing has problems.
    """
    from fsmnb.designer.problems import problems

    if strict:
        found = problems(doc, functions=functions)
        if found:
            raise DefinitionError.collect(
                f"Drawing `{doc['machine']['name']}`", [p["message"] for p in found]
            )
    machine = machine_of(doc)
    known = dict(functions or {})
    wf = Workflow(machine.name, register=register)
    for t in machine.transitions:
        if t.guard is not None and t.guard not in wf.guards:
            fn = _lookup(t.guard, known)
            if fn is not None:
                wf.guards[t.guard] = fn
    for name in machine.states:
        if not name.isidentifier():
            continue
        on: dict[str, Any] = {}
        for t in machine.transitions:
            if t.source == name:
                on.setdefault(t.event, []).append((t.target, t.guard) if t.guard else t.target)
        wf.add_state(
            name,
            _action(doc["actions"].get(name), known),
            final=machine.is_final(name),
            on=on,
            on_enter=wrap(name) if wrap is not None else None,
            description=machine.description(name),
        )
    if machine.initial in wf.states:
        wf.initial = machine.initial
    return wf


def _lookup(name: str, known: Mapping[str, Callable[..., Any]]) -> Callable[..., Any] | None:
    if name in known:
        return known[name]
    try:
        return resolve_callable(name)
    except DefinitionError:
        return None


def _action(data: Any, known: Mapping[str, Callable[..., Any]]) -> Callable[..., Any] | None:
    if data is None:
        return None
    try:
        action = parse_action(data)
        if action.kind == "code":
            return _lookup(action.fn, known)
        fn = effect_action(
            effect_from_json(action.effect),
            save_as=action.save_as,
            then=action.then,
            route=action.route,
        )
    except FsmnbError:
        return None  # reported by `problems`
    # `Designer(workflow)` reads the drawing back from the function it built.
    fn.__fsmnb_action__ = dict(data)  # type: ignore[attr-defined]
    return fn
