"""A labelled workflow-selection set (issue 12), written before any tuning, split before tuning.

160 problems over the ten workflows of `fsmnb.agents.examples` plus problems that no
workflow fits. Kinds:

- ``paraphrase``: the task in other words (few or no words shared with the workflow);
- ``indirect``: a situation described, the task never named;
- ``typo``: as typed in a hurry (misspellings, no capitals, abbreviations);
- ``out_of_scope``: unrelated to every workflow: the right plan is to create a new one;
- ``near_miss``: uses a workflow's nouns for a *different* task: also create a new one.

`split()` puts alternate problems of each (workflow, kind) group in the tuning and the
held-out half. The split was fixed (and committed) before anything was tuned on it; only
the tuning half may be looked at while tuning (`bench/agents_bench.py --set issue12 --misses`).
"""

from __future__ import annotations

Case = tuple[str, str | None, str]  # (problem, expected workflow or None: create new, kind)

_IN_SCOPE: dict[str, dict[str, list[str]]] = {
    "daily_equipment_check": {
        "paraphrase": [
            "Inspect every machine on the assembly line and tell me if anything is off",
            "I need the morning condition report of our production machinery",
            "Confirm the gauges on line 7 are still accurate and the machines behave",
            "Go over the plant's instruments and give a status summary for today",
        ],
        "indirect": [
            "Before the 6 am start, I want to know nothing on the filling line is misbehaving",
            "Operators say the readouts on line 2 look strange, make sure the kit is fine",
            "It's Monday morning and line 4 hasn't been looked at since Friday",
            "Supervisor wants a go/no-go on the machines before production starts",
        ],
        "typo": [
            "chek equipmnt health line 3 pls",
            "daily machine chek for packging line",
            "are the sensers on line 5 calibratd?",
            "equipmnet status reprot for hall b",
        ],
    },
    "standard_batch_analysis": {
        "paraphrase": [
            "Lot 6620 was rejected at final release, work out the cause",
            "Quality control turned down our latest run of capsules; what happened?",
            "Examine the manufacturing record of lot 14 that failed its specification",
            "The potency result for lot 339 is below the limit, investigate before release",
        ],
        "indirect": [
            "QC put lot 7781 on hold and the warehouse wants to know if they can ship it",
            "The hardness of the tablets from yesterday's run was out of range in the lab",
            "Lab results for lot 45 came back OOS and the QP has to sign tomorrow",
            "Our stability sample from lot 902 showed impurities above the limit",
        ],
        "typo": [
            "bacth 2291 faild release, why",
            "investgate failed lot 8812 pls",
            "batch 17 rejectd by qa - root cuase?",
            "lot 5531 out of spec assay investgation",
        ],
    },
    "contamination_check": {
        "paraphrase": [
            "Look for germs on the surfaces of the sterile suite",
            "Find out whether the purified water loop is infected with microbes",
            "Take samples from the vessel and see if anything grows on the plates",
            "Determine if the aseptic area has too many airborne particles",
        ],
        "indirect": [
            "After the roof leak above the clean area, people worry about what might be growing",
            "Settle plates in grade A showed colonies this morning",
            "There is a strange black spot on the wall of the filling room",
            "The isolator glove had a pinhole during the aseptic run",
        ],
        "typo": [
            "swab filing line for contamnation",
            "microbial contaimnation check mixing tank",
            "partcle count cleanrom high",
            "chek for bacteira in water system",
        ],
    },
    "supplier_delay_response": {
        "paraphrase": [
            "The vendor says our order of bottles will arrive a month later than promised",
            "We lack enough starch to keep producing past Wednesday",
            "Look for another source because our usual provider of foil cannot deliver",
            "Our raw material deliveries are behind schedule, adjust the plan",
        ],
        "indirect": [
            "The container with our excipients is held at the port",
            "Only two days of gelatin left and nothing on the way",
            "The factory that makes our caps had a fire last night",
            "The carrier just cancelled the pickup of our active ingredient",
        ],
        "typo": [
            "supplir delay on vials what do we do",
            "shortage of raw materal next week",
            "shipmnet of labels stuck in custms",
            "vendor cant delivr API this month",
        ],
    },
    "predictive_maintenance": {
        "paraphrase": [
            "Estimate how long the gear drive can run before it needs repair",
            "Plan the service of the blower ahead of an expected failure",
            "Anticipate which pump is about to give up, from its sensor history",
            "Work out when the chain on the conveyor should be swapped",
        ],
        "indirect": [
            "The mixer gearbox has been getting hotter every week",
            "Press 4 started making a grinding noise and shakes more than last month",
            "The chiller compressor trips more often lately",
            "The spindle of the lathe runs warmer than its twin",
        ],
        "typo": [
            "vibraton on press 2 increasing, predict failur",
            "when will the extrudr motor brake down",
            "schedul maintanence before compresor fails",
            "bearing wear forcast conveyer",
        ],
    },
    "energy_usage_audit": {
        "paraphrase": [
            "Work out why the plant uses so much electricity",
            "Investigate our power consumption and find where we can save",
            "Look into the demand peaks that inflate our electricity invoice",
            "Measure how much the chillers and air handlers draw",
        ],
        "indirect": [
            "The grid operator charged us a penalty for the reactive power",
            "Lights and compressors stay on all weekend with nobody there",
            "Finance asks why the utility invoice went up 40% this quarter",
            "The meters show the plant drawing 300 kW at 3 am",
        ],
        "typo": [
            "electrcity costs doubled audit energy",
            "kwh usage hvac chilers review",
            "peak demnad charges too high",
            "energy consumtion audit plant",
        ],
    },
    "safety_incident_report": {
        "paraphrase": [
            "A technician burned his arm on a hot pipe, document it",
            "Record the close call with the crane this afternoon",
            "Write the investigation report for the worker who was hurt in the warehouse",
            "File the report on the acid splash in the lab",
        ],
        "indirect": [
            "An operator was taken to hospital after his glove got caught in the roller",
            "A box fell off the top shelf and just missed a packer",
            "Someone tripped over a hose in the corridor and twisted an ankle",
            "A pallet truck hit a colleague's foot at the dock",
        ],
        "typo": [
            "operater cut hand on slitter report",
            "chemcal spill in warehouse incidnet",
            "near mis with forklfit this morning",
            "worker injurd fell off ladder",
        ],
    },
    "customer_complaint_triage": {
        "paraphrase": [
            "A buyer is unhappy with the broken packs and asks for their money back",
            "Respond to the pharmacy that got the wrong quantity in its parcel",
            "Deal with the client who wants to send back the order",
            "A patient reports the syrup smells off, handle it",
        ],
        "indirect": [
            "A wholesaler emailed photos of crushed cartons from our last delivery",
            "The hospital pharmacist is on the phone, furious about the missing boxes",
            "Someone left a one-star review saying the capsules were empty",
            "A clinic says the labels on the vials we sent are unreadable",
        ],
        "typo": [
            "custmer wants refund damagd bottles",
            "complant about missing tabs in blistr",
            "retrun request order 3310",
            "client unhapy product tastes wrong",
        ],
    },
    "shift_handover": {
        "paraphrase": [
            "Write up what the next crew needs to know when they take over",
            "Summarize the output and the unresolved alarms for whoever comes on next",
            "Give the evening team a rundown of today's production",
            "Pass on the pending problems to the operators taking over",
        ],
        "indirect": [
            "I'm leaving at 10 and the night team starts, they need the status",
            "The weekend people take over line 3 in an hour",
            "Before I clock out, the incoming supervisor wants the numbers",
            "The relief operators arrive soon and line 1 still has two alarms",
        ],
        "typo": [
            "handovr notes next shfit",
            "shift hand over summery night crew",
            "end of shfit summary opertors",
            "prepair notes for next shift",
        ],
    },
    "gmp_audit_preparation": {
        "paraphrase": [
            "Make us ready for the authorities' visit next month",
            "Check our procedures and qualification files before the inspectors come",
            "Organize a practice inspection before the official one",
            "Close the remaining corrective actions before the regulators arrive",
        ],
        "indirect": [
            "The health authority sent a letter announcing they will visit on the 12th",
            "A customer's quality team will audit our site in three weeks",
            "Half of our SOPs are past their review date and the inspection is soon",
            "The notified body scheduled a surveillance visit",
        ],
        "typo": [
            "gmp audt next month get ready",
            "fda inspecton monday prepare",
            "sop and traning records complete?",
            "mock inspction before complience audit",
        ],
    },
}

