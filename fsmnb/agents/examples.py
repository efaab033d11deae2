"""Seed 003's manufacturing examples: a workflow library, the batch-failure actions, the crisis team.

Used by `notebooks/07_agents.ipynb`, the agents' tests and `bench/agents_bench.py`:

- `daily_equipment_check()`: use case 1's linear workflow, defined in Python.
- `LIBRARY`: nine more workflows as specs (agent sub-tasks), each with seed 003's metadata.
- `make_registry(path=None)`: a registry holding all ten.
- `install_batch_actions()`: use case 2's registered actions (contamination, power,
  and a correlation that branches on ``common_cause`` / ``independent``).
- `BATCH_B2847`: sample readings where contamination follows power dips.
- `crisis_team(registry)`: use case 3's coordinator and three specialists.

Nothing here runs at import: actions are registered and workflows built on call.
"""

from __future__ import annotations

import re
from typing import Any

from fsmnb.agents.actions import register_action
from fsmnb.agents.agent import Agent
from fsmnb.agents.registry import WorkflowRegistry
from fsmnb.workflow.workflow import Workflow

__all__ = (
    "BATCH_B2847",
    "LIBRARY",
    "crisis_team",
    "daily_equipment_check",
    "install_batch_actions",
    "make_registry",
)


def daily_equipment_check() -> Workflow:
    """Use case 1: sensors → calibration → diagnostics → report, for the line named in the problem."""
    wf = Workflow(
        "daily_equipment_check",
        description="Daily health check of a production line's equipment: read the sensors, "
        "verify calibration, run diagnostics and write a health report.",
        tags=[
            "equipment",
            "health",
            "sensors",
            "calibration",
            "diagnostics",
            "inspection",
            "machines",
            "machinery",
            "instruments",
            "gauges",
            "readings",
            "condition",
            "status",
            "startup",
            "walkthrough",
        ],
        register=False,
    )

    @wf.state(initial=True, on={"next": "verify_calibration"})
    def check_sensors(ctx: Any) -> str:
        """Read the line's sensors."""
        found = re.search(r"line\s*(\d+)", str(ctx.data.get("problem", "")), re.I)
        line = ctx.data.setdefault("equipment_id", f"Line{found.group(1) if found else 1}")
        n = int(re.sub(r"\D", "", line) or 1)
        ctx.data["sensors"] = {"vibration_mm_s": 2.0 + n * 0.9, "temperature_c": 60 + n * 3}
        return "next"

    @wf.state(on={"next": "run_diagnostics"})
    def verify_calibration(ctx: Any) -> str:
        """Compare the sensors with their calibration limits."""
        s = ctx.data["sensors"]
        ctx.data["calibrated"] = s["vibration_mm_s"] < 7.1 and s["temperature_c"] < 80
        return "next"

    @wf.state(on={"next": "generate_report"})
    def run_diagnostics(ctx: Any) -> str:
        """Flag readings close to their limits."""
        s = ctx.data["sensors"]
        ctx.data["warnings"] = [k for k, v in s.items() if v > {"vibration_mm_s": 4.5}.get(k, 75)]
        return "next"

    @wf.state(on={"next": "complete"})
    def generate_report(ctx: Any) -> str:
        """Write the health report."""
        d = ctx.data
        status = "healthy" if d["calibrated"] and not d["warnings"] else "needs attention"
        d["answer"] = {"equipment": d["equipment_id"], "status": status, "warnings": d["warnings"]}
        return "next"

    wf.final("complete")
    return wf


def _spec(
    name: str, domain: str, description: str, tags: str, steps: str, examples: str
) -> dict[str, Any]:
    states = [
        {
            "name": s.strip().replace(" ", "_"),
            "action": "agent",
            "task": f"{s.strip()} for: {{problem}}",
        }
        for s in steps.split(",")
    ]
    return {
        "spec": {"name": name, "description": description, "domain": domain, "states": states},
        "tags": tags.split(),
        "examples": [e.strip() for e in examples.split(";")],
    }


