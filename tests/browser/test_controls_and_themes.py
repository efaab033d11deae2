"""Controls that cannot mislead, the docs' Transcript example, and light and dark themes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import command, open_notebook, run_all, screenshot

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).with_name("controls_fixture.ipynb")

# The relative luminance (0 black … 1 white) of a computed CSS colour `rgb(r, g, b)`.
LUMINANCE = """(colour) => {
    const [r, g, b] = colour.match(/[0-9.]+/g).slice(0, 3).map(Number).map(v => v / 255)
        .map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}"""


@pytest.fixture(scope="module")
def page(lab: Any, browser_context: Any) -> Any:
    page = open_notebook(lab, browser_context, FIXTURE)
    run_all(page)
    page.wait_for_selector('.fsmnb-run[data-workflow="gate"][data-status="waiting"]')
    page.wait_for_selector('.fsmnb-run[data-workflow="busy"] button.fsmnb-interrupts')
    page.wait_for_selector('.fsmnb-consensus[data-rounds="1"]')
    yield page
    page.close()


def _view(page: Any, workflow: str) -> Any:
    return page.locator(f'.fsmnb-run[data-workflow="{workflow}"]')


def test_the_docs_transcript_example_shows_two_messages(page):
    chat = page.locator(".fsmnb-transcript").filter(has_text="docs example")
    page.wait_for_selector(".fsmnb-transcript .fsmnb-msg >> text=47 + 89 = 136")
    bubbles = chat.locator(".fsmnb-msg")
    assert bubbles.count() == 2
    assert bubbles.nth(0).locator(".fsmnb-msg-body").inner_text() == "What is 47 + 89?"
    assert bubbles.nth(1).locator(".fsmnb-msg-body").inner_text() == "47 + 89 = 136"
    assert "9 tokens" in bubbles.nth(1).inner_text()
    # Filtering by speaker keeps the solver's message only.
    chat.locator("select.fsmnb-filter").select_option("solver")
    assert chat.locator(".fsmnb-msg").count() == 1
    screenshot(page, "transcript_docs_example", chat)
    chat.locator("select.fsmnb-filter").select_option("all")


def test_an_event_on_a_busy_state_says_it_interrupts(page):
    view = _view(page, "busy")
    skip = view.locator('button[data-event="skip"]')
    assert skip.inner_text() == "skip (interrupts)"
    assert "cancels crunch" in skip.get_attribute("title") or "cancels call" in skip.get_attribute(
        "title"
    )
    assert "is busy" in view.locator(".fsmnb-busy").inner_text()
    # The running effect shows how long it has been running, under its node.
    label = view.locator("svg text.fsmnb-effects")
    page.wait_for_function(
        "el => / s$/.test(el.textContent)", arg=label.element_handle(), timeout=10_000
    )
    view.scroll_into_view_if_needed()
    screenshot(page, "run_view_busy", view)
    skip.click()
    page.wait_for_selector(
        '.fsmnb-run[data-workflow="busy"][data-status="done"][data-state="skipped"]'
    )
    assert view.locator(".fsmnb-error").inner_text() == ""


def test_a_double_click_sends_one_event(page):
    view = _view(page, "gate")
    view.locator('button[data-event="approve"]').dblclick()
    page.wait_for_selector(
        '.fsmnb-run[data-workflow="gate"][data-status="done"][data-state="approved"]'
    )
    page.wait_for_timeout(500)  # the second click, had it gone out, would be answered by now
    assert "accepts no more events" not in view.locator(".fsmnb-error").inner_text()
    assert view.locator(".fsmnb-error").inner_text() == ""
    assert view.locator(".fsmnb-steps").inner_text().startswith("1 step ·")


def test_the_consensus_round_is_labelled_by_its_phase(page):
    assert page.locator(".fsmnb-consensus .fsmnb-phase").inner_text() == "review"


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_widgets_follow_the_theme(page, theme):
    command(page, "apputils:change-theme", {"theme": theme})
    page.wait_for_function(
        "name => document.body.dataset.jpThemeName === name", arg=theme, timeout=30_000
    )
    page.wait_for_timeout(300)  # the theme's stylesheet applies
    dark = theme.endswith("Dark")
    view = _view(page, "gate")
    page_fill = view.locator("svg g.graph > polygon").first.evaluate(
        "p => getComputedStyle(p).fill"
    )
    assert page_fill in ("transparent", "rgba(0, 0, 0, 0)")  # the theme's background shows
    node = view.locator('svg g.node[id^="state-"]:not(.current):not(.visited) ellipse').first
    plain = node.evaluate("e => getComputedStyle(e).fill")
    fill = page.evaluate(LUMINANCE, plain)
    lit = view.locator("svg g.node.current ellipse").first.evaluate("e => getComputedStyle(e).fill")
    assert lit != plain  # the state the run ended in is lit
    text = view.locator("svg g.node text").first.evaluate("t => getComputedStyle(t).fill")
    ink = page.evaluate(LUMINANCE, text)
    assert (fill < 0.2 and ink > 0.5) if dark else (fill > 0.8 and ink < 0.3), (fill, ink)
    # A low consensus score stays readable: dark text on its light cell, in any theme.
    cell = page.locator(".fsmnb-consensus .fsmnb-heatmap td").nth(1)  # 0.05
    assert page.evaluate(LUMINANCE, cell.evaluate("c => getComputedStyle(c).color")) < 0.1
    slug = "dark" if dark else "light"
    view.scroll_into_view_if_needed()
    screenshot(page, f"run_view_{slug}", view)
    screenshot(page, f"consensus_{slug}", page.locator(".fsmnb-consensus"))
