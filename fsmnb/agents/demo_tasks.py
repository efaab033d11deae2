"""The demo model's answers to the agents' own tasks: honest, deterministic, marked as the demo's.

`fsmnb.llm.demo` answers any YAML request whose ``task.type`` has a handler
registered with `fsmnb.llm.demo_answers.register_task`; this module registers
the agents' tasks (importing `fsmnb.agents` does). What the demo can actually do:

- **selection / strategy**: follow the similarity the registry lists for each
  workflow (or the offline lexical ranking when none is listed) against the
  calibrated create-new threshold — it adds no judgement of its own;
- **compute**: only when the problem is nothing but arithmetic
  (`fsmnb.llm.arithmetic.plain_arithmetic`); "Line 3 - 2 units are down" is not;
- **solve** of anything else: it says it cannot (confidence 0, not complete);
- **synthesis, decisions, consensus, analysis**: word overlap and summaries.

Every free-text field it writes ends with `DEMO_TAG`.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping
from typing import Any

from fsmnb.agents.task_fit import mismatch
from fsmnb.llm.arithmetic import format_number, plain_arithmetic
from fsmnb.llm.demo_answers import DEMO_TAG, free_text, register_task
from fsmnb.llm.lexical import tokens
from fsmnb.llm.overlap import best_matches, overlap, words
from fsmnb.llm.ranking import create_new_threshold, rank_offline
from fsmnb.llm.safe_eval import try_evaluate

__all__ = ()


def _workflows(task: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = task.get("available_workflows") or []
    return [w if isinstance(w, Mapping) else {"name": str(w)} for w in found]


def _overlap_rank(problem: str, items: list[Mapping[str, Any]]) -> list[tuple[str, float]]:
    def text(w: Mapping[str, Any]) -> str:
        tags = " ".join(map(str, w.get("tags") or ()))
        return f"{w.get('name', '')} {w.get('description', '')} {tags} {w.get('domain', '')}"

    return best_matches(problem, ((str(w.get("name")), text(w)) for w in items))


def _rank(task: Mapping[str, Any]) -> tuple[list[tuple[str, float]], float, str]:
    """The listed workflows by score, the create-new threshold, and where the scores came from.

    The registry's own similarities when every listed workflow carries one (so the demo
    agrees with `find_similar`), else `fsmnb.llm.ranking.rank_offline` over the listed texts.
    """
    problem, listed = str(task.get("problem", "")), _workflows(task)
    given = [w.get("similarity") for w in listed]
    threshold = task.get("create_new_below")
    if listed and all(isinstance(g, int | float) for g in given):
        ranked = sorted(
            ((str(w.get("name")), float(g)) for w, g in zip(listed, given, strict=True)),  # type: ignore[arg-type]
            key=lambda r: (-r[1], r[0]),
        )
        source = "the registry's similarity"
    else:
        ranked, source, threshold = rank_offline(problem, listed), "the offline ranking", None
    if not isinstance(threshold, int | float):
        threshold = create_new_threshold("hash")
    return ranked, float(threshold), source


_PARTS = re.compile(r"\s*(?:\+|,|;|:|\band\b|\bwith\b|\bthen\b)\s*")


def _uncovered(task: Mapping[str, Any], chosen: str, threshold: float) -> str | None:
    """A part of the problem that `chosen` does not cover and another listed workflow does.

    A problem such as "batch failure with contamination readings + power fluctuations"
    combines what several workflows do; the one ranked first for the whole covers only
    part of it, so none fits alone. Parts are scored by the offline ranking; a part needs
    two content words (``"respond to them"`` or ``"find out why"`` is no sub-task), and a
    problem with fewer than two such parts has none: the whole problem is ranked by the
    registry (lexically, or by its hybrid with a dense embedder), which the demo follows.
    """
    listed = _workflows(task)
    parts = [p for p in _PARTS.split(str(task.get("problem", ""))) if len(tokens(p)) >= 2]
    if len(parts) < 2:
        return None
    for part in parts:
        ranked = dict(rank_offline(part, listed))
        top = max(ranked, key=lambda n: (ranked[n], n)) if ranked else chosen
        if top != chosen and ranked[top] >= threshold > ranked.get(chosen, 0.0):
            return part
    return None


def _confidence(score: float, threshold: float) -> float:
    """0.5 at the threshold, rising to 0.95 at three times it."""
    return round(0.5 + 0.45 * min(1.0, (score / max(threshold, 1e-9) - 1) / 2), 2)


def _texts(task: Mapping[str, Any], name: str) -> list[str]:
    """The listed workflow's own texts: name, description, tags and examples."""
    for w in _workflows(task):
        if str(w.get("name")) == name:
            return [name.replace("_", " "), str(w.get("description", "")),
                    *map(str, w.get("tags") or ()), *map(str, w.get("examples") or ())]  # fmt: skip
    return [name]


