"""A phone put away (screen locked, in a pocket, another app in front) asks the server
nothing; looked at again, it asks at once and shows what changed meanwhile.

In a festival hall most phones go into a pocket after voting: their polls were the
largest share of the server's requests, for pages nobody was looking at.
"""

from __future__ import annotations

import pytest
from factories import session_with_round

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True}

#: what the browser reports when the page is not in view (as on a locked phone)
HIDE = """() => {
  Object.defineProperty(document, "hidden", {configurable: true, get: () => true});
  Object.defineProperty(document, "visibilityState", {configurable: true, get: () => "hidden"});
  document.dispatchEvent(new Event("visibilitychange"));
}"""
SHOW = """() => {
  Object.defineProperty(document, "hidden", {configurable: true, get: () => false});
  Object.defineProperty(document, "visibilityState", {configurable: true, get: () => "visible"});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def _joined(chromium, live_server, *, poll_seconds: float, opened: bool, held: float = 0):
    """A phone joined to a new session (its first round open or still a draft), polling
    every ``poll_seconds``, its polls held by the server up to ``held`` seconds (0: not
    held: hhu_ranking.long_polls); returns the context, the page, the status requests it
    sends and the session's ids."""
    from playwright.sync_api import expect

    live_server.app.config["POLL_SECONDS"] = poll_seconds
    live_server.app.config["LONG_POLL_SECONDS"] = held
    ids = session_with_round(live_server.app, title="Kennisfestival", opened=opened)
    context = chromium.new_context(**PHONE, bypass_csp=True)
    page = context.new_page()
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "/status" in r.url else None)
    page.goto(f"{live_server.url}/j/{ids['code']}")
    page.locator("input[name=organisation]").fill("Bewonersgroep Overvecht")
    page.locator("select[name=pillar]").select_option(index=1)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#phone-round")).to_be_visible()
    return context, page, polls, ids


def _until(page, enough, seconds: float = 10.0) -> bool:
    """Wait (letting the page run) until ``enough()`` holds, for at most ``seconds``."""
    for _ in range(int(seconds * 10)):
        if enough():
            return True
        page.wait_for_timeout(100)
    return enough()


@pytest.mark.parametrize("held", [0, 1], ids=["polled", "long-polled"])
def test_a_hidden_phone_does_not_poll_and_asks_again_when_shown(chromium, live_server, held):
    context, page, polls, _ids = _joined(
        chromium, live_server, poll_seconds=1, opened=True, held=held
    )
    try:
        assert _until(page, lambda: len(polls) >= 2), "a phone in view polls every second"
        page.evaluate(HIDE)
        page.wait_for_timeout(300)  # a poll already under way may still go out
        page.wait_for_timeout(held * 1000)  # and a held one be answered
        sent = len(polls)
        page.wait_for_timeout(3500)
        assert len(polls) == sent, "a hidden phone asked the server"
        page.evaluate(SHOW)
        assert _until(page, lambda: len(polls) >= sent + 2), "no polls once shown again"
    finally:
        context.close()


def test_a_phone_shown_again_shows_at_once_the_round_opened_meanwhile(chromium, live_server):
    from playwright.sync_api import expect

    from hhu_ranking.extensions import db
    from hhu_ranking.models import Round
    from hhu_ranking.services.rounds import open_round

    # a minute between polls, none held: only the phone being looked at can make it ask
    context, page, polls, ids = _joined(chromium, live_server, poll_seconds=60, opened=False)
    try:
        expect(page.locator(".phone-card.waiting")).to_be_visible()
        page.evaluate(HIDE)
        with live_server.app.app_context():
            open_round(db.session, db.session.get(Round, ids["round_id"]))
            db.session.commit()
        page.wait_for_timeout(1000)
        assert page.locator("#round-title").count() == 0
        page.evaluate(SHOW)
        expect(page.locator("#round-title")).to_have_text("Waarden", timeout=3000)
        assert len(polls) == 1
    finally:
        context.close()


def test_a_long_polled_phone_shows_the_round_as_it_opens_without_waiting_its_interval(
    chromium, live_server
):
    from playwright.sync_api import expect

    from hhu_ranking.extensions import db
    from hhu_ranking.models import Round
    from hhu_ranking.services.rounds import open_round

    # polls a second apart at the least, each held up to 25 s: the one poll the page sends
    # is answered as the round opens, and the round's own element asks once, and is held
    context, page, polls, ids = _joined(
        chromium, live_server, poll_seconds=1, opened=False, held=25
    )
    try:
        expect(page.locator(".phone-card.waiting")).to_be_visible()
        assert _until(page, lambda: len(polls) == 1), "the page did not ask to be told"
        page.wait_for_timeout(2000)
        assert len(polls) == 1, "a held poll was answered while nothing changed"
        with live_server.app.app_context():
            open_round(db.session, db.session.get(Round, ids["round_id"]))
            db.session.commit()
        expect(page.locator("#round-title")).to_have_text("Waarden", timeout=3000)
        assert _until(page, lambda: len(polls) == 2), "the round's element did not ask"
        page.wait_for_timeout(2000)
        assert len(polls) == 2
    finally:
        context.close()
