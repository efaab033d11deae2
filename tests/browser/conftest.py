"""JupyterLab (pinned) in Debian's headless Chromium, driven by Playwright.

Never downloads a browser: Playwright launches `/usr/bin/chromium`
(`scripts/system-deps.sh` installs it). The lab server gets a free port, its
own token, root, workspace and settings folders, and is torn down after the
module. Screenshots go to `build/screenshots/`.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "build" / "screenshots"

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extra")
if not CHROMIUM.exists():
    pytest.skip(
        "Debian's chromium is not installed (scripts/system-deps.sh)", allow_module_level=True
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Lab:
    """A running Jupyter server: JupyterLab (`ui="lab"`) or Notebook 7 (`ui="notebook"`)."""

    def __init__(
        self, root: Path, port: int, token: str, process: subprocess.Popen[bytes], ui: str = "lab"
    ) -> None:
        self.root, self.port, self.token, self.process, self.ui = root, port, token, process, ui

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}{sep}token={self.token}"

    def notebook_url(self, name: str) -> str:
        """Where this front end opens the notebook `name` (in `root`)."""
        return self.url(f"lab/tree/{name}?reset" if self.ui == "lab" else f"notebooks/{name}")


# The front ends under test: the module that serves each, and its app's config name.
FRONT_ENDS = {"lab": ("jupyterlab", "LabApp"), "notebook": ("notebook", "JupyterNotebookApp")}


def _serve(tmp_path_factory: pytest.TempPathFactory, ui: str) -> Iterator[Lab]:
    module, app = FRONT_ENDS[ui]
    pytest.importorskip(module, reason=f"{module} is in the dev extra")
    base = tmp_path_factory.mktemp(ui)
    root = base / "root"
    root.mkdir()
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(base / "config"),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(base / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
        "PYTHONPATH": str(REPO),
    }
    # No "would you like news?" toast over the page.
    settings = base / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}'
    )
    # What docs/widgets.md asks of users: save widget state with the notebook, so that a
    # reopened notebook shows each run as it ended.
    widgets = base / "settings" / "@jupyter-widgets" / "jupyterlab-manager"
    widgets.mkdir(parents=True)
    (widgets / "plugin.jupyterlab-settings").write_text('{"saveState": true}')
    log = (base / "server.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable, "-m", module,
            "--allow-root", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
            f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}",
            f"--{app}.expose_app_in_browser=True", "--ServerApp.port_retries=0",
        ],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    server = Lab(root, port, token, process, ui)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{module} exited:\n{(base / 'server.log').read_text()}")
            try:
                with urllib.request.urlopen(server.url("api/status"), timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{module} did not start:\n{(base / 'server.log').read_text()}"
                    ) from None
                time.sleep(0.5)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab serving a temporary folder; notebooks are copied into `lab.root`."""
    yield from _serve(tmp_path_factory, "lab")


@pytest.fixture(scope="session")
def notebook7(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """Notebook 7 serving a temporary folder (same settings as `lab`)."""
    yield from _serve(tmp_path_factory, "notebook")


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A headless Chromium profile (Playwright takes it through `launch_persistent_context`)."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 1000},
        )
        context.set_default_timeout(60_000)
        try:
            yield context
        finally:
            context.close()


def open_notebook(lab: Lab, context: Any, source: Path) -> Any:
    """Copy `source` into the lab's root, open it in a fresh page, and wait for its kernel."""
    shutil.copy(source, lab.root / source.name)
    page = context.new_page()
    page.goto(lab.notebook_url(source.name))
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=90_000)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
    page.wait_for_function(
        """() => {
            const panel = window.jupyterapp.shell.currentWidget;
            const kernel = panel && panel.sessionContext && panel.sessionContext.session
                && panel.sessionContext.session.kernel;
            return kernel && kernel.status === 'idle';
        }""",
        timeout=90_000,
    )
    return page


def wait_for_kernel(page: Any) -> None:
    """Wait until the current notebook's kernel is idle."""
    page.wait_for_function(
        """() => {
            const panel = window.jupyterapp.shell.currentWidget;
            const kernel = panel && panel.sessionContext && panel.sessionContext.session
                && panel.sessionContext.session.kernel;
            return kernel && kernel.status === 'idle';
        }""",
        timeout=90_000,
    )


def command(page: Any, name: str, args: dict[str, Any] | None = None) -> Any:
    """Run a JupyterLab command (what a menu item does) and wait for it."""
    return page.evaluate(
        "([name, args]) => window.jupyterapp.commands.execute(name, args || {})", [name, args]
    )


def run_all(page: Any) -> None:
    """Run every cell (the menu's "Run All Cells")."""
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")


def screenshot(page: Any, name: str, element: Any = None) -> Path:
    """Save a screenshot of the page (or of one element) under build/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    (element or page).screenshot(path=str(path))
    return path
