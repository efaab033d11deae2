"""The template library: one-line builds, validated configs, diagrams, offline runs on the demo."""

from __future__ import annotations

import pytest

from fsmnb import templates
from fsmnb.errors import DefinitionError
from fsmnb.llm.index import vector_index
from fsmnb.mcp.templates import TEMPLATES as MCP_TEMPLATES
from fsmnb.templates.customer_service import detect_language

REQUIRED = {"topic": "heat pumps in cold climates", "incident": "Line 3 power loss",
            "data_source": "reviews.csv", "question": "What is fsmnb?", "brief": "A memo"}  # fmt: skip


def _config(name: str) -> dict[str, str]:
    fields = templates.TEMPLATES[name].config.model_fields
    return {k: v for k, v in REQUIRED.items() if k in fields}


def test_every_seed_template_is_in_the_library_and_behind_mcp() -> None:
    assert set(templates.TEMPLATES) == {
        "customer_service", "research_pipeline", "crisis_response",
        "multi_agent_analysis", "rag_qa", "review_loop",
    }  # fmt: skip
    assert MCP_TEMPLATES is templates.TEMPLATES


@pytest.mark.parametrize("name", sorted(templates.TEMPLATES))
def test_each_builds_in_one_line_and_draws(name: str) -> None:
    wf = templates.build(name, **_config(name))
    mermaid = templates.diagram(name, **_config(name))

    assert wf.name == name and not wf.problems()
    assert mermaid.startswith("stateDiagram") and wf.initial in mermaid


def test_configs_are_validated_naming_every_offender() -> None:
    with pytest.raises(DefinitionError) as caught:
        templates.build("customer_service", reuse_threshold=3, colour="red")
    assert "`reuse_threshold`" in str(caught.value) and "`colour`" in str(caught.value)
    with pytest.raises(DefinitionError, match=r"`research_pipeline`.*`topic`"):
        templates.build("research_pipeline")
    with pytest.raises(DefinitionError, match="No template `nope`"):
        templates.build("nope")


def test_language_detection_votes_among_the_configured_languages() -> None:
    assert detect_language("Mi router no funciona con la fibra", ["en", "es", "fr"]) == "es"
    assert detect_language("Mon routeur ne marche pas avec la fibre", ["en", "es", "fr"]) == "fr"
    assert detect_language("My router is not working", ["en", "es"]) == "en"
    assert detect_language("???", ["de", "en"]) == "de"


async def test_a_second_similar_ticket_reuses_the_first_ones_resolution() -> None:
    wf = templates.build("customer_service", model="demo", knowledge_index="kb")
    first = wf.start(message="My router keeps dropping the wifi connection every evening")
    await first.wait(until_idle=True)
    assert first.state == "confirming" and first.data["precedent"] is None
    resolution = first.data["answer"]
    first.send("confirmed")
    await first.wait(until_idle=True)
    assert first.state == "done" and first.data["learned_as"]
    assert len(vector_index("kb")) == 1

    second = wf.start(message="the wifi connection of my router keeps dropping")
    await second.wait(until_idle=True)
    unrelated = wf.start(message="Please update the billing address on my invoice")
    await unrelated.wait(until_idle=True)

    assert second.state == "confirming"
    assert second.data["reused_from"] == first.data["learned_as"]
    assert second.data["answer"] == resolution
    assert unrelated.data["precedent"] is None and "reused_from" not in unrelated.data


async def test_a_person_resolves_an_escalated_ticket_and_it_is_learned() -> None:
    wf = templates.build("customer_service", model="demo", knowledge_index="kb2")
    run = wf.start(message="I will call my lawyer about this double charge")
    await run.wait(until_idle=True)
    assert run.state == "with_human" and run.data["handoff"]
    run.send("resolved", resolution="Refunded the duplicate charge")
    await run.wait(until_idle=True)

    again = wf.start(message="about this double charge, I will call my lawyer")
    await again.wait(until_idle=True)

    assert run.state == "done"
    assert again.data["answer"] == "Refunded the duplicate charge"


async def test_a_too_short_ticket_asks_for_detail_first() -> None:
    run = templates.build("customer_service", model="demo").start(message="help")
    await run.wait(until_idle=True)
    assert run.state == "clarifying"
    run.send("user_message", message="my invoice shows the wrong billing amount")
    await run.wait(until_idle=True)
    assert run.state == "confirming" and "invoice" in run.data["message"]


async def test_research_pipeline_runs_offline_on_the_demo() -> None:
    wf = templates.build("research_pipeline", topic="heat pumps", model="demo", max_revisions=0)
    result = await wf.run()

    assert result.state in ("published", "unapproved")
    assert {"plan", "findings", "synthesis", "review"} <= set(result.data)


async def test_crisis_response_waits_for_approval_then_resolution() -> None:
    wf = templates.build("crisis_response", incident="critical fire in the main warehouse",
                         model="demo", mobilize_from="low")  # fmt: skip
    run = wf.start()
    await run.wait(until_idle=True)
    assert run.state == "awaiting_approval" and run.data["mobilized"] == 1
    run.send("approve")
    await run.wait(until_idle=True)
    run.send("resolved")
    await run.wait(until_idle=True)
    assert run.state == "closed" and run.data["postmortem"]


async def test_customer_service_journals_in_a_durable_store(tmp_path: object) -> None:
    from pathlib import Path

    from fsmnb.engine.sqlite_store import SqliteStore

    store = SqliteStore(str(Path(str(tmp_path)) / "runs.db"))
    wf = templates.build("customer_service", model="demo", knowledge_index="kb3")
    run = wf.start(message="My printer driver crashes on every print job", store=store)
    await run.wait(until_idle=True)
    run.send("confirmed")
    await run.wait(until_idle=True)

    assert run.state == "done" and run.data["learned_as"]
    assert len(vector_index("kb3")) == 1
