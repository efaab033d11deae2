"""The result models' JSON schemas: compacted, with the same meaning as pydantic's."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel

from fsmnb.mcp import models
from fsmnb.mcp.models import RunInfo, _compact

RESULT_MODELS = [getattr(models, n) for n in models.__all__]


@pytest.mark.parametrize("model", RESULT_MODELS, ids=lambda m: m.__name__)
def test_no_nullable_anyof_and_no_allow_all(model: type[BaseModel]) -> None:
    text = json.dumps(model.model_json_schema())
    assert '{"type": "null"}' not in text
    assert '"additionalProperties": true' not in text
    Draft202012Validator.check_schema(model.model_json_schema())


def test_compaction_keeps_the_meaning() -> None:
    raw = {
        "type": "object",
        "properties": {
            "data": {
                "anyOf": [{"type": "object", "additionalProperties": True}, {"type": "null"}],
                "default": None,
            },
            "visits": {
                "anyOf": [
                    {"type": "object", "additionalProperties": {"type": "integer"}},
                    {"type": "null"},
                ]
            },
            "status": {"anyOf": [{"enum": ["a", "b"], "type": "string"}, {"type": "null"}]},
        },
    }
    compact = _compact(raw)
    assert compact["properties"]["data"] == {"type": ["object", "null"], "default": None}
    assert "anyOf" in compact["properties"]["status"]  # `enum` is not type-specific: kept
    samples = [
        {},
        {"data": None},
        {"data": {}},
        {"data": []},
        {"data": "x"},
        {"visits": {"a": 1}},
        {"visits": {"a": "x"}},
        {"visits": None},
        {"visits": 2},
        {"status": "a"},
        {"status": "c"},
        {"status": None},
    ]
    for sample in samples:
        assert Draft202012Validator(raw).is_valid(sample) == Draft202012Validator(compact).is_valid(
            sample
        ), sample


def test_a_run_info_validates_against_its_schema() -> None:
    info = RunInfo(
        run_id="r",
        workflow="w",
        state="s",
        status="done",
        allowed_events=["go"],
        uri="fsm://runs/r",
        data={"x": [1]},
        visits={"s": 1},
        history=[{"kind": "t"}],
    )
    validator = Draft202012Validator(RunInfo.model_json_schema())
    assert validator.is_valid(info.model_dump(mode="json"))
    assert not validator.is_valid({**info.model_dump(mode="json"), "visits": {"s": "one"}})
    assert not validator.is_valid({**info.model_dump(mode="json"), "extra": 1})
