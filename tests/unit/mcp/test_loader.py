"""Which notebook cells `fsmnb mcp` runs, and what it serves from a file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fsmnb.errors import DefinitionError
from fsmnb.mcp.loader import load_workflows, notebook_cells


def notebook(tmp_path: Path, *cells: tuple[str, list[str]]) -> Path:
    path = tmp_path / "nb.ipynb"
    path.write_text(
        json.dumps(
            {
                "cells": [
                    {"cell_type": "code", "source": src, "metadata": {"tags": tags}, "outputs": []}
                    for src, tags in cells
                ]
                + [{"cell_type": "markdown", "source": "# t", "metadata": {}}]
            }
        )
    )
    return path


def test_all_code_cells_run_except_skipped_ones(tmp_path: Path) -> None:
    path = notebook(tmp_path, ("a = 1", []), ("serve()", ["mcp-skip"]), ("b = 2", []))
    assert notebook_cells(path) == ["a = 1", "b = 2"]


def test_cells_tagged_mcp_are_the_only_ones_run_when_present(tmp_path: Path) -> None:
    path = notebook(tmp_path, ("a = 1", ["mcp"]), ("demo()", []), ("b = 2", ["mcp"]))
    assert notebook_cells(path) == ["a = 1", "b = 2"]


def test_a_python_file_serves_the_workflows_it_binds(tmp_path: Path) -> None:
    source = tmp_path / "flows.py"
    source.write_text(
        "from fsmnb import Workflow\n"
        "w = Workflow('loader_test_flow', register=False)\n"
        "w.add_state('a', None, initial=True, on={'go': 'b'})\n"
        "w.final('b')\n"
    )
    assert [wf.name for wf in load_workflows(str(source))] == ["loader_test_flow"]


def test_sources_without_workflows_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    with pytest.raises(DefinitionError, match="defines no workflow"):
        load_workflows(str(empty))
    with pytest.raises(DefinitionError, match="No notebook"):
        load_workflows(str(tmp_path / "missing.ipynb"))
