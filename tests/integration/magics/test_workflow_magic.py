"""`%%workflow` and `%workflow` driven through a real IPython shell."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from fsmnb import DefinitionError, Workflow
from fsmnb.workflow import get_workflow
from tests.integration.magics.conftest import Shell

GREET = """%%workflow greet{options}
@state(initial=True, on={{"done": "end"}})
def hello(ctx):
    ctx.data["greeting"] = f"hello {{ctx.data['who']}}"
    return "done"
final("end")
"""


def test_a_workflow_cell_binds_a_checked_workflow_and_shows_its_diagram(ipython: Shell) -> None:
    cell = ipython.run(GREET.format(options=""))

    assert cell.error is None
    wf = ipython.ns["greet"]
    assert isinstance(wf, Workflow)
    assert (wf.initial, sorted(wf.states)) == ("hello", ["end", "hello"])
    assert get_workflow("greet") is wf
    (shown,) = cell.outputs
    assert "<svg" in shown["image/svg+xml"]
    assert wf.run_sync(who="ann").data["greeting"] == "hello ann"


def test_no_show_defines_without_displaying(ipython: Shell) -> None:
    cell = ipython.run(GREET.format(options=" --no-show"))

    assert cell.error is None
    assert cell.outputs == []
    assert "greet" in ipython.ns


def test_initial_option_picks_the_initial_state(ipython: Shell) -> None:
    cell = ipython.run(
        "%%workflow two --initial second --no-show\n"
        "@state(on={'go': 'end'})\ndef first(ctx):\n    return 'go'\n"
        "@state(on={'go': 'first'})\ndef second(ctx):\n    ctx.data['began'] = ctx.state\n    return 'go'\n"
        "final('end')\n"
    )

    assert cell.error is None
    assert ipython.ns["two"].initial == "second"
    assert ipython.ns["two"].run_sync().data == {"began": "second"}


def test_rerunning_a_cell_replaces_the_workflow_and_leaks_no_dsl(ipython: Shell) -> None:
    ipython.run(GREET.format(options=" --no-show"))
    first = ipython.ns["greet"]
    ipython.run(
        "%%workflow greet --no-show\n"
        "@state(initial=True, on={'done': 'bye'})\ndef welcome(ctx):\n    return 'done'\n"
        "final('bye')\n"
    )

    second = ipython.ns["greet"]
    assert second is not first
    assert sorted(second.states) == ["bye", "welcome"]
    assert get_workflow("greet") is second
    for name in ("state", "final", "guard", "call", "retry", "hello", "welcome"):
        assert name not in ipython.ns, name


def test_state_functions_see_notebook_names_as_they_are_when_they_run(ipython: Shell) -> None:
    ipython.run("def shout(text):\n    return text.upper()")
    ipython.run(
        "%%workflow loud --no-show\n"
        "@state(initial=True, on={'done': 'end'})\n"
        "def speak(ctx):\n    ctx.data['said'] = shout(ctx.data['text'])\n    return 'done'\n"
        "final('end')\n"
    )
    ipython.run("def shout(text):\n    return text + '!'")

    assert ipython.ns["loud"].run_sync(text="hi").data["said"] == "hi!"


def test_the_cell_has_guards_effects_and_events_in_scope(ipython: Shell) -> None:
    cell = ipython.run(
        "%%workflow gate --no-show\n"
        "@guard\ndef is_big(ctx):\n    return ctx.payload.get('n', 0) > 10\n"
        "@state(initial=True, on={'n': [('big', 'is_big'), 'small']})\n"
        "def begin(ctx):\n    return sequence(put_data('seen', True), emit('n', n=ctx.data['n']))\n"
        "@state(on={'ok': 'end'})\ndef big(ctx):\n    ctx.data['size'] = 'big'\n    return Event('ok')\n"
        "@state(on={'ok': 'end'})\ndef small(ctx):\n    return sequence(call(ctx.data.update, size='small'), emit('ok'))\n"
        "final('end')\n"
    )

    assert cell.error is None
    gate = ipython.ns["gate"]
    assert gate.run_sync(n=50).data == {"n": 50, "seen": True, "size": "big"}
    assert gate.run_sync(n=5).data["size"] == "small"


def test_an_invalid_workflow_is_a_short_message_and_binds_nothing(ipython: Shell) -> None:
    ipython.run(GREET.format(options=" --no-show"))
    good = ipython.ns["greet"]

    cell = ipython.run(
        "%%workflow greet --no-show\n"
        "@state(initial=True, on={'done': 'nowhere'})\ndef hello(ctx):\n    return 'done'\n"
    )

    assert isinstance(cell.error, DefinitionError)
    assert "DefinitionError: Workflow `greet` has 2 problems" in cell.stdout
    assert "`nowhere`" in cell.stdout
    assert "Traceback" not in cell.stdout
    assert ipython.ns["greet"] is good
    assert get_workflow("greet") is good


def test_a_definition_error_inside_the_cell_names_its_line(ipython: Shell) -> None:
    cell = ipython.run(
        "%%workflow broken --no-show\n"
        "x = 1\n"
        "@state(initial=True, on={'done': ('end', 5)})\ndef hello(ctx):\n    return 'done'\n"
    )

    assert isinstance(cell.error, DefinitionError)
    assert "(raised at line 2 of the %%workflow cell)" in cell.stdout
    assert "Traceback" not in cell.stdout
    assert "broken" not in ipython.ns


def test_other_errors_in_the_cell_keep_their_traceback(ipython: Shell) -> None:
    cell = ipython.run("%%workflow oops --no-show\nundefined_helper()\n")

    assert isinstance(cell.error, NameError)
    assert "undefined_helper" in cell.stdout


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("%%workflow", "the following arguments are required: name"),
        ("%%workflow 9lives", "must be a Python identifier"),
        ("%%workflow greet --colour red", "unrecognized arguments"),
    ],
)
def test_bad_cell_arguments_are_usage_errors(ipython: Shell, line: str, message: str) -> None:
    cell = ipython.run(line + "\n@state(initial=True)\ndef a(ctx):\n    return None\n")

    assert isinstance(cell.error, UsageError)
    assert message in str(cell.error)


def test_a_pipeline_line_builds_a_linear_workflow(ipython: Shell) -> None:
    ipython.run("def parse(data):\n    return int(data['text'])\ndef double(n):\n    return n * 2")

    cell = ipython.run("%workflow calc = parse | double")

    assert cell.error is None
    calc = ipython.ns["calc"]
    assert list(calc.states) == ["parse", "double", "done"]
    assert calc.run_sync(text="21")["result"] == 42
    assert len(cell.outputs) == 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("%workflow calc parse | double", "Expected %workflow NAME = step_a"),
        ("%workflow calc = parse | missing", "Pipeline step `missing` is not defined"),
        ("%workflow calc = parse | 2 + 2", "is not a function name"),
    ],
)
def test_bad_pipeline_lines_are_usage_errors(ipython: Shell, line: str, message: str) -> None:
    ipython.run("def parse(data):\n    return data")

    cell = ipython.run(line)

    assert isinstance(cell.error, UsageError)
    assert message in str(cell.error)


def test_a_pipeline_that_repeats_a_step_is_a_short_definition_error(ipython: Shell) -> None:
    ipython.run("def parse(data):\n    return data")

    cell = ipython.run("%workflow twice = parse | parse")

    assert isinstance(cell.error, DefinitionError)
    assert "DefinitionError: Pipeline `twice` uses `parse` twice" in cell.stdout
    assert "Traceback" not in cell.stdout
