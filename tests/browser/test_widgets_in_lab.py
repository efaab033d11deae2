"""What a person sees in JupyterLab: the live diagram, the transcript, the event buttons."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import REPO, open_notebook, run_all, screenshot

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).with_name("widgets_fixture.ipynb")
QUICKSTART = REPO / "notebooks" / "01_quickstart.ipynb"


# Record every state a run view lights, as it happens (no sampling, no timing).
RECORD_LIT_STATES = """() => {
    window.fsmnbLit = [];
    const note = (g) => {
        const view = g.closest('.fsmnb-run');
        const flow = view && view.dataset.workflow;
        const seen = window.fsmnbLit.filter(x => x.flow === flow);
        if (!seen.length || seen[seen.length - 1].id !== g.id) window.fsmnbLit.push({flow, id: g.id});
    };
    new MutationObserver((changes) => {
        for (const c of changes) {
            const nodes = c.type === 'attributes' ? [c.target]
                : [...c.addedNodes].flatMap(n => n.querySelectorAll ? [n, ...n.querySelectorAll('g.node')] : []);
            for (const n of nodes) if (n.matches && n.matches('.fsmnb-run g.node.current')) note(n);
        }
    }).observe(document.body, {subtree: true, childList: true, attributes: true, attributeFilter: ['class']});
}"""


@pytest.fixture(scope="module")
def page(lab: Any, browser_context: Any) -> Any:
    """The fixture notebook, every cell run once."""
    page = open_notebook(lab, browser_context, FIXTURE)
    page.evaluate(RECORD_LIT_STATES)
    run_all(page)
    yield page
    page.close()


def _run_view(page: Any, workflow: str) -> Any:
    return page.locator(".fsmnb-run").filter(has_text=f"{workflow} ·")


def test_the_diagram_is_drawn(page):
    view = _run_view(page, "quickstart")
    view.locator("svg g.node").first.wait_for()
    ids = view.locator("svg g.node").evaluate_all("nodes => nodes.map(n => n.id)")
    assert {"state-start", "state-draft", "state-review", "state-published"} <= set(ids)


def test_the_lit_state_moves_to_the_final_state(page):
    view = _run_view(page, "quickstart")
    page.wait_for_selector('.fsmnb-run[data-status="done"][data-state="published"]')
    assert view.locator("svg g.node.current").evaluate_all("n => n.map(x => x.id)") == [
        "state-published"
    ]
    assert view.locator(".fsmnb-badge").inner_text() == "done"
    lit = page.evaluate("() => window.fsmnbLit.filter(x => x.flow === 'quickstart').map(x => x.id)")
    assert lit == ["state-start", "state-draft", "state-review", "state-published"]
    view.scroll_into_view_if_needed()
    screenshot(page, "run_view_done", view)


def test_the_transcript_shows_streamed_messages(page):
    chat = page.locator(".fsmnb-transcript")
    page.wait_for_selector(".fsmnb-transcript .fsmnb-msg >> text=47 + 89 = 136")
    messages = chat.locator(".fsmnb-msg")
    assert messages.count() == 2
    assert "What is 47 + 89?" in messages.nth(0).inner_text()
    page.wait_for_selector(".fsmnb-transcript .fsmnb-meta >> text=9 tokens")
    assert "scripted:math" in messages.nth(1).locator(".fsmnb-meta").inner_text()
    chat.scroll_into_view_if_needed()
    screenshot(page, "transcript", chat)


def test_the_consensus_heatmap_is_drawn(page):
    page.wait_for_selector('.fsmnb-consensus[data-rounds="1"]')
    cells = page.locator(".fsmnb-consensus .fsmnb-heatmap td")
    assert cells.count() == 9
    assert "no consensus" in page.locator(".fsmnb-consensus .fsmnb-verdict").inner_text()
    screenshot(page, "consensus", page.locator(".fsmnb-consensus"))


def test_an_event_button_advances_a_waiting_run(page):
    view = _run_view(page, "approval")
    view.locator('button[data-event="approve"]').wait_for()
    page.wait_for_selector('.fsmnb-run[data-status="waiting"][data-state="waiting"]')
    view.scroll_into_view_if_needed()
    screenshot(page, "run_view_waiting")
    view.locator('button[data-event="approve"]').click()
    page.wait_for_selector('.fsmnb-run[data-status="done"][data-state="approved"]')
    assert view.locator("svg g.node.current").evaluate_all("n => n.map(x => x.id)") == [
        "state-approved"
    ]
    assert view.locator("button.fsmnb-event").count() == 0  # a finished run accepts nothing
    screenshot(page, "run_view_approved")


@pytest.mark.skipif(not QUICKSTART.exists(), reason="notebooks/01_quickstart.ipynb not written yet")
def test_the_quickstart_runs_and_its_runs_end_lit(lab, browser_context):
    page = open_notebook(lab, browser_context, QUICKSTART)
    try:
        run_all(page)
        page.wait_for_selector(".fsmnb-run svg g.node", timeout=90_000)
        # Every run view settles: done in a final state (lit), or waiting for a person.
        page.wait_for_function(
            """() => {
                const views = [...document.querySelectorAll('.fsmnb-run')];
                return views.length > 0 && views.every(v => v.dataset.status !== 'running');
            }""",
            timeout=90_000,
        )
        for view in page.locator('.fsmnb-run[data-status="done"]').all():
            lit = view.locator("svg g.node.current")
            assert lit.count() == 1 and "final" in (lit.get_attribute("class") or "")
        first = page.locator(".fsmnb-run").first
        first.scroll_into_view_if_needed()
        screenshot(page, "quickstart_run_view", first)
    finally:
        page.close()


def test_the_step_slider_travels_back_and_fork_from_here_starts_a_new_run(page):
    view = _run_view(page, "quickstart")
    page.wait_for_selector('.fsmnb-run[data-status="done"][data-state="published"]')
    slider = view.locator("input.fsmnb-slider")
    assert slider.get_attribute("max") == "3"
    # Drag the slider's thumb to its left end (step 0), then set it to step 2.
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    page.mouse.move(box["x"] + box["width"] - 4, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 1, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    page.wait_for_selector('.fsmnb-run[data-workflow="quickstart"][data-step="0"]')
    assert view.locator("svg g.node.current").evaluate_all("n => n.map(x => x.id)") == [
        "state-start"
    ]
    slider.fill("2")  # what a person's keyboard or click on the track does: input events
    page.wait_for_selector('.fsmnb-run[data-workflow="quickstart"][data-step="2"]')
    assert view.locator("svg g.node.current").evaluate_all("n => n.map(x => x.id)") == [
        "state-review"
    ]
    assert '"text": "hello, world"' in view.locator(".fsmnb-data").inner_text()
    assert "step 2 / 3 · review" in view.locator(".fsmnb-at").inner_text()
    view.scroll_into_view_if_needed()
    screenshot(page, "run_view_step_2", view)

    view.locator("button.fsmnb-fork").click()
    forked = view.locator(".fsmnb-forked")
    forked.wait_for()
    assert "forked from step 2 → run" in forked.inner_text()

    view.locator("button.fsmnb-live").click()
    page.wait_for_selector('.fsmnb-run[data-workflow="quickstart"][data-step="live"]')
    assert view.locator("svg g.node.current").evaluate_all("n => n.map(x => x.id)") == [
        "state-published"
    ]
    screenshot(page, "run_view_forked", view)
