"""DOT, mermaid and SVG drawings, with a live run's highlights."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fsmnb.errors import FsmnbError
from fsmnb.fsm import DiagramUnavailable, Machine, Transition, to_dot, to_mermaid, to_svg
from fsmnb.fsm.diagram import summary

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")

LIVE = {
    "current": "review",
    "visits": {"draft": 2, "review": 3},
    "failed": ["published"],
    "active": {"review": ["call_llm", "emit"]},
}

DOT_LIVE = r"""digraph "essay" {
  graph [rankdir=LR, id="machine-essay", class="fsmnb-machine"];
  node [shape=circle, fontname="Helvetica", fontsize=12, style=filled, fillcolor=white];
  edge [fontname="Helvetica", fontsize=10];
  "(initial)" [shape=point, width=0.15, fillcolor=black, id="initial-marker", class="initial"];
  "(initial)" -> "draft" [id="edge-initial"];
  "draft" [id="state-draft", class="state initial visited", label="draft ×2", tooltip="Write the first version", fillcolor="#e0f2fe"];
  "review" [id="state-review", class="state current visited active", label="review ×3\ncall_llm\nemit", tooltip="An editor reads it", fillcolor="#fde68a", penwidth="2.5"];
  "published" [id="state-published", class="state final failed", label="published", shape="doublecircle", fillcolor="#fecaca", color="#b91c1c", fontcolor="#7f1d1d"];
  "draft" -> "review" [id="edge-0", class="transition", label="submit"];
  "review" -> "published" [id="edge-1", class="transition from-current", label="accept"];
  "review" -> "draft" [id="edge-2", class="transition from-current", label="revise [needs_work]"];
  "review" -> "draft" [id="edge-3", class="transition from-current", label="revise"];
}
"""

MERMAID_LIVE = """\
stateDiagram-v2
    direction TB
    state "draft ×2" as draft
    draft : Write the first version
    state "review ×3" as review
    review : An editor reads it
    review : call_llm
    review : emit
    [*] --> draft
    draft --> review : submit
    review --> published : accept
    review --> draft : revise [needs_work]
    review --> draft : revise
    published --> [*]
    classDef current fill:#fde68a
    class review current
    classDef failed fill:#fecaca
    class published failed
    classDef visited fill:#e0f2fe
    class draft,review visited