def _fit(task: Mapping[str, Any]) -> tuple[list[tuple[str, float]], str | None, str]:
    """The ranking, the workflow that fits (None: create a new one) and why."""
    ranked, threshold, source = _rank(task)
    if not ranked:
        return ranked, None, "no workflow is listed"
    name, score = ranked[0]
    if score < threshold:
        return ranked, None, f"the best score by {source} is {score:.3f}, under {threshold:.3f}"
    part = _uncovered(task, name, threshold)
    if part is not None:
        return ranked, None, f"`{name}` does not cover “{part}”"
    why_not = mismatch(str(task.get("problem", "")), _texts(task, name))
    if why_not is not None:
        return ranked, None, f"`{name}` ranks first but {why_not}"
    return ranked, name, f"`{name}` ranks first by {source} ({score:.3f} ≥ {threshold:.3f})"


def _select(task: Mapping[str, Any]) -> dict[str, Any]:
    ranked, name, why = _fit(task)
    if name is not None:
        _, threshold, _ = _rank(task)
        return {
            "selected_workflow": name,
            "confidence": _confidence(ranked[0][1], threshold),
            "reason": f"{why} {DEMO_TAG}",
            "alternatives": [n for n, _ in ranked[1:4]],
        }
    return {
        "selected_workflow": "create_new",
        "confidence": 0.6,
        "reason": f"no listed workflow fits: {why} {DEMO_TAG}",
        "alternatives": [n for n, _ in ranked[:3]],
    }


def _strategy(task: Mapping[str, Any]) -> dict[str, Any]:
    problem = str(task.get("problem", ""))
    found = plain_arithmetic(problem)
    if found is not None:
        return {
            "strategy": "compute",
            "confidence": 0.99,
            "expression": found[0],
            "reason": f"the problem is arithmetic {DEMO_TAG}",
        }
    ranked, name, why = _fit(task)
    if name is not None:
        _, threshold, _ = _rank(task)
        return {
            "strategy": "existing_workflow",
            "confidence": _confidence(ranked[0][1], threshold),
            "workflow": name,
            "reason": f"{why} {DEMO_TAG}",
        }
    return {
        "strategy": "new_workflow",
        "confidence": 0.6,
        "reason": f"no listed workflow fits ({why}) and it is not arithmetic {DEMO_TAG}",
    }


def _snake(text: str, limit: int = 4) -> str:
    kept = [next(iter(w)) for t in re.findall(r"[a-z0-9]+", text.lower()) if (w := words(t))][
        :limit
    ]
    name = "_".join(kept) or "step"
    return name if name[0].isalpha() else f"step_{name}"


def _create(task: Mapping[str, Any]) -> dict[str, Any]:
    """One state per part of the problem (a listed action when one fits the part, else an agent
    sub-task); a listed action that returns several events and shares words with the problem
    becomes a decision point with one branch per event; a final report."""
    problem = str(task.get("problem", "")) or "task"
    parts = [
        p.strip()
        for p in re.split(r"\s*(?:\+|,|;|\band\b|\bwith\b|\bthen\b)\s*", problem)
        if p.strip()
    ]
    if len(parts) == 1:  # a sub-task must be smaller than the problem itself
        parts = [f"assess {problem}", f"decide the actions for {problem}"]
    actions = [
        a if isinstance(a, Mapping) else {"name": str(a)}
        for a in task.get("available_actions") or []
    ]
    states: list[dict[str, Any]] = []

    def add(name: str, **fields: Any) -> str:
        taken = {s["name"] for s in states}
        while name in taken:
            name += "_2"
        states.append({"name": name, **fields})
        return name

    for part in parts[:6]:
        used = {s["action"] for s in states}
        fits = _overlap_rank(part, [a for a in actions if a["name"] not in used])
        if fits and fits[0][1] >= 0.5:
            add(fits[0][0], description=part, action=fits[0][0])
        else:
            add(_snake(part, 3), description=part, action="agent", task=part)
    chain = [s["name"] for s in states]
    transitions = [
        {"source": a, "event": "next", "target": b} for a, b in itertools.pairwise(chain)
    ]
    deciders = [a for a in actions if len(a.get("events") or ()) >= 2]
    ranked = _overlap_rank(problem, deciders)
    if ranked and ranked[0][1] >= 0.15:
        decider = next(a for a in deciders if a["name"] == ranked[0][0])
        point = add(decider["name"], description=str(decider.get("description", "")),
                    action=decider["name"])  # fmt: skip
        transitions.append({"source": chain[-1], "event": "next", "target": point})
        branches = []
        for event in decider["events"]:
            text = f"{str(event).replace('_', ' ')}: {problem}"
            branch = add(_snake(str(event), 3), description=text, action="agent", task=text)
            transitions.append({"source": point, "event": str(event), "target": branch})
            branches.append(branch)
        chain = branches
    else:
        transitions = []
    report = add("report", description="summarize the findings", action="agent",
                 task=f"summarize the findings for: {problem}", final=True)  # fmt: skip
    if transitions:
        transitions += [{"source": b, "event": "next", "target": report} for b in chain]
    return {
        "name": _snake(problem),
        "description": f"{problem} {DEMO_TAG}",
        "domain": str(task.get("domain") or "general"),
        "tags": sorted(words(problem))[:8],
        "states": states,
        "transitions": transitions,
        "confidence": 0.6,
    }


