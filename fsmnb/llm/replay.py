"""The ``replay:<cassette.jsonl>`` model: record real calls once, replay them offline.

A cassette is a JSON-lines file, one call per line::

    {"hash": "…", "model": "openai:gpt-4o-mini", "request": {…}, "response": {…}}

Requests are matched by `request_hash` without the model, so a cassette
recorded with one model replays under ``replay:``. Recording happens when
``FSMNB_RECORD=1`` is set or a call passes ``record=True``: a request already
in the cassette is replayed, a new one is sent to the recording model
(``record_model=`` option, ``FSMNB_RECORD_MODEL``, else the default model) and
appended. Without recording, a request missing from the cassette raises
`CassetteMiss`, naming the cassette, the request and the fix.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from pathlib import Path

from fsmnb.errors import ProviderError
from fsmnb.llm.cache import request_hash
from fsmnb.llm.provider import DeltaSink, default_model, get_provider, model_name
from fsmnb.llm.types import Completion, LLMRequest

__all__ = ("CassetteMiss", "ReplayProvider")


class CassetteMiss(ProviderError, LookupError):
    """A request that the cassette does not hold, while not recording."""


class ReplayProvider:
    """Answers from a cassette file; records new calls when asked to."""

    name = "replay"
    supports_native_schema = True
    is_remote = False

    def __init__(
        self, rest: str, *, record: bool | None = None, record_model: str | None = None
    ) -> None:
        if not rest:
            raise ProviderError(
                "`replay:` needs a cassette path, e.g. `replay:calls.jsonl`.", provider="replay"
            )
        self.path = Path(rest).expanduser()
        self.model = f"replay:{rest}"
        self.record = record
        self.record_model = record_model
        self._entries: dict[str, list[Completion]] | None = None
        self._served: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"<ReplayProvider {self.path} entries={sum(map(len, self._load().values()))}>"

    def _load(self) -> dict[str, list[Completion]]:
        if self._entries is None:
            self._entries = {}
            if self.path.exists():
                for number, line in enumerate(
                    self.path.read_text(encoding="utf-8").splitlines(), 1
                ):
                    if not line.strip():
                        continue
                    try:
                        entry = json.loads(line)
                        completion = Completion.from_json(entry["response"])
                    except (ValueError, KeyError, TypeError) as exc:
                        raise ProviderError(
                            f"Cassette `{self.path}` line {number} is not a recorded call ({exc}).",
                            provider="replay",
                        ) from None
                    self._entries.setdefault(entry["hash"], []).append(completion)
        return self._entries

    def _is_recording(self, request: LLMRequest) -> bool:
        if "record" in request.options:
            return bool(request.options["record"])
        if self.record is not None:
            return self.record
        return os.environ.get("FSMNB_RECORD", "").lower() in ("1", "true", "yes")

    async def complete(self, request: LLMRequest, on_delta: DeltaSink | None = None) -> Completion:
        """Replay the recorded reply to `request` (recording it first when recording)."""
        key = request_hash(request, include_model=False)
        recorded = self._load().get(key)
        if recorded:
            served = self._served.get(key, 0)
            self._served[key] = served + 1
            completion = recorded[min(served, len(recorded) - 1)]
            if on_delta is not None:
                for piece in re.findall(r"\S+\s*|\s+", completion.text):
                    on_delta(piece)
            return completion
        if not self._is_recording(request):
            raise CassetteMiss(
                f"Cassette `{self.path}` has no recorded reply for request `{key}` (prompt: "
                f"`{request.prompt[:160]}`). Record it once with FSMNB_RECORD=1 (or `record=True`) "
                f"and a real model (`record_model=` or FSMNB_RECORD_MODEL).",
                provider="replay",
                model=self.model,
            )
        return await self._record(key, request, on_delta)

    async def _record(
        self, key: str, request: LLMRequest, on_delta: DeltaSink | None
    ) -> Completion:
        inner = str(
            request.options.get("record_model")
            or self.record_model
            or os.environ.get("FSMNB_RECORD_MODEL")
            or default_model()
        )
        if inner.startswith("replay:"):
            raise ProviderError(
                f"Recording into `{self.path}` needs a real model, not `{inner}`: pass "
                f"`record_model=` or set FSMNB_RECORD_MODEL.",
                provider="replay",
            )
        provider = get_provider(inner)
        inner_request = replace(request, model=model_name(inner))
        if provider.is_remote:
            from fsmnb.llm.client import settings
            from fsmnb.llm.resilience import call_resiliently

            completion = await call_resiliently(
                provider.name,
                lambda: provider.complete(inner_request, on_delta),
                policy=settings.policy,
            )
        else:
            completion = await provider.complete(inner_request, on_delta)
        self._load().setdefault(key, []).append(completion)
        self._served[key] = self._served.get(key, 0) + 1
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = {
            "hash": key,
            "model": inner,
            "request": request.to_json(),
            "response": completion.to_json(),
        }
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
        return completion
