"""The visual designer's document model: a workflow drawn as plain data, and back.

A drawing is a JSON document (`fsmnb.designer.document`): the machine's spec,
what each state does (an effect tree or a registered callable), and where
each state is drawn. This package edits it (`History`, with undo/redo),
checks it live (`problems`, pinned to states and edges), builds the
`Workflow` it draws (`build_workflow`), writes it as a `%%workflow` cell, a
module, JSON or YAML (`to_cell`, `to_module`, `to_json`, `to_yaml`) and opens
any of those again (`load`). The widget is `fsmnb.widgets.Designer`
(`fsmnb.design()`).
"""

from fsmnb.designer.build import build_workflow, effect_action
from fsmnb.designer.codegen import to_cell, to_json, to_module, to_yaml
from fsmnb.designer.document import Doc, empty, from_machine, machine_of, machine_spec
from fsmnb.designer.edits import EDITS, History, apply_edit
from fsmnb.designer.importing import load, load_code, load_text, load_workflow
from fsmnb.designer.problems import problems

__all__ = (
    "EDITS",
    "Doc",
    "History",
    "apply_edit",
    "build_workflow",
    "effect_action",
    "empty",
    "from_machine",
    "load",
    "load_code",
    "load_text",
    "load_workflow",
    "machine_of",
    "machine_spec",
    "problems",
    "to_cell",
    "to_json",
    "to_module",
    "to_yaml",
)
