"""Drawings and strategies shared by the designer tests."""

from __future__ import annotations

import keyword
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import strategies as st

from fsmnb.designer import History, empty
from fsmnb.designer.problems import RESERVED
from fsmnb.effects import register_callable, unregister_callable
from fsmnb.fsm import Machine, Transition

#: Names that generated code can use: identifiers, no keywords, none the code reserves.
_LOWER = "abcdefghijklmnopqrstuvwxyz"
identifiers = st.builds(
    str.__add__, st.sampled_from(_LOWER), st.text(_LOWER + "0123456789_", max_size=8)
).filter(lambda n: not keyword.iskeyword(n) and n not in RESERVED)


def is_vip(ctx: Any) -> bool:
    return bool(ctx.data.get("vip"))


def classify(ctx: Any) -> str:
    return "clear" if "order" in str(ctx.data.get("message", "")) else "unclear"


def shout(text: str) -> str:
    return text.upper()


@pytest.fixture(autouse=True)
def registered() -> Iterator[None]:
    """The callables drawings in these tests may name."""
    for fn in (is_vip, classify, shout):
        register_callable(fn)
    yield
    for fn in (is_vip, classify, shout):
        unregister_callable(fn.__name__)


@st.composite
def sound_machines(draw: st.DrawFn) -> Machine:
    """Valid machines whose names are identifiers (so they can be written as code)."""
    states = draw(st.lists(identifiers, min_size=1, max_size=7, unique=True))
    events = draw(st.lists(identifiers, min_size=1, max_size=3, unique=True))
    edges = [Transition(source=a, event=draw(st.sampled_from(events)), target=b)
             for a, b in pairwise(states)]  # fmt: skip
    extra = st.builds(
        Transition,
        source=st.sampled_from(states),
        event=st.sampled_from(events),
        target=st.sampled_from(states),
        guard=st.just("is_vip"),
    )
    edges += draw(st.lists(extra, max_size=4, unique_by=lambda t: (t.source, t.event)))
    descriptions = draw(st.dictionaries(st.sampled_from(states), st.text(max_size=30)))
    return Machine(
        name=draw(identifiers.filter(lambda n: n not in states)),
        states=tuple(states),
        transitions=tuple(edges),
        initial=states[0],
        finals=frozenset({states[-1]}),
        descriptions=tuple(descriptions.items()),
    )


@pytest.fixture
def support() -> History:
    """The seed's customer service, drawn by edits: greet, understand, resolve or escalate."""
    h = History(empty("support"))
    h.apply("rename_state", old="start", new="greeting")
    for name, x in (("understanding", 240), ("resolving", 420), ("escalating", 420),
                    ("resolved", 600), ("handed_off", 600)):  # fmt: skip
        h.apply("add_state", name=name, x=x, y=80)
    for source, event, target in (
        ("greeting", "user_message", "understanding"),
        ("understanding", "clear", "resolving"),
        ("understanding", "unclear", "escalating"),
        ("resolving", "solved", "resolved"),
        ("escalating", "assigned", "handed_off"),
    ):
        h.apply("add_transition", source=source, target=target, event=event)
    h.apply("set_final", name="resolved")
    h.apply("set_final", name="handed_off")
    llm = {"kind": "call_llm", "prompt": "Greet the customer.", "system": "Be friendly."}
    h.apply("set_action", name="greeting",
            action={"effect": llm, "save_as": "greeting", "then": "user_message"})  # fmt: skip
    h.apply("set_action", name="understanding", action={"kind": "code", "fn": "classify"})
    h.apply("set_action", name="resolving", action={
        "effect": {"kind": "retry", "effect": {"kind": "call", "fn": "shout", "args": ["fixed"]},
                   "attempts": 2},
        "save_as": "answer", "then": "solved"})  # fmt: skip
    h.apply("set_action", name="escalating", action={
        "effect": {"kind": "emit", "event": "assigned"}})  # fmt: skip
    return h
