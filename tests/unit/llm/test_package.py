"""`import fsmnb` registers the AI handlers cheaply: no SDK, no jinja2, no tenacity at import time."""

from __future__ import annotations

import json
import subprocess
import sys

import fsmnb.llm


def test_import_registers_handlers_without_heavy_modules() -> None:
    code = (
        "import json, sys, fsmnb\n"
        "from fsmnb.engine import handler_for\n"
        "from fsmnb.effects.ai import CallLLM, EmbedText, VectorSearch, RagPipeline\n"
        "heavy = [m for m in ('openai', 'anthropic', 'jinja2', 'tenacity', 'llama_cpp', 'sentence_transformers', 'torch') if m in sys.modules]\n"
        "print(json.dumps({'heavy': heavy, 'handlers': [handler_for(t) is not None for t in (CallLLM, EmbedText, VectorSearch, RagPipeline)]}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert result == {"heavy": [], "handlers": [True, True, True, True]}


def test_all_is_complete_and_sorted() -> None:
    public = {
        n
        for n in vars(fsmnb.llm)
        if not n.startswith("_") and n not in ("annotations", "Any", "Mapping", "run_sync")
    }
    modules = {n for n in public if type(getattr(fsmnb.llm, n)).__name__ == "module"}
    assert public - modules == set(fsmnb.llm.__all__)
