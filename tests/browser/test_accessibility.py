"""axe-core on every page a participant sees, and the big screen: 0 violations.

In Dutch and English, on a phone (360x640) and a projector (1920x1080). The
states walked through: the code box, the join page (partners and festival),
waiting for a round, an open full ranking, a top-k round, a received ballot,
the tap-in-order mode, a closed round, the privacy statement and the big screen.
"""

from __future__ import annotations

import pytest
from factories import session_with_round

from .accessibility import axe_violations

pytestmark = pytest.mark.browser

#: Playwright's waits and the axe-core script run as page scripts, which the app's CSP
#: refuses; tests/browser/test_csp.py checks the pages under the real policy
TOOLING = True

VIEWPORTS = {"phone": (360, 640), "projector": (1920, 1080)}


def _sessions(app) -> dict[str, tuple[str, int]]:
    from hhu_ranking.models import BallotMode
    from hhu_ranking.services.rounds import ItemSpec

    made: dict[str, tuple[str, int]] = {}
    for name, preset, mode, top_k in (
        ("partners", "partners", BallotMode.FULL, None),
        ("festival", "festival", BallotMode.TOP_K, 3),
    ):
        ids = session_with_round(
            app,
            title=f"Kennisfestival ({name})",
            join_questions=preset,
            items=[
                ItemSpec("Mensgericht", "De eindgebruiker staat altijd centraal."),
                "Missiegedreven",
                "Publiek-privaat",
                "Zelfsturend",
                "Regiobreed",
                "Designbewust",
            ],
            mode=mode,
            top_k=top_k,
            opened=name == "festival",
        )
        made[name] = (ids["code"], ids["round_id"])
    return made


def _round_action(app, round_id: int, action: str) -> None:
    from hhu_ranking.extensions import db
    from hhu_ranking.models import Round
    from hhu_ranking.services import rounds

    with app.app_context():
        getattr(rounds, f"{action}_round")(db.session, db.session.get(Round, round_id))
        db.session.commit()


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_no_axe_violations_on_participant_pages_and_the_big_screen(
    chromium, live_server, lang, viewport
):
    from playwright.sync_api import expect

    width, height = VIEWPORTS[viewport]
    base = live_server.url
    sessions = _sessions(live_server.app)
    code, round_id = sessions["partners"]
    festival_code, _festival_round = sessions["festival"]
    context = chromium.new_context(viewport={"width": width, "height": height}, bypass_csp=TOOLING)
    page = context.new_page()
    found: dict[str, list[str]] = {}

    def check(state: str) -> None:
        page.wait_for_load_state("load")
        found[state] = axe_violations(page)

    page.goto(f"{base}/doe-mee?lang={lang}")
    check("code box")
    page.goto(f"{base}/doe-mee?code=QQQQQQ")
    check("unknown code")
    page.goto(f"{base}/j/{code}")
    check("join (partners)")
    page.locator("main form button[type=submit]").last.click()
    check("join with errors")
    page.locator("input[name=organisation]").fill("UMC Utrecht")
    page.locator("select[name=pillar]").select_option(index=1)
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator(".phone-round")).to_be_visible()
    check("waiting")
    _round_action(live_server.app, round_id, "open")
    page.reload()
    expect(page.locator("form.ballot.js-ready")).to_be_visible()
    check("open round")
    page.locator("[data-move=up]").nth(1).click()
    check("moved")
    page.locator("#send-ballot").click()
    expect(page.locator("#bevestiging")).to_be_visible()
    check("received")
    page.locator("[data-tap-toggle]").click()
    check("tap in order")
    _round_action(live_server.app, round_id, "close")
    page.reload()
    check("closed round")
    page.goto(f"{base}/privacy")
    check("privacy")
    page.goto(f"{base}/scherm/{code}")
    check("big screen (closed)")

    festival = context.browser.new_context(
        viewport={"width": width, "height": height}, bypass_csp=TOOLING
    )
    page = festival.new_page()
    page.goto(f"{base}/j/{festival_code}?lang={lang}")
    check("join (festival)")
    page.locator("button[name=quick][value=inwoner]").click()
    expect(page.locator("form.ballot.js-ready")).to_be_visible()
    check("top-k round")
    for _ in range(3):
        page.locator('[data-rank-list="rest"] [data-move=up]').first.click()
    page.locator("#send-ballot").click()
    expect(page.locator("#bevestiging")).to_be_visible()
    check("top-k received")
    page.goto(f"{base}/scherm/{festival_code}")
    check("big screen (open)")
    festival.close()
    context.close()

    failures = {state: lines for state, lines in found.items() if lines}
    assert failures == {}, failures
    assert len(found) == 16
