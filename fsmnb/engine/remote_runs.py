"""Whole runs in other processes: `wf.map(inputs, executor=client)` on Dask or a process pool.

The kernel keeps the progress bar and the results; each run executes in a
worker process, on a loop of that worker thread's own (a CPU-bound step blocks
only that run). The workflow is pickled once (cloudpickle, so notebook-defined
functions travel by value), checked before anything is submitted, sent with
each task (a task that Dask runs again after its worker died must not depend on
data that died with it) and unpickled once per worker process. Each input and each result row crosses as cloudpickle bytes too, so
Dask itself never unpickles user objects (a failure there would break the
worker's connection, and with it every run on that worker): a worker that
cannot unpickle the workflow or an input, or a run that fails there, gives
that run's row ``status="failed"`` with the reason; the other runs go on.

Telemetry: on a Dask worker, ``run_started``, ``transition``, ``run_waiting``
and ``run_finished`` events of the map's runs are sent back with Dask's event log
(`Worker.log_event` → `Client.subscribe_topic`, batched by Dask) and published
on this process's `fsmnb.engine.telemetry.bus`, so a notebook's widgets follow
the remote runs live. Runs in a process pool report only their end.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import threading
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fsmnb.engine.executors import IN_WORKER, is_dask_client
from fsmnb.engine.pickling import check_picklable, dumps, loads
from fsmnb.engine.telemetry import TelemetryEvent, bus
from fsmnb.errors import FsmnbError, SerializationError

if TYPE_CHECKING:
    from fsmnb.workflow.workflow import Workflow

__all__ = ("map_remote", "remote_run_ids", "run_remote")

TELEMETRY_GRACE = 2.0  # seconds `map` waits for the telemetry of runs whose results are in
FORWARDED = frozenset({"run_started", "transition", "run_waiting", "run_finished"})
_WORKFLOWS: dict[str, Workflow] = {}
_THREAD = threading.local()
_TOPICS: dict[str, tuple[Any, str]] = {}  # run id -> (worker, topic), in a worker process
_FORWARDING = [False]


# -- in the worker process -----------------------------------------------------------------------


def run_remote(
    key: str, blob: bytes, item: bytes, run_id: str, store: str | None, topic: str | None
) -> bytes:
    """Run one workflow instance to its end (or until it waits) and return its pickled row.

    Runs in a Dask task or a pool process. The workflow is unpickled once per
    process (cached by `key`); a failure to unpickle it or the input is this
    run's failure, and so is a result that does not pickle.
    """
    try:
        workflow = _WORKFLOWS.get(key)
        if workflow is None:
            workflow = _WORKFLOWS[key] = loads(blob)
    except Exception as error:
        return dumps(_unloadable(run_id, "the workflow", error))
    try:
        data = loads(item)
    except Exception as error:
        return dumps(_unloadable(run_id, "this run's input", error))
    row = _run_here(workflow, data, run_id, store, topic)
    try:
        return check_picklable(row, f"The result of run `{run_id}`", root="row")
    except SerializationError as error:
        return dumps(_failed(run_id, str(error)))


def _unloadable(run_id: str, what: str, error: Exception) -> dict[str, Any]:
    return _failed(
        run_id,
        f"The worker could not load {what}: {type(error).__name__}: {error}. Install the "
        "modules it needs on every worker, or define them in the notebook.",
    )


def _run_here(
    workflow: Workflow, data: dict[str, Any], run_id: str, store: str | None, topic: str | None
) -> dict[str, Any]:
    if topic is not None:
        _forward_telemetry(run_id, topic)
    loop = getattr(_THREAD, "loop", None)
    if loop is None or loop.is_closed():
        loop = _THREAD.loop = asyncio.new_event_loop()
    token = IN_WORKER.set(True)
    try:
        return loop.run_until_complete(_drive(workflow, data, run_id, store))
    finally:
        IN_WORKER.reset(token)
        _TOPICS.pop(run_id, None)


async def _drive(
    workflow: Workflow, data: dict[str, Any], run_id: str, store: str | None
) -> dict[str, Any]:
    try:
        run = _resume_or_start(workflow, data, run_id, store)
    except FsmnbError as refused:  # a validator refused this input: a row, not a crash
        return _failed(run_id, str(refused))
    with contextlib.suppress(FsmnbError):  # the run's status and error say what happened
        await run.wait(until_idle=True)
    error = run.error
    return {
        "state": run.state,
        "status": run.status,
        "data": dict(run.data),
        "error": str(error) if error is not None else None,
        "run_id": run.id,
    }


def _resume_or_start(
    workflow: Workflow, data: dict[str, Any], run_id: str, store: str | None
) -> Any:
    """Start the run, or resume it when the store has it already.

    Dask runs a task again on another worker when the worker running it dies:
    the run is then in the store, leased by a process that is gone (taken over
    at once on the same host, after the lease's ttl elsewhere), and resuming
    it replays every journaled effect instead of running it again.
    """
    if store is not None:
        from fsmnb.engine.durable import resolve_store
        from fsmnb.engine.resume import resume

        durable: Any = resolve_store(store)
        if durable is not None and hasattr(durable, "has") and durable.has(run_id):
            policy = getattr(durable, "leases", None)
            wait = policy.ttl * 1.5 if policy is not None else 0.0  # a dead worker's lease lapses
            return resume(run_id, store=durable, workflow=workflow, wait=wait)
    return workflow.start(data, run_id=run_id, store=store)


def _failed(run_id: str, message: str) -> dict[str, Any]:
    return {"state": None, "status": "failed", "error": message, "run_id": run_id}


def _forward_telemetry(run_id: str, topic: str) -> None:
    from distributed import get_worker

    try:
        worker = get_worker()
    except ValueError:
        return  # a pool process: no event log to send to
    _TOPICS[run_id] = (worker, topic)
    if not _FORWARDING[0]:
        _FORWARDING[0] = True
        bus.subscribe(_send_event)


def _send_event(event: TelemetryEvent) -> None:
    if event.kind not in FORWARDED:
        return
    target = _TOPICS.get(event.run_id)
    if target is not None:
        worker, topic = target
        # plain str/float: msgpack refuses str subclasses such as `RunStatus`
        message = [str(event.kind), str(event.run_id), str(event.state), str(event.name)]
        worker.log_event(topic, [*message, float(event.time)])


# -- in the kernel ---------------------------------------------------------------------------------


def remote_run_ids(prefix: str | None, n: int) -> list[str]:
    """Run ids chosen in the kernel (so rows and telemetry name runs before they start)."""
    if prefix is not None:
        return [f"{prefix}{i}" for i in range(n)]
    batch = uuid.uuid4().hex[:8]
    return [f"{batch}{i:04x}" for i in range(n)]


async def map_remote(
    workflow: Workflow,
    items: list[dict[str, Any]],
    run_ids: list[str],
    executor: Any,
    *,
    store: str | None = None,
    on_row: Callable[[int, dict[str, Any]], None],
) -> None:
    """Run one instance per item on `executor` (a Dask client or a process pool).

    Calls ``on_row(i, row)`` on the running loop as each run ends, in completion order.

    Raises:
        SerializationError: the workflow or an input does not pickle (names what),
            raised before anything is submitted.
        TypeError: `store` is not a URL or a path (workers open their own connection).
    """
    if store is not None and not isinstance(store, str):
        raise TypeError(
            "Runs in other processes open the store themselves: pass `store` as a URL or a path "
            f"(e.g. 'postgresql://...' or 'runs.db'), not a {type(store).__name__} object."
        )
    blob = check_picklable(workflow, f"Workflow `{workflow.name}`", root="workflow")
    pickled = [
        check_picklable(item, f"Input {i} of `{workflow.name}.map`", root=f"inputs[{i}]")
        for i, item in enumerate(items)
    ]
    key = hashlib.sha1(blob).hexdigest()

    def on_result(i: int, result: Any) -> None:
        if isinstance(result, BaseException):
            row = _failed(run_ids[i], f"{type(result).__name__}: {result}")
        else:
            try:
                row = loads(result)
            except Exception as error:
                row = _unloadable_here(run_ids[i], error)
        on_row(i, row)

    if is_dask_client(executor):
        await _map_dask(executor, key, blob, pickled, run_ids, store, on_result)
    else:
        await _map_pool(executor, key, blob, pickled, run_ids, store, on_result)


def _unloadable_here(run_id: str, error: Exception) -> dict[str, Any]:
    return _failed(
        run_id,
        f"This process could not load the result of run `{run_id}`: {type(error).__name__}: "
        f"{error}. Keep run data to types both sides can import.",
    )


async def _map_pool(
    pool: Any,
    key: str,
    blob: bytes,
    items: list[bytes],
    run_ids: list[str],
    store: str | None,
    on_result: Callable[[int, Any], None],
) -> None:
    async def one(i: int) -> None:
        try:
            future = pool.submit(run_remote, key, blob, items[i], run_ids[i], store, None)
            result: Any = await asyncio.wrap_future(future)
        except Exception as error:
            result = error
        on_result(i, result)

    async with asyncio.TaskGroup() as group:
        for i in range(len(items)):
            group.create_task(one(i))


async def _map_dask(
    client: Any,
    key: str,
    blob: bytes,
    items: list[bytes],
    run_ids: list[str],
    store: str | None,
    on_result: Callable[[int, Any], None],
) -> None:
    from distributed import as_completed

    loop = asyncio.get_running_loop()
    topic = f"fsmnb-telemetry-{uuid.uuid4().hex[:12]}"

    finished = [0]
    all_finished = asyncio.Event()
    started = [0]  # runs that reached a worker's loop: each sends one run_finished

    def publish(message: TelemetryEvent) -> None:
        bus.publish(message)
        if message.kind == "run_finished":
            finished[0] += 1
            if finished[0] >= started[0]:
                all_finished.set()

    def relay(event: tuple[float, Any]) -> None:  # on the client's thread
        kind, run_id, state, name, t = event[1]
        message = TelemetryEvent(kind, run_id=run_id, state=state, name=name, time=t)
        if not loop.is_closed():
            loop.call_soon_threadsafe(publish, message)

    if client.asynchronous:
        raise TypeError(
            "`wf.map`/`wf.amap` drive a synchronous `distributed.Client`; create it without "
            "`asynchronous=True` (it may live on any thread)."
        )
    client.subscribe_topic(topic, relay)
    n = len(items)
    index: dict[str, int] = {}
    futures: list[Any] = []
    done = asyncio.Event()
    remaining = [n]

    def deliver(i: int, result: Any) -> None:
        if isinstance(result, bytes):
            started[0] += 1
        on_result(i, result)
        remaining[0] -= 1
        if remaining[0] == 0:
            done.set()

    def collect() -> None:  # a thread: Dask's own batching of results
        for future, result in as_completed(futures, with_results=True, raise_errors=False):
            loop.call_soon_threadsafe(deliver, index[future.key], result)

    try:
        # The workflow travels inside each task (not scattered once): a task that Dask runs
        # again after its worker died must not depend on data that died with that worker.
        futures = await asyncio.to_thread(
            client.map,
            run_remote,
            [key] * n,
            [blob] * n,
            items,
            run_ids,
            [store] * n,
            [topic] * n,
            pure=False,
        )
        index = {f.key: i for i, f in enumerate(futures)}
        if n:
            collector = asyncio.ensure_future(asyncio.to_thread(collect))
            await done.wait()
            await collector
            # Telemetry travels apart from results: let the last run_finished events land
            # (bounded: a run refused before it started sends none).
            if finished[0] < started[0]:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(all_finished.wait(), TELEMETRY_GRACE)
    finally:
        if futures and not done.is_set():
            await asyncio.to_thread(client.cancel, futures)
        client.unsubscribe_topic(topic)
