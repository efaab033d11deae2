"""`customer_service` (seed 000's ``ai_customer_service``): a ticket from greeting to learning.

    greeting → understanding → resolving → confirming → learning → done
                     ↘ clarifying (waits for the customer) ↗      ↑
                     ↘ escalating → with_human (waits for a person) ┘

- **greeting** detects the message's language (a stop-word vote over the
  configured languages; replace the step with a model call if you need more).
- **understanding** first looks in the knowledge index for a resolved ticket like
  this one (`vector_search`); a close enough precedent goes straight to
  resolving. Otherwise a model classifies the intent (the ``agent_decision``
  template over `intents`); too short a message or too unsure a classification
  asks the customer to clarify; an escalation word or intent hands over to a person.
- **resolving** reuses the precedent's resolution, or has a model write one.
- **confirming** waits for the customer: ``confirmed`` or ``not_resolved``.
- **escalating** has a model write the hand-off summary; **with_human** waits for
  ``resolved`` (``resolution=...``) or ``closed``.
- **learning** stores the resolved ticket and its resolution in the knowledge
  index, so the next similar ticket finds it (seed 000's learning states).
"""

from __future__ import annotations

import re
from collections.abc import Generator, Mapping, Sequence
from typing import Any

from pydantic import Field

from fsmnb.agents.templates import ensure_templates
from fsmnb.effects import CallLLM, Effect, call, call_llm, log, register_callable, vector_search
from fsmnb.effects.ai import VectorSearch
from fsmnb.templates.base import Template, TemplateConfig, check_steps, step
from fsmnb.workflow.workflow import Workflow

__all__ = ("CUSTOMER_SERVICE", "CustomerServiceConfig", "detect_language", "remember_resolution")


class CustomerServiceConfig(TemplateConfig):
    """Config of `customer_service`."""

    department: str = Field(default="customer_support", max_length=100)
    languages: list[str] = Field(default=["en"], min_length=1, max_length=10)
    intents: list[str] = Field(
        default=["billing", "technical_issue", "account_access", "complaint", "other"],
        min_length=2,
        max_length=20,
    )
    escalate_intents: list[str] = Field(default=["complaint"], max_length=20)
    escalate_words: list[str] = Field(
        default=["lawyer", "legal", "manager", "cancel my account", "chargeback"], max_length=50
    )
    escalation_threshold: float = Field(
        default=0.7, ge=0.0, le=1.0, description="Escalate intents classified at least this sure."
    )
    clarify_below: float = Field(
        default=0.3, ge=0.0, le=1.0, description="Ask the customer when less sure than this."
    )
    knowledge_index: str = Field(default="support_resolutions", max_length=100)
    reuse_threshold: float = Field(
        default=0.5, ge=0.0, le=1.0, description="Reuse a resolved ticket at least this similar."
    )
    message: str | None = Field(default=None, max_length=10_000)


# A handful of frequent function words per language: enough to tell the configured ones apart.
_FUNCTION_WORDS = {
    "en": "the and is my to it not with you have this for of a",
    "es": "el la los las que de y es mi no con para por una un",
    "fr": "le la les que de et est mon ma ne pas avec pour une un je",
    "de": "der die das und ist mein meine nicht mit für ein eine ich",
    "it": "il lo la che di e è mio mia non con per una un",
    "pt": "o a os as que de e é meu minha não com para uma um",
}
_STOP_WORDS = {lang: frozenset(text.split()) for lang, text in _FUNCTION_WORDS.items()}


def detect_language(text: str, languages: Sequence[str]) -> str:
    """The configured language whose function words `text` uses most (the first one on a tie)."""
    found = re.findall(r"[^\W\d_]+", text.lower())
    scores = {lang: sum(w in _STOP_WORDS.get(lang, ()) for w in found) for lang in languages}
    return max(languages, key=lambda lang: (scores[lang], -languages.index(lang)))


async def remember_resolution(
    index: str, message: str, resolution: str, metadata: Mapping[str, Any]
) -> str:
    """Store a resolved ticket in the vector index `index`; returns its id."""
    from fsmnb.llm.index import vector_index

    ids = await vector_index(index).add(
        [message], metadata=[{"resolution": resolution, **metadata}]
    )
    return ids[0]


# By name, so that the `call` effect journals as plain data in durable runs.
REMEMBER = "fsmnb.templates.remember_resolution"
register_callable(REMEMBER, remember_resolution)


def _precedent(hits: Any, threshold: float) -> dict[str, Any] | None:
    for hit in hits or ():
        hit_id, score, text, metadata = tuple(hit)[:4]
        if float(score) >= threshold and isinstance(metadata, Mapping):
            return {"id": hit_id, "score": round(float(score), 3), "ticket": text, **metadata}
    return None


