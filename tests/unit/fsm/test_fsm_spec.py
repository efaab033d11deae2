"""JSON/YAML specs: exact round trips, and readable `SpecError`s for untrusted input."""

from __future__ import annotations

import json
import time

import pytest
import yaml
from hypothesis import given

from fsmnb.errors import DefinitionError, SpecError
from fsmnb.fsm import Machine, MachineSpec, Transition
from fsmnb.fsm import spec as specs

from .conftest import machines

ESSAY_YAML = """\
name: essay
initial: draft
states:
- name: draft
  description: Write the first version
- name: review
  description: An editor reads it
- name: published
  final: true
transitions:
- source: draft
  event: submit
  target: review
- source: review
  event: accept
  target: published
- source: review
  event: revise
  target: draft
  guard: needs_work
- source: review
  event: revise
  target: draft
version: 1
"""


def spec_dict(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "door",
        "initial": "shut",
        "states": [{"name": "shut"}, {"name": "open", "final": True}],
        "transitions": [{"source": "shut", "event": "push", "target": "open"}],
    }
    data.update(changes)
    return data


def spec_error(data: object, **kwargs: bool) -> SpecError:
    with pytest.raises(SpecError) as caught:
        specs.from_dict(data, **kwargs)
    return caught.value


# -- round trips ---------------------------------------------------------------------------------


def test_yaml_is_readable_and_exact(essay: Machine) -> None:
    assert essay.to_yaml() == ESSAY_YAML
    assert Machine.from_yaml(ESSAY_YAML) == essay


def test_json_and_dict_round_trip(essay: Machine) -> None:
    assert Machine.from_json(essay.to_json()) == essay
    assert Machine.from_json(essay.to_json(indent=None).encode()) == essay
    assert Machine.from_dict(essay.to_dict()) == essay
    assert essay.to_dict() == yaml.safe_load(ESSAY_YAML)
    assert specs.machine_from_spec(specs.machine_to_spec(essay)) == essay


@given(machines())
def test_any_machine_round_trips_exactly(m: Machine) -> None:
    assert specs.from_json(specs.to_json(m), validate=False) == m
    assert specs.from_yaml(specs.to_yaml(m), validate=False) == m
    assert specs.from_dict(json.loads(json.dumps(specs.to_dict(m))), validate=False) == m


@given(machines(sound=True))
def test_sound_machines_round_trip_with_validation(m: Machine) -> None:
    loaded = specs.from_yaml(specs.to_yaml(m))
    assert loaded == m
    assert loaded.states == m.states and loaded.transitions == m.transitions


def test_yaml_booleans_as_names_are_quoted() -> None:
    m = Machine.build("on", initial="yes", finals=["no"], transitions=[("yes", "off", "no")])
    text = m.to_yaml()
    assert "'off'" in text and "'yes'" in text
    assert Machine.from_yaml(text) == m


def test_finals_missing_from_states_are_kept() -> None:
    m = Machine(
        name="m",
        states=("a",),
        transitions=(Transition(source="a", event="go", target="b"),),
        initial="a",
        finals=frozenset({"b"}),
    )
    assert [s["name"] for s in m.to_dict()["states"]] == ["a", "b"]


def test_duplicate_states_survive_the_round_trip() -> None:
    m = Machine.build("m", initial="a", finals=["b"], transitions=[("a", "go", "b")])
    twice = m.with_changes(states=("a", "b", "a"))
    assert Machine.from_json(twice.to_json(), validate=False) == twice
    with pytest.raises(SpecError, match="State `a` is defined 2 times"):
        Machine.from_json(twice.to_json())


def test_a_spec_is_only_data() -> None:
    tagged = "!!python/object/apply:os.system ['echo hacked']\n"
    with pytest.raises(SpecError, match="not valid YAML"):
        specs.from_yaml(tagged)


# -- untrusted input -----------------------------------------------------------------------------


