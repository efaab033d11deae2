"""Build-time checks of a flow's DAG, its stages, and its DOT drawing.

Problems are sentences naming each offender and the fix: unknown
dependencies (with the steps that exist), cycles (as their path), steps
that can never run (they wait on a cycle, or on a detached `async_` step
whose end nobody waits for), and policies that contradict each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fsmnb.signals.flows import Flow, FlowStep

__all__ = ("check_flow", "flow_dot", "stages_of")


def _implicit_deps(flow: Flow) -> dict[str, tuple[str, ...]]:
    """Each step's dependencies, the implicit ones (list order, parallel groups) filled in."""
    deps: dict[str, tuple[str, ...]] = {}
    previous: FlowStep | None = None
    for step in flow.steps.values():
        if step.depends_on is not None:
            deps[step.name] = tuple(step.depends_on)
        elif previous is None:
            deps[step.name] = ()
        elif step.parallel_group is not None and step.parallel_group == previous.parallel_group:
            deps[step.name] = deps[previous.name]
        elif previous.async_:
            # A detached step is never waited for: follow what it followed.
            deps[step.name] = deps[previous.name]
        else:
            deps[step.name] = (previous.name,)
        previous = step
    return deps


def check_flow(flow: Flow) -> list[str]:
    """Every problem of `flow`'s steps and DAG (empty when it is sound)."""
    from fsmnb.signals.flows import _ON_ERROR, resolve_step

    problems: list[str] = []
    if not flow.steps:
        return ["it has no steps; give it at least one `FlowStep`"]
    deps = _implicit_deps(flow)
    known = ", ".join(f"`{n}`" for n in flow.steps)
    for step in flow.steps.values():
        resolve_step(step, problems)
        step.resolved["deps"] = deps[step.name]
        if step.on_error not in _ON_ERROR:
            problems.append(
                f"step `{step.name}` has on_error `{step.on_error}`; use one of "
                + ", ".join(f"`{o}`" for o in _ON_ERROR)
            )
        if step.required is True and step.on_error == "continue":
            problems.append(
                f"step `{step.name}` is required but continues past its failure; set "
                "`required=False` or another `on_error`"
            )
        if step.timeout is not None and step.timeout <= 0:
            problems.append(f"step `{step.name}` has timeout {step.timeout}; use a time > 0 s")
        for dep in deps[step.name]:
            if dep == step.name:
                problems.append(
                    f"step `{step.name}` depends on itself; remove `{dep}` from its `depends_on`"
                )
            elif dep not in flow.steps:
                problems.append(
                    f"step `{step.name}` depends on `{dep}`, which is not a step (steps: {known}); "
                    "fix the name or add the step"
                )
            elif flow.steps[dep].async_:
                problems.append(
                    f"step `{step.name}` can never run: it depends on `{dep}`, which runs detached "
                    f"(`async_`) and is never waited for; remove `async_` from `{dep}` or the "
                    "dependency"
                )
    cycles = _cycles(deps, flow)
    for cycle in cycles:
        path = " → ".join(f"`{n}`" for n in cycle)
        problems.append(
            f"steps depend on each other in a cycle: {path}; remove one of these dependencies"
        )
    if cycles:
        in_cycle = {n for c in cycles for n in c}
        stuck = sorted(n for n in flow.steps if n not in in_cycle and _reaches(n, in_cycle, deps))
        if stuck:
            problems.append(
                "these steps can never run because they wait on the cycle: "
                + ", ".join(f"`{n}`" for n in stuck)
            )
    return problems


def _cycles(deps: dict[str, tuple[str, ...]], flow: Flow) -> list[list[str]]:
    """Each cycle once, as a path that ends where it starts (depth-first search, 3 colours)."""
    colour: dict[str, int] = dict.fromkeys(flow.steps, 0)
    stack: list[str] = []
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def visit(node: str) -> None:
        colour[node] = 1
        stack.append(node)
        for dep in deps.get(node, ()):
            if dep not in colour or dep == node:
                continue
            if colour[dep] == 1:
                cycle = [*stack[stack.index(dep) :], dep]
                key = frozenset(cycle)
                if key not in seen:
                    seen.add(key)
                    found.append(list(reversed(cycle)))
            elif colour[dep] == 0:
                visit(dep)
        stack.pop()
        colour[node] = 2

    for name in flow.steps:
        if colour[name] == 0:
            visit(name)
    return found


def _reaches(name: str, targets: set[str], deps: dict[str, tuple[str, ...]]) -> bool:
    todo, seen = list(deps.get(name, ())), set()
    while todo:
        n = todo.pop()
        if n in targets:
            return True
        if n not in seen:
            seen.add(n)
            todo.extend(deps.get(n, ()))
    return False


def stages_of(flow: Flow) -> list[list[str]]:
    """Steps grouped by stage: a step's stage is one past its latest dependency's."""
    level: dict[str, int] = {}
    for name in flow.steps:  # the DAG is acyclic here; memoised longest path
        _level(name, flow.deps, level)
    stages: list[list[str]] = [[] for _ in range(max(level.values()) + 1)]
    for name in flow.steps:
        stages[level[name]].append(name)
    return stages


def _level(name: str, deps: dict[str, tuple[str, ...]], level: dict[str, int]) -> int:
    if name not in level:
        level[name] = 1 + max((_level(d, deps, level) for d in deps[name]), default=-1)
    return level[name]


def flow_dot(flow: Flow) -> str:
    """Graphviz DOT of the DAG: one cluster per stage, dashed edges into async steps."""
    lines = [
        f'digraph "{flow.name}" {{',
        '  rankdir=LR; node [shape=box, style="rounded,filled", fillcolor="#eef3fb", '
        'fontname="Helvetica", fontsize=11]; edge [color="#666677"];',
    ]
    for i, stage in enumerate(flow.stages):
        lines.append(
            f'  subgraph cluster_{i} {{ label="stage {i + 1}"; color="#ccccdd"; style=dashed;'
        )
        for name in stage:
            step = flow.steps[name]
            extra: list[str] = []
            if step.on_error != "halt":
                extra.append(step.on_error)
            if step.undo is not None:
                extra.append(f"undo: {step.undo.name}")
            if step.async_:
                extra.append("async")
            label = name + (f"\\n({', '.join(extra)})" if extra else "")
            fill = ', fillcolor="#f4f4f4"' if not step.is_required else ""
            lines.append(f'    "{name}" [label="{label}"{fill}];')
        lines.append("  }")
    for name, deps in flow.deps.items():
        style = " [style=dashed]" if flow.steps[name].async_ else ""
        lines.extend(f'  "{d}" -> "{name}"{style};' for d in deps)
    lines.append("}")
    return "\n".join(lines)
