"""The `fsmnb` command and `python -m fsmnb`: the same parser, working without every extra."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fsmnb import cli


def test_help_and_version_work_when_a_command_needs_a_missing_extra(monkeypatch, capsys):
    monkeypatch.setitem(cli.COMMANDS, "ghost", "fsmnb._no_such_module_for_the_test")
    with pytest.raises(SystemExit) as version:
        cli.main(["--version"])
    assert version.value.code == 0 and capsys.readouterr().out.startswith("fsmnb ")
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "ghost" in capsys.readouterr().out
    with pytest.raises(ImportError):  # asking for that command says what is missing
        cli.main(["ghost"])


def test_python_dash_m_fsmnb_is_the_fsmnb_command():
    shown = subprocess.run(
        [sys.executable, "-m", "fsmnb", "--version"], capture_output=True, text=True, timeout=120
    )
    assert shown.returncode == 0
    assert shown.stdout.strip().startswith("fsmnb ")
