"""The inner layers import nothing from the notebook, the providers or the MCP layer."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import fsmnb

FORBIDDEN = ("IPython", "ipywidgets", "anywidget", "openai", "anthropic", "mcp", "ipykernel")
INNER = ("fsmnb.fsm", "fsmnb.effects", "fsmnb.workflow", "fsmnb.engine")


@pytest.mark.parametrize("module", INNER)
def test_inner_layers_import_no_outer_packages(module: str) -> None:
    code = (
        f"import json, sys; import {module}; "
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert not loaded & set(FORBIDDEN), f"{module} pulled in {sorted(loaded & set(FORBIDDEN))}"
    outer = {m for m in loaded if m.startswith("fsmnb")}
    assert outer == {"fsmnb"}


# Import a layer without running `fsmnb/__init__.py` (which imports every layer), so that
# only what the layer itself imports is loaded.
_BARE = (
    "import json, sys, types, pathlib, importlib; "
    "pkg = types.ModuleType('fsmnb'); "
    "pkg.__path__ = [str(pathlib.Path({init!r}).parent)]; "
    "sys.modules['fsmnb'] = pkg; "
    "importlib.import_module({module!r}); "
    "print(json.dumps(sorted(m for m in sys.modules if m.startswith('fsmnb.'))))"
)


@pytest.mark.parametrize("module", INNER)
def test_each_layer_imports_only_the_layers_above_it(module: str) -> None:
    code = _BARE.format(init=fsmnb.__file__, module=module)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    layers = {m.split(".")[1] for m in json.loads(out.stdout)}
    order = ["errors", "fsm", "effects", "workflow", "engine"]
    mine = module.split(".")[1]
    allowed = set(order[: order.index(mine) + 1])
    assert layers <= allowed, f"{module} imports {sorted(layers - allowed)}"


def test_all_is_complete() -> None:
    import types

    public = {
        n
        for n, v in vars(fsmnb).items()
        if not n.startswith("_") and not isinstance(v, types.ModuleType) and n != "annotations"
    }
    assert isinstance(fsmnb.__all__, tuple)
    assert public <= set(fsmnb.__all__), sorted(public - set(fsmnb.__all__))
    for name in fsmnb.__all__:
        assert hasattr(fsmnb, name), name
