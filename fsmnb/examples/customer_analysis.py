"""Seed 000's `CustomerAnalysisWorkflow`: set up, analyze with several agents, synthesize, review."""

from __future__ import annotations

from typing import Any

from fsmnb.effects import call, call_llm, parallel, put_data, retry, timeout, with_compensation
from fsmnb.workflow import Workflow

ANALYSTS = (
    (
        "sentiment_analyst",
        "Sentiment analysis specialist",
        "Analyze emotional tone of customer feedback",
    ),
    ("theme_extractor", "Theme identification expert", "Extract key themes and topics"),
    ("trend_analyzer", "Trend analysis specialist", "Identify patterns and trends over time"),
)


def validate_connection(source: str) -> bool:
    """Pretend to check that the data source answers (it must be named)."""
    if not source:
        raise ConnectionError("no data source configured")
    return True


def customer_analysis(*, model: str | None = None) -> Workflow:
    """Build the workflow; `model` is any model string (the offline `demo` by default)."""
    wf = Workflow(
        "customer_analysis",
        description="Multi-agent analysis of customer feedback into an executive summary.",
        tags=("analysis", "customers", "multi-agent", "feedback"),
    )

    @wf.state(initial=True, on={"data_ready": "analyzing"})
    def initializing(ctx: Any) -> Any:
        """Validate the data source and plan the analysis."""
        yield call(validate_connection, ctx.data["data_source"])
        plan = yield call_llm(
            f"Analyze data schema: {ctx.data.get('schema', 'feedback(text, date)')}", model=model
        )
        yield put_data("analysis_plan", plan)
        return "data_ready"

    @wf.state(on={"analysis_complete": "synthesizing"})
    def analyzing(ctx: Any) -> Any:
        """Run the three analysts in parallel, with retry, timeout and compensation."""
        agents = parallel(
            *[
                call_llm(
                    f"{task}. Feedback: {ctx.data.get('feedback', [])}", system=role, model=model
                )
                for _, role, task in ANALYSTS
            ]
        )
        results = yield with_compensation(
            timeout(retry(agents, attempts=3, backoff="exponential", base=0.01), 300),
            put_data("analysis_failed", True),
        )
        ctx.data["agent_results"] = [str(r) for r in results]
        return "analysis_complete"

    @wf.state(on={"report_ready": "completed"})
    def synthesizing(ctx: Any) -> Any:
        """Combine the agents' results, then review the report's quality."""
        results = ctx.data["agent_results"]
        report = yield call_llm(
            "Write an executive summary of these analyses:\n" + "\n".join(map(str, results)),
            model=model,
            max_tokens=4000,
        )
        review = yield call_llm(f"Review report quality: {report}", model=model)
        yield put_data("report", report)
        yield put_data("review", review)
        return "report_ready"

    @wf.on_enter("analyzing")
    def announce_analysis(ctx: Any) -> None:
        ctx.log(f"analysis started with {len(ANALYSTS)} agents")

    @wf.on_enter("synthesizing")
    def announce_synthesis(ctx: Any) -> None:
        ctx.log(f"synthesis started with {len(ctx.data['agent_results'])} insights")

    wf.final("completed")
    return wf
