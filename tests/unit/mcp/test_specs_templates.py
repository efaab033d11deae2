"""Workflows from JSON specs and templates, and the effect pipeline policy."""

from __future__ import annotations

import pytest

from fsmnb.effects import call_api, invoke_fsm, log, sequence, spawn_fsm
from fsmnb.errors import DefinitionError, SpecError
from fsmnb.mcp import templates
from fsmnb.mcp._json import jsonable
from fsmnb.mcp.pipeline import check_policy
from fsmnb.mcp.specs import workflow_from_spec
from fsmnb.templates import base as template_base
from fsmnb.workflow import workflow_names

SPEC = {
    "name": "ticket_spec_test",
    "initial": "open",
    "states": [{"name": "open", "description": "new"}, {"name": "closed", "final": True}],
    "transitions": [{"source": "open", "event": "resolve", "target": "closed"}],
}


def test_a_spec_becomes_a_passive_private_workflow() -> None:
    wf = workflow_from_spec(SPEC)
    assert all(s.is_passive for s in wf.states.values())
    assert wf.machine.events_from("open") == ("resolve",)
    assert wf.machine.description("open") == "new"
    assert "ticket_spec_test" not in workflow_names()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({**SPEC, "transitions": [{**SPEC["transitions"][0], "guard": "ok"}]}, "Guards are code"),
        (
            {
                **SPEC,
                "states": [*SPEC["states"], {"name": "a-b", "final": True}],
                "transitions": [
                    *SPEC["transitions"],
                    {"source": "open", "event": "x", "target": "a-b"},
                ],
            },
            "not identifiers",
        ),
        ({**SPEC, "initial": "nowhere"}, "nowhere"),
        ({"name": "x"}, "field required"),
        ("{not json", "not valid JSON"),
        (42, "JSON object"),
    ],
)
def test_bad_specs_are_spec_errors_naming_the_offender(spec: object, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        workflow_from_spec(spec)  # type: ignore[arg-type]


def test_templates_validate_their_config_and_name_unknown_steps() -> None:
    with pytest.raises(DefinitionError, match="`brief`"):
        templates.build_from_template("review_loop", "r1", {})
    with pytest.raises(DefinitionError, match="has no steps `polish`"):
        templates.build_from_template("review_loop", "r2", {"brief": "b", "steps": {"polish": "x"}})
    with pytest.raises(DefinitionError, match="No template `nope`"):
        templates.build_from_template("nope", "r3", {})


def test_a_step_whose_layer_is_missing_is_refused_when_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(template_base, "_available", lambda kind: False)
    with pytest.raises(DefinitionError, match=r"needs the `fsmnb\.agents` layer"):
        templates.build_from_template("multi_agent_analysis", "m1", {"data_source": "db"})


def test_pipeline_policy_names_every_refused_effect() -> None:
    tree = sequence(
        log("hi"),
        call_api("http://10.0.0.1/"),
        spawn_fsm("door"),
        invoke_fsm("secret"),
        invoke_fsm("door"),
    )
    with pytest.raises(DefinitionError) as caught:
        check_policy(tree, served={"door"}, allow_network=False)
    assert len(caught.value.problems) == 3
    check_policy(sequence(log("hi"), invoke_fsm("door")), served={"door"}, allow_network=False)
    check_policy(call_api("http://x/"), served=set(), allow_network=True)


def test_jsonable_keeps_json_and_shows_the_rest() -> None:
    assert jsonable({"a": (1, 2.5, None), 3: {"b"}}) == {"a": [1, 2.5, None], "3": ["b"]}
    assert jsonable(float("nan")) == "nan"
    assert jsonable(object()).startswith("<object object")
