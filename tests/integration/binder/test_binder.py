"""Binder builds: an environment made from `binder/` alone runs every example notebook.

What repo2docker does with this repository, step by step, in a fresh venv:

1. `runtime.txt` picks the Python (`python-3.X`): the venv is made with that interpreter;
2. `apt.txt` lists Debian packages: each must be installed (`scripts/system-deps.sh` does it
   here; repo2docker does it on Binder);
3. repo2docker's base environment has JupyterLab and a kernel: `jupyterlab`, `ipykernel` and
   `nbclient` stand in for it;
4. `postBuild` runs in the repository with that venv's `python` first on PATH;

then every notebook of `notebooks/` runs top to bottom in that venv (`python -m fsmnb.demo`,
on a copy, so the repository is not written to), and JupyterLab there saves widget state.
Slow (a venv and a pip install from pip's cache, then every notebook): 2.6 min on a quiet
2-core machine, much longer under load; part of `make test`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

REPO = Path(__file__).resolve().parents[3]
BINDER = REPO / "binder"
BASE = ["jupyterlab", "ipykernel", "nbclient"]  # repo2docker's own environment


def _run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kwargs)  # type: ignore[call-overload]
    assert result.returncode == 0, (
        f"{cmd} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result


def test_binder_files_alone_build_an_environment_that_runs_every_notebook(tmp_path):
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert runtime.startswith("python-"), runtime
    wanted = runtime.removeprefix("python-")
    python = shutil.which(f"python{wanted}")
    if python is None and f"{sys.version_info.major}.{sys.version_info.minor}" == wanted:
        python = sys.executable
    assert python, f"binder/runtime.txt asks for Python {wanted}, which this machine lacks"

    for package in (BINDER / "apt.txt").read_text().split():
        status = subprocess.run(["dpkg", "-s", package], capture_output=True, text=True)
        assert "Status: install ok installed" in status.stdout, f"apt.txt: `{package}` missing"

    venv = tmp_path / "binder-venv"
    _run([python, "-m", "venv", str(venv)])
    bin_dir = venv / "bin"
    _run([str(bin_dir / "python"), "-m", "pip", "install", "-q", *BASE])
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")},
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "VIRTUAL_ENV": str(venv),
        "JUPYTER_DATA_DIR": str(tmp_path / "jupyter-data"),  # only the venv's kernel spec
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
    }
    _run(["bash", str(BINDER / "postBuild")], cwd=REPO, env=env)

    overrides = venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    saved = json.loads(overrides.read_text())
    assert saved["@jupyter-widgets/jupyterlab-manager:plugin"]["saveState"] is True

    notebooks = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", notebooks)
    demo = subprocess.run(
        [str(bin_dir / "python"), "-m", "fsmnb.demo", "--notebooks", str(notebooks),
         "--out", str(tmp_path / "executed")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stdout[-4000:] + demo.stderr[-4000:]
    ran = sorted(p.name for p in (tmp_path / "executed").glob("*.ipynb"))
    assert ran == sorted(p.name for p in (REPO / "notebooks").glob("[0-9]*.ipynb"))
    assert f"{len(ran)}/{len(ran)} notebooks ran cleanly" in demo.stdout
