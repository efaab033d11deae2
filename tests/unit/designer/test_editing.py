"""Edits, undo/redo, live problems pinned to the drawing, and hostile input."""

from __future__ import annotations

import pytest

from fsmnb.designer import History, build_workflow, empty, load, load_code, problems, to_cell
from fsmnb.designer.library import library, starter, templates
from fsmnb.errors import DefinitionError


def _messages(h: History) -> list[str]:
    return [p["message"] for p in problems(h.doc)]


def test_edits_undo_and_redo() -> None:
    h = History(empty("flow"))
    h.apply("add_state", name="done", x=300, y=90)
    h.apply("add_transition", source="start", target="done")
    h.apply("rename_state", old="start", new="begin")
    assert h.doc["machine"]["initial"] == "begin"
    assert h.doc["machine"]["transitions"] == [
        {"source": "begin", "event": "next", "target": "done"}
    ]
    assert "begin" in h.doc["layout"] and "start" not in h.doc["layout"]
    assert h.undo() and h.doc["machine"]["initial"] == "start"
    assert h.redo() and h.doc["machine"]["initial"] == "begin"
    h.apply("delete_state", name="done")
    assert h.doc["machine"]["transitions"] == []
    assert h.undo() and len(h.doc["machine"]["transitions"]) == 1
    h.apply("move_state", name="done", x=1, y=2)
    assert not h.redo()  # a new edit drops what was undone


@pytest.mark.parametrize(
    ("op", "arguments"),
    [
        ("rename_state", {"old": "start", "new": "x); import os  #"}),
        ("add_state", {"name": "class"}),
        ("add_transition", {"source": "start", "target": "start", "event": "a b"}),
        ("rename_state", {"old": "nowhere", "new": "b"}),
        ("delete_transition", {"index": 3}),
        ("explode", {}),
        ("add_state", {"nme": "typo"}),
        (
            "set_action",
            {"name": "start", "action": {"effect": {"kind": "log", "message": "x" * 2_000_000}}},
        ),
        ("set_action", {"name": "start", "action": {"kind": "code", "fn": ""}}),
    ],
)
def test_a_refused_edit_changes_nothing(op: str, arguments: dict) -> None:
    h = History(empty("flow"))
    before = h.doc
    with pytest.raises(DefinitionError):
        h.apply(op, **arguments)
    assert h.doc == before and not h.undos


def test_a_problem_appears_on_its_state_and_goes_away_with_the_fix() -> None:
    h = History(empty("flow"))
    h.apply("add_state", name="done")
    h.apply("set_final", name="done")
    unreachable = [p for p in problems(h.doc) if "cannot be reached" in p["message"]]
    assert [p["states"] for p in unreachable] == [["done"]]
    assert unreachable[0]["fix"] == "Add a transition into it or remove it."
    h.apply("add_transition", source="start", target="done")
    assert problems(h.doc) == []


def test_problems_pin_edges_and_effects() -> None:
    h = History(empty("flow"))
    h.apply("add_state", name="done", final=True)
    h.apply("add_transition", source="start", target="done", event="go")
    h.apply("add_transition", source="start", target="done", event="go")
    h.apply("add_transition", source="start", target="done", event="maybe", guard="nobody")
    h.apply("set_action", name="start",
            action={"effect": {"kind": "retry", "effect": {"kind": "delay"}}, "then": "gone"})  # fmt: skip
    found = {
        p["message"].split(" ")[0] + str(p["edges"]) + str(p["states"]) for p in problems(h.doc)
    }
    assert "State[0, 1]['start']" in found  # two unguarded `go` edges
    assert "Transition[2][]" in found  # the unregistered guard, on its edge
    texts = _messages(h)
    assert any("invalid effect" in t and "effect.seconds" in t for t in texts)
    assert any("leaves by `gone`" in t for t in texts)
    with pytest.raises(DefinitionError, match="cannot be exported"):
        to_cell(h.doc)


def test_the_problems_are_the_workflows(support: History) -> None:
    support.apply("add_state", name="orphan")
    wf = build_workflow(support.doc, strict=False)
    assert wf.problems() and set(wf.problems()) <= set(_messages(support))


def test_route_by_result_and_code_actions_run(support: History) -> None:
    support.apply("set_action", name="understanding", action={
        "effect": {"kind": "call", "fn": "classify", "pass_context": True}, "route": True})  # fmt: skip
    wf = build_workflow(support.doc)
    assert wf.run_sync(message="my order").state == "resolved"
    assert wf.run_sync(message="?").state == "handed_off"


def test_strings_from_the_drawing_never_become_code(support: History) -> None:
    evil = '"); import os; os.system("touch /tmp/pwned")  # \'\'\' """'
    support.apply("set_description", name="greeting", description=evil)
    support.apply("set_action", name="escalating", action={
        "effect": {"kind": "sequence", "effects": [{"kind": "log", "message": evil},
                                                   {"kind": "emit", "event": "assigned"}]},
        "save_as": evil})  # fmt: skip
    namespace: dict = {}
    code = to_cell(support.doc).partition("\n")[2]
    import ast

    tree = ast.parse(code)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert "os" not in names and "import" not in {type(n).__name__ for n in tree.body}
    again, notes = load_code(to_cell(support.doc))
    assert notes == [] and again["actions"]["escalating"]["save_as"] == evil
    assert namespace == {}


def test_code_is_read_never_run(tmp_path) -> None:
    marker = tmp_path / "ran"
    code = f"""%%workflow sneaky
open({str(marker)!r}, "w").close()
@state(initial=True, on={{"go": "done"}}, description=__import__("os").getcwd())
def start(ctx):
    return "go"
final("done")
"""
    _doc, notes = load_code(code)
    assert not marker.exists()
    assert any("cannot draw" in n for n in notes)
    assert any("not plain data" in n for n in notes)


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[1, 2]",
        '{"name": "x", "initial": "a", "states": [{"name": "a"}, {"nam": "b"}], "transitions": '
        '[{"source": "a", "event": "e"}, {"source": "a", "event": "e", "target": "a"}]}',
        "a: [b",
        "x" * 20,
        "%%workflow w\ndef broken(:\n",
    ],
)
def test_bad_files_open_with_their_problems(text: str) -> None:
    doc, notes, _ = load(text)
    assert notes
    problems(doc)  # never raises


def test_a_partly_valid_spec_keeps_what_validates() -> None:
    doc, notes, _ = load(
        '{"name": "x", "initial": "a", "states": [{"name": "a"}, {"nam": "b"}], "transitions": '
        '[{"source": "a", "event": "e"}, {"source": "a", "event": "e", "target": "a"}]}'
    )
    assert [s["name"] for s in doc["machine"]["states"]] == ["a"]
    assert len(doc["machine"]["transitions"]) == 1
    assert "`states[1]` is not a valid state and was left out." in notes


def test_the_library_has_every_effect_kind_and_the_templates() -> None:
    from fsmnb.effects._spec_fields import EFFECT_TYPES

    listed = {k["kind"] for g in library()["groups"] for k in g["kinds"]}
    assert listed == set(EFFECT_TYPES)
    assert starter("retry") == {"kind": "retry", "effect": {"kind": "log", "message": "a step"}}
    for name, (_, part) in templates().items():
        h = History(empty("flow"))
        h.apply("insert", part=part, x=300, y=0)
        assert [s["name"] for s in h.doc["machine"]["states"]][1] == part["machine"]["initial"], (
            name
        )
        assert not [p for p in problems(h.doc) if "invalid effect" in p["message"]]
