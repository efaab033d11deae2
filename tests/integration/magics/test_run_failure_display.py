"""A failed run in a real kernel: one short block, the user's frames, the whole chain on request."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.integration.magics._kernel import Kernel

DEFINE = """
%load_ext fsmnb
from fsmnb import Workflow
from fsmnb.effects import call

def route(kind):
    queues = {"bug": "dev", "billing": "finance"}
    return queues[kind]  # the user's own line: a KeyError for an unknown kind

claim = Workflow("claim", register=False)

@claim.state(initial=True, on={"routed": "done"})
async def triage(ctx):
    ctx.data["queue"] = await ctx.run(call(route, ctx.data["kind"]))
    return "routed"

claim.final("done")
"""

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def kernel() -> Iterator[Kernel]:
    k = Kernel()
    try:
        assert k.execute(DEFINE).status == "ok"
        yield k
    finally:
        k.close()


def _shown(kernel: Kernel, code: str) -> tuple[str, list[str]]:
    reply = kernel.execute(code)
    assert reply.status == "error"
    (error,) = reply.errors
    lines = [ANSI.sub("", line) for line in "\n".join(error["traceback"]).splitlines()]
    return error["ename"], lines


def test_await_run_shows_what_failed_where_and_why_in_a_few_lines(kernel: Kernel) -> None:
    ename, lines = _shown(kernel, "run = claim.start(kind='spam', run_id='c-1')\nawait run")
    text = "\n".join(lines)
    assert ename == "EffectError"
    assert len(lines) <= 16, text  # not the ~90-line walk through the engine
    assert (
        lines[0]
        == "EffectError: `call(route)` failed: KeyError: 'spam' (at `triage#0/1:call(route)`)"
    )
    assert "run      `c-1` of `claim`, failed in state `triage`" in text
    assert "effect   `call(route)` at `triage#0/1:call(route)`" in text
    assert "cause    KeyError: 'spam'" in text
    # The user's own frames stay: the cell that awaited, and the function that raised.
    frames = [line.strip() for line in lines if line.startswith("    Cell In")]
    assert [f.rsplit(", in ", 1)[1] for f in frames] == ["<module>", "triage", "route"]
    assert "await run" in text and "return queues[kind]" in text
    # The engine's frames do not.
    assert "handlers.py" not in text and "run.py" not in text
    assert "%fsm traceback" in text


def test_run_sync_is_shown_the_same_way(kernel: Kernel) -> None:
    ename, lines = _shown(kernel, "claim.run_sync(kind='spam')")
    text = "\n".join(lines)
    assert ename == "EffectError" and "cause    KeyError: 'spam'" in text
    assert "claim.run_sync(kind='spam')" in text and "return queues[kind]" in text
    assert "handlers.py" not in text


def test_fsm_traceback_shows_the_whole_chain(kernel: Kernel) -> None:
    _shown(kernel, "await claim.start(kind='spam')")
    reply = kernel.execute("%fsm traceback")
    assert reply.status == "ok"
    whole = ANSI.sub("", "\n".join("\n".join(o.get("traceback", [])) for o in reply.errors))
    whole += ANSI.sub("", reply.stdout)
    shown = kernel.execute("print(type(run.error).__name__, type(run.error.__cause__).__name__)")
    assert shown.stdout.split() == ["EffectError", "KeyError"]
    assert "leaf_handlers.py" in whole or "handlers.py" in whole, whole[:2000]
    assert "The above exception was the direct cause" in whole


def test_xmode_verbose_turns_the_short_form_off(kernel: Kernel) -> None:
    assert kernel.execute("%xmode Verbose").status == "ok"
    try:
        _, lines = _shown(kernel, "await claim.start(kind='spam')")
    finally:
        kernel.execute("%xmode Context")
    assert len(lines) > 30 and "The whole chain" not in "\n".join(lines)
