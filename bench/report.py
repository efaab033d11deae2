"""Render the measurements of `bench/compare.py` as Markdown: one table per scenario, then the targets."""

from __future__ import annotations

from dataclasses import dataclass

from scenarios import SCENARIOS, TARGETS, Scenario, Target

__all__ = ("Row", "render", "target_verdicts")


@dataclass(frozen=True)
class Row:
    """One implementation's result in one scenario.

    Attributes:
        side: the side module (`fsmnb_side`, `langgraph_side`, ...).
        name: the implementation's display name.
        what: what was measured.
        value: the result in the scenario's unit (None when not measured).
        spread: (max - min) / median across repeats, for timings.
        cpu: the same result computed from process CPU time instead of wall time.
        note: what a reader must know; for failures, the reason.
        status: ``ok``, ``missing`` (not installed) or ``error``.
    """

    side: str
    name: str
    what: str
    value: float | None = None
    spread: float | None = None
    note: str = ""
    status: str = "ok"
    cpu: float | None = None


def fmt(value: float, unit: str) -> str:
    """A number in the precision its unit deserves."""
    if unit.endswith("/ s") or unit.startswith("bytes"):
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def reference(rows: list[Row]) -> Row | None:
    """fsmnb's first measured row: what the others are compared with."""
    return next((r for r in rows if r.side == "fsmnb_side" and r.value is not None), None)


def versus(row: Row, ref: Row | None, scenario: Scenario) -> str:
    """How `row` compares with fsmnb, in words (``38× slower``, ``2.1× smaller``)."""
    if ref is None or ref.value is None or row.value is None:
        return ""
    if row is ref:
        return "reference"
    factor = row.value / ref.value if scenario.lower_is_better else ref.value / row.value
    worse, better = ("larger", "smaller") if scenario.key == "idle" else ("slower", "faster")
    if factor >= 1:
        return f"{_times(factor)} {worse}"
    return f"{_times(1 / factor)} {better}"


def _times(factor: float) -> str:
    return f"{factor:,.0f}×" if factor >= 100 else f"{factor:.3g}×"


def _table(scenario: Scenario, rows: list[Row]) -> list[str]:
    ref = reference(rows)
    out = [
        f"### {scenario.title}",
        "",
        f"_{scenario.describes}._",
        "",
        f"| implementation | what is measured | {scenario.unit} | spread | on CPU time | vs fsmnb | note |",
        "| --- | --- | ---: | ---: | ---: | --- | --- |",
    ]
    for r in rows:
        if r.status != "ok":
            out.append(f"| {r.name} | — | {r.status} | | | | {r.note} |")
            continue
        value = fmt(r.value, scenario.unit) if r.value is not None else "—"
        spread = f"±{r.spread / 2:.0%}" if r.spread is not None else ""
        cpu = fmt(r.cpu, scenario.unit) if r.cpu is not None else ""
        out.append(
            f"| {r.name} | {r.what} | {value} | {spread} | {cpu} | {versus(r, ref, scenario)} "
            f"| {r.note} |"
        )
    return out


def _judge(
    t: Target, scenario: Scenario, mine: float, theirs: float | None
) -> tuple[str, bool, str]:
    """(measured, met, margin) for one target on one reading (wall or CPU time)."""
    if t.peer is not None:
        assert theirs is not None
        ratio = theirs / mine
        measured = f"{_times(ratio)} ({fmt(theirs, scenario.unit)} vs {fmt(mine, scenario.unit)} {scenario.unit})"
        met = ratio >= t.bound
        short = t.bound / ratio
        if met:
            margin = f"{ratio / t.bound:.2g}× the bound"
        else:
            margin = f"short by {short - 1:.0%}" if short < 2 else f"short by {short:.2g}×"
        return measured, met, margin
    measured = f"{fmt(mine, scenario.unit)} {scenario.unit}"
    if scenario.lower_is_better:
        met = mine <= t.bound
        factor = t.bound / mine if met else mine / t.bound
    else:
        met = mine >= t.bound
        factor = mine / t.bound if met else t.bound / mine
    if met:
        margin = f"{factor:.2g}× headroom"
    else:
        margin = f"missed by {factor - 1:.0%}" if factor < 2 else f"missed by {factor:.2g}×"
    return measured, met, margin


def target_verdicts(results: dict[str, list[Row]]) -> list[tuple[Target, str, str, str, str]]:
    """For each DESIGN.md target: (target, measured, verdict, margin, verdict on CPU time)."""
    by_key = {s.key: s for s in SCENARIOS}
    verdicts = []
    for t in TARGETS:
        scenario = by_key[t.scenario]
        rows = results.get(t.scenario, [])
        ours = [r for r in rows if r.side == "fsmnb_side" and r.value is not None]
        theirs = next((r for r in rows if r.side == t.peer and r.value is not None), None)
        if len(ours) <= t.row or (t.peer is not None and theirs is None):
            verdicts.append((t, "not measured", "unknown", "", ""))
            continue
        mine = ours[t.row]
        assert mine.value is not None
        measured, met, margin = _judge(t, scenario, mine.value, theirs.value if theirs else None)
        on_cpu = ""
        floor = next((r for r in rows if r.side == "plain" and r.value is not None), None)
        if t.wall_only:
            if floor is not None and floor.value is not None:
                on_cpu = (
                    f"n/a (a wall-time target); {mine.value - floor.value:+.1f} ms against the "
                    f"plain Python floor of this run ({fmt(floor.value, scenario.unit)} ms)"
                )
        elif mine.cpu is not None and (theirs is None or theirs.cpu is not None):
            cpu_measured, cpu_met, _ = _judge(t, scenario, mine.cpu, theirs.cpu if theirs else None)
            on_cpu = f"{'met' if cpu_met else 'missed'}: {cpu_measured}"
        verdicts.append((t, measured, "met" if met else "**missed**", margin, on_cpu))
    return verdicts


def render(results: dict[str, list[Row]], header: list[str], absent: dict[str, list[str]]) -> str:
    """The whole report: header lines, one table per scenario, then the targets table."""
    out = [*header, ""]
    for scenario in SCENARIOS:
        rows = results.get(scenario.key)
        if rows is None:
            continue
        out += _table(scenario, rows)
        if absent.get(scenario.key):
            out += ["", f"No equivalent in: {', '.join(absent[scenario.key])}."]
        out.append("")
    out += [
        "### Targets (DESIGN.md)",
        "",
        "| target | measured (fsmnb, wall time) | verdict | margin | on CPU time |",
        "| --- | --- | --- | --- | --- |",
    ]
    for t, measured, verdict, margin, on_cpu in target_verdicts(results):
        out.append(f"| {t.what} | {measured} | {verdict} | {margin} | {on_cpu} |")
    return "\n".join(out) + "\n"
