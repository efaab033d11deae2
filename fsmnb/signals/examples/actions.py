"""Seed 004's production actions: CallExternalAPI, ProcessLargeDataset, ComplexWorkflow.

- CallExternalAPI: an HTTP call (httpx) behind a circuit breaker keyed by host,
  to hosts the operator allowed (`ALLOWED_HOSTS`, loopback by default): a URL
  that arrives in a signal or from a client never reaches anywhere else.
- ProcessLargeDataset: chunked processing under a shared budget of "heavy
  computation" slots; when none is free it halves its chunks and waits its turn,
  as the seed's retry-with-smaller-chunks does.
- ComplexWorkflow: registered actions run in order; on a failure the completed
  ones are compensated in reverse (`rollback_on_error`) or the partial results
  are kept (`continue_on_partial_failure`).
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from fsmnb.errors import MissingExtraError
from fsmnb.signals.actions import (
    Action,
    ActionContext,
    compensate_action,
    execute_action,
    get_action,
)
from fsmnb.signals.policies import BreakerPolicy

__all__ = ("ALLOWED_HOSTS", "CallExternalAPI", "ComplexWorkflow", "ProcessLargeDataset")

#: Hosts CallExternalAPI may call; the operator adds to it (nothing a caller sends can).
ALLOWED_HOSTS: set[str] = {"127.0.0.1", "localhost", "::1"}


class CallExternalAPI(Action):
    """Make an HTTP call behind a circuit breaker per host (3 failures open it for 30 s)."""

    class Params(BaseModel):
        url: str = Field(pattern=r"^https?://", max_length=2000)
        method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
        headers: dict[str, str] = Field(default_factory=dict)
        body: Any = None
        timeout: float = Field(default=5.0, gt=0, le=60)

    breaker = BreakerPolicy(failures=3, reset=30.0, key=lambda p: urlsplit(p.url).netloc)
    #: an httpx transport for tests (None: the network)
    transport: Any = None

    async def run(self, params: Any, ctx: ActionContext) -> dict[str, Any]:
        host = urlsplit(params.url).hostname or ""
        if host not in ALLOWED_HOSTS:
            raise PermissionError(
                f"CallExternalAPI: host `{host}` is not allowed (allowed: "
                + ", ".join(f"`{h}`" for h in sorted(ALLOWED_HOSTS))
                + "); the operator adds hosts to `ALLOWED_HOSTS`."
            )
        try:
            import httpx
        except ImportError as e:
            raise MissingExtraError("CallExternalAPI", "http", "httpx") from e
        async with httpx.AsyncClient(timeout=params.timeout, transport=self.transport) as client:
            response = await client.request(
                params.method, params.url, headers=params.headers,
                json=params.body if params.body is not None else None,
            )  # fmt: skip
        response.raise_for_status()
        kind = response.headers.get("content-type", "")
        body = response.json() if "json" in kind else response.text[:100_000]
        return {"status": response.status_code, "body": body}


class _Budget:
    """Slots of heavy computation shared by every ProcessLargeDataset call."""

    def __init__(self, slots: int) -> None:
        self.free = slots

    def acquire(self) -> bool:
        if self.free <= 0:
            return False
        self.free -= 1
        return True

    def release(self) -> None:
        self.free += 1


HEAVY_COMPUTATION = _Budget(2)


class ProcessLargeDataset(Action):
    """Sum, count or normalise a dataset in chunks, within the shared computation budget."""

    class Params(BaseModel):
        dataset: list[float] = Field(max_length=10_000_000)
        chunk_size: int = Field(default=1000, ge=1)
        processing_type: Literal["sum", "count", "normalize"]

    async def run(self, params: Any, ctx: ActionContext) -> dict[str, Any]:
        chunk = params.chunk_size
        while not HEAVY_COMPUTATION.acquire():
            # No slot: smaller chunks (the seed's fallback), and wait for a slot to free.
            chunk = max(1, chunk // 2)
            await asyncio.sleep(0.001)
        try:
            data, out, chunks = params.dataset, [], 0
            for start in range(0, len(data), chunk):
                part = data[start : start + chunk]
                chunks += 1
                if params.processing_type == "normalize":
                    out.extend(part)
                else:
                    out.append(sum(part) if params.processing_type == "sum" else len(part))
                await asyncio.sleep(0)  # let the loop breathe between chunks
            if params.processing_type == "normalize":
                top = max((abs(x) for x in out), default=1.0) or 1.0
                result: Any = [x / top for x in out]
            else:
                result = sum(out)
        finally:
            HEAVY_COMPUTATION.release()
        return {"result": result, "chunks": chunks, "chunk_size": chunk}


class WorkflowStep(BaseModel):
    action: str
    params: dict[str, Any] = Field(default_factory=dict)


class ComplexWorkflow(Action):
    """Run registered actions in order; roll back the completed ones if one fails."""

    class Params(BaseModel):
        steps: list[WorkflowStep] = Field(min_length=1, max_length=100)
        rollback_on_error: bool = True
        continue_on_partial_failure: bool = False

    async def run(self, params: Any, ctx: ActionContext) -> dict[str, Any]:
        done: list[tuple[WorkflowStep, Any]] = []
        for index, step in enumerate(params.steps):
            action = get_action(step.action)
            try:
                done.append((step, await execute_action(action, step.params, ctx)))
            except Exception as exc:
                reason = f"{type(exc).__name__}: {exc}"
                if params.continue_on_partial_failure:
                    done.append((step, {"error": reason}))
                    continue
                if params.rollback_on_error:
                    for undo_step, result in reversed(done):
                        await compensate_action(undo_step.action, undo_step.params, result, ctx)
                raise RuntimeError(
                    f"step {index} (`{step.action}`) failed: {reason}"
                    + ("; the completed steps were rolled back" if params.rollback_on_error else "")
                ) from exc
        results = [r.model_dump() if isinstance(r, BaseModel) else r for _, r in done]
        return {"results": results, "steps_completed": len(done), "status": "success"}