def _build(name: str, cfg: CustomerServiceConfig) -> Workflow:
    ensure_templates()  # the `agent_decision` request its classification uses
    check_steps(
        "customer_service",
        cfg,
        {"search": VectorSearch, "classify": CallLLM, "answer": CallLLM, "handoff": CallLLM},
    )
    wf = Workflow(
        name,
        description=f"{cfg.department}: understand, resolve or escalate a ticket, then learn from it.",
        tags=("template", "customer_service"),
        register=False,
    )

    @wf.state(initial=True, on={"error": "failed", "message_received": "understanding"})
    def greeting(ctx: Any) -> Generator[Effect, Any, str]:
        """Detect the language of the customer's message."""
        message = str(ctx.data.setdefault("message", cfg.message or ""))
        ctx.data["language"] = detect_language(message, cfg.languages)
        yield log(f"ticket in `{ctx.data['language']}`: {message[:80]}")
        return "message_received"

    @wf.state(
        on={
            "error": "failed",
            "known_issue": "resolving",
            "intent_clear": "resolving",
            "intent_unclear": "clarifying",
            "needs_human": "escalating",
        }
    )
    def understanding(ctx: Any) -> Generator[Effect, Any, str]:
        """Find a resolved ticket like this one, else classify the intent and route."""
        detail = str(ctx.payload.get("message", "")).strip()  # a clarification's
        if detail:
            ctx.data["message"] = f"{ctx.data.get('message', '')} {detail}".strip()
        message = str(ctx.data["message"])
        search = vector_search(message, index=cfg.knowledge_index, k=3)
        precedent = _precedent((yield step(cfg, "search", search, ctx.data)), cfg.reuse_threshold)
        ctx.data["precedent"] = precedent
        if precedent is not None:
            return "known_issue"
        if len(re.findall(r"\w+", message)) < 3:
            return "intent_unclear"
        ask = call_llm(
            model=cfg.model,
            template="agent_decision",
            data={
                "question": f"Which intent does this {cfg.department} ticket have?",
                "options": cfg.intents,
                "context": {"message": message, "language": ctx.data.get("language")},
            },
        )
        choice = yield step(cfg, "classify", ask, ctx.data)
        intent = str(getattr(choice, "choice", choice))
        confidence = float(getattr(choice, "confidence", 1.0))
        ctx.data["intent"], ctx.data["intent_confidence"] = intent, confidence
        lowered = message.lower()
        if any(w.lower() in lowered for w in cfg.escalate_words) or (
            intent in cfg.escalate_intents and confidence >= cfg.escalation_threshold
        ):
            return "needs_human"
        return "intent_unclear" if confidence < cfg.clarify_below else "intent_clear"

    wf.add_state(
        "clarifying",
        None,
        on={"user_message": "understanding"},
        description="Waits for the customer: `user_message` (message=...) adds detail.",
    )

    @wf.state(on={"error": "failed", "solution_provided": "confirming"})
    def resolving(ctx: Any) -> Generator[Effect, Any, str]:
        """Reuse a precedent's resolution, or have a model write one."""
        precedent = ctx.data.get("precedent")
        if precedent is not None:
            ctx.data["answer"] = precedent["resolution"]
            ctx.data["reused_from"] = precedent["id"]
            yield log(f"reusing the resolution of ticket `{precedent['id']}`")
            return "solution_provided"
        prompt = (
            f"You work in {cfg.department}. Answer this customer in `{ctx.data.get('language')}` "
            f"(intent: {ctx.data.get('intent')}):\n{ctx.data['message']}"
        )
        reply = yield step(cfg, "answer", call_llm(prompt, model=cfg.model), ctx.data)
        ctx.data["answer"] = str(reply)
        return "solution_provided"

    wf.add_state(
        "confirming",
        None,
        on={"confirmed": "learning", "not_resolved": "escalating"},
        description="Waits for the customer: `confirmed` or `not_resolved`.",
    )

    @wf.state(on={"error": "failed", "handed_off": "with_human"})
    def escalating(ctx: Any) -> Generator[Effect, Any, str]:
        """A model writes the hand-off summary for a person."""
        prompt = (
            "Write a concise hand-off summary for a human support agent.\n"
            f"Ticket: {ctx.data.get('message')}\nIntent: {ctx.data.get('intent')}\n"
            f"Answer tried: {ctx.data.get('answer') or 'none'}"
        )
        reply = yield step(cfg, "handoff", call_llm(prompt, model=cfg.model), ctx.data)
        ctx.data["handoff"] = str(reply)
        return "handed_off"

    wf.add_state(
        "with_human",
        None,
        on={"resolved": "learning", "closed": "done"},
        description="Waits for a person: `resolved` (resolution=...) or `closed`.",
    )

    @wf.state(on={"error": "failed", "learned": "done"})
    def learning(ctx: Any) -> Generator[Effect, Any, str]:
        """Store the resolved ticket so that the next similar one finds it."""
        if ctx.payload.get("resolution"):  # a person's, from `with_human`
            ctx.data["answer"] = str(ctx.payload["resolution"])
        meta = {
            "intent": ctx.data.get("intent") or "",
            "language": ctx.data.get("language") or "",
            "run": ctx.run_id,
        }
        ctx.data["learned_as"] = yield call(
            REMEMBER,
            cfg.knowledge_index,
            str(ctx.data["message"]),
            str(ctx.data.get("answer", "")),
            meta,
        )
        return "learned"

    wf.final("done", "failed")
    return wf


CUSTOMER_SERVICE = Template(
    "customer_service",
    "A support ticket: language, intent, reuse of resolved tickets, clarifying, escalation to a "
    "person, and learning from the resolution.",
    CustomerServiceConfig,
    _build,
    None,
)
