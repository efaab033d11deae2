"""Machines and hypothesis strategies shared by the fsm tests."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import strategies as st

from fsmnb.fsm import Machine, Transition

_FIRST = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
#: Valid spec names, `[A-Za-z_][A-Za-z0-9_-]*` (built directly: `from_regex` is slow to draw).
names = st.builds(
    str.__add__, st.sampled_from(_FIRST), st.text(_FIRST + "0123456789-", max_size=11)
)


@st.composite
def machines(draw: st.DrawFn, *, sound: bool = False) -> Machine:
    """Random machines with valid spec names; with `sound`, machines that pass validation."""
    # Unsound machines may even declare a state twice.
    states = draw(st.lists(names, min_size=1, max_size=8, unique=sound))
    events = draw(st.lists(names, min_size=1, max_size=4, unique=True))
    guards = st.none() | names
    if sound:
        # A chain from the first state to the last (final), plus random guarded extras.
        edges = [
            Transition(source=a, event=draw(st.sampled_from(events)), target=b)
            for a, b in pairwise(states)
        ]
        extra = st.builds(
            Transition,
            source=st.sampled_from(states),
            event=st.sampled_from(events),
            target=st.sampled_from(states),
            guard=names,
        )
        edges += draw(st.lists(extra, max_size=6, unique_by=lambda t: (t.source, t.event, t.guard)))
        finals = frozenset({states[-1]}) | draw(st.frozensets(st.sampled_from(states)))
    else:
        edge = st.builds(
            Transition,
            source=st.sampled_from(states) | names,
            event=st.sampled_from(events),
            target=st.sampled_from(states) | names,
            guard=guards,
        )
        edges = draw(st.lists(edge, max_size=12))
        finals = draw(st.frozensets(st.sampled_from(states)))
    text = st.text(max_size=60)
    descriptions = draw(st.dictionaries(st.sampled_from(states), text, max_size=len(states)))
    return Machine(
        name=draw(names),
        states=tuple(states),
        transitions=tuple(edges),
        initial=states[0],
        finals=finals,
        descriptions=tuple(descriptions.items()),
    )


@pytest.fixture
def essay() -> Machine:
    """A sound machine with a guard, a description and a loop."""
    return Machine.build(
        "essay",
        initial="draft",
        finals=["published"],
        transitions=[
            ("draft", "submit", "review"),
            ("review", "accept", "published"),
            ("review", "revise", "draft", "needs_work"),
            ("review", "revise", "draft"),
        ],
        descriptions={"draft": "Write the first version", "review": "An editor reads it"},
    )
