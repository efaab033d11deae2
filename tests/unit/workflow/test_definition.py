"""Workflow definitions: checked when built, with every offender named; pipelines; the cell DSL."""

from __future__ import annotations

from typing import Any

import pytest

from fsmnb import DefinitionError, Workflow, pipeline, task
from fsmnb.effects import call
from fsmnb.workflow import collecting, final, get_workflow, state


def test_problems_name_every_offender() -> None:
    wf = Workflow("essay")
    wf.add_state("draft", initial=True, on={"submit": "review"})
    wf.add_state("orphan", on={"x": "draft"})
    wf.add_state("stuck")
    with pytest.raises(DefinitionError) as caught:
        wf.check()
    text = str(caught.value)
    assert "`review`" in text and "`orphan`" in text and "`stuck`" in text
    assert "final" in text
    assert len(caught.value.problems) >= 3


def test_unknown_guard_is_reported() -> None:
    wf = Workflow("guards")
    wf.add_state("a", initial=True, on={"go": ("b", "is_ready")})
    wf.final("b")
    with pytest.raises(DefinitionError, match="guard `is_ready`"):
        wf.check()


def test_bad_on_spec_and_bad_names() -> None:
    wf = Workflow("bad")
    with pytest.raises(DefinitionError, match="takes a target state name"):
        wf.add_state("a", on={"go": 42})  # type: ignore[dict-item]
    with pytest.raises(DefinitionError, match="not an identifier"):
        wf.add_state("not a name")
    with pytest.raises(DefinitionError, match="non-empty name"):
        Workflow("")


def test_decorator_defaults_and_docstring_description() -> None:
    wf = Workflow("decorated")

    @wf.state(on={"go": "end"})
    def begin(ctx: Any) -> str:
        """Say hello to the world."""
        return "go"

    wf.final("end")
    assert wf.initial == "begin"
    assert wf.machine.description("begin") == "Say hello to the world."
    assert wf.check() is wf
    assert get_workflow("decorated") is wf


def test_redefining_a_state_replaces_it() -> None:
    wf = Workflow("redefine")
    wf.add_state("a", lambda ctx: "x", initial=True, on={"x": "b"})
    wf.add_state("a", lambda ctx: "y", initial=True, on={"y": "b"})
    wf.final("b")
    assert wf.machine.events_from("a") == ("y",)
    assert wf.run_sync().state == "b"


def test_module_level_dsl_needs_a_workflow() -> None:
    with pytest.raises(DefinitionError, match="inside a `%%workflow NAME` cell"):

        @state
        def nowhere(ctx: Any) -> None: ...

    wf = Workflow("cell")
    with collecting(wf):

        @state(initial=True, on={"go": "done"})
        def first(ctx: Any) -> str:
            return "go"

        final("done")
    assert wf.run_sync().state == "done"


def test_pipeline_from_functions() -> None:
    def collect_samples(data: dict[str, Any]) -> list[int]:
        return list(range(data["n"]))

    async def run_tests(samples: list[int]) -> list[bool]:
        return [s % 2 == 0 for s in samples]

    def analyze_results(results: list[bool]) -> Any:
        return call(lambda: f"{sum(results)}/{len(results)} passed")

    wf = pipeline("batch_inspection", collect_samples, run_tests, analyze_results)
    assert wf.machine.states == (
        "collect_samples",
        "run_tests",
        "analyze_results",
        "done",
    )
    result = wf.run_sync(n=5)
    assert result["result"] == "3/5 passed"
    assert result["run_tests"] == [True, False, True, False, True]


def test_pipe_operator_on_tasks_and_ctx_steps() -> None:
    @task
    def load(data: dict[str, Any]) -> int:
        return int(data["x"])

    @task
    def bump(ctx: Any) -> int:
        return int(ctx.data["load"]) + 1

    p = load | bump
    assert repr(p) == "load | bump"
    assert p.workflow("bumped").run_sync(x="41")["result"] == 42


def test_pipeline_rejects_duplicates_and_lambdas() -> None:
    def a(x: Any) -> Any:
        return x

    with pytest.raises(DefinitionError, match="uses `a` twice"):
        pipeline("dupes", a, a)
    with pytest.raises(DefinitionError, match="not a named function"):
        pipeline("anon", lambda x: x)
