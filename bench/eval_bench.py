"""The bounded evaluator against simpleeval and asteval on the escape/DoS corpus.

Each evaluator runs the corpus of tests/unit/llm/eval_corpus.py in a child
process that reports one line per expression; the parent waits at most
`--hang` seconds per line (a C-level computation such as ``round(1, -10**9)``
cannot be interrupted inside its process), kills the child on a hang and
restarts it at the next expression. Each evaluator gets the same functions
(abs round min max sqrt exp log log10 log2 sin cos tan floor ceil hypot
factorial) and constants (pi e tau).

Run: ``.venv/bin/python bench/eval_bench.py`` (simpleeval and asteval are
installed on demand with `pip install simpleeval asteval`; a missing one is
reported, not fatal).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EVALUATORS = ("fsmnb", "simpleeval", "asteval")
FUNCTIONS = [
    "abs",
    "round",
    "min",
    "max",
    "sqrt",
    "exp",
    "log",
    "log10",
    "log2",
    "sin",
    "cos",
    "tan",
    "floor",
    "ceil",
    "hypot",
    "factorial",
]


def _evaluator(name: str) -> Any:
    if name == "fsmnb":
        from fsmnb.llm.safe_eval import evaluate

        return evaluate
    table: dict[str, Any] = {n: getattr(math, n, None) for n in FUNCTIONS}
    table.update(abs=abs, round=round, min=min, max=max)
    names = {"pi": math.pi, "e": math.e, "tau": math.tau}
    if name == "simpleeval":
        from simpleeval import SimpleEval

        se = SimpleEval(functions=table, names=names)
        return se.eval
    from asteval import Interpreter

    interp = Interpreter(minimal=True, use_numpy=False)
    interp.symtable.update(table)
    interp.symtable.update(names)

    def run(text: str) -> Any:
        interp.error = []
        value = interp.eval(text, show_errors=False, raise_errors=True)
        return value

    return run


def child(name: str, start: int) -> None:
    """Evaluate the corpus from index `start`, printing one JSON line per expression."""
    sys.path.insert(0, str(ROOT))
    from tests.unit.llm.eval_corpus import corpus

    evaluate = _evaluator(name)
    print(json.dumps({"ready": True}), flush=True)
    for i, (_, text, _) in enumerate(corpus()[start:], start):
        began = time.perf_counter()
        try:
            value = evaluate(text)
            outcome = (
                "answered" if isinstance(value, int | float) else f"answered {type(value).__name__}"
            )
        except BaseException as exc:  # every refusal counts, whatever its type
            outcome = "refused" if not isinstance(exc, KeyboardInterrupt) else "interrupted"
        print(
            json.dumps({"i": i, "outcome": outcome, "ms": (time.perf_counter() - began) * 1e3}),
            flush=True,
        )


def measure(name: str, hang: float) -> dict[str, Any] | str:
    """Run the corpus through `name` in child processes; tally outcomes and times."""
    sys.path.insert(0, str(ROOT))
    from tests.unit.llm.eval_corpus import corpus

    total = len(corpus())
    results: dict[int, tuple[str, float]] = {}
    start = 0
    while start < total:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child", name, "--start", str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert proc.stdout is not None
        first = _readline(proc, 60.0)
        if first is None or "ready" not in first:
            proc.kill()
            err = proc.stderr.read() if proc.stderr else ""
            return f"missing ({err.strip().splitlines()[-1] if err.strip() else 'did not start'})"
        index = start
        while index < total:
            line = _readline(proc, hang)
            if line is None:
                results[index] = ("hang", hang * 1e3)
                proc.kill()
                break
            row = json.loads(line)
            results[row["i"]] = (row["outcome"], row["ms"])
            index = row["i"] + 1
        proc.kill()
        proc.wait()
        start = index + 1 if index < total and results.get(index, ("",))[0] == "hang" else index
    outcomes: dict[str, int] = {}
    for outcome, _ in results.values():
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    times = sorted(ms for _, ms in results.values())
    return {
        "outcomes": outcomes,
        "over_50ms": sum(ms > 50 for ms in times),
        "max_ms": times[-1],
        "median_ms": times[len(times) // 2],
        "slowest": [
            corpus()[i][1][:40]
            for i, (o, ms) in sorted(results.items(), key=lambda kv: -kv[1][1])[:3]
        ],
    }


def _readline(proc: subprocess.Popen[str], timeout: float) -> str | None:
    import selectors

    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            return None
    line = proc.stdout.readline()
    return line or None


def main() -> None:
    """Print one row per evaluator."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child")
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--hang", type=float, default=2.0, help="seconds before a hang")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.start)
        return
    sys.path.insert(0, str(ROOT))
    from tests.unit.llm.eval_corpus import corpus

    print(
        f"corpus: {len(corpus())} expressions; hang = no answer within {args.hang:g} s; "
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores"
    )
    for name in EVALUATORS:
        row = measure(name, args.hang)
        print(f"{name:11} {row if isinstance(row, str) else json.dumps(row)}")


if __name__ == "__main__":
    main()
