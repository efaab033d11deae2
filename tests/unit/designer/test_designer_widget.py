"""The Designer widget without a browser: edits as messages, export, debug runs with breakpoints."""

from __future__ import annotations

import asyncio
import json

import pytest

pytest.importorskip("anywidget")

from fsmnb.designer import History, to_json
from fsmnb.widgets import Designer
from fsmnb.widgets._assets import asset


def _message(d: Designer, **content) -> None:
    d._on_msg(d, content, [])  # what a browser's model.send delivers


@pytest.mark.parametrize("name", ["designer.js", "designer.css"])
def test_assets_are_found(name: str) -> None:
    found = asset(name)
    assert (found if isinstance(found, str) else found.read_text()).strip()


def test_edits_from_the_browser_change_the_shared_document() -> None:
    d = Designer(name="flow")
    _message(d, type="edit", op="add_state", args={"name": "done", "x": 300, "y": 80})
    assert [s["name"] for s in d.doc["machine"]["states"]] == ["start", "done"]
    assert any("cannot be reached" in p["message"] for p in d.problems)
    _message(d, type="edit", op="add_transition", args={"source": "start", "target": "done"})
    _message(d, type="edit", op="set_final", args={"name": "done"})
    assert d.problems == [] and d.can_undo and not d.can_redo
    _message(d, type="undo")
    assert d.problems and d.can_redo
    _message(d, type="redo")
    assert d.problems == []
    _message(d, type="edit", op="rename_state", args={"old": "done", "new": "not valid"})
    assert "not a Python identifier" in d.error
    _message(d, type="edit", op="move_state", args={"name": "done", "x": 10, "y": 20})
    assert d.error == "" and d.doc["layout"]["done"] == [10.0, 20.0]


def test_a_saved_drawing_reopens_the_same(support: History) -> None:
    d = Designer(json.loads(to_json(support.doc)))
    assert d.doc == support.doc and d.notes == []
    assert d.workflow.run_sync(message="order 7").state == "resolved"


def test_a_bad_file_opens_with_its_notes(tmp_path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"name": "x", "states": [{"name": 1}]')
    d = Designer(path)
    assert d.notes and "neither a spec nor a drawing" in d.notes[0]
    assert d.doc["machine"]["name"] == "broken"


def test_export_and_templates(support: History) -> None:
    d = Designer(support.doc)
    _message(d, type="export", format="cell")
    assert d.exported["format"] == "cell" and d.exported["text"].startswith("%%workflow support\n")
    _message(d, type="export", format="yaml")
    assert "format: fsmnb-designer" in d.exported["text"]
    _message(d, type="template", name="rag_qa", x=100, y=300)
    assert "retrieving" in [s["name"] for s in d.doc["machine"]["states"]]
    _message(d, type="export", format="cell")  # the pasted template is not connected yet
    assert "cannot be exported as code yet" in d.error


def test_layout_places_every_state(support: History) -> None:
    d = Designer(support.doc)
    _message(d, type="layout")
    ys = {name: xy[1] for name, xy in d.doc["layout"].items()}  # top to bottom
    assert ys["greeting"] < ys["understanding"] < ys["resolving"] < ys["resolved"]
    assert len({tuple(xy) for xy in d.doc["layout"].values()}) == len(ys)


def test_a_breakpoint_pauses_the_run_and_continue_resumes_it(support: History) -> None:
    d = Designer(support.doc)
    _message(d, type="breakpoint", state="understanding", on=True)

    async def scenario() -> list[str]:
        seen = []
        _message(d, type="run", data={"message": "my order"})
        run = d.debug_run
        for _ in range(50):
            await asyncio.sleep(0)
        d.flush()
        seen.append(f"{d.run['status']} in {d.run['paused']}")
        assert run.state == "understanding" and not run.done
        _message(d, type="step")  # into the next state, and pause there
        for _ in range(50):
            await asyncio.sleep(0)
        d.flush()
        seen.append(f"{d.run['status']} in {d.run['paused']}")
        _message(d, type="continue")
        await run
        d.flush()
        seen.append(d.run["status"])
        return seen

    assert asyncio.run(scenario()) == ["paused in understanding", "paused in resolving", "done"]
    assert d.run["data"]["answer"] == "FIXED"
    assert any(r["kind"] == "paused" for r in d.timeline)
