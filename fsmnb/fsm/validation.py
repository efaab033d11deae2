"""Check a machine and report every problem at once, each with its fix.

`problems(machine)` returns the messages (the workflow layer and the synthesis
repair loop feed them back to a model); `validate(machine)` raises them as one
`DefinitionError`. The rules, in the order they are reported:

1. the initial state is set and is a state;
2. every final state is a state, and there is at least one;
3. no state is declared twice;
4. every transition leaves and enters a defined state;
5. no two unguarded transitions share a `(source, event)` pair, and no two
   guarded ones share `(source, event, guard)`;
6. every state can be reached from the initial state (final states too);
7. every non-final state has an outgoing transition, and some path from it
   leads to a final state;
8. every description belongs to a state.

Final states may have outgoing transitions (a run stops when it enters one).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Mapping

from fsmnb.errors import DefinitionError
from fsmnb.fsm.machine import Machine, Transition

__all__ = ("problems", "validate")


def validate(machine: Machine) -> None:
    """Check `machine` and raise one `DefinitionError` listing every problem.

    Args:
        machine: the machine to check.

    Raises:
        DefinitionError: with `.problems`, one message per offender, each naming it and the fix.

    Example:
        >>> m = Machine.build("essay", initial="draft", finals=["done"],
        ...                   transitions=[("draft", "submit", "done")])
        >>> validate(m)  # sound: returns None
        >>> problems(m.with_changes(initial="start"))
        ['Initial state `start` is not defined in machine `essay`. Define it or set `initial` to one of its states.']
    """
    found = problems(machine)
    if found:
        raise DefinitionError.collect(f"Machine `{machine.name}`", found)


def problems(machine: Machine) -> list[str]:
    """Every problem in `machine`, one message per offender, without raising.

    Args:
        machine: the machine to check.

    Returns:
        The messages, in a stable order (rule by rule, states in declaration
        order); an empty list when the machine is sound.
    """
    where = f"machine `{machine.name}`"
    known = set(machine.states)
    found = [
        *_start_and_finish(machine, known, where),
        *_duplicate_states(machine, where),
        *_unknown_ends(machine, known, where),
        *_ambiguous_transitions(machine, where),
    ]
    if machine.initial in known:
        found += _unreachable(machine, where)
    found += _no_way_out(machine, known, where)
    found += [
        f"Description given for `{state}`, which is not a state of {where}. "
        "Define the state or remove the description."
        for state, _ in machine.descriptions
        if state not in known
    ]
    return found


def _arrow(t: Transition) -> str:
    guard = f" [{t.guard}]" if t.guard else ""
    return f"`{t.source} --{t.event}{guard}-->`"


def _and(items: Iterable[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _start_and_finish(machine: Machine, known: set[str], where: str) -> list[str]:
    found = []
    if not machine.initial:
        found.append(
            f"The {where} has no initial state. Set `initial` to the state where a run starts."
        )
    elif machine.initial not in known:
        found.append(
            f"Initial state `{machine.initial}` is not defined in {where}. "
            "Define it or set `initial` to one of its states."
        )
    found += [
        f"Final state `{state}` is not defined in {where}. "
        "Define it or remove it from the final states."
        for state in sorted(machine.finals - known)
    ]
    if not machine.finals & known:
        found.append(
            f"The {where} has no final state, so a run can never finish. "
            "Mark at least one state final."
        )
    return found


def _duplicate_states(machine: Machine, where: str) -> list[str]:
    counts = Counter(machine.states)
    return [
        f"State `{state}` is defined {n} times in {where}. Give each state its own name."
        for state, n in counts.items()
        if n > 1
    ]


def _unknown_ends(machine: Machine, known: set[str], where: str) -> list[str]:
    found = []
    for end in ("source", "target"):
        offenders: dict[str, list[str]] = {}
        for t in machine.transitions:
            state = t.source if end == "source" else t.target
            if state not in known:
                offenders.setdefault(state, []).append(_arrow(t))
        found += [
            f"State `{state}` is the {end} of {_and(arrows)} but is not defined in {where}. "
            f"Define it or fix the transition's {end}."
            for state, arrows in offenders.items()
        ]
    return found


def _ambiguous_transitions(machine: Machine, where: str) -> list[str]:
    groups: dict[tuple[str, str, str | None], list[Transition]] = {}
    for t in machine.transitions:
        groups.setdefault((t.source, t.event, t.guard), []).append(t)
    found = []
    for (source, event, guard), edges in groups.items():
        if len(edges) < 2:
            continue
        listed = _and(f"`{t}`" for t in edges)
        if guard is None:
            found.append(
                f"State `{source}` has {len(edges)} unguarded transitions on event `{event}` "
                f"in {where}: {listed}. Guard all but one, or remove the extra ones."
            )
        else:
            found.append(
                f"State `{source}` has {len(edges)} transitions on event `{event}` with the same "
                f"guard `{guard}` in {where}: {listed}. Only the first can ever be taken; "
                "change the guards or remove the extra ones."
            )
    return found


def _closure(seeds: Iterable[str], edges: Mapping[str, Iterable[str]]) -> set[str]:
    seen = set(seeds)
    queue = deque(seen)
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _unreachable(machine: Machine, where: str) -> list[str]:
    forward: dict[str, list[str]] = {}
    for t in machine.transitions:
        forward.setdefault(t.source, []).append(t.target)
    reached = _closure([machine.initial], forward)
    return [
        f"State `{state}` cannot be reached from the initial state `{machine.initial}` "
        f"in {where}. Add a transition into it or remove it."
        for state in dict.fromkeys(machine.states)
        if state not in reached
    ]


def _no_way_out(machine: Machine, known: set[str], where: str) -> list[str]:
    backward: dict[str, list[str]] = {}
    leaves: set[str] = set()
    # A transition into an undefined state is reported by itself; treat it as a way to finish
    # here so that one wrong target does not also flag every state upstream of it.
    hopeful = set(machine.finals)
    for t in machine.transitions:
        leaves.add(t.source)
        backward.setdefault(t.target, []).append(t.source)
        if t.target not in known:
            hopeful.add(t.source)
    can_finish = _closure(hopeful, backward)
    defined_finals = sorted(machine.finals & known)
    finals = _and(f"`{f}`" for f in defined_finals) if defined_finals else ""
    found = []
    for state in dict.fromkeys(machine.states):
        if state in machine.finals:
            continue
        if state not in leaves:
            found.append(
                f"State `{state}` has no way out in {where}: it has no outgoing transition "
                "and is not final. Add a transition from it or mark it final."
            )
        elif finals and state not in can_finish:
            found.append(
                f"State `{state}` can never finish in {where}: no path from it leads to a "
                f"final state ({finals}). Add a transition toward a final state or mark it final."
            )
    return found
