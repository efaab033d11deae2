"""`python -m fsmnb.demo` (`make demo`): run every example notebook headless and summarize.

Each notebook in `notebooks/` is executed top to bottom in a fresh kernel
(nbclient), offline, and written with its outputs to `build/notebooks/`. A
table shows, per notebook, the cells run, the seconds taken, the status and
the first line of its last checked output (`# NBVAL_CHECK_OUTPUT`). The exit
status is 1 when any notebook fails.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ("Outcome", "main", "run_notebook")

CHECK_MARK = "# NBVAL_CHECK_OUTPUT"


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one notebook ran."""

    name: str
    cells: int
    seconds: float
    ok: bool
    key_output: str


def run_notebook(path: Path, out_dir: Path, *, timeout: float = 120) -> Outcome:
    """Execute the notebook at `path`, write it with outputs into `out_dir`, report."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    started = time.perf_counter()
    try:
        client.execute()
        ok, failure = True, ""
    except CellExecutionError as error:
        ok, failure = False, _first_line(str(error).strip().splitlines()[-1:])
    seconds = time.perf_counter() - started
    out_dir.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out_dir / path.name)
    code = [c for c in nb.cells if c.cell_type == "code"]
    ran = sum(1 for c in code if c.get("execution_count"))
    return Outcome(path.stem, ran, seconds, ok, failure or _key_output(code))


def _key_output(cells: list[Any]) -> str:
    for cell in reversed(cells):
        if CHECK_MARK in cell.source:
            for output in cell.get("outputs", []):
                text = output.get("text") or output.get("data", {}).get("text/plain", "")
                if text.strip():
                    return _first_line(text.strip().splitlines())
    return ""


def _first_line(lines: list[str], width: int = 60) -> str:
    line = " ".join(lines[0].split()) if lines else ""
    return line if len(line) <= width else line[: width - 1] + "…"


def _table(outcomes: list[Outcome]) -> str:
    rows = [("notebook", "cells", "seconds", "status", "key output")]
    rows += [
        (o.name, str(o.cells), f"{o.seconds:.1f}", "ok" if o.ok else "FAILED", o.key_output)
        for o in outcomes
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for n, row in enumerate(rows):
        lines.append(
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[4]
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 10)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the notebooks, print the summary table; 0 when every notebook ran cleanly."""
    parser = argparse.ArgumentParser(
        prog="python -m fsmnb.demo", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--notebooks", type=Path, default=Path("notebooks"), help="where the notebooks are"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("build/notebooks"), help="where to write them"
    )
    parser.add_argument("--timeout", type=float, default=120, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    paths = sorted(args.notebooks.glob("[0-9]*.ipynb"))
    if not paths:
        print(f"no notebooks in {args.notebooks}/", file=sys.stderr)
        return 1
    outcomes = []
    for path in paths:
        print(f"running {path} …", flush=True)
        outcomes.append(run_notebook(path, args.out, timeout=args.timeout))
    print()
    print(_table(outcomes))
    failed = [o.name for o in outcomes if not o.ok]
    total = sum(o.seconds for o in outcomes)
    print(
        f"\n{len(outcomes) - len(failed)}/{len(outcomes)} notebooks ran cleanly in {total:.1f} s; "
        f"executed copies in {args.out}/"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
