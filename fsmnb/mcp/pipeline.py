"""Run an effect tree sent as JSON, in a short-lived run of its own.

The tree is decoded by `fsmnb.effects.effect_from_json` (only registered
callables can be named) and checked against the server's policy before
anything runs: no `call_api` unless the server allows network access, no
detached `spawn_fsm`, and `invoke_fsm` only of workflows served to the
caller. It runs in a private one-state workflow whose data is a copy (of the
given context, and of a run's data if one is named), so no live run changes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from fsmnb.effects import Call, CallApi, Effect, InvokeFsm, SpawnFsm
from fsmnb.effects.registry import resolve_callable
from fsmnb.engine.telemetry import TelemetryEvent
from fsmnb.errors import DefinitionError, FsmnbError, RunError
from fsmnb.mcp._json import jsonable
from fsmnb.mcp.models import EffectRecord, PipelineResult
from fsmnb.mcp.offload import CallPool, offloaded
from fsmnb.mcp.policy import ModelPolicy
from fsmnb.workflow.workflow import Workflow

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ("check_policy", "leaves", "run_pipeline")


def leaves(effect: Effect) -> Iterator[Effect]:
    """Every effect in the tree, depth first."""
    yield effect
    for child in effect.children():
        yield from leaves(child)


def check_policy(
    effect: Effect, *, served: set[str], allow_network: bool, models: ModelPolicy | None = None
) -> None:
    """Refuse a tree that does what a client may not ask for; name every offender.

    Besides network calls and runs, `models` (when given) refuses model strings
    and options the operator did not allow (see `fsmnb.mcp.policy`).

    Raises:
        DefinitionError: listing each refused effect and why.
    """
    found = []
    for e in leaves(effect):
        if isinstance(e, CallApi) and not allow_network:
            found.append(
                f"`call_api` ({e.method} {e.url[:80]}): this server does not make HTTP calls for "
                "clients (start it with allow_network=True to permit them)"
            )
        elif isinstance(e, Call) and e.pass_context and not _is_async(e.fn):
            found.append(
                f"`call` ({_name(e.fn)}): `pass_context` hands the run to a synchronous function, "
                "which would run on the server's loop; drop `pass_context`"
            )
        elif isinstance(e, SpawnFsm):
            found.append("`spawn_fsm`: detached runs are not allowed here; use `create_fsm`")
        elif isinstance(e, InvokeFsm):
            name = e.workflow if isinstance(e.workflow, str) else getattr(e.workflow, "name", "")
            if name not in served:
                listed = ", ".join(f"`{n}`" for n in sorted(served)) or "none"
                found.append(f"`invoke_fsm`: workflow `{name}` is not served (served: {listed})")
    if models is not None:
        found += models.problems_of_effects(leaves(effect))
    if found:
        raise DefinitionError.collect("Effect pipeline refused", found)


def _is_async(fn: Any) -> bool:
    import inspect

    target = resolve_callable(fn) if isinstance(fn, str) else fn
    return inspect.iscoroutinefunction(target)


def _name(fn: Any) -> str:
    return fn if isinstance(fn, str) else getattr(fn, "__name__", "fn")


async def run_pipeline(
    effect: Effect,
    data: dict[str, Any],
    *,
    tenant: str,
    limit: float,
    report: Callable[[int, int, str], None] | None = None,
    pool: CallPool | None = None,
) -> PipelineResult:
    """Interpret `effect` in a short-lived run with `data`; return its result and effect log.

    With a `pool`, synchronous registered functions run in its threads, off the loop.

    Raises:
        RunError: the pipeline failed (the message names the effect's path) or timed out.
    """
    if pool is not None:
        effect = offloaded(effect, pool, tenant)
    outcome: dict[str, Any] = {}
    wf = Workflow("effect_pipeline", description="An effect tree sent by a client.", register=False)

    async def execute(ctx: Any) -> None:
        outcome["result"] = await ctx.run(effect)
        emitted = getattr(ctx, "emitted", None)
        outcome["emitted"] = emitted.name if emitted is not None else None

    wf.add_state("execute", execute, initial=True, final=True)
    records: list[EffectRecord] = []
    total = sum(1 for e in leaves(effect) if e.is_leaf)

    def observe(event: TelemetryEvent) -> None:
        if event.kind not in ("effect_finished", "effect_failed"):
            return
        ok = event.kind == "effect_finished"
        records.append(
            EffectRecord(
                path=event.path,
                effect=event.name,
                ok=ok,
                duration_ms=round((event.duration or 0.0) * 1e3, 3),
                result=jsonable(event.data.get("result")) if ok else None,
                error=None if ok else str(event.data.get("error")),
            )
        )
        if report is not None:
            report(len(records), max(total, len(records)), f"{event.name}: {event.kind[7:]}")

    run = wf.start(dict(data), tenant=tenant)
    unsubscribe = run.subscribe(observe)
    try:
        async with asyncio.timeout(limit):
            await run.wait()
    except TimeoutError:
        run.cancel("pipeline timed out")
        raise RunError(
            f"The effect pipeline did not finish within {limit:g} s; it was cancelled."
        ) from None
    except FsmnbError as e:
        cause = e.__cause__ if isinstance(e.__cause__, FsmnbError) else e
        raise RunError(f"The effect pipeline failed: {cause}") from None
    finally:
        unsubscribe()
    return PipelineResult(
        result=jsonable(outcome.get("result")),
        data=jsonable(run.data),
        emitted=outcome.get("emitted"),
        effects=records,
    )
