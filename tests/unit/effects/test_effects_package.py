"""The package surface: a complete `__all__`, and no imports from outer layers or SDKs."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import fsmnb.effects


def test_all_is_complete() -> None:
    modules = {"ai", "base", "combinators", "leaves", "registry", "spec"}
    public = {n for n in vars(fsmnb.effects) if not n.startswith("_")} - modules
    assert isinstance(fsmnb.effects.__all__, tuple)
    assert set(fsmnb.effects.__all__) == public
    assert {"effect_to_json", "effect_from_json", "effect_schema"} <= public


def _imported_by(script: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True, check=True
    )
    return set(out.stdout.split())


# Import `fsmnb.effects` without running `fsmnb/__init__.py`, which imports every layer: what
# is left in `sys.modules` is what the effects layer itself needs.
_LAYER_ONLY = textwrap.dedent(
    """
    import importlib.util, sys, types
    root = types.ModuleType("fsmnb")
    root.__path__ = list(importlib.util.find_spec("fsmnb").submodule_search_locations)
    sys.modules["fsmnb"] = root
    from fsmnb.effects import call, effect_from_json, effect_schema, effect_to_json, register_callable
    {use}
    print(*sorted(sys.modules))
    """
)


def test_effects_import_only_themselves_and_errors() -> None:
    use = 'register_callable("f", len)\neffect_from_json(effect_to_json(call(len) | call("f")))'
    modules = _imported_by(_LAYER_ONLY.replace("{use}", use + "\neffect_schema()"))
    ours = {m for m in modules if m.split(".")[0] == "fsmnb"}
    assert ours <= {"fsmnb", "fsmnb.errors"} | {m for m in ours if m.startswith("fsmnb.effects")}
    heavy = {"IPython", "ipywidgets", "anywidget", "mcp", "openai", "anthropic", "httpx"}
    assert not {m for m in modules if m.split(".")[0] in heavy}


def test_pydantic_is_imported_on_first_use_only() -> None:
    modules = _imported_by(_LAYER_ONLY.replace("{use}", "call(len) | call(len)"))
    assert "pydantic" not in modules


def test_the_whole_package_imports_no_sdk() -> None:
    script = """
        import sys
        import fsmnb.effects as fx
        fx.effect_from_json({"kind": "delay", "seconds": 1}); fx.effect_schema()
        print(*sorted(sys.modules))
    """
    heavy = {"IPython", "ipywidgets", "anywidget", "mcp", "openai", "anthropic"}
    assert not {m for m in _imported_by(script) if m.split(".")[0] in heavy}
