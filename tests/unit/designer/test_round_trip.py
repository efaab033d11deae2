"""Spec -> drawing -> spec, and drawing -> code/JSON/YAML -> drawing, are identities."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fsmnb.designer import (
    History,
    build_workflow,
    from_machine,
    load,
    load_code,
    load_text,
    load_workflow,
    machine_spec,
    problems,
    to_cell,
    to_json,
    to_module,
    to_yaml,
)
from fsmnb.designer.library import GROUPS, starter
from fsmnb.fsm import Machine
from tests.unit.fsm.conftest import machines

from .conftest import sound_machines

_FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FAST
@given(machines(sound=True))
def test_spec_to_drawing_to_spec_is_the_identity(machine: Machine) -> None:
    spec = machine.to_dict()
    doc, notes, _ = load(spec)
    assert notes == []
    assert machine_spec(doc) == spec
    assert Machine.from_dict(machine_spec(doc)) == machine


@_FAST
@given(machines(sound=False))
def test_any_spec_opens_and_its_problems_are_the_machines(machine: Machine) -> None:
    doc, notes, _ = load(machine.to_json())
    assert notes == []
    messages = [p["message"] for p in problems(doc)]
    for expected in machine.problems():
        assert expected.replace("machine `", "workflow `") in messages


kinds = st.sampled_from([k for group in GROUPS.values() for k in group])


@st.composite
def drawings(draw: st.DrawFn) -> History:
    """Sound machines whose states get random effect actions from the library."""
    h = History(from_machine(draw(sound_machines())))
    for state in h.doc["machine"]["states"][:-1]:
        name = state["name"]
        if draw(st.booleans()):
            events = [t["event"] for t in h.doc["machine"]["transitions"] if t["source"] == name]
            action = {"effect": starter(draw(kinds)), "save_as": draw(st.sampled_from(["", "out"])),
                      "then": events[0], "route": draw(st.booleans())}  # fmt: skip
            h.apply("set_action", name=name, action=action)
        h.apply("move_state", name=name, x=draw(st.integers(0, 900)), y=draw(st.integers(0, 600)))
    return h


@_FAST
@given(drawings())
def test_drawing_to_code_json_yaml_and_back_is_the_identity(h: History) -> None:
    doc = h.doc
    for text in (to_json(doc), to_yaml(doc)):
        again, notes, _ = load_text(text)
        assert notes == [] and again == doc
    for code in (to_cell(doc), to_module(doc)):
        again, notes = load_code(code)
        assert notes == []
        assert _sorted(again) == _sorted(doc)


def _sorted(doc: dict) -> dict:
    """Code groups a state's transitions under it: compare transitions as a set."""
    out = dict(doc, machine=dict(doc["machine"]))
    out["machine"]["transitions"] = sorted(
        doc["machine"]["transitions"], key=lambda t: sorted(t.items())
    )
    return out


@settings(max_examples=15, deadline=None)
@given(drawings())
def test_a_built_workflow_opens_as_the_same_drawing(h: History) -> None:
    doc, notes, functions = load_workflow(build_workflow(h.doc))
    assert notes == [] and functions == {}
    assert _sorted({**doc, "layout": {}}) == _sorted({**h.doc, "layout": {}})


def test_generated_code_passes_ruff_and_runs(support: History, tmp_path: Path) -> None:
    module = tmp_path / "support_flow.py"
    module.write_text(to_module(support.doc))
    ruff = Path(sys.executable).with_name("ruff")
    config = Path(__file__).parents[3] / "pyproject.toml"  # the project's own rules
    checked = subprocess.run(
        [str(ruff), "check", "--no-cache", "--config", str(config), str(module)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout
    formatted = subprocess.run(
        [str(ruff), "format", "--no-cache", "--config", str(config), "--diff", str(module)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert formatted.returncode == 0, formatted.stdout  # already as `ruff format` writes it
    namespace: dict = {}
    exec(compile(module.read_text(), str(module), "exec"), namespace)
    wf = namespace["support"].check()
    assert wf.machine == build_workflow(support.doc).machine
    result = wf.run_sync(message="where is my order")
    assert result.state == "resolved" and result.data["answer"] == "FIXED"
    assert "greeting" in result.data
    assert wf.run_sync(message="hm").state == "handed_off"
