"""`%fsm resume`: a durable run started by one kernel, continued by the next one.

The first "kernel" is a separate Python process running an `InteractiveShell`:
it starts a run that waits for a person, in a real SQLite file, and exits.
This process plays the restarted kernel: a new shell, the workflow's cell run
again, `%fsm resume`, then `%fsm send` drives the run to its end.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from IPython.core.error import UsageError

from fsmnb import Run
from fsmnb.engine import set_default_store
from tests.integration.magics.conftest import Shell

REPO = Path(__file__).resolve().parents[3]

APPROVAL = """%%workflow approval --no-show
@state(initial=True, on={"approve": "ship", "reject": "refunded"})
def review(ctx):
    ctx.data["reviews"] = ctx.data.get("reviews", 0) + 1   # then wait for a person

@state(on={"shipped": "done"})
def ship(ctx):
    ctx.data["shipped_by"] = ctx.payload.get("by")
    return "shipped"

final("done", "refunded")
"""

FIRST_KERNEL = """
import sys
from IPython.core.interactiveshell import InteractiveShell

shell = InteractiveShell.instance()
for cell in ["%load_ext fsmnb", APPROVAL,
             f"import fsmnb\\n_ = fsmnb.engine.set_default_store({DB!r})",
             "r = %fsm run approval --id order-7 amount=30",
             "assert (r.state, r.status) == ('review', 'waiting'), (r.state, r.status)"]:
    shell.run_cell(cell).raise_error()
print("started", shell.user_ns["r"].id)
"""


@pytest.fixture(scope="module")
def first_kernel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding run `order-7`, waiting in `review`, written by another process."""
    db = tmp_path_factory.mktemp("resume") / "runs.db"
    script = f"APPROVAL = {APPROVAL!r}\nDB = {str(db)!r}\n" + textwrap.dedent(FIRST_KERNEL)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "started order-7"
    return db


@pytest.fixture
def journal(first_kernel: Path, tmp_path: Path) -> Path:
    """A copy of the first kernel's file for one test (a test may drive the run to its end)."""
    for part in first_kernel.parent.glob(first_kernel.name + "*"):  # with -wal/-shm, if any
        shutil.copy(part, tmp_path / part.name)
    return tmp_path / first_kernel.name


@pytest.fixture
def restarted(ipython: Shell) -> Shell:
    """A new shell that has run the workflow's cell again, as after a kernel restart."""
    assert ipython.run(APPROVAL).error is None
    return ipython


def test_resume_continues_the_run_and_send_drives_it_to_the_end(
    restarted: Shell, journal: Path
) -> None:
    resumed = restarted.run(f"r = %fsm resume order-7 --store {journal}")

    assert resumed.error is None
    run = restarted.ns["r"]
    assert isinstance(run, Run)
    assert (run.id, run.state, run.status) == ("order-7", "review", "waiting")
    # `review` ran again on resume, from the data journaled when the run entered it.
    assert run.data == {"amount": 30, "reviews": 1}
    listing = repr(restarted.run("%fsm list").result.result)
    assert "order-7  approval  waiting in review" in listing

    sent = restarted.run("%fsm send order-7 approve by=ann")

    assert sent.error is None
    assert sent.stdout.strip() == "run order-7: approve -> ship"
    assert (run.state, run.status, run.data["shipped_by"]) == ("done", "done", "ann")
    history = restarted.run("h = %fsm history order-7")
    assert history.error is None
    moves = restarted.ns["h"]
    moves = moves[moves.kind == "transition"]
    assert list(zip(moves.state, moves.target, strict=True)) == [
        ("review", "ship"),
        ("ship", "done"),
    ]


def test_a_resumed_run_is_displayed(restarted: Shell, journal: Path) -> None:
    cell = restarted.run(f"%fsm resume order-7 --store '{journal}'")

    assert cell.error is None
    assert isinstance(cell.result.result, Run)  # the cell's value: the shell displays it
    assert "<Run of 'approval': waiting in 'review'>" in cell.stdout


def test_resume_uses_the_default_store_when_no_store_is_given(
    restarted: Shell, journal: Path
) -> None:
    set_default_store(journal)
    try:
        cell = restarted.run("r = %fsm resume order-7")
    finally:
        set_default_store(None)

    assert cell.error is None
    assert restarted.ns["r"].id == "order-7"


def test_without_a_store_resume_asks_for_one(restarted: Shell) -> None:
    cell = restarted.run("%fsm resume order-7")

    assert isinstance(cell.error, UsageError)
    assert "%fsm resume order-7 --store runs.db" in str(cell.error)
    assert "set_default_store" in str(cell.error)


def test_a_missing_store_file_or_run_is_a_usage_error(restarted: Shell, journal: Path) -> None:
    missing_file = restarted.run("%fsm resume order-7 --store nowhere.db")
    missing_run = restarted.run(f"%fsm resume order-8 --store {journal}")

    assert isinstance(missing_file.error, UsageError)
    assert "no store file `nowhere.db`" in str(missing_file.error)
    assert isinstance(missing_run.error, UsageError)
    assert "has no run `order-8`" in str(missing_run.error)


def test_resuming_before_the_workflow_is_defined_says_to_define_it(
    ipython: Shell, journal: Path
) -> None:
    from fsmnb.workflow.catalog import _WORKFLOWS

    _WORKFLOWS.pop("approval", None)  # this process may have defined it in an earlier test

    cell = ipython.run(f"%fsm resume order-7 --store {journal}")

    assert isinstance(cell.error, UsageError)
    assert "No workflow is registered as `approval`" in str(cell.error)
    assert "Run the cell that defines the workflow first" in str(cell.error)
