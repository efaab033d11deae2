"""WorkflowRegistry: metadata, search with explained scores, persistence."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from fsmnb import Workflow
from fsmnb.agents import WorkflowRegistry
from fsmnb.agents.examples import LIBRARY, daily_equipment_check, make_registry
from fsmnb.errors import DefinitionError, SpecError

SPEC = {
    "name": "leak_check",
    "description": "Find and fix leaks in the hydraulic system",
    "domain": "maintenance",
    "states": [{"name": "inspect", "task": "inspect hoses"}, {"name": "fix", "task": "fix it"}],
}


def test_register_and_find_with_seed_metadata() -> None:
    registry = WorkflowRegistry()
    meta = registry.register(
        daily_equipment_check(), domain="equipment_maintenance", author="plant", version="2.0"
    )
    assert (meta.name, meta.kind, meta.version, meta.author) == (
        "daily_equipment_check", "python", "2.0", "plant",
    )  # fmt: skip
    assert meta.complexity_score == 5.0 and meta.usage_count == 0
    assert "sensors" in meta.tags and meta.created_at and meta.last_updated
    registry.register(SPEC)
    spec_meta = registry.find_by_name("leak_check")
    assert spec_meta.kind == "spec" and spec_meta.dependencies == ["agent"]
    assert [m.name for m in registry.find_by_domain("maintenance")] == ["leak_check"]
    assert [m.name for m in registry.list_all()] == ["daily_equipment_check", "leak_check"]
    assert registry.find_by_name("nope") is None and len(registry) == 2


def test_duplicates_update_and_remove() -> None:
    registry = WorkflowRegistry()
    registry.register(SPEC)
    with pytest.raises(DefinitionError, match="already registered"):
        registry.register(SPEC)
    updated = registry.update("leak_check", tags=["hydraulics"], version="1.1")
    assert (updated.tags, updated.version) == (["hydraulics"], "1.1")
    with pytest.raises(DefinitionError, match="not a metadata field"):
        registry.update("leak_check", usage=3)
    with pytest.raises(LookupError, match="No workflow `ghost`"):
        registry.update("ghost", version="2")
    assert registry.remove("leak_check") is True and registry.remove("leak_check") is False


def test_bad_specs_are_refused_with_every_field_named() -> None:
    with pytest.raises(SpecError) as err:
        WorkflowRegistry().register({"name": "Bad Name", "states": []})
    text = str(err.value)
    assert "`name`" in text and "`description`" in text and "`states`" in text


def test_record_run_keeps_the_track_record() -> None:
    registry = WorkflowRegistry()
    registry.register(SPEC)
    registry.record_run("leak_check", True, 2.0, "hose burst on press 4")
    registry.record_run("leak_check", False, 4.0)
    meta = registry.find_by_name("leak_check")
    assert (meta.usage_count, meta.successes, meta.success_rate) == (2, 1, 0.5)
    assert meta.avg_execution_time == pytest.approx(3.0)
    assert meta.examples == [{"problem": "hose burst on press 4", "ok": True}]


async def test_find_similar_ranks_and_explains() -> None:
    registry = make_registry()
    matches = await registry.find_similar("Check equipment health for Line 3", k=3)
    assert matches[0].name == "daily_equipment_check"
    assert matches[0].score > matches[1].score >= matches[2].score
    assert {"equipment", "health", "check"} <= set(matches[0].shared)
    assert matches[0].explain().startswith("daily_equipment_check: 0.")
    assert len(registry) == 1 + len(LIBRARY)
    assert await WorkflowRegistry().find_similar("anything") == []


async def test_examples_recorded_after_runs_improve_retrieval() -> None:
    registry = make_registry()
    problem = "The conveyor keeps jamming near the labeller"
    registry.record_run("predictive_maintenance", True, 1.0, problem)
    best = (await registry.find_similar(problem, k=1))[0]
    assert best.name == "predictive_maintenance" and "example: The conveyor" in best.matched


def test_spec_workflows_persist_and_load_in_a_new_process(tmp_path) -> None:
    path = tmp_path / "workflows.db"
    registry = make_registry(str(path))
    registry.record_run("shift_handover", True, 0.5, "notes for the night crew")
    registry.close()
    code = (
        "import json, warnings; warnings.simplefilter('ignore'); import fsmnb; "
        "from fsmnb.agents import WorkflowRegistry, Agent; "
        f"r = WorkflowRegistry({str(path)!r}); a = Agent('x', registry=r); "
        "res = a.solve_sync('Write the handover notes for the night shift'); "
        "m = r.find_by_name('shift_handover'); "
        "py = r.find_by_name('daily_equipment_check'); "
        "print(json.dumps([res.workflow, res.result.status, m.usage_count, m.examples[-2], py.kind, "
        "len(r.workflow('shift_handover').states)]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    workflow, status, usage, example, kind, states = json.loads(out.stdout.strip().splitlines()[-1])
    assert (workflow, status, usage, kind, states) == ("shift_handover", "done", 2, "python", 3)
    assert example == {"problem": "notes for the night crew", "ok": True}


def test_python_workflows_are_kept_by_reference() -> None:
    wf = Workflow("by_ref", register=False)
    wf.add_state("go", lambda ctx: "next", on={"next": "end"})
    wf.final("end")
    registry = WorkflowRegistry()
    registry.register(wf, description="a reference")
    assert registry.workflow("by_ref") is wf and registry.spec("by_ref") is None
    other = WorkflowRegistry()
    other.register(wf)
    other._live.clear()  # as in a process that never imported the defining module
    with pytest.raises(LookupError, match="Import the module that defines it"):
        other.workflow("by_ref")
    assert other.table().loc[0, "name"] == "by_ref"


async def test_the_score_is_the_weighted_sum_of_its_explained_parts() -> None:
    registry = make_registry()
    best = (await registry.find_similar("Check equipment health for Line 3", k=1))[0]
    fields = [f for f, _, _ in best.parts]
    assert fields == ["description", "tags", "example"]
    assert best.score == pytest.approx(sum(s * w for _, s, w in best.parts), abs=1e-3)
    assert sum(w for _, _, w in best.parts) == pytest.approx(1.0, abs=1e-3)  # rounded parts
    assert "×description" in best.explain() and "×example" in best.explain()


async def test_plan_offline_agrees_with_find_similar_and_creates_below_the_threshold() -> None:
    from fsmnb.agents import Agent

    registry = make_registry()
    agent = Agent("p", registry=registry, register=False)
    problem = "Get ready for the GMP audit next month"
    assert (await agent.plan(problem)).workflow == (await registry.find_similar(problem, 1))[0].name
    unrelated = await agent.plan("Translate the user manual into German")
    assert unrelated.workflow is None and "under" in unrelated.reason


async def test_default_hash_registry_scores_exactly_and_the_demo_agrees() -> None:
    from fsmnb.agents.solving import _offered
    from fsmnb.llm.embeddings import HashEmbedder
    from fsmnb.llm.ranking import create_new_threshold, rank_offline

    registry = make_registry()
    assert registry.exact and registry.create_new_below == create_new_threshold("hash")
    assert not WorkflowRegistry(embedder=HashEmbedder().with_idf(["a b"])).exact  # dense path
    found = await registry.find_similar("Plan the coffee break for the quiz night", k=10)
    assert min(m.score for m in found) == 0.0  # sharing nothing scores exactly 0
    problem = "Vibration of the gearbox keeps rising"
    every = await registry.find_similar(problem, k=len(registry))
    listed = _offered(tuple(every))
    for w, m in zip(listed, every, strict=True):  # every example, as the registry sees them
        w["examples"] = [e["problem"] for e in m.metadata.examples]
        del w["similarity"]
    assert rank_offline(problem, listed) == [(m.name, m.score) for m in every]


def test_a_spec_keeps_its_description() -> None:
    registry = WorkflowRegistry()
    assert registry.register(SPEC).description == SPEC["description"]
    assert registry.register(dict(SPEC, name="other"), description="mine").description == "mine"
    assert (
        LIBRARY[0]["spec"]["description"]
        == make_registry().metadata(LIBRARY[0]["spec"]["name"]).description
    )


class ConceptEmbedder:
    """A fake dense embedder: one dimension per concept, so words sharing no letters meet."""

    name = "fake:concepts"
    CONCEPTS = (
        {"hurt", "injury", "injured", "accident", "incident"},
        {"machine", "machines", "equipment", "kit", "health", "healthy"},
        {"electricity", "energy", "power", "bill", "kwh"},
        {"customer", "client", "complaint", "refund", "unhappy"},
    )

    async def embed(self, texts):
        vectors = []
        for text in texts:
            words = set(text.lower().replace(".", " ").replace("?", " ").split())
            vec = [float(len(words & c)) for c in self.CONCEPTS] + [0.3]
            norm = sum(v * v for v in vec) ** 0.5
            vectors.append([v / norm for v in vec])
        return vectors


async def test_a_dense_embedder_ranks_by_the_hybrid_and_explains_both_parts() -> None:
    from fsmnb.agents import Agent
    from fsmnb.llm.ranking import HYBRID_LEXICAL_WEIGHT, create_new_threshold

    registry = make_registry(embedder=ConceptEmbedder())
    assert registry.hybrid and not registry.exact
    assert registry.lexical_weight == HYBRID_LEXICAL_WEIGHT
    assert registry.create_new_below == create_new_threshold("fake:concepts", HYBRID_LEXICAL_WEIGHT)
    problem = "Someone got hurt at the press"  # no word of the safety workflow's description
    best = (await registry.find_similar(problem, k=1))[0]
    assert best.name == "safety_incident_report"
    (_, w_lex, lexical), (_, w_dense, dense) = best.mix
    assert w_lex == pytest.approx(HYBRID_LEXICAL_WEIGHT) and dense > lexical
    assert best.score == pytest.approx(w_lex * lexical + w_dense * dense, abs=1e-3)
    assert best.score == pytest.approx(sum(s * w for _, s, w in best.parts), abs=1e-3)
    assert "×lexical" in best.explain() and "×dense" in best.explain()
    agent = Agent("h", registry=registry, register=False)
    for text in (problem, "Get ready for the GMP audit next month", "Check equipment health"):
        top = (await registry.find_similar(text, k=1))[0]
        planned = (await agent.plan(text)).workflow
        assert planned == (top.name if top.score >= registry.create_new_below else None)


async def test_lexical_weight_zero_is_the_dense_cosine_alone_and_one_the_lexical() -> None:
    from fsmnb.llm.ranking import CREATE_NEW_THRESHOLDS

    dense = make_registry(embedder=ConceptEmbedder(), lexical_weight=0.0)
    assert not dense.hybrid and dense.create_new_below == 0.1  # the fallback, uncalibrated
    match = (await dense.find_similar("Someone got hurt at the press", k=1))[0]
    assert match.mix == () and "×lexical" not in match.explain()
    lexical = make_registry(embedder=ConceptEmbedder(), lexical_weight=1.0)
    exact = make_registry()
    problem = "Vibration of the gearbox keeps rising"
    got = await lexical.find_similar(problem, k=3)
    want = await exact.find_similar(problem, k=3)
    assert [m.name for m in got] == [m.name for m in want]
    assert make_registry().create_new_below == CREATE_NEW_THRESHOLDS["hash"]
