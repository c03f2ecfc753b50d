"""The reveal, driven by the facilitator's keyboard on one screen, followed by a second
screen and a phone.

A sealed round (results hidden while voting) over Mensgericht, Regiobreed and
Zelfsturend: 3 ballots A, B, C and 2 ballots B, C, A (one of them the phone's),
so the consensus is Mensgericht, Regiobreed, Zelfsturend. Closing it starts the
reveal at nothing shown; space, Page Down and arrow right (a clicker sends Page
Down) show places 3, 2 and 1; Page Up goes back one; a second screen and its
reload show the same; the phone follows and, once everything is shown, shows
where it stands. With reduced motion the place comes in without animation.
"""

from __future__ import annotations

import pytest
from clock import SESSION_DAY
from sqlalchemy import select

from .conftest import FACILITATOR
from .login import log_in

pytestmark = pytest.mark.browser

ITEMS = ["Mensgericht", "Regiobreed", "Zelfsturend"]
KEMENY = '[data-result="kemeny"] li .item-title'


def _sealed_round(app):
    from factories import add_participant

    from hhu_ranking.extensions import db
    from hhu_ranking.models import MeetingKind
    from hhu_ranking.services import rounds
    from hhu_ranking.services.ballots import cast_ballot
    from hhu_ranking.services.sessions import create_session

    with app.app_context():
        session = create_session(
            db.session, title="Netwerkbijeenkomst", held_on=SESSION_DAY, kind=MeetingKind.NETWORK
        )
        round_ = rounds.add_round(
            db.session,
            session,
            title="Waarden",
            items=[rounds.ItemSpec(t) for t in ITEMS],
            results_live=False,
        )
        rounds.open_round(db.session, round_)
        a, b, c = [i.id for i in round_.items]
        for number, ranking in enumerate([[a, b, c]] * 3 + [[b, c, a]]):
            participant, _token = add_participant(session, organisation_other=f"Buurt {number}")
            cast_ballot(db.session, round_, participant, ranking)
        db.session.commit()
        return session.join_code, round_.id, [b, c, a]


def _phone_votes_and_round_closes(app, round_id, ranking):
    """The phone's own ballot (it joined in the browser), then the facilitator closes."""
    from hhu_ranking.extensions import db
    from hhu_ranking.models import Participant, Round
    from hhu_ranking.services import rounds
    from hhu_ranking.services.ballots import cast_ballot

    with app.app_context():
        round_ = db.session.get(Round, round_id)
        phone = db.session.scalar(
            select(Participant)
            .where(Participant.organisation_other == "Wijkinitiatief")
            .order_by(Participant.id.desc())
        )
        cast_ballot(db.session, round_, phone, ranking)
        rounds.close_round(db.session, round_)
        db.session.commit()


def test_the_facilitator_reveals_by_keyboard_and_everyone_follows(chromium, live_server):
    from playwright.sync_api import expect

    base = live_server.url
    code, round_id, phone_ranking = _sealed_round(live_server.app)

    phone_context = chromium.new_context(
        viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True
    )
    phone = phone_context.new_page()
    phone.goto(f"{base}/j/{code}")
    phone.locator("input[name=organisation]").fill("Wijkinitiatief")
    phone.locator("select[name=pillar]").select_option(label="Praktijk en uitvoering")
    phone.locator("main form button[type=submit]").click()
    expect(phone.locator("#round-title")).to_have_text("Waarden")
    phone.wait_for_load_state("load")
    _phone_votes_and_round_closes(live_server.app, round_id, phone_ranking)

    leader_context = chromium.new_context(viewport={"width": 1280, "height": 720})
    leader = leader_context.new_page()
    log_in(leader, base, FACILITATOR)
    leader.goto(f"{base}/scherm/{code}")
    second_context = chromium.new_context(
        viewport={"width": 1920, "height": 1080}, reduced_motion="reduce"
    )
    second = second_context.new_page()
    second.goto(f"{base}/scherm/{code}")
    try:
        for screen in (leader, second):
            expect(screen.locator(KEMENY)).to_have_text(["?", "?", "?"])
        expect(phone.locator('[data-standing="reveal"]')).to_contain_text("0 van 3")

        leader.keyboard.press("Space")
        expect(leader.locator(KEMENY)).to_have_text(["?", "?", "Zelfsturend"])
        expect(second.locator(KEMENY)).to_have_text(["?", "?", "Zelfsturend"])
        expect(phone.locator('[data-standing="places"] li')).to_have_text(["3 Zelfsturend"])

        leader.keyboard.press("PageDown")  # what a presentation clicker sends
        expect(leader.locator(KEMENY)).to_have_text(["?", "Regiobreed", "Zelfsturend"])
        leader.keyboard.press("PageUp")
        expect(leader.locator(KEMENY)).to_have_text(["?", "?", "Zelfsturend"])
        leader.keyboard.press("ArrowRight")
        leader.keyboard.press("ArrowRight")
        expect(leader.locator(KEMENY)).to_have_text(ITEMS)
        expect(leader.locator('[data-result="borda"]')).to_be_visible()

        # the second screen follows, and a reload shows the same place
        expect(second.locator(KEMENY)).to_have_text(ITEMS)
        second.reload()
        expect(second.locator(KEMENY)).to_have_text(ITEMS)
        # reduced motion: the first place comes in without its animation
        newest = second.locator(".revealed-now")
        expect(newest).to_have_count(1)
        assert newest.evaluate("el => getComputedStyle(el).animationName") == "none"
        assert (
            leader.locator(".revealed-now").evaluate("el => getComputedStyle(el).animationName")
            == "reveal-in"
        )

        # the phone followed, and now shows where it stands, on its own screen only
        expect(phone.locator('[data-standing="places"] li')).to_have_text(
            ["1 Mensgericht", "2 Regiobreed", "3 Zelfsturend"]
        )
        # its own part comes with its ballot, fetched a moment after the last place
        expect(phone.locator('[data-standing="top"] li').first).to_have_text(
            "Jouw nummer 1, ‘Regiobreed’, staat in de zaal op plaats 2.", timeout=15000
        )
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        phone.screenshot(path=str(_artefacts() / "phone-standing-360x640.png"), full_page=True)
        leader.screenshot(path=str(_artefacts() / "reveal-1280x720.png"))
    finally:
        for context in (phone_context, leader_context, second_context):
            context.close()


def _artefacts():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "test-artifacts" / "screen"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
