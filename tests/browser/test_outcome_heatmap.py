"""The outcome page's heatmap and breakdown at 30 items, in a real browser.

30 items, 18 phones (three per pillar, as in ``tests/web/test_breakdown_outcomes``):
the heatmap's numbers must stay readable (at least 13 px), the page must not run off to
the side at 1280 px and axe-core finds nothing (the heatmap's table opened); screenshots
go to ``test-artifacts/outcome/``.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from factories import voted_session

from .accessibility import axe_violations
from .login import log_in

pytestmark = pytest.mark.browser
#: axe-core runs as a page script, which the app's CSP refuses (see test_accessibility)
TOOLING = True

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "outcome"
KERNGROEP = ("kern@hhu.test", "kerngroep-wachtwoord")


def _outcome(app) -> int:
    from hhu_ranking.extensions import db
    from hhu_ranking.models import Role
    from hhu_ranking.services.users import create_user

    rng = random.Random(30)
    orders = []
    for _ in range(18):
        order = list(range(30))
        rng.shuffle(order)
        orders.append(order)
    ids = voted_session(app, items=[f"Principe {i + 1}" for i in range(30)], orders=orders)
    with app.app_context():
        create_user(
            db.session, email=KERNGROEP[0], password=KERNGROEP[1], name="Kern", role=Role.KERNGROEP
        )
        db.session.commit()
    return int(ids["outcome_id"])


def test_thirty_items_heatmap_is_legible_on_the_outcome_page(chromium, live_server):
    outcome_id = _outcome(live_server.app)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=TOOLING)
    page = context.new_page()
    try:
        log_in(page, live_server.url, KERNGROEP)
        page.goto(f"{live_server.url}/uitkomsten/{outcome_id}")
        figure = page.locator("[data-heatmap='outcome-heatmap']")
        figure.scroll_into_view_if_needed()
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        figure.screenshot(path=str(ARTEFACTS / "heatmap-30-items-1280.png"))
        page.locator("[data-outcome='breakdown']").screenshot(
            path=str(ARTEFACTS / "breakdown-30-items-1280.png")
        )
        m = page.evaluate(
            """() => {
              const labels = [...document.querySelectorAll('.pairwise-svg .pw-label')];
              const svg = document.querySelector('.pairwise-svg').getBoundingClientRect();
              return {
                labels: labels.length,
                smallest: Math.min(...labels.map((t) => t.getBoundingClientRect().height)),
                svgRight: svg.right, svgWidth: svg.width,
                pageWidth: document.documentElement.scrollWidth,
              };
            }"""
        )
        page.locator(".pairwise-table summary").click()
        found = {"outcome page": axe_violations(page)}
        page.goto(f"{live_server.url}/uitkomsten/{outcome_id}?lang=en")
        page.locator(".pairwise-table summary").click()
        found["outcome page (en)"] = axe_violations(page)
    finally:
        context.close()
    assert found == {"outcome page": [], "outcome page (en)": []}
    assert m["labels"] == 60
    assert m["smallest"] >= 13, m
    assert m["svgRight"] <= 1280 and m["pageWidth"] <= 1280, m
