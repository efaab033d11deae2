"""The kernel's interrupt cancels the run a cell awaits: effects cancelled, compensations run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.magics._kernel import Kernel

pytestmark = pytest.mark.slow

DEFINE = """
%load_ext fsmnb
compensated = []

%%workflow slow --no-show
@state(initial=True, on={"ok": "done"})
async def work(ctx):
    # Ten minutes: the test only finishes in time if the interrupt cancels this.
    await ctx.run(with_compensation(delay(600), call(compensated.append, "refund")))
    return "ok"
final("done")
"""


@pytest.fixture
def kernel() -> Iterator[Kernel]:
    k = Kernel()
    try:
        yield k
    finally:
        k.close()


def test_interrupt_cancels_the_awaited_run_and_runs_its_compensation(kernel: Kernel) -> None:
    setup, definition = DEFINE.split("\n\n%%workflow")
    assert kernel.execute(setup).status == "ok"
    assert kernel.execute("%%workflow" + definition).status == "ok"

    def interrupt_once_started(text: str) -> None:
        if "started" in text:
            kernel.interrupt()

    reply = kernel.execute(
        "run = slow.start(run_id='slow-1')\nprint('started', flush=True)\nawait run",
        on_stream=interrupt_once_started,
    )

    assert reply.status == "error"
    (error,) = reply.errors
    assert error["ename"] == "CancelledError"
    shown = error["evalue"] + "".join(error["traceback"])
    assert "Interrupted: run `slow-1` of `slow` was cancelled in state `work`" in shown
    after = kernel.execute("print(run.status, run.state, compensated)")
    assert after.stdout.strip() == "cancelled work ['refund']"


def test_the_kernel_runs_the_next_workflow_after_an_interrupt(kernel: Kernel) -> None:
    setup, definition = DEFINE.split("\n\n%%workflow")
    kernel.execute(setup)
    kernel.execute("%%workflow" + definition)
    kernel.execute(
        "run = slow.start()\nprint('started', flush=True)\nawait run",
        on_stream=lambda text: kernel.interrupt() if "started" in text else None,
    )
    kernel.execute(
        "%%workflow quick --no-show\n"
        "@state(initial=True, on={'go': 'end'})\n"
        "def begin(ctx):\n    return 'go'\n"
        "final('end')\n"
    )
    reply = kernel.execute("result = await quick.start()\nprint(result.status, result.state)")
    assert reply.stdout.strip() == "done end"
