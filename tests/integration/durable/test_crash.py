"""Crash test: SIGKILL durable workers at random points, resume, and check every promise.

A small count runs in `make test`; the full figures come from
``python tests/integration/durable/harness.py --runs 100``.
"""

from __future__ import annotations

from pathlib import Path

from .harness import run_harness, run_race


def test_killed_workers_resume_without_losing_or_repeating_journaled_effects(
    tmp_path: Path,
) -> None:
    figures = run_harness(tmp_path, runs=8, kills=4, seed=7)
    assert figures.problems == []
    assert figures.kills >= 4
    assert figures.ledger_rows == 8 * 10
    assert figures.journaled_then_executed == 0


def test_racing_resumers_never_drive_one_run_twice(tmp_path: Path) -> None:
    figures = run_race(tmp_path, runs=6, racers=3, kills=3, seed=11)
    assert figures.problems == []
    assert figures.kills >= 3
    assert figures.ledger_rows == 6 * 10
    assert figures.journaled_then_executed == 0