def _decide(task: Mapping[str, Any]) -> dict[str, Any]:
    options = [str(o) for o in task.get("options") or []] or ["yes"]
    evidence = f"{task.get('question', '')} {json.dumps(task.get('context'), default=str)}"
    scored = [(o, overlap(o.replace("_", " "), evidence)) for o in options]
    choice, score = max(scored, key=lambda s: (s[1], -options.index(s[0])))
    return {
        "choice": choice,
        "confidence": round(0.5 + score / 2, 2),
        "reason": f"`{choice}` shares the most words with the evidence {DEMO_TAG}",
    }


def _solve(task: Mapping[str, Any]) -> dict[str, Any]:
    problem = str(task.get("problem", ""))
    found = plain_arithmetic(problem)
    if found is not None:
        return {
            "answer": format_number(found[1]),
            "confidence": 0.99,
            "steps": [f"{found[0]} = {format_number(found[1])}"],
            "is_complete": True,
        }
    return {
        "answer": free_text(problem),
        "confidence": 0.0,
        "steps": [],
        "is_complete": False,
    }


def _reason(task: Mapping[str, Any]) -> dict[str, Any]:
    question = str(task.get("question", ""))
    context = task.get("context") or {}
    keys = list(context)[:5] if isinstance(context, Mapping) else []
    steps = [f"considered `{k}`" for k in keys] or ["no context was given"]
    return {
        "conclusion": f"{question} — see the context's {', '.join(keys) or 'absence'} {DEMO_TAG}",
        "confidence": 0.5,
        "reasoning": steps,
    }


def _analyze(task: Mapping[str, Any]) -> dict[str, Any]:
    data = task.get("data")
    findings = []
    items = (
        data.items()
        if isinstance(data, Mapping)
        else enumerate(data if isinstance(data, list) else [data])
    )
    for key, value in list(items)[:10]:
        numbers = [
            v for v in (value if isinstance(value, list) else [value]) if isinstance(v, int | float)
        ]
        if numbers:
            detail = (
                f"min {min(numbers)}, max {max(numbers)}, mean {sum(numbers) / len(numbers):.3g}"
            )
            spread = max(numbers) - min(numbers)
            severity = "high" if spread > abs(sum(numbers) / len(numbers)) else "low"
        else:
            detail, severity = str(value)[:200], "medium"
        findings.append({"title": str(key), "detail": detail, "severity": severity})
    return {
        "summary": f"{task.get('analysis_type', 'analysis')} of {len(findings)} items {DEMO_TAG}",
        "findings": findings,
        "recommendations": [],
        "confidence": 0.5,
    }


def _consensus(task: Mapping[str, Any]) -> dict[str, Any]:
    mine = str(task.get("your_answer", ""))
    others = [str(o) for o in task.get("other_answers") or []]
    if not others:
        score = 1.0
    else:
        score = sum((overlap(mine, o) + overlap(o, mine)) / 2 for o in others) / len(others)
    value = try_evaluate(mine)
    return {
        "agree": score >= 0.5,
        "score": round(score, 3),
        "feedback": f"word overlap with the others is {score:.0%} {DEMO_TAG}",
        "revised_answer": None if value is None else format_number(value),
    }


for _kind, _handler in {
    "workflow_selection": _select,
    "strategy": _strategy,
    "workflow_creation": _create,
    "solve": _solve,
    "reasoning": _reason,
    "data_analysis": _analyze,
    "consensus_feedback": _consensus,
    "decision": _decide,
}.items():
    register_task(_kind, _handler)