def test_errors_are_definition_errors() -> None:
    error = spec_error([])
    assert isinstance(error, DefinitionError) and isinstance(error, TypeError)
    assert str(error) == (
        "Machine spec: expected a mapping of `name`, `initial`, `states`, `transitions`, "
        "`version`, got list"
    )


def test_missing_field_is_located() -> None:
    data = spec_dict()
    data["transitions"] = [
        {"source": "shut", "event": "push", "target": "open"},
        {"source": "open", "event": "pull", "target": "shut"},
        {"source": "shut", "event": "kick"},
    ]
    error = spec_error(data)
    assert error.problems == ("`transitions[2].target`: field required",)
    assert str(error) == "Machine spec `door`: `transitions[2].target`: field required"


def test_every_structural_problem_is_listed() -> None:
    data = spec_dict(
        name=7,
        states=[{"name": "3rd"}, {"name": "ok", "final": "maybe", "colour": "red"}],
        version=2,
        extra=True,
    )
    error = spec_error(data)
    assert error.problems == (
        "`name`: input should be a valid string, got int",
        "`states[0].name`: `3rd` is not a valid name: use letters, digits, `_` and `-`, "
        "starting with a letter or `_`",
        "`states[1].final`: input should be a valid boolean, unable to interpret input, got str",
        "`states[1].colour`: unknown field; remove it (the fields are `name`, `description`, "
        "`final`)",
        "`version`: spec version `2` is not supported; this fsmnb reads version 1",
        "`extra`: unknown field; remove it (the fields are `name`, `initial`, `states`, "
        "`transitions`, `version`)",
    )
    assert str(error).startswith("Machine spec has 6 problems:\n  - `name`: ")


@pytest.mark.parametrize("bad", ["", "a b", "a\n", "-a", "é", "a.b", "x" * 101, "`a`", "a;rm -rf"])
def test_bad_names_are_refused(bad: str) -> None:
    error = spec_error(spec_dict(initial=bad))
    assert len(error.problems) == 1
    assert error.problems[0].startswith("`initial`: ")


def test_good_names_are_accepted() -> None:
    names = ["_", "a-b", "Z9_x", "x" * 100]
    for name in names:
        m = specs.from_dict(spec_dict(name=name), validate=False)
        assert m.name == name


def test_yaml_booleans_get_a_hint() -> None:
    text = "name: door\ninitial: shut\nstates: [{name: shut}, {name: on, final: true}]\ntransitions: []\n"
    with pytest.raises(SpecError) as caught:
        specs.from_yaml(text)
    assert caught.value.problems == (
        "`states[1].name`: expected a name, got the boolean true (YAML reads unquoted "
        "yes/no/on/off/true/false as booleans: quote the name)",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"name": "door",',
            "Machine spec is not valid JSON: Expecting property name enclosed in double quotes at line 1, column 17. Fix the syntax.",
        ),
        ("[" * 100_000, "Machine spec is not readable JSON: it is nested too deeply."),
        (b"\xff\xfe\x00", "Machine spec is not readable JSON: "),
    ],
)
def test_bad_json(text: str | bytes, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        specs.from_json(text)
    assert str(caught.value).startswith(message)
    assert caught.value.__suppress_context__


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: [door\n", "Machine spec is not valid YAML: "),
        ("a: 1\n---\nb: 2\n", "Machine spec is not valid YAML: "),
        ("", "Machine spec: expected a mapping of `name`, `initial`"),
        (
            "- a\n- b\n",
            (
                "Machine spec: expected a mapping of `name`, `initial`, `states`, `transitions`, "
                "`version`, got list"
            ),
        ),
    ],
)
def test_bad_yaml(text: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        specs.from_yaml(text)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    "text",
    [
        "- " * 40_000 + "x",
        "{a: " * 3_000,
        "[" * 33 + "]" * 33,
        "".join("  " * i + "- a\n" for i in range(200)),
        "name: x\nstates:\n" + " " * 200 + "- a\n",
    ],
)
def test_deeply_nested_yaml_is_refused_before_parsing(text: str) -> None:
    with pytest.raises(SpecError, match="nested too deeply to read: over 32 levels"):
        specs.from_yaml(text)


