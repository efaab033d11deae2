"""Save, restart, reopen, export: each run view keeps showing how its run ended.

A notebook is run, saved (with its widget state, as JupyterLab does when "Save Widget
State Automatically" is on), its kernel restarted, the page reloaded: every view must
come back with the run's final state, say that no kernel is behind it, and offer no
control that would do nothing. The same notebook executed headless (nbclient) and
exported by nbconvert must show each run's final state in the static drawing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import command, open_notebook, run_all, screenshot, wait_for_kernel

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).with_name("persist_fixture.ipynb")
FINAL = {
    "persisted": ("done", "closed"),
    "broken": ("failed", "check"),
    "gate": ("waiting", "waiting"),
}


def _view(page: Any, workflow: str) -> Any:
    return page.locator(f'.fsmnb-run[data-workflow="{workflow}"]')


def _settled(page: Any) -> None:
    for workflow, (status, state) in FINAL.items():
        page.wait_for_selector(
            f'.fsmnb-run[data-workflow="{workflow}"][data-status="{status}"][data-state="{state}"]',
            timeout=90_000,
        )


def _lit(page: Any, workflow: str) -> list[str]:
    return (
        _view(page, workflow)
        .locator("svg g.node.current")
        .evaluate_all("nodes => nodes.map(n => n.id)")
    )


@pytest.fixture(scope="module", params=["lab", "notebook"], ids=["jupyterlab", "notebook7"])
def host(request: pytest.FixtureRequest) -> Any:
    """Each front end: JupyterLab and Notebook 7 (the same notebook, the same checks)."""
    return request.getfixturevalue("lab" if request.param == "lab" else "notebook7")


@pytest.fixture(scope="module")
def reopened(host: Any, browser_context: Any) -> Any:
    """The fixture run, saved, its kernel restarted, then the page reloaded."""
    page = open_notebook(host, browser_context, FIXTURE)
    run_all(page)
    _settled(page)
    assert _view(page, "gate").get_attribute("data-kernel") == "live"
    assert _view(page, "gate").locator('button[data-event="approve"]').is_enabled()
    command(page, "docmanager:save")
    page.wait_for_function(
        "() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=30_000
    )
    page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart()"
    )
    # The kernel is gone: the views say so, their buttons are disabled.
    page.wait_for_selector('.fsmnb-run[data-workflow="gate"][data-kernel="gone"]', timeout=30_000)
    gate = _view(page, "gate")
    assert gate.locator(".fsmnb-gone").is_visible()
    assert all(not b.is_enabled() for b in gate.locator("button").all())
    gate.scroll_into_view_if_needed()
    screenshot(page, f"persist_kernel_restarted_{host.ui}", gate)
    wait_for_kernel(page)
    page.reload()
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
    wait_for_kernel(page)
    yield page
    page.close()


def test_a_saved_notebook_keeps_its_widget_state(host, reopened):
    import nbformat

    saved = nbformat.read(host.root / FIXTURE.name, as_version=4)
    state = saved.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    views = [s["state"] for s in state.values() if s["state"].get("workflow")]
    assert {(v["workflow"], v["status"], v["state"]) for v in views} == {
        (w, status, state) for w, (status, state) in FINAL.items()
    }
    # The static drawing saved for viewers without widgets (GitHub) was redrawn by later cells:
    # the front end applied those display updates to the run's own output.
    shown = [
        o["data"]
        for c in saved.cells
        for o in c.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert ["".join(d["text/plain"]) for d in shown] == [
        f"<Run of '{w}': {status} in '{state}'>" for w, (status, state) in FINAL.items()
    ]
    assert all(
        f"{status}</span> in state" in "".join(d["text/html"])
        for d, (status, _) in zip(shown, FINAL.values(), strict=True)
    )


def test_a_reopened_notebook_shows_each_run_as_it_ended(host, reopened):
    page = reopened
    _settled(page)
    assert page.locator("text=Error displaying widget").count() == 0
    assert _lit(page, "persisted") == ["state-closed"]
    assert _lit(page, "broken") == ["state-check"]
    assert _view(page, "broken").locator("svg g.node.failed").count() == 1
    assert (
        "the form has no e-mail address"
        in _view(page, "broken").locator(".fsmnb-error").inner_text()
    )
    first = _view(page, "persisted")
    first.scroll_into_view_if_needed()
    screenshot(page, f"persist_reopened_done_{host.ui}", first)


def test_reopened_views_say_their_kernel_is_gone_and_disable_their_controls(host, reopened):
    page = reopened
    for workflow in FINAL:
        view = _view(page, workflow)
        page.wait_for_selector(f'.fsmnb-run[data-workflow="{workflow}"][data-kernel="gone"]')
        assert view.locator(".fsmnb-gone").is_visible()
        assert view.locator("input.fsmnb-slider").is_disabled()
    gate = _view(page, "gate")
    assert gate.locator('button[data-event="approve"]').count() == 1
    assert gate.locator('button[data-event="approve"]').is_disabled()
    gate.scroll_into_view_if_needed()
    screenshot(page, f"persist_reopened_waiting_{host.ui}", gate)


def test_nbconvert_html_shows_each_run_as_it_ended(tmp_path, browser_context):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(FIXTURE, as_version=4)
    # As `jupyter nbconvert --execute` would, minus the widget state: without it nbconvert
    # (and GitHub) fall back to the static drawing, which must tell how each run ended.
    NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=False).execute()
    executed = tmp_path / "executed.ipynb"
    nbformat.write(nb, executed)
    subprocess.run(
        [sys.executable, "-m", "nbconvert", "--to", "html", str(executed)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    page = browser_context.new_page()
    try:
        page.goto((tmp_path / "executed.html").as_uri())
        heads = page.locator(".fsmnb-run-head").all_inner_texts()
        assert len(heads) == 3, heads
        assert "persisted run" in heads[0] and "done in state closed" in heads[0]
        assert "broken run" in heads[1] and "failed in state check" in heads[1]
        assert "gate run" in heads[2] and "waiting in state waiting" in heads[2]
        assert not any("running" in h for h in heads)
        screenshot(page, "nbconvert_final_state")
    finally:
        page.close()
