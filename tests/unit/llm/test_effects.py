"""The AI effects inside workflows: call_llm (text and schema), embed_text, vector_search, rag_pipeline."""

from __future__ import annotations

import json

from fsmnb import Workflow, llm
from fsmnb.effects import call_llm, embed_text, rag_pipeline, vector_search
from fsmnb.engine import TelemetryEvent
from fsmnb.llm.schemas import Solution


def _one_state(action) -> Workflow:  # type: ignore[no-untyped-def]
    wf = Workflow("llm_test", register=False)
    wf.add_state("work", action, initial=True, on={"done": "end"})
    wf.final("end")
    return wf


async def test_call_llm_result_history_cost_and_telemetry() -> None:
    llm.set_price("scripted:priced", input=2.0, output=4.0)
    llm.scripted(["the answer is forty two"], name="priced")

    async def work(ctx):  # type: ignore[no-untyped-def]
        ctx.data["reply"] = await ctx.run(
            call_llm("What is 6 * 7, in words?", model="scripted:priced")
        )
        return "done"

    run = _one_state(work).start()
    seen: list[TelemetryEvent] = []
    run.subscribe(seen.append)
    await run

    reply = run.data["reply"]
    assert reply == "the answer is forty two"
    expected = (reply.usage.input_tokens * 2.0 + reply.usage.output_tokens * 4.0) / 1e6
    assert llm.cost_of(run) == expected > 0
    assert [c.model for c in llm.calls_of(run)] == ["scripted:priced"]
    detail = run.history.query("kind == 'effect'")["detail"].iloc[0]
    assert "scripted:priced" in detail and "tok" in detail and "$" in detail
    deltas = [e.data["delta"] for e in seen if e.kind == "llm_token"]
    assert "".join(deltas) == "the answer is forty two"
    assert {e.run_id for e in seen if e.kind.startswith("llm_")} == {run.id}
    (call,) = [e for e in seen if e.kind == "llm_call"]
    assert call.data["cost"] == expected


async def test_call_llm_with_a_schema_returns_the_validated_object() -> None:
    llm.scripted(["oops", json.dumps({"answer": "42", "confidence": 1.0})])

    async def work(ctx):  # type: ignore[no-untyped-def]
        ctx.data["solution"] = await ctx.run(call_llm("6*7?", model="scripted", schema=Solution))
        return "done"

    run = _one_state(work).start()
    await run
    assert run.data["solution"] == Solution(answer="42", confidence=1.0)
    assert len(llm.calls_of(run)) == 2


async def test_call_llm_with_a_template() -> None:
    async def work(ctx):  # type: ignore[no-untyped-def]
        ctx.data["pick"] = await ctx.run(
            call_llm(
                template="workflow_selection",
                data={
                    "problem": "check pump health",
                    "workflows": [{"name": "pump_health", "description": "pump health check"}],
                },
            )
        )
        return "done"

    run = _one_state(work).start()
    await run
    assert run.data["pick"].selected_workflow == "pump_health"


async def test_cached_calls_are_free_and_marked() -> None:
    script = llm.scripted(["fresh", "never used"])
    first = await llm.complete("same", model="scripted", cache=True)
    second = await llm.complete("same", model="scripted", cache=True)
    assert first == second == "fresh" and second.cached and not first.cached and second.cost == 0.0
    assert len(script.requests) == 1


async def test_on_disk_cache_survives_a_new_cache_object(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "replies.sqlite"
    llm.response_cache(llm.ResponseCache(path))
    llm.scripted(["stored"])
    await llm.complete("q", model="scripted", cache=True)
    llm.response_cache(llm.ResponseCache(path))
    assert (await llm.complete("q", model="scripted", cache=True)).cached


async def test_embed_search_and_rag_effects() -> None:
    index = llm.vector_index("manuals_test")
    await index.add(
        [
            "The pump P-3 needs oil every 500 hours.",
            "The conveyor belt runs at 2 m/s.",
            "Calibrate the pressure sensor monthly.",
        ],
        metadata=[{"area": "pumps"}, {"area": "belts"}, {"area": "sensors"}],
    )

    async def work(ctx):  # type: ignore[no-untyped-def]
        ctx.data["vec"] = await ctx.run(embed_text("pump oil"))
        ctx.data["many"] = await ctx.run(embed_text(["a", "b"]))
        ctx.data["hits"] = await ctx.run(
            vector_search("how often to oil the pump", index="manuals_test", k=2)
        )
        ctx.data["filtered"] = await ctx.run(
            vector_search("pump", index="manuals_test", filters={"area": "belts"})
        )
        ctx.data["rag"] = await ctx.run(
            rag_pipeline(
                "How often does the pump need oil?", index="manuals_test", k=2, rerank=True
            )
        )
        return "done"

    run = _one_state(work).start()
    await run
    data = run.data
    assert len(data["vec"]) == 1024 and len(data["many"]) == 2
    assert data["hits"][0].id == "doc-0" and data["hits"][0].score > data["hits"][1].score
    assert [h.id for h in data["filtered"]] == ["doc-1"]
    assert data["rag"]["answer"].startswith("The pump P-3 needs oil every 500 hours.")
    assert data["rag"]["hits"][0].id == "doc-0"