"""


def odd() -> Machine:
    """A machine whose names need quoting everywhere (built in Python, not from a spec)."""
    return Machine(
        name='say "hi"',
        states=('a "quoted"', "back\\slash", "two\nlines"),
        transitions=(
            Transition(source='a "quoted"', event="go;#:", target="back\\slash"),
            Transition(source="back\\slash", event="end", target="two\nlines", guard='g"'),
            Transition(source="two\nlines", event="x", target="undefined-state"),
        ),
        initial='a "quoted"',
        finals=frozenset({"two\nlines"}),
    )


def test_dot_shows_the_live_run(essay: Machine) -> None:
    assert to_dot(essay, **LIVE) == DOT_LIVE  # type: ignore[arg-type]
    assert essay.to_dot(**LIVE) == DOT_LIVE


def test_dot_without_highlights(essay: Machine) -> None:
    dot = to_dot(essay, rankdir="TB")
    assert "rankdir=TB" in dot
    assert '"draft" [id="state-draft", class="state initial", label="draft"' in dot
    assert "current" not in dot and "×" not in dot
    assert "from-current" not in dot


def test_dot_escapes_names() -> None:
    dot = to_dot(odd())
    assert dot.startswith('digraph "say \\"hi\\"" {')
    assert (
        '"a \\"quoted\\"" -> "back\\\\slash" [id="edge-0", class="transition", label="go;#:"];'
        in dot
    )
    assert 'label="end [g\\"]"' in dot
    assert '"two\\nlines" [id="state-two\\nlines", class="state final"' in dot
    # a transition into a state that is not defined draws it dashed and red
    assert (
        '"undefined-state" [id="state-undefined-state", class="state undefined", '
        'label="undefined-state", style="dashed", color="#b91c1c"];'
    ) in dot


def test_bad_rankdir(essay: Machine) -> None:
    with pytest.raises(ValueError, match="rankdir must be one of LR, RL, TB, BT, got 'up'"):
        to_dot(essay, rankdir="up")


def test_mermaid_shows_the_live_run(essay: Machine) -> None:
    assert to_mermaid(essay, rankdir="TB", **LIVE) == MERMAID_LIVE  # type: ignore[arg-type]


def test_mermaid_plain(essay: Machine) -> None:
    text = essay.to_mermaid()
    assert text.splitlines()[:4] == [
        "stateDiagram-v2",
        "    direction LR",
        "    draft : Write the first version",
        "    review : An editor reads it",
    ]
    assert "classDef" not in text and 'state "' not in text


def test_mermaid_gives_odd_names_safe_ids() -> None:
    text = to_mermaid(odd())
    assert 'state "a #quot;quoted#quot;" as s0' in text
    assert 'state "two lines" as s2' in text
    assert "    s0 --> s1 : go#59;#35;#58;" in text
    assert "    s1 --> s2 : end [g#quot;]" in text
    assert "    s2 --> [*]" in text
    assert "    s2 --> s3 : x" in text  # the undefined state still gets a node
    ok = Machine.build("m", initial="state", finals=["end"], transitions=[("state", "e", "end")])
    assert 'state "state" as s0' in to_mermaid(ok)  # mermaid keywords are not used as ids
    clash = Machine.build("m", initial="a-b", finals=["s0"], transitions=[("a-b", "e", "s0")])
    assert "    s0_ --> s0 : e" in to_mermaid(clash)  # generated ids never take a state's name


@needs_dot
def test_svg_has_findable_nodes(essay: Machine) -> None:
    svg = to_svg(essay, **LIVE)  # type: ignore[arg-type]
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    assert '<g id="state&#45;review" class="node state current visited active">' in svg
    assert '<g id="state&#45;published" class="node state final failed">' in svg
    assert '<g id="edge&#45;2" class="edge transition from&#45;current">' in svg
    assert ">revise [needs_work]</text>" in svg
    assert to_svg(essay, **LIVE) is svg  # type: ignore[arg-type]  # cached by DOT text
    assert essay.to_svg() == to_svg(essay)


@needs_dot
def test_svg_of_odd_names() -> None:
    svg = to_svg(odd())
    assert 'id="state&#45;a &quot;quoted&quot;"' in svg
    assert 'id="state&#45;back\\slash"' in svg


def test_missing_dot_is_one_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    lonely = Machine.build("never_drawn_before", initial="a", finals=["a"], transitions=[])
    with pytest.raises(DiagramUnavailable) as caught:
        to_svg(lonely)
    error = caught.value
    assert isinstance(error, FsmnbError)
    assert str(error) == (
        "Drawing needs Graphviz's `dot` program, which is not installed. Install it "
        "(`apt-get install graphviz`, `brew install graphviz`, or `conda install graphviz`); "
        "`to_mermaid()` works without it."
    )
    assert error.__cause__ is None and error.__suppress_context__


SUMMARY = """\
Machine `essay`: 3 states, 4 transitions
  initial: draft
  finals:  published
  draft --submit--> review
  review --accept--> published
  review --revise [needs_work]--> draft
  review --revise--> draft"""


def test_text_summary(essay: Machine) -> None:
    assert summary(essay) == SUMMARY


@needs_dot
def test_mimebundle_with_dot(essay: Machine) -> None:
    bundle = essay._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "image/svg+xml", "text/html"}
    assert bundle["text/plain"] == SUMMARY
    assert bundle["text/html"].startswith('<div class="fsmnb-machine"><svg')
    assert set(essay._repr_mimebundle_(include={"text/plain"})) == {"text/plain"}
    assert "image/svg+xml" not in essay._repr_mimebundle_(exclude={"image/svg+xml"})


def test_mimebundle_without_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    m = Machine.build(
        "bundle_without_dot", initial="a", finals=["b"], transitions=[("a", "go", "b")]
    )
    bundle = m._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert bundle["text/html"] == (
        '<div class="fsmnb-machine"><pre class="mermaid">stateDiagram-v2\n    direction LR\n'
        "    [*] --&gt; a\n    a --&gt; b : go\n    b --&gt; [*]\n</pre></div>"
    )


def test_control_characters_are_drawn_visibly() -> None:
    m = Machine.build("m", initial="a\x00b", finals=["a\x00b"], transitions=[])
    assert '"a␀b" [id="state-a␀b"' in to_dot(m)
    assert 'state "a␀b" as s0' in to_mermaid(m)


text = st.text(min_size=1, max_size=8)


@needs_dot
@settings(max_examples=20, deadline=None)
@given(st.lists(text, min_size=1, max_size=4, unique=True), st.data())
def test_dot_accepts_any_names(states: list[str], data: st.DataObject) -> None:
    edge = st.builds(
        Transition,
        source=st.sampled_from(states),
        event=text,
        target=st.sampled_from(states),
        guard=st.none() | text,
    )
    m = Machine(
        name=data.draw(text),
        states=tuple(states),
        transitions=tuple(data.draw(st.lists(edge, max_size=4))),
        initial=states[0],
        finals=frozenset(states[-1:]),
    )
    svg = to_svg(m, current=states[0], visits={states[0]: 2}, failed=states[-1:])
    assert svg.count('class="node state') == len(states)
