"""`%fsm design` and the exported `%%workflow` cell, in a real shell."""

from __future__ import annotations

import pytest

pytest.importorskip("anywidget")

from fsmnb.designer import build_workflow, to_cell
from fsmnb.widgets import Designer
from tests.unit.designer.conftest import registered, support  # noqa: F401  (fixtures)


def test_the_exported_cell_defines_the_drawn_workflow(ipython, support):  # noqa: F811
    cell = ipython.run(
        to_cell(support.doc).replace("%%workflow support", "%%workflow support --no-show", 1)
    )
    assert cell.error is None
    wf = ipython.ns["support"]
    assert wf.machine == build_workflow(support.doc).machine
    assert wf.run_sync(message="my order").state == "resolved"


def test_fsm_design_opens_a_workflow_a_file_or_a_new_drawing(ipython, support, tmp_path):  # noqa: F811
    ipython.ns["support"] = build_workflow(support.doc)
    ipython.run("d = %fsm design support")
    opened = ipython.ns["d"]
    assert isinstance(opened, Designer) and opened.doc["actions"] == support.doc["actions"]
    path = tmp_path / "flow.yaml"
    path.write_text(opened.code("yaml"))
    ipython.run(f"e = %fsm design {path}")
    assert ipython.ns["e"].doc["machine"] == support.doc["machine"]
    ipython.run("f = %fsm design")
    assert ipython.ns["f"].doc["machine"]["states"] == [{"name": "start"}]
    assert "design" in ipython.run("%fsm help").stdout