def test_nesting_up_to_the_limit_reaches_the_parser() -> None:
    with pytest.raises(SpecError, match="expected a mapping"):
        specs.from_yaml("[" * 32 + "]" * 32)


@pytest.mark.parametrize("size", [specs.MAX_YAML + 1, 1_000_000])
def test_oversized_yaml_is_refused_before_parsing(size: int) -> None:
    text = ("- {source: a, event: e, target: b}\n" * (size // 35 + 1))[:size]
    with pytest.raises(SpecError, match=f"too large to read: {size:,} characters of YAML"):
        specs.from_yaml(text)


def test_yaml_syntax_errors_name_the_line() -> None:
    with pytest.raises(SpecError) as caught:
        specs.from_yaml("name: door\ninitial: [shut\nstates: []\n")
    assert "at line 3, column" in str(caught.value)


def test_size_limits() -> None:
    states = [{"name": f"s{i}"} for i in range(specs.MAX_STATES + 1)]
    error = spec_error(spec_dict(states=states))
    assert error.problems == (
        "`states`: list should have at most 1000 items after validation, not 1001",
    )
    with pytest.raises(SpecError, match="too large to read: 2,000,001 characters of JSON"):
        specs.from_json(" " * (specs.MAX_TEXT + 1))


def test_many_problems_are_capped() -> None:
    transitions = [{"source": "shut"}] * 40
    error = spec_error(spec_dict(transitions=transitions))
    assert len(error.problems) == specs.MAX_SHOWN + 1
    assert error.problems[-1] == "...and 30 more problems like these."


def test_alias_bombs_stay_cheap() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    bomb = "\n".join(lines) + "\nname: door\ninitial: shut\nstates: *a8\ntransitions: *a8\n"
    start = time.perf_counter()
    with pytest.raises(SpecError):
        specs.from_yaml(bomb)
    assert time.perf_counter() - start < 2


def test_semantic_problems_are_spec_errors_unless_asked_not_to() -> None:
    data = spec_dict(states=[{"name": "shut"}, {"name": "open", "final": True}, {"name": "lost"}])
    error = spec_error(data)
    assert error.problems == (
        "State `lost` cannot be reached from the initial state `shut` in machine `door`. "
        "Add a transition into it or remove it.",
        "State `lost` has no way out in machine `door`: it has no outgoing transition and is "
        "not final. Add a transition from it or mark it final.",
    )
    assert str(error).startswith("Machine `door` has 2 problems:")
    assert specs.from_dict(data, validate=False).states == ("shut", "open", "lost")


def test_machines_with_names_a_spec_cannot_hold() -> None:
    m = Machine.build("my door", initial="shut", transitions=[("shut", "push it", "open")])
    with pytest.raises(SpecError) as caught:
        m.to_json()
    assert str(caught.value).startswith("The spec of machine `my door` has 2 problems:")
    assert caught.value.problems[0].startswith("`name`: `my door` is not a valid name")


def test_json_schema_is_available_for_models() -> None:
    schema = MachineSpec.model_json_schema()
    assert schema["additionalProperties"] is False
    assert schema["$defs"]["StateSpec"]["properties"]["name"]["pattern"] == specs.NAME_PATTERN


@pytest.mark.parametrize(
    "text", ["\x85", "a\u2028b", "x\u2029", "Résumé, naïve", "a\r\nb", " pad "]
)
def test_yaml_keeps_every_character_of_a_description(text: str) -> None:
    m = Machine.build("m", initial="a", finals=["a"], transitions=[], descriptions={"a": text})
    assert Machine.from_yaml(m.to_yaml()).description("a") == text
    assert "Résumé" not in text or "Résumé" in m.to_yaml()  # unicode stays readable
