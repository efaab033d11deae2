"""The designer's node library: one starter action per effect kind, and AI templates as sub-graphs.

A starter is the smallest effect of its kind that shows every required field
(a child effect is a `log` placeholder), so dropping one on the canvas gives a
state whose form says what to fill in; the live validation says what is still
missing. Templates are drawings of their own (`fsmnb.designer.document`),
pasted into the canvas with the `insert` edit; they follow the MCP server's
templates (`multi_agent_analysis`, `rag_qa`, `review_loop`) and the seed's
customer-service example.
"""

from __future__ import annotations

import functools
from typing import Any

from fsmnb.designer.document import Doc, normalize
from fsmnb.effects._spec_fields import EFFECT_TYPES, MISSING, Role, field_specs
from fsmnb.effects.registry import callable_names

__all__ = ("GROUPS", "library", "starter", "templates")

GROUPS: dict[str, tuple[str, ...]] = {
    "basic": ("call", "call_api", "delay", "log"),
    "data": ("put_data", "get_data", "merge_data", "update_data"),
    "workflow": ("emit", "invoke_fsm", "spawn_fsm", "send_event"),
    "AI": ("call_llm", "embed_text", "vector_search", "invoke_agent", "coordinate_agents",
           "rag_pipeline"),
    "combinators": ("sequence", "parallel", "race", "retry", "timeout", "with_compensation",
                    "circuit_breaker", "saga", "batch", "cache", "rate_limit"),
}  # fmt: skip

_PLACEHOLDER = {"kind": "log", "message": "a step"}


def starter(kind: str) -> dict[str, Any]:
    """The starter effect of `kind` (required fields filled with placeholders)."""
    out: dict[str, Any] = {"kind": kind}
    names = callable_names()
    for spec in field_specs(EFFECT_TYPES[kind]):
        if spec.default is not MISSING:
            continue
        role = spec.role
        if role is Role.EFFECT:
            out[spec.name] = dict(_PLACEHOLDER)
        elif role is Role.EFFECTS:
            out[spec.name] = [dict(_PLACEHOLDER), dict(_PLACEHOLDER)]
        elif role is Role.STEPS:
            out[spec.name] = [{"action": dict(_PLACEHOLDER)}]
        elif role is Role.CALLABLE:
            out[spec.name] = names[0] if names else ""
        elif role is Role.NAMES:
            out[spec.name] = []
        elif spec.hint is float or spec.hint is int:
            out[spec.name] = 1
        elif role is Role.VALUE and "Mapping" in str(spec.hint):
            out[spec.name] = {}
        else:
            out[spec.name] = "" if kind != "log" else "hello"
    return out


def library() -> dict[str, Any]:
    """What the widget's library panel lists: effect kinds by group, and the templates."""
    return {
        "groups": [
            {"name": group, "kinds": [{"kind": k, "starter": starter(k)} for k in kinds]}
            for group, kinds in GROUPS.items()
        ],
        "templates": [
            {"name": name, "description": description, "doc": doc}
            for name, (description, doc) in templates().items()
        ],
    }


def _llm(prompt: str, save_as: str, then: str, system: str = "") -> dict[str, Any]:
    effect: dict[str, Any] = {"kind": "call_llm", "prompt": prompt}
    if system:
        effect["system"] = system
    return {"kind": "effect", "effect": effect, "save_as": save_as, "then": then}


def _doc(name: str, states: list[tuple[str, dict[str, Any] | None, bool, float, float]],
         edges: list[tuple[str, str, str]]) -> Doc:  # fmt: skip
    machine = {
        "name": name,
        "initial": states[0][0],
        "states": [
            {"name": s, **({"final": True} if final else {})} for s, _, final, _, _ in states
        ],
        "transitions": [{"source": a, "event": e, "target": b} for a, e, b in edges],
        "version": 1,
    }
    actions = {s: a for s, a, _, _, _ in states if a is not None}
    layout = {s: [x, y] for s, _, _, x, y in states}
    return normalize({"machine": machine, "actions": actions, "layout": layout})


@functools.cache
def templates() -> dict[str, tuple[str, Doc]]:
    """The AI templates, by name: a description and the sub-graph."""
    rag = {"kind": "rag_pipeline", "query": "What does the customer ask?", "index": "default"}
    agents = {"kind": "coordinate_agents", "agents": ["sentiment_analyst", "theme_extractor"],
              "task": "Analyse the data source."}  # fmt: skip
    return {
        "rag_qa": ("Retrieve passages, then answer from them.", _doc("rag_qa", [
            ("retrieving", {"kind": "effect", "effect": rag, "save_as": "context",
                            "then": "retrieved"}, False, 0, 0),
            ("answering", _llm("Answer the question from the context.", "answer", "answered"),
             False, 200, 0),
            ("answered", None, True, 400, 0),
        ], [("retrieving", "retrieved", "answering"), ("answering", "answered", "answered")])),
        "multi_agent_analysis": ("Agents analyse a source; a model writes the report.", _doc(
            "multi_agent_analysis", [
                ("analyzing", {"kind": "effect", "effect": agents, "save_as": "analysis",
                               "then": "analysis_complete"}, False, 0, 0),
                ("synthesizing", _llm("Write an executive summary of the analysis.", "report",
                                      "synthesized"), False, 200, 0),
                ("reported", None, True, 400, 0),
            ], [("analyzing", "analysis_complete", "synthesizing"),
                ("synthesizing", "synthesized", "reported")])),
        "review_loop": ("Draft, a person approves or asks for a revision.", _doc("review_loop", [
            ("drafting", _llm("Draft the text.", "draft", "drafted"), False, 0, 0),
            ("reviewing", None, False, 200, 0),
            ("revising", _llm("Revise the draft.", "draft", "revised"), False, 200, 130),
            ("published", None, True, 400, 0),
        ], [("drafting", "drafted", "reviewing"), ("reviewing", "approve", "published"),
            ("reviewing", "revise", "revising"), ("revising", "revised", "reviewing")])),
    }  # fmt: skip