LIBRARY: list[dict[str, Any]] = [
    _spec("standard_batch_analysis", "pharmaceutical",
          "Standard investigation of a failed production batch: batch records, lab results, "
          "deviations and the release decision.",
          "batch failure quality lab deviation release records lot rejected oos specification "
          "qc qa assay potency impurity hold quarantine investigation cause",
          "collect batch records, review lab results, list deviations, decide release",
          "Batch 1142 failed its assay, investigate; Why was lot 77 rejected by QC?"),
    _spec("contamination_check", "quality_assurance",
          "Check a batch, a room or a surface for microbial or particle contamination: swab, "
          "culture, count colonies and compare with the limits.",
          "contamination microbial particles cleanroom swab sterility mold bacteria germs microbes "
          "colonies plates aseptic hygiene environmental monitoring isolator fungus growth",
          "take swabs, culture samples, count colonies, compare with limits",
          "Test the filling room for bacteria; Is the cleanroom sterile after the leak?"),
    _spec("supplier_delay_response", "supply_chain",
          "Respond to a supplier delay or a raw material shortage: check inventory, find "
          "alternate suppliers and reschedule production.",
          "supplier shortage inventory logistics delivery material stock shipment vendor provider "
          "late delayed port customs carrier procurement source alternative outage",
          "check inventory, find alternate suppliers, reschedule production",
          "Our resin supplier will ship two weeks late; We are running out of packaging film"),
    _spec("predictive_maintenance", "maintenance",
          "Predict machine failures from vibration, temperature and runtime trends and schedule "
          "maintenance before a breakdown.",
          "vibration temperature bearing wear forecast breakdown schedule motor gearbox noise "
          "failure repair overheating hotter trips degradation pump predict servicing life",
          "collect trends, forecast failures, schedule maintenance",
          "When will the press bearings wear out?; Plan servicing before the motor breaks down"),
    _spec("energy_usage_audit", "facilities",
          "Audit electricity and energy consumption of the plant: find waste, power factor "
          "problems and peak demand charges.",
          "energy electricity power consumption kwh peak demand utility bill invoice meter kw "
          "reactive penalty savings lights heating cost",
          "read meters, find waste, check power factor, report savings",
          "Why did the utility bill jump this month?; Cut the kWh used by the compressors"),
    _spec("safety_incident_report", "safety",
          "Report and investigate a workplace safety incident or injury: secure the area, "
          "interview witnesses, find the root cause and set corrective actions.",
          "safety incident injury accident hazard near-miss worker osha hurt injured burn fall "
          "hospital first aid close call ladder forklift",
          "secure area, interview witnesses, find root cause, set corrective actions",
          "A worker was injured by the conveyor; Document the forklift near-miss"),
    _spec("customer_complaint_triage", "customer_service",
          "Triage a customer complaint about a product: classify it, check the order history, "
          "decide on a refund or replacement and reply.",
          "customer complaint refund replacement return order reply client buyer unhappy angry "
          "damaged broken wrong money back review pharmacy",
          "classify complaint, check order history, decide remedy, reply",
          "A client says the tablets arrived crushed; Handle the refund request for order 5521"),
    _spec("shift_handover", "operations",
          "Prepare the shift handover: summarize production counts, open issues and alarms "
          "for the next shift's operators.",
          "shift handover production counts alarms operators summary crew night team incoming "
          "relief supervisor status rundown take over pending",
          "collect counts, list open issues, summarize alarms",
          "Write the handover notes for the night shift; What should the morning crew know?"),
    _spec("gmp_audit_preparation", "regulatory",
          "Prepare for a regulatory GMP audit or inspection: gather SOPs, training records and "
          "CAPAs, and run a mock inspection.",
          "audit gmp fda regulatory sop compliance inspection capa inspectors authorities regulator "
          "authority visit training procedures mock",
          "gather sops, check training records, review capas, run mock inspection",
          "The FDA inspectors arrive next week; Get our SOPs ready for the compliance review"),
]  # fmt: skip


def make_registry(
    path: str | None = None, *, embedder: Any = None, **options: Any
) -> WorkflowRegistry:
    """A registry with `daily_equipment_check` and the `LIBRARY` (skips names already there);
    `options` go to `WorkflowRegistry` (``create_new_below``, ``lexical_weight``)."""
    registry = WorkflowRegistry(path, embedder=embedder, **options)
    if "daily_equipment_check" not in registry:
        registry.register(
            daily_equipment_check(),
            domain="equipment_maintenance",
            author="plant engineering",
            examples=["Run the morning inspection of the machines on Line 1"],
        )
    for entry in LIBRARY:
        if entry["spec"]["name"] not in registry:
            registry.register(entry["spec"], tags=entry["tags"], examples=entry["examples"],
                              author="plant engineering")  # fmt: skip
    return registry


#: Use case 2's readings: minutes since batch start.
BATCH_B2847: dict[str, Any] = {
    "contamination": [{"minute": 40, "cfu": 3}, {"minute": 95, "cfu": 48}, {"minute": 150, "cfu": 61}],
    "power": [{"minute": 88, "volts": 198}, {"minute": 141, "volts": 201}],
}  # fmt: skip


def install_batch_actions() -> tuple[str, ...]:
    """Register use case 2's actions; returns their names."""

    @register_action(description="Analyze contamination readings of a batch (colony counts)")
    def analyze_contamination(ctx: Any, limit_cfu: int = 10) -> dict[str, Any]:
        high = [r for r in ctx.data.get("contamination", []) if r["cfu"] > limit_cfu]
        return {"over_limit": len(high), "minutes": [r["minute"] for r in high]}

    @register_action(
        description="Analyze power fluctuations and electrical anomalies (voltage dips)"
    )
    def analyze_power(ctx: Any, nominal_volts: int = 230) -> dict[str, Any]:
        dips = [r for r in ctx.data.get("power", []) if r["volts"] < nominal_volts * 0.9]
        return {"dips": len(dips), "minutes": [r["minute"] for r in dips]}

    @register_action(
        description="Decide whether the contamination and power anomalies share a root cause",
        events=("common_cause", "independent"),
    )
    def correlate_findings(ctx: Any, window: int = 15) -> str:
        results = ctx.data.get("results", {})
        spikes = results.get("analyze_contamination", {}).get("minutes", [])
        dips = results.get("analyze_power", {}).get("minutes", [])
        follows = any(0 <= s - d <= window for s in spikes for d in dips)
        return "common_cause" if follows else "independent"

    return ("analyze_contamination", "analyze_power", "correlate_findings")


def crisis_team(registry: WorkflowRegistry, model: str | None = None) -> tuple[Agent, ...]:
    """Use case 3: a coordinator and quality, maintenance and supply-chain specialists."""

    def make(name: str, role: str, skills: str) -> Agent:
        return Agent(name, model=model, registry=registry, system=role,
                     capabilities=skills.split(), register=False)  # fmt: skip

    return (
        make("crisis_coordinator", "You coordinate the plant's crisis response.", "coordination"),
        make("quality_specialist", "You are a quality assurance specialist.",
             "quality contamination inspection defects batch"),
        make("maintenance_specialist", "You are a maintenance specialist.",
             "equipment maintenance repair machine down failure line"),
        make("supply_chain_specialist", "You are a supply chain specialist.",
             "supply chain logistics inventory suppliers impact delivery"),
    )  # fmt: skip
