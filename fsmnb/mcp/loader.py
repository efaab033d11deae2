"""Find the workflows to serve in a Python file, a module, or a notebook.

Loading runs code, exactly as `python file.py` or "Run All" would: serve only
files you trust. For notebooks, which often hold cells that are slow or touch
the outside world, the loader narrows what runs:

- only code cells run, top to bottom, with ``__name__ == "__fsmnb_mcp__"``;
- a cell tagged ``mcp-skip`` is skipped;
- if any cell is tagged ``mcp``, only the cells tagged ``mcp`` run (tag the
  imports and the workflow definitions; leave out demos and servers);
- with IPython installed, cells run in an IPython shell so magics such as
  ``%%workflow`` work; without it, lines starting with ``%`` or ``!`` are
  dropped and the rest is run with `exec`.

Every `Workflow` bound to a name in the resulting namespace is served.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from fsmnb.errors import DefinitionError
from fsmnb.workflow.workflow import Workflow

__all__ = ("load_workflows", "notebook_cells")

SKIP_TAG = "mcp-skip"
ONLY_TAG = "mcp"


def load_workflows(source: str) -> list[Workflow]:
    """The workflows defined by `source`: a ``.py`` file, a ``.ipynb`` notebook, or a module name.

    Raises:
        DefinitionError: the source cannot be found, or it defines no workflow.
    """
    path = Path(source)
    if source.endswith(".ipynb"):
        namespace = _run_notebook(path)
    elif source.endswith(".py"):
        namespace = vars(_import_file(path))
    else:
        try:
            namespace = vars(importlib.import_module(source))
        except ImportError as e:
            raise DefinitionError(f"Cannot import module `{source}`: {e}.") from None
    found = list({id(v): v for v in namespace.values() if isinstance(v, Workflow)}.values())
    if not found:
        raise DefinitionError(
            f"`{source}` defines no workflow. Bind each `Workflow` to a name at the top level."
        )
    return found


def _import_file(path: Path) -> ModuleType:
    if not path.is_file():
        raise DefinitionError(f"No Python file `{path}`.")
    name = f"fsmnb_mcp_served_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, str(path.parent.resolve()))  # its sibling imports work, as with `python`
    spec.loader.exec_module(module)
    return module


def notebook_cells(path: Path) -> list[str]:
    """The sources of the code cells of the notebook at `path` that the tags select."""
    if not path.is_file():
        raise DefinitionError(f"No notebook `{path}`.")
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise DefinitionError(f"`{path}` is not a readable notebook: {e}.") from None
    cells = [c for c in nb.get("cells", ()) if c.get("cell_type") == "code"]

    def tags(cell: dict[str, Any]) -> list[str]:
        return list(cell.get("metadata", {}).get("tags", ()))

    if any(ONLY_TAG in tags(c) for c in cells):
        cells = [c for c in cells if ONLY_TAG in tags(c)]
    cells = [c for c in cells if SKIP_TAG not in tags(c)]
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells]


def _run_notebook(path: Path) -> dict[str, Any]:
    sources = notebook_cells(path)
    namespace: dict[str, Any] = {"__name__": "__fsmnb_mcp__", "__file__": str(path)}
    try:
        from IPython.core.interactiveshell import InteractiveShell
    except ImportError:
        for i, source in enumerate(sources):
            kept = "\n".join(
                line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))
            )
            exec(compile(kept, f"{path}[cell {i}]", "exec"), namespace)  # the user's own notebook
        return namespace
    shell = InteractiveShell.instance(user_ns=namespace)
    for i, source in enumerate(sources):
        result = shell.run_cell(source, store_history=False, silent=True)
        if not result.success:
            error = result.error_in_exec or result.error_before_exec
            raise DefinitionError(f"Cell {i} of `{path}` failed: {error!r}.") from error
    return dict(shell.user_ns)
