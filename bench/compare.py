"""fsmnb side by side with its peers, in one process: absolute numbers, ratios and the targets.

Run it through `make bench` (which creates `.venv-bench` with the peers installed),
or directly in an environment that has them:

    python bench/compare.py [--output bench/results.md] [--only sync_step,events] [--quick]

A peer that is not installed is reported as missing; a scenario that fails on one
side is reported as an error on that row and the run goes on. Nothing here asserts
on timings: this is a report, not a test.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
import traceback
from importlib import metadata
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
from report import Row, render
from scenarios import SCENARIOS, Scenario
from sides import SIDES, Measured, load

ROOT = Path(__file__).resolve().parent.parent
IDLE_COUNT = 10_000


def _version(dist: str | None) -> str:
    if dist is None:
        return platform.python_version()
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


def _importable(module: str) -> bool:
    from importlib.util import find_spec

    try:
        return find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _revision() -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _measured(scenario: Scenario, module: ModuleType, idle_budget: float) -> list[Measured]:
    fn = getattr(module, scenario.key)
    result: list[Measured] = fn(IDLE_COUNT, idle_budget) if scenario.key == "idle" else fn()
    return result


def _error(side: str, name: str, what: str, exc: BaseException) -> Row:
    if not isinstance(exc, Exception):
        raise exc
    traceback.print_exception(exc, file=sys.stderr)
    return Row(side, name, what, note=f"{type(exc).__name__}: {exc}"[:160], status="error")


def _memory_row(side: str, name: str, m: Measured) -> Row:
    note = m.note
    if m.count is not None and m.count != IDLE_COUNT:
        budget = f"{m.count:,} instances (time budget)"
        note = f"{budget}; {note}" if note else budget
    return Row(side, name, m.what, m.bytes_each, None, note)


def _scenario_rows(
    scenario: Scenario, sides: list[tuple[str, ModuleType]], idle_budget: float
) -> list[Row]:
    """Set up every side's rows, then time all the timed ones together (interleaved)."""
    slots: list[Row | tuple[str, str, Measured]] = []
    for side, module in sides:
        t0 = time.perf_counter()
        try:
            measured = _measured(scenario, module, idle_budget)
        except Exception as exc:  # one failing side must not sink the report
            slots.append(_error(side, module.NAME, "", exc))
            continue
        for m in measured:
            slots.append(
                (side, module.NAME, m) if m.timed is not None else _memory_row(side, module.NAME, m)
            )
        if scenario.key == "idle":
            print(
                f"   {module.NAME}: {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True
            )
    pending = [s for s in slots if isinstance(s, tuple)]
    t0 = time.perf_counter()
    samples = harness.measure_interleaved([m.timed for _, _, m in pending])  # type: ignore[misc]
    if pending:
        print(
            f"   {len(pending)} timed rows: {time.perf_counter() - t0:.1f} s",
            file=sys.stderr,
            flush=True,
        )
    by_slot = {id(p): s for p, s in zip(pending, samples, strict=True)}
    rows = []
    for slot in slots:
        if isinstance(slot, Row):
            rows.append(slot)
            continue
        side, name, m = slot
        sample = by_slot[id(slot)]
        if isinstance(sample, BaseException):
            rows.append(_error(side, name, m.what, sample))
            continue
        cpu = scenario.value(sample.cpu_ns) if sample.cpu_ns > 0 else None
        rows.append(
            Row(side, name, m.what, scenario.value(sample.ns), sample.spread, m.note, cpu=cpu)
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="also write the Markdown report here")
    parser.add_argument(
        "--only", help="comma-separated scenario keys: " + ",".join(s.key for s in SCENARIOS)
    )
    parser.add_argument("--sides", help="comma-separated side modules: " + ",".join(SIDES))
    parser.add_argument("--quick", action="store_true", help="fewer repeats, for trying things out")
    args = parser.parse_args(argv)

    only = set(args.only.split(",")) if args.only else None
    wanted = args.sides.split(",") if args.sides else list(SIDES)
    if args.quick:
        harness.REPEATS = 3
        harness.TARGET_BATCH_S = 0.03
    idle_budget = 0.2 if args.quick else 0.4

    modules: dict[str, ModuleType] = {}
    missing: dict[str, str] = {}
    for side in wanted:
        try:
            modules[side] = load(side)
        except ImportError as exc:
            # A peer that pip could not install is "missing"; an import error inside an
            # installed package (fsmnb mid-refactor, a broken peer release) says so.
            top = (exc.name or "").split(".")[0]
            installed = top and _importable(top)
            missing[side] = f"import failed: {exc}" if installed else f"not installed ({exc.name})"

    started = time.time()
    load_before = os.getloadavg()
    results: dict[str, list[Row]] = {}
    absent: dict[str, list[str]] = {}
    for scenario in SCENARIOS:
        if only is not None and scenario.key not in only:
            continue
        print(f"== {scenario.title}", file=sys.stderr, flush=True)
        rows: list[Row] = []
        present: list[tuple[str, ModuleType]] = []
        for side in wanted:
            if side in missing:
                name = side.removesuffix("_side")
                rows.append(Row(side, name, "", note=missing[side], status="missing"))
            elif hasattr(modules[side], scenario.key):
                present.append((side, modules[side]))
            else:
                absent.setdefault(scenario.key, []).append(modules[side].NAME)
        rows += _scenario_rows(scenario, present, idle_budget)
        # Table order: the floor, fsmnb, then the peers (missing ones in place).
        order = {side: i for i, side in enumerate(wanted)}
        rows.sort(key=lambda r: order.get(r.side, len(order)))
        results[scenario.key] = rows

    load_after = os.getloadavg()
    versions = ", ".join(
        f"{m.NAME} {_version(m.DIST)}" for side, m in modules.items() if m.DIST is not None
    )
    header = [
        f"## Benchmark results — {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        "",
        f"- fsmnb revision `{_revision()}`; Python {platform.python_version()} "
        f"({platform.python_implementation()}) on {platform.machine()}, {os.cpu_count()} cores",
        f"- versions: {versions}",
        f"- load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after; "
        f"took {time.time() - started:.0f} s. Medians of {harness.REPEATS} repeats, the rows of "
        "a scenario interleaved; spread is half the (max − min) range over the median — a "
        "large one means a busy machine",
    ]
    if missing:
        header.append("- missing peers: " + ", ".join(f"{s} ({why})" for s, why in missing.items()))
    text = render(results, header, absent)
    print(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
