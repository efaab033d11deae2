"""Seed 000's `ExistingSmartDoor`: an event-driven machine that later gained an AI state."""

from __future__ import annotations

from typing import Any

from fsmnb.effects import Effect, call_llm, emit, put_data, sequence
from fsmnb.workflow import Workflow


def smart_door(*, model: str | None = None) -> Workflow:
    """A door: `closed --open_command--> opening --opened--> open --close_command--> closed`.

    `open --monitor--> ai_monitoring` asks a model about the usage log and raises
    `anomaly_detected` (→ `alert`) when the reply mentions an anomaly, else `normal` (→ `open`).
    """
    wf = Workflow(
        "smart_door",
        description="A smart door that opens on command and watches its usage with a model.",
        tags=("iot", "door", "monitoring"),
    )
    wf.add_state("closed", initial=True, on={"open_command": "opening", "retire": "retired"})

    @wf.state(on={"opened": "open"})
    def opening(ctx: Any) -> str:
        """Drive the motor until the door is open."""
        ctx.data["openings"] = ctx.data.get("openings", 0) + 1
        return "opened"

    wf.add_state("open", on={"close_command": "closed", "monitor": "ai_monitoring"})

    @wf.state(on={"anomaly_detected": "alert", "normal": "open"})
    async def ai_monitoring(ctx: Any) -> Effect:
        """Ask a model whether the usage log looks abnormal."""
        reply = await ctx.run(
            call_llm(
                f"Analyze door usage pattern: {ctx.data.get('usage_log', [])}. "
                "Answer 'anomaly' or 'normal'.",
                model=model,
            )
        )
        verdict = "anomaly_detected" if "anomal" in str(reply).lower() else "normal"
        return sequence(put_data("last_verdict", str(reply)), emit(verdict))

    wf.add_state("alert", on={"acknowledge": "open"})
    wf.final("retired")

    @wf.on_enter("opening")
    def log_opening(ctx: Any) -> None:
        ctx.log(f"door opening (#{ctx.data.get('openings', 0) + 1})")

    return wf
