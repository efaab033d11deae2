"""A fresh IPython shell with `%load_ext fsmnb` for every test (no shared global shell)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from IPython.core.interactiveshell import ExecutionResult, InteractiveShell
from IPython.utils.capture import capture_output


@dataclass
class Cell:
    """The result of one cell: its error (if any), printed text and displayed objects."""

    result: ExecutionResult
    stdout: str
    outputs: list[dict[str, Any]]

    @property
    def error(self) -> BaseException | None:
        return self.result.error_before_exec or self.result.error_in_exec


class Shell:
    """Runs cells in a real `InteractiveShell` and captures what they show."""

    def __init__(self, shell: InteractiveShell) -> None:
        self.shell = shell
        self.ns = shell.user_ns

    def run(self, code: str) -> Cell:
        with capture_output() as captured:
            result = self.shell.run_cell(code, store_history=True)
        return self._cell(result, captured)

    async def run_async(self, code: str) -> Cell:
        """Run a cell on the running loop, as a Jupyter kernel does."""
        with capture_output() as captured:
            result = await self.shell.run_cell_async(
                code, store_history=True, transformed_cell=self.shell.transform_cell(code)
            )
        return self._cell(result, captured)

    @staticmethod
    def _cell(result: ExecutionResult, captured: Any) -> Cell:
        outputs = [o.data for o in captured.outputs]
        return Cell(result, captured.stdout + captured.stderr, outputs)


@pytest.fixture
def ipython() -> Iterator[Shell]:
    InteractiveShell.clear_instance()
    shell = InteractiveShell.instance(colors="nocolor")
    shell.run_cell("%load_ext fsmnb")
    try:
        yield Shell(shell)
    finally:
        InteractiveShell.clear_instance()
