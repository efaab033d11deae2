"""The package surface: exports, value semantics, and no heavy imports."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import fsmnb.fsm
from fsmnb.fsm import Machine, Transition


def test_all_is_complete() -> None:
    public = {n for n in vars(fsmnb.fsm) if not n.startswith("_")}
    modules = {"diagram", "machine", "spec", "validation", "annotations"}
    assert isinstance(fsmnb.fsm.__all__, tuple)
    assert set(fsmnb.fsm.__all__) == public - modules
    assert all(hasattr(fsmnb.fsm, n) for n in fsmnb.fsm.__all__)


def test_machines_are_values(essay: Machine) -> None:
    twin = Machine.build(
        "essay",
        initial="draft",
        finals=["published"],
        transitions=list(essay.transitions),
        descriptions={"review": "An editor reads it", "draft": "Write the first version"},
    )
    assert twin == essay and hash(twin) == hash(essay)
    assert len({essay, twin}) == 1
    assert essay.with_changes(name="other") != essay
    assert essay.with_changes() == essay


def test_descriptions_are_stored_canonically() -> None:
    a = Machine(
        name="m",
        states=("x", "y"),
        transitions=(Transition(source="x", event="go", target="y"),),
        initial="x",
        finals=frozenset({"y"}),
        descriptions=(("y", "second"), ("x", "first"), ("x", "ignored"), ("y", "")),
    )
    assert a.descriptions == (("x", "first"), ("y", "second"))
    assert a.description("x") == "first"
    assert a == a.with_changes(descriptions=(("x", "first"), ("y", "second")))


def test_lookups_are_unchanged(essay: Machine) -> None:
    assert essay.next("draft", "submit") == "review"
    assert essay.next("review", "revise") == "draft"
    assert [t.guard for t in essay.candidates("review", "revise")] == ["needs_work", None]
    assert essay.events_from("review") == ("accept", "revise")


def test_fsm_imports_nothing_heavy() -> None:
    script = textwrap.dedent(
        """
        import sys
        from fsmnb.fsm import Machine, to_dot, to_mermaid
        m = Machine.build("m", initial="a", finals=["b"], transitions=[("a", "go", "b")])
        Machine.from_yaml(m.to_yaml()); to_dot(m); to_mermaid(m); m.validate()
        try:
            m._repr_mimebundle_()
        except Exception:
            pass
        heavy = ("IPython", "ipywidgets", "anywidget", "mcp", "openai", "anthropic", "httpx")
        print(",".join(sorted(n for n in sys.modules if n.split(".")[0] in heavy)))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
