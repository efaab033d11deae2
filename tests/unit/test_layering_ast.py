"""The layering and the run's privacy, read from the source (every import, wherever it is).

`test_layering.py` checks what importing a layer loads; this reads the AST of
every module, so function-local and `TYPE_CHECKING` imports count too, and
checks that no module outside ``fsmnb/engine/run*.py`` reads or writes
another object's private attribute (``x._name``, ``getattr(x, "_name")``).
Allowed exceptions are listed here by name, each with its reason.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import fsmnb

PACKAGE = Path(fsmnb.__file__).parent
ROOT = PACKAGE.parent

#: Lower ranks are lower layers; a module imports only its own layer and lower ones.
RANK = {
    "errors": 0,
    "fsm": 1,
    "effects": 2,
    "workflow": 3,
    "engine": 4,
    "llm": 5,
    "agents": 6,
    "signals": 7,
    "designer": 7,  # a drawing as plain data over fsm/effects/workflow; the widget sits above it
    "templates": 7,  # seed 000's AI workflows built over agents and llm; MCP serves them
    "mcp": 8,
    "magics": 8,
    "widgets": 8,
}
#: Top-level modules that assemble everything (the package itself, the CLI, the demo).
TOP = 9

#: (importing module, imported module) -> why it is allowed.
ALLOWED_IMPORTS = {
    ("fsmnb.workflow.workflow", "fsmnb.engine.run"): (
        "TYPE_CHECKING only: the type `Workflow.start` returns; at run time the engine "
        "registers itself (fsmnb.workflow.runner)"
    ),
    ("fsmnb.magics.mcp_service", "fsmnb.mcp"): "`%fsm mcp start` runs the MCP server in the kernel",
    ("fsmnb.magics.mcp_service", "fsmnb.mcp.http"): "`%fsm mcp start` serves MCP over HTTP",
    ("fsmnb.magics.design", "fsmnb.widgets.designer"): "`%fsm design` opens the designer widget",
    ("fsmnb.signals.cli", "fsmnb.mcp.http"): "`fsmnb serve` also serves the MCP endpoint",
    ("fsmnb.signals.cli", "fsmnb.mcp.security"): "`fsmnb serve` also serves the MCP endpoint",
    ("fsmnb.signals.cli", "fsmnb.mcp.server"): "`fsmnb serve` also serves the MCP endpoint",
}

#: (module, attribute) -> why a private attribute of another object may be used there.
ALLOWED_PRIVATE = {
    ("fsmnb.magics._errors", "_last_traceback"): "IPython keeps the last traceback there",
    ("fsmnb.magics._errors", "_showtraceback"): "IPython's traceback display, wrapped",
    ("fsmnb.magics._errors", "_fsmnb_error_display"): "our own marker on the IPython shell",
    ("fsmnb.mcp.resources", "_lowlevel_server"): "the MCP SDK exposes subscriptions only there",
    ("fsmnb.engine.history", "_asdict"): "namedtuple's public API has a leading underscore",
    ("fsmnb.engine.journal", "_asdict"): "namedtuple's public API has a leading underscore",
    ("fsmnb.engine.journal", "_make"): "namedtuple's public API has a leading underscore",
}


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        yield name.removesuffix(".__init__"), ast.parse(path.read_text(), str(path))


def _rank(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return TOP
    return RANK.get(parts[1], TOP)


def _imported(tree: ast.Module, module: str) -> Iterator[str]:
    """Every fsmnb module `tree` imports, at module level, in functions or under TYPE_CHECKING."""
    package = module.split(".")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[: len(package) - node.level], *base.split(".")]).strip(
                    "."
                )
            if base == "fsmnb":
                yield from (f"fsmnb.{a.name}" for a in node.names)
            else:
                yield base


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANK else "fsmnb"


def test_no_layer_imports_a_higher_one_anywhere_in_its_source() -> None:
    wrong = []
    for module, tree in _modules():
        for target in _imported(tree, module):
            if not target.startswith("fsmnb.") or _layer(target) == _layer(module):
                continue
            if _rank(target) >= _rank(module) and (module, target) not in ALLOWED_IMPORTS:
                wrong.append(f"{module} imports {target}")
    assert not wrong, "layering broken:\n" + "\n".join(sorted(set(wrong)))


def test_workflow_layer_does_not_import_the_engine() -> None:
    wrong = [
        f"{module} imports {target}"
        for module, tree in _modules()
        if module.startswith("fsmnb.workflow")
        for target in _imported(tree, module)
        if target.startswith("fsmnb.engine") and (module, target) not in ALLOWED_IMPORTS
    ]
    assert not wrong, wrong


def _private_uses(tree: ast.Module) -> Iterator[tuple[int, str, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            name, owner = node.attr, node.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            name, owner = node.args[1].value, node.args[0]
        else:
            continue
        if not name.startswith("_") or (name.startswith("__") and name.endswith("__")):
            continue
        if name.startswith("_repr_") or name.endswith("_"):  # display protocols (IPython)
            continue
        if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
            continue
        if isinstance(owner, ast.Call) and getattr(owner.func, "id", None) == "type":
            continue  # a class-level hook looked up on a value's type
        yield node.lineno, ast.unparse(owner), name


def test_nothing_outside_the_run_files_touches_private_attributes() -> None:
    wrong = []
    for module, tree in _modules():
        if module.startswith("fsmnb.engine.run"):
            continue
        for line, owner, name in _private_uses(tree):
            if (module, name) not in ALLOWED_PRIVATE:
                wrong.append(f"{module}:{line}: {owner}.{name}")
    assert not wrong, "private access outside fsmnb/engine/run*.py:\n" + "\n".join(wrong)


def test_tests_do_not_touch_a_runs_private_attributes() -> None:
    from fsmnb.engine.manager import Manager
    from fsmnb.engine.run import Run

    private = {n for n in Run.__slots__ if n.startswith("_") and not n.startswith("__")}
    private |= {n for n in vars(Run) if n.startswith("_") and not n.startswith("__")}
    private |= {n for n in vars(Manager()) if n.startswith("_")}
    wrong = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for line, owner, name in _private_uses(ast.parse(path.read_text())):
            if name in private:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {owner}.{name}")
    assert not wrong, "\n".join(wrong)


def test_the_checks_see_function_local_and_type_checking_imports() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from fsmnb.engine.run import Run\n"
        "def f():\n    from fsmnb.mcp import server\n    return run._x, getattr(run, '_y')\n"
    )
    assert set(_imported(tree, "fsmnb.workflow.x")) >= {"fsmnb.engine.run", "fsmnb.mcp"}
    assert [(o, n) for _, o, n in _private_uses(tree)] == [("run", "_x"), ("run", "_y")]
