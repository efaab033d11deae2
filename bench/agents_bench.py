"""Agents: solve latency of the arithmetic base case, and workflow retrieval accuracy.

    .venv/bin/python bench/agents_bench.py                 # hash embedder (+ local if installed)
    .venv/bin/python bench/agents_bench.py --embedder hash

1. ``agent.solve("What is 47 + 89?")`` — the seed's use case 0: no model call,
   target ≤ 1 ms (DESIGN.md). Median and p99 over many warm calls.
2. Retrieval: 50 labelled problem statements over the 10 workflows of
   `fsmnb.agents.examples` (none of them is one of the registry's examples);
   top-1 accuracy of `registry.find_similar(problem, k=1)` per embedder, and of
   the whole `agent.plan` (registry shortlist, then the offline demo model's
   selection). Seed 003's bar: 95% correct selection.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import statistics
import time
import warnings

warnings.simplefilter("ignore")

from fsmnb.agents import Agent  # noqa: E402
from fsmnb.agents.examples import make_registry  # noqa: E402

LABELLED: dict[str, list[str]] = {
    "daily_equipment_check": [
        "Check equipment health for Line 3",
        "Are all machines on Line 2 working properly this morning?",
        "Run the routine sensor and calibration check on the packaging line",
        "Do the daily diagnostics of the equipment in hall B",
        "Give me today's equipment health report for Line 5",
    ],
    "standard_batch_analysis": [
        "Batch 2291 failed release testing, find out why",
        "Investigate the failed tablet batch and decide whether it can be released",
        "Review the batch records and lab results for lot 8812",
        "The assay of batch 4410 is out of specification",
        "Analyze why production batch 17 was rejected",
    ],
    "contamination_check": [
        "Swab the filling line for microbial contamination",
        "Check the cleanroom for particles after the HVAC repair",
        "Is there bacterial growth on the mixing vessel?",
        "Test the water system for contamination",
        "We found mold near the sterile area, check it",
    ],
    "supplier_delay_response": [
        "Our API supplier cannot deliver this month",
        "The shipment of glass vials is stuck in customs, what do we do?",
        "We are short of raw material for next week's production",
        "Find an alternate supplier for the delayed packaging material",
        "Inventory of caps will run out before the delivery arrives",
    ],
    "predictive_maintenance": [
        "The bearing vibration on press 2 keeps rising",
        "Forecast when the extruder motor will fail",
        "Schedule maintenance before the compressor breaks down",
        "Temperature trend of the gearbox looks abnormal, plan servicing",
        "Predict wear on the conveyor rollers",
    ],
    "energy_usage_audit": [
        "Electricity costs doubled, audit our energy consumption",
        "Find where the plant wastes power at night",
        "Our peak demand charges are too high",
        "Review the kWh usage of the HVAC and chillers",
        "Check the power factor of the main switchboard",
    ],
    "safety_incident_report": [
        "An operator cut his hand on the slitter",
        "Report the chemical spill in the warehouse",
        "Investigate the near-miss with the forklift this morning",
        "Someone slipped on the wet floor near line 1 and was injured",
        "Write up the accident at the loading dock",
    ],
    "customer_complaint_triage": [
        "A customer received damaged bottles and wants a refund",
        "Handle the complaint about missing tablets in the blister",
        "Client says the product tastes wrong, respond to them",
        "Process the return request for order 3310",
        "A pharmacy complained about late and broken deliveries",
    ],
    "shift_handover": [
        "Prepare the notes for the next shift",
        "Summarize today's production counts and open alarms for the night crew",
        "What happened on the early shift that the late shift must know?",
        "Create the end-of-shift summary for the operators",
        "Hand over the open issues to the weekend shift",
    ],
    "gmp_audit_preparation": [
        "The regulator's inspection is scheduled for Monday",
        "Get ready for the GMP audit next month",
        "Check that our SOPs and training records are complete for the FDA",
        "Run a mock inspection before the compliance audit",
        "Review open CAPAs ahead of the regulatory visit",
    ],
}


async def solve_latency(n: int = 2000) -> dict[str, float]:
    agent = Agent("bench", register=False)
    for _ in range(50):
        await agent.solve("What is 47 + 89?")
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        solution = await agent.solve("What is 47 + 89?")
        times.append(time.perf_counter() - t0)
    assert solution.answer == 136 and solution.spent["model_calls"] == 0
    times.sort()
    return {"median_us": statistics.median(times) * 1e6, "p99_us": times[int(n * 0.99)] * 1e6}


async def retrieval(embedder: str) -> tuple[float, float, list[str]]:
    registry = make_registry(embedder=embedder)
    agent = Agent("bench", registry=registry, register=False)
    total, search_ok, plan_ok, misses = 0, 0, 0, []
    for expected, problems in LABELLED.items():
        for problem in problems:
            total += 1
            best = (await registry.find_similar(problem, k=1))[0]
            search_ok += best.name == expected
            planned = (await agent.plan(problem)).workflow
            plan_ok += planned == expected
            if best.name != expected:
                misses.append(
                    f"  search: {problem!r}: got {best.name} ({best.score:.3f}), want {expected}"
                )
            if planned != expected:
                misses.append(f"  plan:   {problem!r}: got {planned}, want {expected}")
    return search_ok / total, plan_ok / total, misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", action="append", help="hash, local, openai:... (repeatable)")
    args = parser.parse_args()
    embedders = args.embedder or ["hash"]
    if args.embedder is None and importlib.util.find_spec("sentence_transformers"):
        embedders.append("local")
    lat = asyncio.run(solve_latency())
    print(f"solve('What is 47 + 89?'): median {lat['median_us']:.1f} µs, p99 {lat['p99_us']:.1f} µs "
          f"(target ≤ 1000 µs, no model call)")  # fmt: skip
    n = sum(map(len, LABELLED.values()))
    print(f"retrieval: {n} labelled problems over {len(LABELLED)} workflows (seed bar: 95%)")
    for name in embedders:
        t0 = time.perf_counter()
        search, plan, misses = asyncio.run(retrieval(name))
        print(f"  {name:>6}: find_similar top-1 {search:.0%}, agent.plan (demo model) {plan:.0%} "
              f"[{time.perf_counter() - t0:.1f}s]")  # fmt: skip
        for line in misses:
            print(line)


if __name__ == "__main__":
    main()
