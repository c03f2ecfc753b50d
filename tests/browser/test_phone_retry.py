"""A ballot that does not arrive (the venue Wi-Fi drops it, or the server is too busy) is
sent again by the page itself, which says meanwhile that the vote is not received yet."""

from __future__ import annotations

import pytest
from clock import days_from_today
from factories import session_with_round

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True}


def _open_round(live_server) -> tuple[str, int]:
    from hhu_ranking.models import MeetingKind

    ids = session_with_round(
        live_server.app,
        title="Kennisfestival",
        held_on=days_from_today(0),
        kind=MeetingKind.FESTIVAL,
        items=("Mensgericht", "Regiobreed", "Zelfsturend"),
        opened=True,
    )
    return ids["code"], ids["round_id"]


@pytest.mark.parametrize("failure", ["network", "busy"])
def test_a_ballot_that_did_not_arrive_is_sent_again_until_received(chromium, live_server, failure):
    from playwright.sync_api import expect

    from hhu_ranking.extensions import db
    from hhu_ranking.models import Ballot

    code, round_id = _open_round(live_server)
    context = chromium.new_context(**PHONE)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/j/{code}")
        page.locator("input[name=organisation]").fill("Bewonersgroep Overvecht")
        page.locator("select[name=pillar]").select_option(index=1)
        page.locator("main form button[type=submit]").click()
        expect(page.locator("#round-title")).to_have_text("Waarden")
        # the page's scripts have run: a tap before htmx takes the form over would send it
        # as a plain form, and the dropped request would show the browser's error page
        page.wait_for_load_state("load")

        attempts: list[str] = []
        held = []

        def flaky(route):
            attempts.append(route.request.method)
            if len(attempts) == 1:
                if failure == "network":
                    route.abort("connectionreset")
                else:
                    route.fulfill(status=503, headers={"Retry-After": "1"}, body="druk")
                return
            # the page's own second try is held until the test has read the note, so a
            # fast retry cannot replace the note before it is looked at
            held.append(route)

        page.route(f"**/j/{code}/stem", flaky)
        page.get_by_role("button", name="Verstuur mijn stem").click()
        note = page.locator("[data-send-status]")
        expect(note).to_contain_text("Je stem is nog niet ontvangen")
        # the page sends it again by itself: no second tap
        deadline = 15_000
        while not held and deadline > 0:
            page.wait_for_timeout(100)
            deadline -= 100
        assert held, "the page did not send the ballot again by itself"
        expect(note).to_contain_text("Je stem is nog niet ontvangen")
        held[0].continue_()
        expect(page.locator("#bevestiging")).to_contain_text("Je stem is ontvangen", timeout=15000)
        assert attempts == ["POST", "POST"]
    finally:
        context.close()
    with live_server.app.app_context():
        stored = db.session.query(Ballot).filter_by(round_id=round_id).all()
        assert len(stored) == 1 and stored[0].revision == 1
