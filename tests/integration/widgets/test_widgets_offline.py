"""Widget logic without a kernel: state, APIs, assets, static fallbacks, layering."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys

import pytest

pytest.importorskip("anywidget")

from fsmnb import TelemetryEvent, Workflow
from fsmnb.engine.display import run_mimebundle
from fsmnb.widgets import Consensus, RunView, Transcript
from fsmnb.widgets._assets import asset
from fsmnb.widgets._jsonable import jsonable


def _flaky() -> Workflow:
    wf = Workflow("flaky", register=False)

    @wf.state(initial=True, on={"go": "boom"})
    def start(ctx):
        return "go"

    @wf.state(on={"done": "end"})
    def boom(ctx):
        raise ValueError("no luck")

    wf.final("end")
    return wf


@pytest.mark.parametrize("name", ["run_view.js", "run_view.css", "transcript.js", "consensus.js"])
def test_assets_are_found(name):
    found = asset(name)
    text = found if isinstance(found, str) else found.read_text()
    assert text.strip()


def test_a_missing_asset_names_the_fix():
    with pytest.raises(FileNotFoundError, match="fsmnb\\[notebook\\]"):
        asset("nope.js")


def test_jsonable_bounds_and_repr():
    value = jsonable(
        {"n": 1, "f": float("nan"), "obj": object, "big": list(range(60)), "s": "x" * 1000}
    )
    assert value["n"] == 1 and value["f"] == "nan" and value["obj"] == "<class 'object'>"
    assert value["big"][-1] == "… 10 more" and len(value["s"]) == 400


async def test_run_view_marks_failures_and_shows_the_error():
    run = _flaky().start()
    view = RunView(run)
    with pytest.raises(Exception, match="no luck"):
        await run
    view.flush()
    assert (view.status, view.state, view.failed) == ("failed", "boom", ["boom"])
    assert "no luck" in view.error
    assert repr(view) == "RunView(<Run of 'flaky': failed in 'boom'>)"
    assert view._unsubscribe == []  # a finished run is no longer listened to


async def test_a_view_of_a_finished_run_replays_its_journal():
    run = _flaky().start()
    with pytest.raises(Exception, match="no luck"):
        await run
    view = RunView(run)
    assert view.visits == {"start": 1, "boom": 1} and view.steps == 1
    assert [r["kind"] for r in view.timeline] == ["run_started", "transition", "run_finished"]


async def test_active_effects_are_listed_on_their_state():
    run = _flaky().start()
    view = RunView(run)
    view._track.on_event(
        TelemetryEvent("effect_started", run.id, "start", path="0", name="call(fetch)")
    )
    assert view._values()["active"] == {"start": ["call(fetch)"]}
    view._track.on_event(
        TelemetryEvent("effect_finished", run.id, "start", path="0", name="call(fetch)")
    )
    assert view._values()["active"] == {}
    with pytest.raises(Exception, match="no luck"):
        await run


def test_static_run_bundle_lights_the_current_state():
    async def go():
        run = _flaky().start()
        with pytest.raises(Exception, match="no luck"):
            await run
        return run

    run = asyncio.run(go())
    bundle = run_mimebundle(run)
    assert bundle["text/plain"] == "<Run of 'flaky': failed in 'boom'>"
    classes = re.search(r'id="state&#45;boom" class="([^"]*)"', bundle["image/svg+xml"])
    assert classes is not None
    assert {"current", "failed", "visited"} <= set(classes.group(1).split())
    assert set(run._repr_mimebundle_(include=("text/plain",))) == {"text/plain"}


def test_workflow_and_machine_fall_back_to_static_drawings():
    wf = _flaky()
    for obj in (wf, wf.machine):
        bundle = obj._repr_mimebundle_()
        assert "<svg" in bundle["text/html"] and "0x" not in bundle["text/plain"]


def test_transcript_api():
    chat = Transcript()
    chat.add("hi", role="user")
    chat.stream("a1", "Hel", model="m")
    chat.stream("a1", "lo")
    chat.finish("a1", tokens=3, cost=0.01)
    chat.flush()
    assert [(m["role"], m["content"], m["tokens"]) for m in chat.messages] == [
        ("user", "hi", None),
        ("assistant", "Hello", 3),
    ]
    chat.handle(
        TelemetryEvent(
            "llm_call",
            data={"model": "m", "usage": {"input_tokens": 2, "output_tokens": 5}, "content": "ok"},
        )
    )
    chat.flush()
    assert chat.messages[-1]["content"] == "ok" and chat.messages[-1]["tokens"] == 7


def test_consensus_api_checks_the_matrix():
    votes = Consensus(threshold=0.9)
    entry = votes.add_round(["a", "b", "c"], [[1, 0.8, 0.9], [0.8, 1, 1.0], [0.9, 1.0, 1]])
    assert entry["agents"] == ["agent 1", "agent 2", "agent 3"]
    assert entry["mean"] == pytest.approx(0.9) and entry["reached"]
    with pytest.raises(ValueError, match="3×3"):
        votes.add_round(["a", "b", "c"], [[1, 0.5], [0.5, 1]])


def test_the_core_never_imports_jupyter():
    code = (
        "import sys, fsmnb, fsmnb.engine.display, fsmnb.workflow, fsmnb.fsm, fsmnb.effects\n"
        "bad = [m for m in ('IPython', 'anywidget', 'ipywidgets') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


async def test_the_timeline_has_one_row_per_effect_and_one_per_log():
    from fsmnb.effects import call, log, sequence

    wf = Workflow("rows", register=False)

    @wf.state(initial=True, on={"next": "end"})
    async def work(ctx):
        await ctx.run(sequence(log("checking the order"), call(len, [1, 2, 3])))
        return "next"

    wf.final("end")
    run = wf.start()
    view = RunView(run)
    await run
    view.flush()
    effects = [(r["kind"], r["text"]) for r in view.timeline if r["kind"] != "transition"]
    kinds = [k for k, _ in effects]
    assert kinds.count("log") == 1 and "effect_started" not in kinds
    assert [t for k, t in effects if k == "effect_finished" and "call(len)" in t] != []
    assert not [t for k, t in effects if k.startswith("effect_") and t.startswith("✓ log")]
    assert view._values()["active"] == {} and view._values()["active_since"] == {}
