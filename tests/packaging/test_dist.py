"""The package people install: sdist and wheel build, pass `twine check`, and work from a clean venv.

The wheel is installed (with the `notebook` extra) into a fresh venv that cannot see the
repository, and the quickstart notebook runs top to bottom in it: the widgets' ES modules
come from the wheel (`fsmnb/_static`), not from the repository's `widgets/`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

REPO = Path(__file__).resolve().parents[2]


def _run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kwargs)  # type: ignore[call-overload]
    assert result.returncode == 0, f"{cmd}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--outdir", str(out), str(REPO)])
    return out


def test_sdist_and_wheel_build_and_pass_twine_check(dist: Path) -> None:
    wheels, sdists = list(dist.glob("*.whl")), list(dist.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1
    _run([sys.executable, "-m", "twine", "check", "--strict", *map(str, [*wheels, *sdists])])
    names = zipfile.ZipFile(wheels[0]).namelist()
    for asset in ("run_view.js", "run_view.css", "transcript.js", "consensus.js"):
        assert f"fsmnb/_static/{asset}" in names
    assert any(n.endswith("licenses/LICENSE") for n in names), names[-10:]
    meta = next(n for n in names if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheels[0]).read(meta).decode()
    assert "License-Expression: MIT" in text
    assert "Project-URL: Source" in text and "Programming Language :: Python :: 3.11" in text


def test_the_wheel_runs_the_quickstart_notebook_in_a_clean_venv(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    python = str(venv / "bin" / "python")
    _run([python, "-m", "pip", "install", "-q", f"{wheel}[notebook]", "ipykernel", "nbclient"])
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")},
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "JUPYTER_DATA_DIR": str(tmp_path / "jupyter-data"),
    }
    where = _run(
        [python, "-c", "import fsmnb.widgets._assets as a; print(a.asset('run_view.js'))"],
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert str(venv) in where.stdout and "_static" in where.stdout
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(REPO / "notebooks" / "01_quickstart.ipynb", notebooks)
    demo = _run(
        [python, "-m", "fsmnb.demo", "--notebooks", str(notebooks), "--out", str(tmp_path / "out")],
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert "1/1 notebooks ran cleanly" in demo.stdout, demo.stdout
    version = _run([python, "-m", "fsmnb", "--version"], cwd=tmp_path, env=env)
    assert version.stdout.strip().startswith("fsmnb ")
