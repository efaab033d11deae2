"""The ``demo`` model: offline, deterministic, instant, and honest about being a demo.

It reads the framework's own YAML requests (see `fsmnb.llm.templates`) and
answers them sensibly without any model: workflow selection and strategy by
word overlap between the problem and each workflow's name, description and
tags; arithmetic with the safe evaluator; a synthesized workflow with one
state per part of the problem; consensus scores by word overlap. For any
other schema it answers a schema-valid instance; for free text it answers
arithmetic, picks the most relevant context line of a RAG prompt, or says
what it is. The first use emits a one-time `DemoModelNotice` warning.
"""

from __future__ import annotations

import re
import warnings

from fsmnb.llm.demo_answers import DEMO_TAG, answer
from fsmnb.llm.provider import DeltaSink
from fsmnb.llm.types import Completion, LLMRequest, Usage

__all__ = ("DEMO_TAG", "DemoModelNotice", "DemoProvider", "answer")

_NOTICE = (
    "fsmnb is using its offline `demo` model: deterministic canned reasoning, no real LLM. "
    "Set OPENAI_API_KEY or ANTHROPIC_API_KEY, or FSMNB_MODEL (e.g. `local:smollm2`), for a real one."
)
_noticed = False


class DemoModelNotice(UserWarning):
    """Shown once per process, the first time the demo model answers."""


def _notice() -> None:
    global _noticed
    if not _noticed:
        _noticed = True
        warnings.warn_explicit(
            _NOTICE, DemoModelNotice, "fsmnb.llm.demo", 0, module="fsmnb.llm.demo"
        )


class DemoProvider:
    """The offline default model (`demo`)."""

    name = "demo"
    supports_native_schema = True
    is_remote = False

    def __init__(self, rest: str = "") -> None:
        self.variant = rest or "demo"

    def __repr__(self) -> str:
        return "<DemoProvider offline>"

    async def complete(self, request: LLMRequest, on_delta: DeltaSink | None = None) -> Completion:
        """Answer `request` deterministically."""
        _notice()
        text = answer(request)
        if on_delta is not None:
            for piece in re.findall(r"\S+\s*|\s+", text):
                on_delta(piece)
        usage = Usage(
            sum(len(str(m.get("content", "")).split()) for m in request.messages)
            + len((request.system or "").split()),
            len(text.split()),
        )
        return Completion(text=text, model="demo", usage=usage, finish_reason="stop")