_CREATE_NEW: dict[str, list[str]] = {
    "out_of_scope": [
        "Plan the company's holiday party",
        "Write a poem for the CEO's retirement",
        "Which country won the football world cup in 2014?",
        "Choose new chairs for the meeting room",
        "Set up two-factor login for the HR portal",
        "Create a social media campaign for our brand",
        "Translate the website into Italian",
        "Find a hotel in Vienna for the trade fair",
        "Write unit tests for the billing microservice",
        "Draft a speech for the 50th anniversary",
        "Compare health insurance offers for employees",
        "Organize a charity run for the staff",
        "Summarize the news about interest rates",
        "Rename the files in the shared drive by date",
        "Build a dashboard of website visitors",
        "Recommend books for the leadership course",
        "Plan the menu of the staff canteen",
        "Convert 100 euros to dollars",
        "Set up the video conference for the board meeting",
        "Write a cover letter for my job application",
    ],
    "near_miss": [
        "Order ten new temperature sensors for line 3 from the catalogue",
        "Write a training course on how to fill in batch records",
        "Hire a new energy manager for the plant",
        "Design a poster about hand washing in the cleanroom",
        "Calculate the depreciation of the compressors for the annual accounts",
        "Negotiate next year's prices with our packaging supplier",
        "Translate the shift handover template into Spanish",
        "Send a thank-you gift to our best customer",
        "Organize the safety week celebration with a barbecue",
        "Buy a new forklift for the warehouse",
        "Create a marketing brochure about our GMP certification",
        "Write a job description for a maintenance technician",
        "Plan the seating chart for the operators' shift party",
        "Update the logo on the customer invoices",
        "Move the lab's batch archive boxes to the basement",
        "Give the suppliers a tour of the new building",
        "Rename the equipment in the ERP to the new naming scheme",
        "Book a caterer for the audit team's farewell lunch",
        "Paint the walls of the maintenance workshop",
        "Write a press release about our new energy-efficient building",
    ],
}


def cases() -> list[Case]:
    """Every labelled problem, in a fixed order."""
    found: list[Case] = []
    for workflow, kinds in _IN_SCOPE.items():
        for kind, problems in kinds.items():
            found += [(p, workflow, kind) for p in problems]
    for kind, problems in _CREATE_NEW.items():
        found += [(p, None, kind) for p in problems]
    return found


def split() -> dict[str, list[Case]]:
    """Tuning and held-out halves: alternate problems of each (workflow, kind) group."""
    groups: dict[tuple[str | None, str], list[Case]] = {}
    for case in cases():
        groups.setdefault((case[1], case[2]), []).append(case)
    return {
        "tuning": [c for group in groups.values() for c in group[0::2]],
        "held-out": [c for group in groups.values() for c in group[1::2]],
    }
