"""Every validation rule, with its exact message, and every offender reported at once."""

from __future__ import annotations

import pytest
from hypothesis import given

from fsmnb.errors import DefinitionError
from fsmnb.fsm import Machine, Transition, problems, validate

from .conftest import machines


def machine(
    *edges: tuple[str, ...],
    states: tuple[str, ...] = ("a", "b", "done"),
    initial: str = "a",
    finals: tuple[str, ...] = ("done",),
    descriptions: tuple[tuple[str, str], ...] = (),
) -> Machine:
    return Machine(
        name="m",
        states=states,
        transitions=tuple(
            Transition(source=e[0], event=e[1], target=e[2], guard=(e[3:] or (None,))[0])
            for e in edges
        ),
        initial=initial,
        finals=frozenset(finals),
        descriptions=descriptions,
    )


CHAIN = (("a", "go", "b"), ("b", "go", "done"))


def test_a_sound_machine_has_no_problems(essay: Machine) -> None:
    assert problems(essay) == []
    validate(essay)
    essay.validate()
    assert essay.problems() == []


def test_the_briefs_example_message() -> None:
    m = Machine(
        name="essay",
        states=("draft", "done"),
        transitions=(
            Transition(source="draft", event="submit", target="review"),
            Transition(source="draft", event="finish", target="done"),
        ),
        initial="draft",
        finals=frozenset({"done"}),
    )
    assert problems(m) == [
        "State `review` is the target of `draft --submit-->` but is not defined in machine "
        "`essay`. Define it or fix the transition's target."
    ]


@pytest.mark.parametrize(
    ("m", "expected"),
    [
        pytest.param(
            machine(*CHAIN, initial=""),
            "The machine `m` has no initial state. Set `initial` to the state where a run starts.",
            id="no-initial",
        ),
        pytest.param(
            machine(*CHAIN, initial="start"),
            "Initial state `start` is not defined in machine `m`. "
            "Define it or set `initial` to one of its states.",
            id="initial-undefined-without-reachability-noise",
        ),
        pytest.param(
            machine(*CHAIN, finals=("done", "gone")),
            "Final state `gone` is not defined in machine `m`. "
            "Define it or remove it from the final states.",
            id="final-undefined",
        ),
        pytest.param(
            machine(*CHAIN, ("done", "again", "a"), finals=()),
            "The machine `m` has no final state, so a run can never finish. "
            "Mark at least one state final.",
            id="no-final",
        ),
        pytest.param(
            machine(*CHAIN, states=("a", "b", "a", "done")),
            "State `a` is defined 2 times in machine `m`. Give each state its own name.",
            id="duplicate-state",
        ),
        pytest.param(
            machine(*CHAIN, ("ghost", "boo", "b")),
            "State `ghost` is the source of `ghost --boo-->` but is not defined in machine `m`. "
            "Define it or fix the transition's source.",
            id="unknown-source",
        ),
        pytest.param(
            machine(*CHAIN, ("a", "x", "nowhere"), ("b", "y", "nowhere", "ok")),
            "State `nowhere` is the target of `a --x-->` and `b --y [ok]-->` but is not "
            "defined in machine `m`. Define it or fix the transition's target.",
            id="unknown-target-grouped",
        ),
        pytest.param(
            machine(*CHAIN, ("a", "go", "done")),
            "State `a` has 2 unguarded transitions on event `go` in machine `m`: "
            "`a --go--> b` and `a --go--> done`. Guard all but one, or remove the extra ones.",
            id="duplicate-unguarded",
        ),
        pytest.param(
            machine(*CHAIN, ("a", "go", "b")),
            "State `a` has 2 unguarded transitions on event `go` in machine `m`: "
            "`a --go--> b` and `a --go--> b`. Guard all but one, or remove the extra ones.",
            id="identical-transitions",
        ),
        pytest.param(
            machine(*CHAIN, ("a", "skip", "done", "bold"), ("a", "skip", "b", "bold")),
            "State `a` has 2 transitions on event `skip` with the same guard `bold` in machine "
            "`m`: `a --skip [bold]--> done` and `a --skip [bold]--> b`. Only the first can ever "
            "be taken; change the guards or remove the extra ones.",
            id="duplicate-guarded",
        ),
        pytest.param(
            machine(*CHAIN, states=("a", "b", "done", "orphan"), finals=("done", "orphan")),
            "State `orphan` cannot be reached from the initial state `a` in machine `m`. "
            "Add a transition into it or remove it.",
            id="unreachable-final",
        ),
        pytest.param(
            machine(("a", "go", "b"), ("a", "end", "done")),
            "State `b` has no way out in machine `m`: it has no outgoing transition and is not "
            "final. Add a transition from it or mark it final.",
            id="dead-end",
        ),
        pytest.param(
            machine(("a", "go", "b"), ("a", "end", "done"), ("b", "again", "b")),
            "State `b` can never finish in machine `m`: no path from it leads to a final state "
            "(`done`). Add a transition toward a final state or mark it final.",
            id="trap-loop",
        ),
        pytest.param(
            machine(*CHAIN, descriptions=(("a", "start"), ("zz", "who?"))),
            "Description given for `zz`, which is not a state of machine `m`. "
            "Define the state or remove the description.",
            id="stray-description",
        ),
    ],
)
def test_each_rule_reports_its_offender(m: Machine, expected: str) -> None:
    assert problems(m) == [expected]
    with pytest.raises(DefinitionError) as caught:
        validate(m)
    assert caught.value.problems == (expected,)
    assert str(caught.value) == f"Machine `m`: {expected}"


def test_what_is_allowed() -> None:
    allowed = machine(
        *CHAIN,
        ("a", "skip", "done", "bold"),  # a guarded alternative next to an unguarded edge
        ("a", "skip", "b", "shy"),  # two different guards on one event
        ("a", "skip", "b"),
        ("done", "reopen", "a"),  # a final state with an outgoing transition
        ("b", "wait", "b"),  # a self-loop next to a way out
    )
    assert problems(allowed) == []


def test_every_offender_is_reported_together() -> None:
    m = machine(
        ("a", "go", "b"),
        ("a", "go", "c"),
        ("b", "go", "ghost"),
        states=("a", "b", "c", "a", "island"),
        finals=(),
    )
    found = problems(m)
    assert [p.split(" ", 2)[:2] for p in found] == [
        ["The", "machine"],  # no final state
        ["State", "`a`"],  # defined twice
        ["State", "`ghost`"],  # unknown target
        ["State", "`a`"],  # two unguarded `go`
        ["State", "`island`"],  # unreachable
        ["State", "`c`"],  # no way out
        ["State", "`island`"],  # no way out
    ]
    with pytest.raises(DefinitionError) as caught:
        validate(m)
    error = caught.value
    assert isinstance(error, TypeError)
    assert error.problems == tuple(found)
    assert str(error).splitlines() == [
        f"Machine `m` has {len(found)} problems:",
        *(f"  - {p}" for p in found),
    ]


@given(machines())
def test_problems_never_raise_and_are_stable(m: Machine) -> None:
    found = problems(m)
    assert found == problems(m)
    assert all(p.endswith(".") and "`" in p for p in found)
    # The workflow layer rewrites "machine `NAME`" to "workflow `NAME`": each message has it once.
    assert all(p.count(f"machine `{m.name}`") == 1 for p in found)


@given(machines(sound=True))
def test_machines_sound_by_construction_pass(m: Machine) -> None:
    assert problems(m) == []
