"""`%fsm` subcommands driven through a real IPython shell."""

from __future__ import annotations

import pandas as pd
import pytest
from IPython.core.error import UsageError

from fsmnb import Run
from fsmnb.magics import SUBCOMMANDS, subcommand
from fsmnb.magics._values import parse_value, split_words
from tests.integration.magics.conftest import Shell

APPROVAL = """%%workflow approval --no-show
@state(initial=True, on={"approve": "ship", "reject": "refunded"})
def review(ctx):
    ctx.data["reviewed"] = True          # then wait for a person's decision

@state(on={"shipped": "done"})
def ship(ctx):
    ctx.data["shipped_by"] = ctx.payload.get("by")
    return "shipped"

final("done", "refunded")
"""


@pytest.fixture
def approval(ipython: Shell) -> Shell:
    assert ipython.run(APPROVAL).error is None
    return ipython


def test_run_starts_a_run_that_waits_and_send_drives_it(approval: Shell) -> None:
    started = approval.run("r = %fsm run approval --id a-1 amount=120 who='Ann Lee'")

    assert started.error is None
    run = approval.ns["r"]
    assert isinstance(run, Run)
    assert (run.id, run.status, run.state) == ("a-1", "waiting", "review")
    assert run.data == {"amount": 120, "who": "Ann Lee", "reviewed": True}

    sent = approval.run("%fsm send a-1 approve by=ann")

    assert sent.error is None
    assert sent.stdout.strip() == "run a-1: approve -> ship"
    assert (run.status, run.state, run.data["shipped_by"]) == ("done", "done", "ann")


def test_send_finds_a_run_by_variable_name(approval: Shell) -> None:
    approval.run("r = %fsm run approval")

    approval.run("%fsm send r reject")

    assert approval.ns["r"].state == "refunded"


def test_sending_an_event_the_state_does_not_accept_lists_the_allowed_ones(approval: Shell) -> None:
    approval.run("%fsm run approval --id a-2")

    cell = approval.run("%fsm send a-2 ship_it")

    assert isinstance(cell.error, UsageError)
    assert "has no transition for event `ship_it`" in str(cell.error)
    assert "`approve`, `reject`" in str(cell.error)


def test_history_is_a_dataframe_of_the_runs_transitions(approval: Shell) -> None:
    approval.run("%fsm run approval --id a-3")
    approval.run("%fsm send a-3 approve")

    cell = approval.run("h = %fsm history a-3")

    history = approval.ns["h"]
    assert isinstance(history, pd.DataFrame)
    moves = history[history.kind == "transition"]
    assert list(zip(moves.state, moves.name, moves.target, strict=True)) == [
        ("review", "approve", "ship"),
        ("ship", "shipped", "done"),
    ]
    assert cell.error is None


def test_cancel_ends_a_waiting_run(approval: Shell) -> None:
    approval.run("%fsm run approval --id a-4")

    cell = approval.run("%fsm cancel a-4")

    assert cell.stdout.strip() == "run a-4: cancelled in review"
    assert approval.run("%fsm send a-4 approve").error is not None
    assert (
        approval.run("%fsm cancel a-4").stdout.strip() == "run a-4 has already ended (cancelled)."
    )


def test_list_shows_workflows_and_the_runs_started_here(approval: Shell) -> None:
    approval.run("%fsm run approval --id a-5")

    approval.run("listing = %fsm list")

    text = repr(approval.ns["listing"])
    assert "approval  (4 states; initial review)" in text
    assert "a-5  approval  waiting in review" in text
    assert "<table>" in approval.ns["listing"]._repr_html_()


def test_show_returns_a_workflow_or_a_run(approval: Shell) -> None:
    approval.run("%fsm run approval --id a-6")

    approval.run("w = %fsm show approval")
    approval.run("s = %fsm show a-6")

    assert approval.ns["w"] is approval.ns["approval"]
    assert approval.ns["s"].id == "a-6"
    assert isinstance(approval.run("%fsm show nothing_here").error, UsageError)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("%fsm bogus", "Unknown subcommand `bogus`"),
        ("%fsm run", "Missing argument. Usage: %fsm run NAME"),
        ("%fsm run nowhere", "No workflow is registered as `nowhere`"),
        ("%fsm run approval amount", "Expected key=value, got 'amount'"),
        ("%fsm run approval who='Ann", "Unbalanced quotes"),
        ("%fsm send", "Missing argument. Usage: %fsm send RUN EVENT"),
        ("%fsm send no-such-run approve", "No run `no-such-run`"),
        ("%fsm history", "Missing argument"),
        ("%fsm list extra", "takes no arguments"),
    ],
)
def test_bad_arguments_are_usage_errors(approval: Shell, line: str, message: str) -> None:
    cell = approval.run(line)

    assert isinstance(cell.error, UsageError)
    assert message in str(cell.error)


def test_help_lists_every_subcommand(ipython: Shell) -> None:
    doc = ipython.shell.find_line_magic("fsm").__doc__

    for name in ("list", "show", "run", "send", "history", "cancel"):
        assert f"%fsm {name}" in doc
    assert "key=value" in doc
    assert ipython.run("%fsm").stdout.startswith("%fsm subcommands:")


def test_other_modules_add_subcommands_to_the_table(ipython: Shell) -> None:
    @subcommand("echo", usage="%fsm echo WORDS", summary="print the words back")
    def echo(magics, args):
        return " ".join(args)

    try:
        assert ipython.run("out = %fsm echo a 'b c'").error is None
        assert ipython.ns["out"] == "a 'b c'"
        assert "%fsm echo WORDS" in ipython.shell.find_line_magic("fsm").__doc__
    finally:
        del SUBCOMMANDS["echo"]


async def test_on_a_running_loop_run_returns_at_once_and_the_run_goes_on(approval: Shell) -> None:
    # A kernel runs cells on its loop: `%fsm run` must not block, and `await r` works.
    started = await approval.run_async("r = %fsm run approval --id live-1")
    assert started.error is None
    run = approval.ns["r"]
    assert run.status == "running"

    await approval.run_async("await r.wait(until_idle=True)")
    assert (run.status, run.state) == ("waiting", "review")

    await approval.run_async("%fsm send live-1 approve by=bo")
    waited = await approval.run_async("result = await r")

    assert waited.error is None
    assert approval.ns["result"].data["shipped_by"] == "bo"
    assert run.status == "done"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("42", 42),
        ("2.5", 2.5),
        ("True", True),
        ("None", None),
        ("[1,2]", [1, 2]),
        ("'42'", "42"),
        ("ann", "ann"),
        ("two words", "two words"),
        ("{'a': 1}", {"a": 1}),
    ],
)
def test_values_are_python_literals_else_text(text: str, value: object) -> None:
    assert parse_value(text) == value


def test_words_keep_quoted_strings_whole() -> None:
    assert split_words("run wf who='Ann Lee' note=\"a b\" n=1") == [
        "run",
        "wf",
        "who='Ann Lee'",
        'note="a b"',
        "n=1",
    ]
