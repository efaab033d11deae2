"""Run one workflow over many inputs with bounded concurrency: `wf.map` / `await wf.amap`.

Each input becomes one run: a mapping is the run's data, anything else is
passed as ``{"input": value}``. Runs go on the running loop, at most
`concurrency` at a time; a failed run does not stop the others. The result
is a pandas DataFrame with one row per input, in input order.

Progress is shown by `tqdm.auto` when it is installed (a widget in Jupyter,
a bar in a terminal), else by one line of text rewritten in place on stderr.
This module never imports IPython itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from fsmnb.errors import FsmnbError

if TYPE_CHECKING:
    import pandas as pd

    from fsmnb.engine.clock import Clock
    from fsmnb.workflow.workflow import Workflow

__all__ = ("Progress", "TextProgress", "map_runs")

RESULT_COLUMNS = ("state", "status", "error")


class Progress(Protocol):
    """What `map_runs` reports to: `update(1)` per finished run, `close()` at the end."""

    def update(self, n: int = 1) -> Any:
        """Count `n` more runs as finished."""
        ...

    def close(self) -> Any:
        """Finish the display."""
        ...


class TextProgress:
    """A one-line text progress report on stderr, for when `tqdm` is not installed."""

    def __init__(self, total: int, desc: str) -> None:
        self.total, self.desc, self.count = total, desc, 0
        self._show()

    def update(self, n: int = 1) -> None:
        """Count `n` more finished runs and redraw the line."""
        self.count += n
        self._show()

    def close(self) -> None:
        """End the line."""
        sys.stderr.write("\n")
        sys.stderr.flush()

    def _show(self) -> None:
        width = 20
        filled = width * self.count // self.total if self.total else width
        bar = "#" * filled + "." * (width - filled)
        sys.stderr.write(f"\r{self.desc}: [{bar}] {self.count}/{self.total} runs")
        sys.stderr.flush()


def _default_progress(total: int, desc: str) -> Progress:
    try:
        from tqdm.auto import tqdm  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        return TextProgress(total, desc)
    bar: Progress = tqdm(total=total, desc=desc, unit="run")
    return bar


async def map_runs(
    workflow: Workflow,
    inputs: Iterable[Any],
    /,
    *,
    concurrency: int = 8,
    progress: bool | Callable[[int, str], Progress] = True,
    clock: Clock | None = None,
    run_id_prefix: str | None = None,
    executor: Any = None,
    store: Any = None,
) -> pd.DataFrame:
    """Run `workflow` once per input and return one DataFrame row per input.

    Args:
        workflow: the workflow to run.
        inputs: run data (mappings), or values passed as ``{"input": value}``.
        concurrency: at most this many runs execute at once (>= 1).
        progress: show progress (True), not (False), or a factory
            ``progress(total, description)`` returning an object with
            ``update(n)`` and ``close()``.
        clock: the clock for every run (e.g. a `VirtualClock`).
        run_id_prefix: give the runs the ids ``f"{prefix}{i}"`` (stable ids for
            tests and notebooks) instead of random ones.
        executor: run the runs in other processes: a `distributed.Client` (Dask
            workers, telemetry streamed back) or a `concurrent.futures` process
            pool; `concurrency` is then the cluster's business (see
            `fsmnb.engine.remote_runs`).
        store: make the runs durable in this store (with an `executor`: a URL
            or a path, which each worker opens).

    Returns:
        A DataFrame with the input columns, then ``state``, ``status``
        (``done``, ``failed``, ``cancelled`` or ``waiting``), the run's final
        data under the keys the input did not have, ``error`` (the message or
        None) and ``run_id``.

    Raises:
        ValueError: `concurrency` is below 1.
        DefinitionError: the workflow is invalid (raised before any run starts).
        SerializationError: with an `executor`, the workflow or an input does
            not pickle (raised before anything is submitted; names what).
    """
    if concurrency < 1:
        raise ValueError(f"`concurrency` must be at least 1, not {concurrency}.")
    workflow.check()
    items = [dict(x) if isinstance(x, Mapping) else {"input": x} for x in inputs]
    bar: Progress | None = None
    if progress:
        factory = _default_progress if progress is True else progress
        bar = factory(len(items), workflow.name)
    gate = asyncio.Semaphore(concurrency)
    rows: list[dict[str, Any]] = [{} for _ in items]
    if executor is not None:
        from fsmnb.engine.remote_runs import map_remote, remote_run_ids

        def on_row(i: int, row: dict[str, Any]) -> None:
            rows[i] = row
            if bar is not None:
                bar.update(1)

        try:
            ids = remote_run_ids(run_id_prefix, len(items))
            await map_remote(workflow, items, ids, executor, store=store, on_row=on_row)
        finally:
            if bar is not None:
                bar.close()
        return _frame(items, rows)

    async def one(i: int, data: dict[str, Any]) -> None:
        async with gate:
            rows[i] = await _run_one(workflow, data, clock, _run_id(run_id_prefix, i), store)
        if bar is not None:
            bar.update(1)

    try:
        async with asyncio.TaskGroup() as group:
            for i, data in enumerate(items):
                group.create_task(one(i, data))
    finally:
        if bar is not None:
            bar.close()
    return _frame(items, rows)


def _run_id(prefix: str | None, i: int) -> str | None:
    return None if prefix is None else f"{prefix}{i}"


async def _run_one(
    workflow: Workflow, data: dict[str, Any], clock: Clock | None, run_id: str | None, store: Any
) -> dict[str, Any]:
    try:
        run = workflow.start(dict(data), run_id=run_id, clock=clock, store=store)
    except FsmnbError as exc:  # a validator refused this input: a row, not a crash
        return {"state": None, "status": "failed", "error": str(exc), "run_id": run_id}
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


def _frame(items: list[dict[str, Any]], rows: list[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    input_keys: list[str] = list(dict.fromkeys(k for item in items for k in item))
    data_keys: list[str] = list(
        dict.fromkeys(
            k
            for row in rows
            for k in row.get("data", {})
            if k not in input_keys and k not in (*RESULT_COLUMNS, "run_id")
        )
    )
    records = []
    for item, row in zip(items, rows, strict=True):
        data = row.get("data", {})
        record = {k: item.get(k) for k in input_keys}
        record["state"], record["status"] = row["state"], row["status"]
        record.update({k: data.get(k) for k in data_keys})
        record["error"], record["run_id"] = row["error"], row["run_id"]
        records.append(record)
    columns = [*input_keys, "state", "status", *data_keys, "error", "run_id"]
    return pd.DataFrame.from_records(records, columns=columns)
